"""Starts and stops the Rasa server and the action server, checks their
health, trains the model when its inputs changed, and owns the API token."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import httpx

from bot.config import ROOT, Settings

log = logging.getLogger(__name__)

TRAIN_LOCK = Path("/tmp/regiecoach-train.lock")


# What a trained model depends on besides data/: our NLU components, the
# in-repo modules they import and the files those read. A change in any of
# them retrains (tests/test_launcher.py checks the list is complete).
MODEL_CODE = ("rasa_addons", "bot/__init__.py", "bot/crisis.py", "content/crisis_lexicon.yml")


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
    env["SANIC_HOST"] = "127.0.0.1"  # the action server listens on loopback only
    env.update(extra)
    return env


@dataclass
class Services:
    settings: Settings
    token: str
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)
    owned: bool = True

    def dead(self) -> List[str]:
        return [name for name, proc in self.processes.items() if proc.poll() is not None]

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
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
        token_file(self.settings).unlink(missing_ok=True)


def token_file(settings: Settings) -> Path:
    return settings.data_dir / "run" / "rasa_token"


def healthy(settings: Settings, token: str) -> bool:
    try:
        status = httpx.get(f"{settings.rasa_url}/status", params={"token": token}, timeout=2)
        actions = httpx.get(f"http://127.0.0.1:{settings.actions_port}/health", timeout=2)
        return status.status_code == 200 and bool(status.json().get("model_file")) and actions.status_code == 200
    except (httpx.HTTPError, ValueError):
        return False


def running_services(settings: Settings) -> Optional[Services]:
    """Services another launcher (make run) already started, if healthy."""
    path = token_file(settings)
    if path.exists():
        token = path.read_text().strip()
        if healthy(settings, token):
            return Services(settings, token, owned=False)
    return None


def start_services(settings: Settings, model: Path, timeout: float = 180.0,
                   extra_env: Optional[Dict[str, str]] = None) -> Services:
    token = settings.rasa_token or secrets.token_urlsafe(32)
    logs = settings.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = service_env({
        "REGIECOACH_RASA_TOKEN": token,
        "ACTIONS_PORT": str(settings.actions_port),
        "ACTIONS_URL": settings.actions_url,
        "RASA_TRACKER_DB": str(settings.tracker_db),
        "REGIECOACH_DB": str(settings.db_path),
        "REGIECOACH_DATA_DIR": str(settings.data_dir),
        **(extra_env or {}),
    })
    services = Services(settings, token)
    commands = {
        "actieserver": [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(settings.actions_port)],
        # bot.rasa_run passes the token from the environment, so `ps` never shows it.
        "rasa": [sys.executable, "-m", "bot.rasa_run", "--enable-api",
                 "--interface", "127.0.0.1", "--port", str(settings.rasa_port), "--model", str(model),
                 "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"],
    }
    for name, cmd in commands.items():
        log_file = (logs / f"{name}.log").open("ab")
        services.processes[name] = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                                    stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if services.dead():
            services.stop()
            raise SystemExit(f"{', '.join(services.dead())} stopte bij het starten; zie {logs}.")
        if healthy(settings, token):
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
