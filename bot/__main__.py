"""Entry point: `python -m bot run|chat|train|reminders|report ...`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from typing import List, Optional

from regiecoach.config import ROOT, get_settings


def _without_sniffio() -> None:
    """httpcore (under httpx: PTB and the bridge) tries `import sniffio` on
    every request; anyio 4.16 no longer installs it, so each try searched the
    whole sys.path and failed: about 16 a message, a third of the bot's CPU
    in the scheduler bench (cProfile). Marked missing once, the import fails
    at once and httpcore uses asyncio as before."""
    try:
        import sniffio  # noqa: F401
    except ImportError:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO, and Telegram URLs carry the bot token.
    for noisy in ("httpx", "httpcore", "telegram.ext.Updater", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Optional[List[str]] = None) -> int:
    _without_sniffio()
    parser = argparse.ArgumentParser(prog="python -m bot", description="Regiecoach")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start Rasa, the action server and the bot (Telegram or local chat)")
    run.add_argument("--config", default="config.yml")
    chat = sub.add_parser("chat", help="local chat on stdin/stdout")
    chat.add_argument("--config", default="config.yml")
    chat.add_argument("--user", default="local", help="chat id for the local user")
    train = sub.add_parser("train", help="train the model if its inputs changed")
    train.add_argument("--config", default="config.yml")
    sub.add_parser("reminders", help="operator commands: list, add", add_help=False)
    sub.add_parser("report", help="anonymous outcome figures for the organisation (read only)", add_help=False)
    args, rest = parser.parse_known_args(argv)
    # Databases, logs and cards hold personal data: readable by this user only.
    os.umask(0o077)
    # Ctrl-C and a plain `kill` both stop every process we started (a shell may
    # start us with SIGINT ignored; the finally blocks do the cleaning up).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)

    if args.command == "reminders":
        from bot.reminders_cli import main as reminders_main

        return reminders_main(rest)
    if args.command == "report":
        from bot.report import main as report_main

        return report_main(rest)
    if rest:
        parser.error(f"unknown arguments: {rest}")

    from bot.launcher import ensure_model, services_running

    config = ROOT / args.config if not Path(args.config).is_absolute() else Path(args.config)
    if args.command == "train":
        print(ensure_model(config))
        return 0
    settings = get_settings()
    if args.command == "chat" or (args.command == "run" and not settings.telegram_token):
        logging.basicConfig(level=logging.WARNING)
        from bot.app import run_local

        status = 0
        # The scriptable chat may use the CI model `make test` trained; `make run` uses the full one.
        with services_running(settings, config, allow_ci_model=args.command == "chat") as services:
            try:
                status = asyncio.run(run_local(settings, services, chat_id=getattr(args, "user", "local")))
            except KeyboardInterrupt:
                pass
        return status
    _logging()
    from bot.app import OWNER_TAKEN, claim_owner, run_telegram

    owner = claim_owner(settings)  # before starting anything: a second bot on this database refuses at once
    if owner is None:
        raise SystemExit(OWNER_TAKEN)
    with services_running(settings, config) as services:
        print("Regiecoach draait op Telegram. Stoppen met Ctrl-C.", flush=True)
        run_telegram(settings, services, owner=owner)
    return 0


if __name__ == "__main__":
    sys.exit(main())
