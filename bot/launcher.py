"""Starts and stops the Rasa server and the action server, checks their
health, trains the model when its inputs changed, and owns the API token."""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import json
import logging
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import httpx

from regiecoach.config import ROOT, Settings

log = logging.getLogger(__name__)

TRAIN_LOCK = Path("/tmp/regiecoach-train.lock")


# What a trained model depends on besides data/: our NLU components, the
# in-repo modules they import and the files those read. A change in any of
# them retrains (tests/test_launcher.py checks the list is complete).
MODEL_CODE = ("rasa_addons", "regiecoach/__init__.py", "regiecoach/crisis.py", "regiecoach/dutch/__init__.py",
              "regiecoach/dutch/text.py", "content/crisis_lexicon.yml")


def model_inputs(config: Path) -> List[Path]:
    """Every file training reads: the config, domain.yml, data/ and MODEL_CODE."""
    files = [config, ROOT / "domain.yml"] + sorted(p for p in (ROOT / "data").rglob("*") if p.is_file())
    for name in MODEL_CODE:
        path = ROOT / name
        files += sorted(p for p in path.rglob("*.py")) if path.is_dir() else [path]
    return files


def fingerprint(config: Path) -> str:
    """Hash of everything training reads (model_inputs)."""
    digest = hashlib.sha256()
    for path in model_inputs(config):
        digest.update(str(path.resolve().relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def model_path(config: Path) -> Path:
    name = "regiecoach" if config.name == "config.yml" else f"regiecoach-{config.stem.replace('config.', '')}"
    return ROOT / "models" / f"{name}.tar.gz"


def current_model(config: Path) -> Optional[Path]:
    """The trained model for `config` if it matches today's data, else None."""
    model = model_path(config)
    stamp = model.with_suffix("").with_suffix(".fingerprint")
    if model.exists() and stamp.exists() and stamp.read_text() == fingerprint(config):
        return model
    return None


def ensure_model(config: Path = ROOT / "config.yml", quiet: bool = False) -> Path:
    """Train only when data/, the config or domain.yml changed (or no model)."""
    if current_model(config):
        return model_path(config)
    model = model_path(config)
    stamp = model.with_suffix("").with_suffix(".fingerprint")
    wanted = fingerprint(config)
    model.parent.mkdir(parents=True, exist_ok=True)
    print(f"Het model wordt getraind met {config.name} (dit duurt een paar minuten)...", flush=True)
    TRAIN_LOCK.touch(exist_ok=True)
    with TRAIN_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # never two trainings at once on 2 cores
        cmd = [sys.executable, "-m", "rasa", "train", "--config", str(config), "--domain", "domain.yml",
               "--data", "data", "--out", str(model.parent), "--fixed-model-name", model.name[: -len(".tar.gz")]]
        result = subprocess.run(cmd, cwd=ROOT, env=service_env({}),
                                stdout=subprocess.DEVNULL if quiet else None)
        if result.returncode != 0:
            raise SystemExit("Training failed; see the output above.")
    stamp.write_text(wanted)
    return model


def service_env(extra: Dict[str, str]) -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    # Rasa's telemetry reports every server start to Rasa's analytics service;
    # nothing of ours leaves the machine. It also unpacked the whole model once
    # more to fingerprint it: seconds of every start.
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env["SANIC_HOST"] = "127.0.0.1"  # the action server listens on loopback only
    env.update(extra)
    return env


START_GRACE = 240.0  # seconds a (re)started service may take to become healthy (Rasa loads its model)
HANG_CHECKS = 5  # failed health checks in a row (10-20 s) before a running service counts as hung
BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 60.0)
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: the kernel kills it when the launcher dies,
    even by kill -9, so no orphan keeps a port or the tracker file."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


@dataclass
class Service:
    """One supervised child: its command, health check and restart state."""

    name: str
    cmd: List[str]
    proc: Optional[subprocess.Popen] = None
    started_at: float = 0.0
    up: bool = False  # answered its health check at the last look
    ever_up: bool = False  # answered at least once since this start
    failed_checks: int = 0
    restarts: int = 0  # restarts since it was last healthy (for the backoff)
    restart_at: Optional[float] = None  # when a dead service is started again

    def backoff(self) -> float:
        return BACKOFF[min(self.restarts, len(BACKOFF) - 1)]


@dataclass
class Services:
    settings: Settings
    token: str
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)
    owned: bool = True
    actions_token: str = ""
    env: Dict[str, str] = field(default_factory=dict)
    services: Dict[str, Service] = field(default_factory=dict)

    def dead(self) -> List[str]:
        return [name for name, proc in self.processes.items() if proc.poll() is not None]

    def down(self) -> List[str]:
        """Services that do not answer now (dead, starting or hung)."""
        return [name for name, service in self.services.items() if not service.up]

    def spawn(self, name: str) -> None:
        service = self.services[name]
        logs = self.settings.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        with (logs / f"{name}.log").open("ab") as log_file:
            service.proc = subprocess.Popen(service.cmd, cwd=ROOT, env=self.env, stdout=log_file,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True, preexec_fn=_die_with_parent)
        service.started_at = time.monotonic()
        service.up = service.ever_up = False
        service.failed_checks, service.restart_at = 0, None
        self.processes[name] = service.proc
        write_pid_file(self.settings, self.processes)

    def probe(self) -> Dict[str, bool]:
        """Health of each service (blocking HTTP; run it off the event loop)."""
        return {"rasa": rasa_healthy(self.settings, self.token), "actieserver": actions_healthy(self.settings)}

    def supervise(self, health: Dict[str, bool], now: Optional[float] = None) -> List[str]:
        """One round of supervision with fresh health results: restart what
        died or hangs (with backoff). Returns what was (re)started. Spawning
        must run on the thread that lives as long as the launcher (PDEATHSIG)."""
        now = time.monotonic() if now is None else now
        started: List[str] = []
        for name, service in self.services.items():
            proc = service.proc
            if proc is not None and proc.poll() is None:
                if health.get(name):
                    if service.restarts:
                        log.warning("%s antwoordt weer", name)
                    service.up = service.ever_up = True
                    service.failed_checks = service.restarts = 0
                    continue
                service.up = False
                service.failed_checks += 1
                # A starting service gets START_GRACE; one that answered before gets HANG_CHECKS tries.
                hung = (service.failed_checks >= HANG_CHECKS if service.ever_up
                        else now - service.started_at >= START_GRACE)
                if not hung:
                    continue
                log.warning("%s antwoordt niet meer; ik start hem opnieuw", name)
                kill_group(proc.pid)
                proc.wait()
            service.up = False
            if service.restart_at is None:
                service.restart_at = now + service.backoff()
                log.warning("%s is gestopt; opnieuw starten over %.0f s", name, service.backoff())
            if now >= service.restart_at:
                service.restarts += 1
                self.spawn(name)
                started.append(name)
        return started

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.time() + 15
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                kill_group(proc.pid)
        if self.owned:
            token_file(self.settings).unlink(missing_ok=True)
            pid_file(self.settings).unlink(missing_ok=True)


