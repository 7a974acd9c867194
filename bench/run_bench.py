"""`make bench`: the whole system on this machine, measured in one run.

Usage: .venv/bin/python bench/run_bench.py [--model PATH] [--seconds 30] [--scheduler-users 10000]

Steps (everything on 127.0.0.1; nothing reaches Telegram):
1. train config.yml into a temp dir (models/ is left alone) -> train_s;
   with --model the given model is used and train_s is null;
2. start Rasa and the action server with that model, then the real bot
   (`python -m bot run`, PTB polling) against bench/fake_bot_api.py ->
   ready_s, until the bot's first getUpdates;
3. 1, 10, 20 and 50 simulated users, each a new chat that onboards, does a
   check-in (custom actions writing SQLite) and asks a few questions, with
   1-3 s think time; latency is from the update being offered in getUpdates
   until the matching sendMessage arrives;
4. the same 20-user load on Rasa's REST channel alone (no bot, no Telegram);
5. 10,000 users with a due check-in, sent by the bot's scheduler through the
   fake server, which answers 429 above 30 msg/s or 1 msg/s per chat;
6. scripts/nlu_eval.py --no-cv --json: accuracy, baseline, crisis false positives.
Resident memory (RSS, a process and its children) is sampled idle and under
load. Prints one table and writes bench/results/latest.json and latest.md.
Asserts nothing: the table says which targets were met.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import fcntl
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fake_bot_api import FakeBotApi  # noqa: E402
from bot.bridge import RasaClient  # noqa: E402
from bot.launcher import TRAIN_LOCK, Services, service_env, start_services  # noqa: E402
from regiecoach.config import ROOT, Settings, get_settings  # noqa: E402
from regiecoach.storage import iso, open_db  # noqa: E402

RESULTS = ROOT / "bench" / "results"
RASA_PORT, ACTIONS_PORT = 6705, 6755
FAKE_TOKEN = "123456:bench-token-not-real"
REPLY_TIMEOUT = 20.0

# One user's conversation. ("button", title) presses that button of the latest
# keyboard (a callback query, as in Telegram); ("text", ...) types a message.
ONBOARDING: List[Tuple[str, str]] = [("text", "/start"), ("button", "Ja, dat is goed"),
                                     ("button", "In dienst bij een werkgever")]
REPEATED: List[Tuple[str, str]] = [
    ("text", "/checkin"), ("text", "Het gaat wel redelijk eigenlijk"), ("text", "5"), ("text", "overslaan"),
    ("text", "6"), ("text", "overslaan"), ("text", "overslaan"), ("text", "overslaan"), ("text", "overslaan"),
    ("text", "mag mijn werkgever vragen wat ik heb?"), ("text", "wat doet een bedrijfsarts?"), ("text", "dank je"),
]

TARGETS: Dict[str, Tuple[str, float]] = {
    "train_s": ("<=", 180), "ready_s": ("<=", 20), "p95_ms_20_users": ("<=", 300),
    "p95_ratio_to_rest_only": ("<=", 2.0), "rss_total_mb": ("<=", 1200), "scheduler_msgs_per_s": (">=", 27),
    "scheduler_429": ("<=", 0), "nlu_margin_points": (">=", 3.0), "crisis_false_positive_rate": ("<=", 0.03),
    "bench_s": ("<=", 900),
}


# --- measuring ------------------------------------------------------------------------

def percentile(values: List[float], q: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def descendants(pid: int) -> List[int]:
    children: Dict[int, List[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of a process and everything it started."""
    total = 0
    for each in descendants(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return round(total / 1024, 1)


def cpu_s(pid: int) -> float:
    """CPU time (user + system) used so far by a process and everything it started."""
    total = 0
    for each in descendants(pid):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU milliseconds the system spent per message during a phase."""

    def __init__(self, pids: Dict[str, int]) -> None:
        self.pids = dict(pids)
        self.start = {name: cpu_s(pid) for name, pid in self.pids.items()}

    def per_message_ms(self, messages: int) -> Dict[str, Optional[float]]:
        used = {name: cpu_s(pid) - self.start[name] for name, pid in self.pids.items()}
        if not messages:
            return {name: None for name in used}
        result: Dict[str, Optional[float]] = {name: round(v * 1000 / messages, 1) for name, v in used.items()}
        result["total"] = round(sum(used.values()) * 1000 / messages, 1)
        return result


@dataclass
class Memory:
    """Samples every process's RSS; keeps the idle values and the peak under load."""
    pids: Dict[str, int] = field(default_factory=dict)
    idle: Dict[str, float] = field(default_factory=dict)
    peak: Dict[str, float] = field(default_factory=dict)
    peak_total: float = 0.0

    def sample_idle(self) -> None:
        for name, pid in self.pids.items():
            self.idle[name] = rss_mb(pid)

    async def sample_while(self, until: asyncio.Event) -> None:
        while not until.is_set():
            now = {name: rss_mb(pid) for name, pid in self.pids.items()}
            for name, value in now.items():
                self.peak[name] = max(self.peak.get(name, 0.0), value)
            self.peak_total = max(self.peak_total, sum(now.values()))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(until.wait(), timeout=0.5)


@dataclass
class Phase:
    latencies: List[float] = field(default_factory=list)
    timeouts: int = 0

    def summary(self, seconds: float) -> Dict[str, Any]:
        p50, p95 = percentile(self.latencies, 0.5), percentile(self.latencies, 0.95)
        return {"n": len(self.latencies), "timeouts": self.timeouts,
                "p50_ms": None if p50 is None else round(p50 * 1000, 1),
                "p95_ms": None if p95 is None else round(p95 * 1000, 1),
                "msgs_per_s": round(len(self.latencies) / seconds, 2)}


def conversation() -> itertools.chain:
    return itertools.chain(ONBOARDING, itertools.cycle(REPEATED))


async def think() -> None:
    await asyncio.sleep(random.uniform(1.0, 3.0))


# --- the two kinds of simulated user ------------------------------------------------------

async def telegram_user(api: FakeBotApi, chat_id: int, until: float, phase: Phase) -> None:
    """Talks to the real bot through the fake Bot API."""
    await asyncio.sleep(random.uniform(0, 2))  # people do not all start at the same moment
    keyboard: Optional[Tuple[int, List[Dict[str, str]]]] = None
    for kind, text in conversation():
        if time.perf_counter() >= until:
            return
        # A reply may come in two messages, 1 s apart: wait until the chat is quiet.
        while time.perf_counter() - api.last_to_chat(chat_id) < 1.2:
            await asyncio.sleep(0.2)
        reply = api.next_message(chat_id)
        button = next((b for b in (keyboard[1] if keyboard else []) if b.get("text") == text), None)
        if kind == "button" and keyboard and button:
            update_id = api.offer_button(chat_id, keyboard[0], button["callback_data"])
        else:
            update_id = api.offer_text(chat_id, text)
        try:
            message_id, message = await asyncio.wait_for(reply, timeout=REPLY_TIMEOUT)
        except asyncio.TimeoutError:
            phase.timeouts += 1
            continue
        phase.latencies.append(message.at - api.offered_at.get(update_id, message.at))
        keyboard = (message_id, message.buttons) if message.buttons else keyboard
        await think()


async def rest_user(rasa: RasaClient, sender: str, until: float, phase: Phase, thinking: bool = True) -> None:
    """The same conversation on Rasa's REST channel alone (buttons send their payload).
    Without thinking it is a closed loop: the next message as soon as the reply is in."""
    if thinking:
        await asyncio.sleep(random.uniform(0, 2))
    buttons: Dict[str, str] = {}
    for kind, text in conversation():
        if time.perf_counter() >= until:
            return
        message = buttons.get(text, text) if kind == "button" else text
        started = time.perf_counter()
        try:
            replies = await asyncio.wait_for(rasa.message(sender, message), timeout=REPLY_TIMEOUT)
        except Exception:  # a timeout or Rasa refusing: counted, shown in the table
            phase.timeouts += 1
            continue
        phase.latencies.append(time.perf_counter() - started)
        found = {b.get("title", ""): b.get("payload", "") for r in replies for b in r.get("buttons") or []}
        buttons = found or buttons
        if thinking:
            await think()


async def run_users(make_user: Callable[[int, float, Phase], Any], users: int, seconds: float) -> Dict[str, Any]:
    phase = Phase()
    until = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(*(make_user(n, until, phase) for n in range(users)))
    return phase.summary(time.perf_counter() - started)


# --- the system under test ------------------------------------------------------------

def train(config: Path, out_dir: Path) -> Tuple[float, Path]:
    """The launcher's training command, into `out_dir`; only the training is timed,
    not the wait for another training on this machine (the shared lock)."""
    name = "bench-model"
    cmd = [sys.executable, "-m", "rasa", "train", "--config", str(config), "--domain", "domain.yml",
           "--data", "data", "--out", str(out_dir), "--fixed-model-name", name]
    TRAIN_LOCK.touch(exist_ok=True)
    with TRAIN_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        started = time.perf_counter()
        result = subprocess.run(cmd, cwd=ROOT, env=service_env({}), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"training failed:\n{result.stderr[-2000:]}")
    return seconds, out_dir / f"{name}.tar.gz"


class Bot:
    """`python -m bot run` in Telegram mode, reusing the services the bench started."""

    def __init__(self, settings: Settings, api: FakeBotApi) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_PORT=str(settings.rasa_port),
                   ACTIONS_PORT=str(settings.actions_port), REGIECOACH_DATA_DIR=str(settings.data_dir),
                   REGIECOACH_DB=str(settings.db_path), TELEGRAM_BOT_TOKEN=FAKE_TOKEN,
                   TELEGRAM_BASE_URL=api.base_url)
        env.pop("TELEGRAM_WEBHOOK_URL", None)
        log = (settings.data_dir / "logs" / "bot.log").open("ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    async def wait_polling(self, api: FakeBotApi, timeout: float = 60) -> None:
        api.first_get_updates = None
        deadline = time.perf_counter() + timeout
        while api.first_get_updates is None:
            if self.proc.poll() is not None or time.perf_counter() > deadline:
                raise SystemExit("the bot did not start polling; see its log in the bench data dir")
            await asyncio.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def add_due_checkins(db_path: Path, count: int, due: dt.datetime, first_chat: int) -> None:
    """`count` consenting users, each with a check-in due now (bulk insert, like the tests)."""
    db = open_db(db_path)
    db.execute("PRAGMA synchronous = OFF")  # a bulk load, not the system under test
    created = iso(due - dt.timedelta(days=30))
    db["users"].insert_all(
        ({"chat_id": str(first_chat + i), "consent": "yes", "work_status": "employed", "created_at": created}
         for i in range(count)), batch_size=1000)
    db["reminders"].insert_all(
        ({"chat_id": str(first_chat + i), "kind": "checkin", "due_at": iso(due), "payload": "{}", "status": "pending",
          "attempts": 0, "dedupe_key": f"bench-checkin:{i}", "created_at": created} for i in range(count)),
        batch_size=1000)
    db.conn.commit()
    db.close()


# --- the run ----------------------------------------------------------------------------

async def measure(args: argparse.Namespace, settings: Settings, model: Path, out: Dict[str, Any],
                  notes: List[str]) -> None:
    api = await FakeBotApi().start()
    memory = Memory()
    started = time.perf_counter()
    services: Services = await asyncio.to_thread(start_services, settings, model)
    services_s = time.perf_counter() - started
    bot = Bot(settings, api)
    try:
        await bot.wait_polling(api)
        out["ready_s"] = round(api.first_get_updates - started, 1)  # type: ignore[operator]
        out["ready_services_s"] = round(services_s, 1)
        memory.pids = {**{name: proc.pid for name, proc in services.processes.items()}, "bot": bot.proc.pid}
        # Warm up (first requests load lazily), then let memory settle before the idle sample.
        await run_users(lambda n, until, phase: telegram_user(api, 900_000 + n, until, phase), 2, 8)
        await asyncio.sleep(2)
        memory.sample_idle()

        loaded = asyncio.Event()
        sampler = asyncio.create_task(memory.sample_while(loaded))
        for users in args.users:
            cpu = CpuMeter(memory.pids)
            summary = await run_users(
                lambda n, until, phase, base=users * 1000: telegram_user(api, base + n, until, phase),
                users, args.seconds)
            summary["cpu_ms_per_msg"] = cpu.per_message_ms(summary["n"])
            out[f"bot_{users}_users"] = summary
            out[f"p50_ms_{users}_users"], out[f"p95_ms_{users}_users"] = summary["p50_ms"], summary["p95_ms"]
            print(f"  bot, {users} users: {summary}", flush=True)
        rasa = RasaClient(settings.rasa_url, services.token)
        cpu = CpuMeter({name: proc.pid for name, proc in services.processes.items()})
        rest = await run_users(lambda n, until, phase: rest_user(rasa, f"bench-rest-{n}", until, phase), 20,
                               args.seconds)
        await rasa.close()
        rest["cpu_ms_per_msg"] = cpu.per_message_ms(rest["n"])
        out["rest_only_20_users"] = rest
        out["rest_only_p50_ms_20_users"], out["rest_only_p95_ms_20_users"] = rest["p50_ms"], rest["p95_ms"]
        print(f"  Rasa REST alone, 20 users: {rest}", flush=True)
        loaded.set()
        await sampler

        # The scheduler: a fresh bot start finds `count` check-ins due at once.
        bot.stop()
        count = args.scheduler_users
        await asyncio.to_thread(add_due_checkins, settings.db_path, count, dt.datetime.now(dt.timezone.utc)
                                - dt.timedelta(minutes=1), 10_000_000)
        api.keep_sent = False
        api.sent_count, api.first_sent, api.last_sent, api.rejected_429 = 0, None, None, 0
        bot = Bot(settings, api)
        memory.pids["bot"] = bot.proc.pid
        cpu = CpuMeter(memory.pids)
        loaded = asyncio.Event()
        sampler = asyncio.create_task(memory.sample_while(loaded))
        deadline = time.perf_counter() + count / 20 + 120
        while api.sent_count < count and time.perf_counter() < deadline and bot.proc.poll() is None:
            await asyncio.sleep(0.5)
        loaded.set()
        await sampler
        span = (api.last_sent or 0) - (api.first_sent or 0)
        out["scheduler_sent"] = api.sent_count
        out["scheduler_msgs_per_s"] = round((api.sent_count - 1) / span, 2) if span > 0 else None
        out["scheduler_429"] = api.rejected_429
        out["scheduler_s"] = round(span, 1)
        out["scheduler_cpu_ms_per_msg"] = cpu.per_message_ms(api.sent_count)
        out["scheduler_users_in_db"] = count
        if api.sent_count < count:
            notes.append(f"scheduler: only {api.sent_count} of {count} check-ins arrived before the deadline")
    finally:
        bot.stop()
        services.stop()
        await api.stop()
    sizes = {"app_db_mb": settings.db_path, "tracker_db_mb": settings.tracker_db}
    for key, path in sizes.items():
        files = [path, path.with_name(path.name + "-wal")]
        out[key] = round(sum(f.stat().st_size for f in files if f.exists()) / 2**20, 1)
    out["rss_mb"] = {name: {"idle": memory.idle.get(name), "load": memory.peak.get(name)} for name in memory.pids}
    out["rss_total_idle_mb"] = round(sum(v for v in memory.idle.values() if v), 1)
    out["rss_total_mb"] = round(memory.peak_total, 1)


def daytime_zone() -> str:
    """A time zone where it is daytime now, so the scheduler phase is not held back
    by quiet hours when the bench runs at night (the rules themselves are tested)."""
    from zoneinfo import ZoneInfo

    from regiecoach.storage.reminders import in_quiet_hours

    for name in ("Europe/Amsterdam", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Asia/Kolkata",
                 "Pacific/Auckland", "America/Sao_Paulo", "Asia/Dubai"):
        moment = dt.datetime.now(dt.timezone.utc)
        if not in_quiet_hours(moment, ZoneInfo(name)) and not in_quiet_hours(moment + dt.timedelta(hours=1),
                                                                             ZoneInfo(name)):
            return name
    return "Europe/Amsterdam"


def nlu_eval(out: Dict[str, Any], notes: List[str]) -> None:
    path = Path(tempfile.mkdtemp(prefix="regiecoach-bench-nlu-")) / "nlu.json"
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "scripts/nlu_eval.py", "--no-cv", "--json", str(path)], cwd=ROOT,
                            env=service_env({}), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    out["nlu_eval_s"] = round(time.perf_counter() - started, 1)
    keys = ("accuracy", "baseline_accuracy", "crisis_false_positive_rate")
    if result.returncode != 0 or not path.exists():
        why = "does not know --json yet" if "--json" in result.stderr else f"failed (exit {result.returncode})"
        notes.append(f"scripts/nlu_eval.py {why}: NLU keys are null")
        for key in keys:
            out["nlu_accuracy" if key == "accuracy" else key] = None
        return
    data = json.loads(path.read_text())
    for key in keys:
        value = data.get(key)
        out["nlu_accuracy" if key == "accuracy" else key] = round(value, 4) if isinstance(value, float) else value
    out["nlu_eval"] = data


