"""kill -9 of the bot process: a reminder that came due while it was dead is
delivered exactly once after restart, and nothing is sent twice.

Run with `make fault-test` (real Rasa and action server, real bot processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from regiecoach.config import ROOT
from regiecoach.storage import open_db, users

pytestmark = pytest.mark.fault

NEUTRAL_OPENER = "Hoi, hier is Regiecoach"


def start_bot(stack, out: Path) -> subprocess.Popen:
    """The bot process (local chat: same bridge, storage and scheduler)."""
    settings = stack["settings"]
    env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_PORT=str(settings.rasa_port),
               ACTIONS_PORT=str(settings.actions_port), REGIECOACH_DATA_DIR=str(settings.data_dir),
               REGIECOACH_DB=str(settings.db_path))
    return subprocess.Popen([sys.executable, "-m", "bot", "chat"], stdin=subprocess.PIPE,
                            stdout=out.open("a"), stderr=subprocess.STDOUT, cwd=ROOT, env=env)


def reminders_cli(stack, *args: str) -> str:
    settings = stack["settings"]
    env = dict(os.environ, PYTHONPATH=str(ROOT), REGIECOACH_DATA_DIR=str(settings.data_dir),
               REGIECOACH_DB=str(settings.db_path))
    result = subprocess.run([sys.executable, "-m", "bot", "reminders", *args], capture_output=True, text=True,
                            cwd=ROOT, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def wait_for(condition, timeout: float = 90.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def reminder_status(stack, reminder_id: int) -> str:
    db = open_db(stack["settings"].db_path)
    try:
        return db["reminders"].get(reminder_id)["status"]
    finally:
        db.close()


def test_reminder_due_during_a_kill_9_is_delivered_exactly_once_after_restart(stack, tmp_path):
    db = open_db(stack["settings"].db_path)
    now = __import__("datetime").datetime.now(__import__("datetime").timezone.utc)
    users.set_consent(db, "fault-user", True, now)
    users.update_settings(db, "fault-user", work_status="employed")
    db.close()
    out = tmp_path / "bot.out"

    bot = start_bot(stack, out)
    time.sleep(5)
    os.kill(bot.pid, signal.SIGKILL)
    bot.wait()

    # Due now, while the bot is dead.
    reminders_cli(stack, "add", "--user", "fault-user", "--kind", "checkin", "--due", "now")
    listed = reminders_cli(stack, "list")
    reminder_id = max(int(__import__("json").loads(line)["id"]) for line in listed.splitlines() if line.strip())

    bot = start_bot(stack, out)
    try:
        assert wait_for(lambda: reminder_status(stack, reminder_id) == "sent"), out.read_text()[-2000:]
        # Kill again right after sending and restart: nothing is sent a second time.
        os.kill(bot.pid, signal.SIGKILL)
        bot.wait()
        bot = start_bot(stack, out)
        time.sleep(8)
    finally:
        os.kill(bot.pid, signal.SIGKILL)
        bot.wait()
    assert out.read_text().count(NEUTRAL_OPENER) == 1