def token_file(settings: Settings) -> Path:
    return settings.data_dir / "run" / "rasa_token"


def pid_file(settings: Settings) -> Path:
    """The launcher's pid and its children's process groups, so the next start
    can clean up after a launcher that was killed with -9."""
    return settings.data_dir / "run" / "services.json"


def write_pid_file(settings: Settings, processes: Dict[str, subprocess.Popen]) -> None:
    path = pid_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"launcher": os.getpid(), "groups": {n: p.pid for n, p in processes.items()}}))
    tmp.replace(path)


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ours(pid: int) -> bool:
    """Rasa or the action server (a pid may have been reused since)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return any(part in cmdline for part in (b"rasa_addons.run", b"bot.action_server"))


def launcher_alive(settings: Settings) -> bool:
    try:
        pid = int(json.loads(pid_file(settings).read_text())["launcher"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    # Any live process counts (a test harness may be the launcher): adopting by
    # mistake costs supervision, killing by mistake would cost another bot its services.
    return pid != os.getpid() and _alive(pid)


def clear_orphans(settings: Settings) -> int:
    """Kill the children of a launcher that died without cleaning up (kill -9):
    nobody watches them, so they are not adopted. Returns how many groups."""
    path = pid_file(settings)
    if not path.exists() or launcher_alive(settings):
        return 0
    try:
        groups = [int(pgid) for pgid in json.loads(path.read_text()).get("groups", {}).values()]
    except (OSError, ValueError, AttributeError, TypeError):
        groups = []
    killed = [pgid for pgid in groups if _alive(pgid) and _ours(pgid)]
    for pgid in killed:
        kill_group(pgid)
    deadline = time.time() + 10  # they free their ports when they are gone
    while any(_alive(pgid) and _ours(pgid) for pgid in killed) and time.time() < deadline:
        time.sleep(0.1)
    path.unlink(missing_ok=True)
    token_file(settings).unlink(missing_ok=True)
    if killed:
        log.warning("%d achtergebleven processen van een eerdere start gestopt", len(killed))
    return len(killed)


def rasa_healthy(settings: Settings, token: str) -> bool:
    try:
        status = httpx.get(f"{settings.rasa_url}/status", params={"token": token}, timeout=2)
        return status.status_code == 200 and bool(status.json().get("model_file"))
    except (httpx.HTTPError, ValueError):
        return False


def actions_healthy(settings: Settings) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{settings.actions_port}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def healthy(settings: Settings, token: str) -> bool:
    return rasa_healthy(settings, token) and actions_healthy(settings)


def running_services(settings: Settings) -> Optional[Services]:
    """Services another launcher (make run) already started and still watches, if healthy."""
    path = token_file(settings)
    if path.exists() and launcher_alive(settings):
        token = path.read_text().strip()
        if healthy(settings, token):
            return Services(settings, token, owned=False)
    return None


def prepare_tracker_db(path: Path) -> None:
    """Create Rasa's tracker file in WAL mode before Rasa opens it (the mode
    is stored in the file): the bot's prune never blocks Rasa's reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=10)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def start_services(settings: Settings, model: Path, timeout: float = 180.0,
                   extra_env: Optional[Dict[str, str]] = None) -> Services:
    token = settings.rasa_token or new_token()
    actions_token = new_token()
    logs = settings.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    clear_orphans(settings)
    prepare_tracker_db(settings.tracker_db)
    env = service_env({
        "REGIECOACH_RASA_TOKEN": token,
        "REGIECOACH_ACTIONS_TOKEN": actions_token,
        "ACTIONS_PORT": str(settings.actions_port),
        "ACTIONS_URL": settings.actions_url,
        "RASA_TRACKER_DB": str(settings.tracker_db),
        "REGIECOACH_DB": str(settings.db_path),
        "REGIECOACH_DATA_DIR": str(settings.data_dir),
        **(extra_env or {}),
    })
    services = Services(settings, token, actions_token=actions_token, env=env)
    commands = {
        # Both take their tokens from the environment, so `ps` never shows them.
        "actieserver": [sys.executable, "-m", "bot.action_server"],
        "rasa": [sys.executable, "-m", "rasa_addons.run", "--enable-api",
                 "--interface", "127.0.0.1", "--port", str(settings.rasa_port), "--model", str(model),
                 "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"],
    }
    for name, cmd in commands.items():
        services.services[name] = Service(name, cmd)
        services.spawn(name)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if services.dead():
            dead = services.dead()
            services.stop()
            raise SystemExit(f"{', '.join(dead)} stopte bij het starten; zie {logs}.")
        if healthy(settings, token):
            for service in services.services.values():
                service.up = service.ever_up = True
            path = token_file(settings)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(token)
            return services
        time.sleep(0.5)
    services.stop()
    raise SystemExit(f"Rasa of de actieserver werd niet op tijd gezond; zie {logs}.")


@contextlib.contextmanager
def services_running(settings: Settings, config: Path = ROOT / "config.yml",
                     allow_ci_model: bool = False) -> Iterator[Services]:
    """Reuse services that run already, else train if needed and start them.
    With allow_ci_model, an up-to-date CI model (from `make test`) is used
    when the production model would first need training."""
    existing = running_services(settings)
    if existing:
        yield existing
        return
    ci_config = ROOT / "config.ci.yml"
    if allow_ci_model and config.name == "config.yml" and not current_model(config) and current_model(ci_config):
        print("Het volledige model is er nog niet; ik gebruik het testmodel. `make train` maakt het volledige.",
              file=sys.stderr, flush=True)
        config = ci_config
    model = ensure_model(config)
    services = start_services(settings, model)
    try:
        yield services
    finally:
        services.stop()