def verdict(key: str, value: Any) -> str:
    if key not in TARGETS:
        return ""
    if value is None:
        return "not measured"
    op, limit = TARGETS[key]
    ok = value <= limit if op == "<=" else value >= limit
    return f"{'ok' if ok else 'MISSED'} ({op} {limit:g})"


def table(out: Dict[str, Any]) -> List[Tuple[str, Any, str]]:
    keys = ["train_s", "ready_s", "ready_services_s", "rss_total_idle_mb", "rss_total_mb"]
    rows = [(k, out.get(k), verdict(k, out.get(k))) for k in keys]
    for name, values in (out.get("rss_mb") or {}).items():
        rows.append((f"rss_mb {name} idle / load", f"{values['idle']} / {values['load']}", ""))
    for users in out.get("users", []):
        phase = out.get(f"bot_{users}_users") or {}
        key = f"p95_ms_{users}_users"
        rows.append((f"p50_ms_{users}_users", out.get(f"p50_ms_{users}_users"), f"n={phase.get('n')}, "
                     f"{phase.get('msgs_per_s')} msg/s, timeouts={phase.get('timeouts')}"))
        rows.append((key, out.get(key), verdict(key, out.get(key))))
    rest = out.get("rest_only_20_users") or {}
    rows += [("rest_only_p50_ms_20_users", out.get("rest_only_p50_ms_20_users"),
              f"n={rest.get('n')}, timeouts={rest.get('timeouts')}"),
             ("rest_only_p95_ms_20_users", out.get("rest_only_p95_ms_20_users"), "")]
    for key in ("p95_ratio_to_rest_only", "scheduler_sent", "scheduler_msgs_per_s", "scheduler_429",
                "nlu_accuracy", "baseline_accuracy", "nlu_margin_points", "crisis_false_positive_rate",
                "nlu_eval_s", "bench_s"):
        rows.append((key, out.get(key), verdict(key, out.get(key))))
    return rows


