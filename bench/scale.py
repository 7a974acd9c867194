"""`make bench-scale`: does a second Rasa worker add throughput on this machine?

Usage: .venv/bin/python bench/scale.py [--model models/regiecoach.tar.gz] [--seconds 30]

Starts Debian's redis-server on loopback (no disk), then Rasa twice with the
same model: 1 worker, and 2 workers (SANIC_WORKERS=2) with the Redis lock
store, which Rasa requires before it runs more than one worker, and the Redis
tracker store (in production that is the SQL tracker store on PostgreSQL; see
docs/scaling.md). Each time 20 users talk on Rasa's REST channel without
think time for `--seconds`; prints messages per second and the ratio.
Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run_bench import rest_user, rss_mb, run_users  # noqa: E402
from bot.bridge import RasaClient  # noqa: E402
from bot.launcher import healthy, service_env  # noqa: E402
from regiecoach.config import ROOT, get_settings  # noqa: E402

RASA_PORT, ACTIONS_PORT, REDIS_PORT = 6706, 6756, 6790  # beside make bench's ports


def endpoints(path: Path) -> Path:
    path.write_text(
        "action_endpoint:\n  url: ${ACTIONS_URL}\n  headers:\n    X-Regiecoach-Actions-Token: ${REGIECOACH_ACTIONS_TOKEN}\n"
        f"lock_store:\n  type: redis\n  url: 127.0.0.1\n  port: {REDIS_PORT}\n  db: 1\n"
        f"tracker_store:\n  type: redis\n  url: 127.0.0.1\n  port: {REDIS_PORT}\n  db: 2\n"
    )
    return path


def start(cmd: List[str], env: Dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def load(rasa: RasaClient, seconds: float, users: int = 20) -> Dict[str, Any]:
    run = int(time.time())  # new conversations for every load
    return await run_users(lambda n, until, phase: rest_user(rasa, f"scale-{run}-{n}", until, phase, thinking=False),
                           users, seconds)


def run_rasa(workers: int, model: Path, data_dir: Path, seconds: float, token: str) -> Dict[str, Any]:
    settings = replace(get_settings(), data_dir=data_dir, rasa_port=RASA_PORT, actions_port=ACTIONS_PORT)
    env = service_env({"REGIECOACH_RASA_TOKEN": token, "REGIECOACH_ACTIONS_TOKEN": token, "ACTIONS_PORT": str(ACTIONS_PORT),
                       "ACTIONS_URL": settings.actions_url, "REGIECOACH_DATA_DIR": str(data_dir),
                       "REGIECOACH_DB": str(data_dir / "regiecoach.db"), "SANIC_WORKERS": str(workers)})
    # The launcher's two commands, with this bench's endpoints file.
    actions = start([sys.executable, "-m", "bot.action_server"], env, data_dir / "actions.log")
    rasa = start([sys.executable, "-m", "rasa_addons.run", "--enable-api", "--interface", "127.0.0.1", "--port",
                  str(RASA_PORT), "--model", str(model), "--credentials", "credentials.yml", "--endpoints",
                  str(endpoints(data_dir / "endpoints.yml"))], env, data_dir / f"rasa-{workers}.log")
    try:
        deadline = time.time() + 300
        while not healthy(settings, token):
            if rasa.poll() is not None or time.time() > deadline:
                raise SystemExit(f"Rasa with {workers} worker(s) did not start; see {data_dir}")
            time.sleep(0.5)

        async def measure() -> Dict[str, Any]:
            client = RasaClient(settings.rasa_url, token)
            await load(client, 5)  # warm up every worker
            result = await load(client, seconds)
            await client.close()
            return result

        result = asyncio.run(measure())
        result["rss_mb"] = rss_mb(rasa.pid)
        return result
    finally:
        stop(rasa)
        stop(actions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/regiecoach.tar.gz")
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    redis_server = shutil.which("redis-server")
    if not redis_server:
        raise SystemExit("redis-server is not installed (Debian: apt-get install -y redis-server)")
    model = (ROOT / args.model).resolve()
    if not model.exists():
        raise SystemExit(f"no model at {args.model}: `make train` first, or pass --model")
    data_dir = Path(tempfile.mkdtemp(prefix="regiecoach-scale-"))
    redis = subprocess.Popen([redis_server, "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(data_dir)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    token = os.urandom(16).hex()
    try:
        one = run_rasa(1, model, data_dir, args.seconds, token)
        print(f"1 worker:  {one}", flush=True)
        two = run_rasa(2, model, data_dir, args.seconds, token)
        print(f"2 workers: {two}", flush=True)
    finally:
        redis.terminate()
        redis.wait(timeout=10)
    ratio = two["msgs_per_s"] / one["msgs_per_s"] if one["msgs_per_s"] else float("nan")
    print(f"throughput ratio 2 workers / 1 worker: {ratio:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
