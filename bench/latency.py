"""Latency, throughput, start-up time and memory of the whole path.

Usage: .venv/bin/python bench/latency.py [--model models/regiecoach.tar.gz]

Prints numbers; asserts nothing. Loops are bounded in count and time and only
talk to 127.0.0.1. Measures:
- start-up: services started until both are healthy (model already trained);
- Rasa's REST channel alone vs the whole path (bridge -> Rasa -> actions ->
  SQLite outbox -> channel), with no think time, 1 and 20 users;
- 20 users typing like people (closed loop, 1-3 s think time);
- resident memory of the Rasa server and the action server.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Awaitable, Callable, List

from bot.bridge import Bridge, RasaClient
from bot.config import ROOT, get_settings
from bot.launcher import start_services
from bot.storage import open_db

MESSAGES = ["hoi", "wat doet een bedrijfsarts?", "mag mijn baas vragen wat ik heb?", "ik ben moe vandaag",
            "wat is een plan van aanpak", "dank je", "hoe zit het met mijn loon als ik ziek ben"]


class NullChannel:
    async def deliver(self, chat_id: str, message: Any, button_ids: Any) -> None:
        return None


def pct(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def load(send: Callable[[int, int], Awaitable[None]], users: int, per_user: int, think: float) -> tuple:
    latencies: List[float] = []

    async def user(n: int) -> None:
        for i in range(per_user):
            start = time.perf_counter()
            await send(n, i)
            latencies.append(time.perf_counter() - start)
            if think:
                await asyncio.sleep(random.uniform(1, 3))

    started = time.perf_counter()
    await asyncio.gather(*(user(n) for n in range(users)))
    elapsed = time.perf_counter() - started
    return latencies, len(latencies) / elapsed


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def measure(settings: Any, token: str, db_path: Path) -> None:
    rasa = RasaClient(settings.rasa_url, token)
    db = open_db(db_path)
    bridge = Bridge(db, rasa, NullChannel(), min_interval=0)
    counter = iter(range(10**9))

    async def rest_only(n: int, i: int) -> None:
        await rasa.message(f"bench-rest-{n}", MESSAGES[i % len(MESSAGES)])

    async def whole_path(n: int, i: int) -> None:
        await bridge.handle_text(f"bench-path-{n}", MESSAGES[i % len(MESSAGES)], f"bench:{next(counter)}")

    await rest_only(0, 0)  # warm up
    for name, send in (("rest", rest_only), ("path", whole_path)):
        for users, per_user in ((1, 30), (20, 10)):
            latencies, throughput = await load(send, users, per_user, think=0)
            print(f"{name:4s} users={users:2d} no-think  p50={pct(latencies, .5):6.0f} ms  p95={pct(latencies, .95):6.0f} ms"
                  f"  throughput={throughput:5.1f} msg/s  n={len(latencies)}")
    latencies, throughput = await load(whole_path, 20, 5, think=1)
    print(f"path users=20 think 1-3 s  p50={pct(latencies, .5):6.0f} ms  p95={pct(latencies, .95):6.0f} ms"
          f"  n={len(latencies)}")
    await rasa.close()
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="models/regiecoach.tar.gz")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="regiecoach-bench-"))
    settings = replace(get_settings(), data_dir=data_dir, db_path=data_dir / "regiecoach.db",
                       rasa_port=5405, actions_port=5455)
    started = time.perf_counter()
    services = start_services(settings, ROOT / args.model)
    print(f"start-up until healthy: {time.perf_counter() - started:.1f} s (model {args.model})")
    try:
        for name, proc in services.processes.items():
            print(f"memory {name}: {rss_mb(proc.pid):.0f} MB RSS (idle)")
        asyncio.run(measure(settings, services.token, settings.db_path))
        for name, proc in services.processes.items():
            print(f"memory {name}: {rss_mb(proc.pid):.0f} MB RSS (after load)")
    finally:
        services.stop()


if __name__ == "__main__":
    main()