def render(rows: List[Tuple[str, Any, str]]) -> Tuple[str, str]:
    width = max(len(r[0]) for r in rows)
    text = "\n".join(f"{k:<{width}}  {'-' if v is None else v!s:>14}  {c}" for k, v, c in rows)
    md = "| key | value | target / note |\n|---|---:|---|\n" + "\n".join(
        f"| `{k}` | {'–' if v is None else v} | {c} |" for k, v, c in rows)
    return text, md


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config.yml", help="the config to train and time")
    parser.add_argument("--model", help="use this trained model; skips training (train_s is null)")
    parser.add_argument("--seconds", type=float, default=30, help="length of each load phase")
    parser.add_argument("--users", type=lambda v: [int(x) for x in v.split(",")], default=[1, 10, 20, 50])
    parser.add_argument("--scheduler-users", type=int, default=10_000)
    parser.add_argument("--skip-nlu", action="store_true")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    began = time.perf_counter()
    random.seed(20261203)
    data_dir = Path(tempfile.mkdtemp(prefix="regiecoach-bench-"))
    (data_dir / "logs").mkdir()
    os.environ["REGIECOACH_TZ"] = daytime_zone()
    settings = replace(get_settings(), data_dir=data_dir, db_path=data_dir / "regiecoach.db", rasa_port=RASA_PORT,
                       actions_port=ACTIONS_PORT, rasa_token=None, timezone=os.environ["REGIECOACH_TZ"])
    os.environ.update(REGIECOACH_DATA_DIR=str(data_dir), REGIECOACH_DB=str(settings.db_path))
    out: Dict[str, Any] = {"started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                           "users": args.users, "phase_seconds": args.seconds, "cpus": os.cpu_count()}
    notes: List[str] = []
    if settings.timezone != "Europe/Amsterdam":
        notes.append(f"it is night in Amsterdam: the bot ran with REGIECOACH_TZ={settings.timezone} so the "
                     "scheduler phase is not held back by quiet hours")
    if args.model:
        model = Path(args.model).resolve()
        out["train_s"], out["model"] = None, str(args.model)
        notes.append(f"train_s not measured: --model {args.model}")
    else:
        print(f"training {args.config} into a temp dir ...", flush=True)
        out["train_s"], model = train(ROOT / args.config, data_dir / "model")
        out["train_s"] = round(out["train_s"], 1)
        out["model"] = f"{args.config} (trained in this run)"
    print(f"measuring the running system (data in {data_dir}) ...", flush=True)
    asyncio.run(measure(args, settings, model, out, notes))
    if args.skip_nlu:
        notes.append("NLU keys not measured: --skip-nlu")
    else:
        print("NLU evaluation ...", flush=True)
        nlu_eval(out, notes)
    if out.get("p95_ms_20_users") and out.get("rest_only_p95_ms_20_users"):
        out["p95_ratio_to_rest_only"] = round(out["p95_ms_20_users"] / out["rest_only_p95_ms_20_users"], 2)
    if out.get("nlu_accuracy") is not None and out.get("baseline_accuracy") is not None:
        out["nlu_margin_points"] = round((out["nlu_accuracy"] - out["baseline_accuracy"]) * 100, 1)
    out["bench_s"] = round(time.perf_counter() - began, 1)
    out["notes"] = notes
    text, md = render(table(out))
    print("\n" + text)
    for note in notes:
        print(f"note: {note}")
    target = Path(args.out)
    target.mkdir(parents=True, exist_ok=True)
    (target / "latest.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    header = (f"# Bench {out['started_at']}\n\n`{' '.join(['bench/run_bench.py', *sys.argv[1:]])}` on {out['cpus']} "
              f"cores, model: {out['model']}. Made by `make bench`; see bench/run_bench.py for what each key means.\n\n")
    (target / "latest.md").write_text(header + md + "\n" + "".join(f"\n- {n}" for n in notes) + "\n")
    print(f"\nwrote {target / 'latest.json'} and {target / 'latest.md'}")


if __name__ == "__main__":
    main()
