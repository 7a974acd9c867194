"""The services the bot depends on: the action server refuses calls without
the launcher's token, Rasa takes any token, a service that dies or hangs is
restarted, nothing is left behind by a launcher killed with -9, and the bot
answers while a service is down. Real processes (the action server needs no
model); only Rasa is scripted where the bridge talks to it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace

import httpx
import pytest

from bot import launcher
from bot.action_server import TOKEN_HEADER
from bot.app import SupervisedRasa
from bot.bridge import Bridge, RasaUnavailable
from regiecoach.config import ROOT, get_settings
from regiecoach.storage import conversations
from regiecoach.texts import say
from tests.conftest import TEST_ACTIONS_PORT
from tests.fakes import RecordingChannel

# Not the e2e stack's ports: its session-wide action server may be up already.
SERVICES_TEST_PORT = TEST_ACTIONS_PORT + 30

TOKEN = "-starts-with-a-dash_" + "x" * 20  # like 1 in 64 tokens from secrets.token_urlsafe


def settings_for(tmp_path, actions_port=SERVICES_TEST_PORT):
    return replace(get_settings(), data_dir=tmp_path, db_path=tmp_path / "regiecoach.db",
                   actions_port=actions_port, rasa_port=actions_port - 50)


def actions_only(settings) -> launcher.Services:
    """Services with just the action server, started the way the launcher does."""
    env = launcher.service_env({"REGIECOACH_ACTIONS_TOKEN": TOKEN, "ACTIONS_PORT": str(settings.actions_port),
                                "REGIECOACH_DB": str(settings.db_path), "REGIECOACH_DATA_DIR": str(settings.data_dir)})
    services = launcher.Services(settings, "unused", actions_token=TOKEN, env=env)
    services.services["actieserver"] = launcher.Service("actieserver", [sys.executable, "-m", "bot.action_server"])
    services.spawn("actieserver")
    return services


def wait_for(condition, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def supervise_until(services, condition, timeout=60.0):
    def step():
        services.supervise({"actieserver": launcher.actions_healthy(services.settings)})
        return condition()
    return wait_for(step, timeout)


@pytest.fixture
def action_server(tmp_path):
    settings = settings_for(tmp_path)
    services = actions_only(settings)
    try:
        assert wait_for(lambda: launcher.actions_healthy(settings)), (tmp_path / "logs" / "actieserver.log").read_text()
        yield services
    finally:
        services.stop()


FORGED_CALL = {"next_action": "action_export_data", "sender_id": "someone-else", "version": "3.6.21",
               "tracker": {"sender_id": "someone-else", "slots": {}, "latest_message": {}, "events": []},
               "domain": {}}


def test_the_action_server_refuses_a_forged_call_without_the_token(action_server):
    url = f"http://127.0.0.1:{action_server.settings.actions_port}"
    assert httpx.post(f"{url}/webhook", json=FORGED_CALL).status_code == 401
    assert httpx.post(f"{url}/webhook", json=FORGED_CALL, headers={TOKEN_HEADER: TOKEN[:-1] + "y"}).status_code == 401
    assert httpx.get(f"{url}/actions").status_code == 401
    listed = httpx.get(f"{url}/actions", headers={TOKEN_HEADER: TOKEN})
    assert listed.status_code == 200 and {"name": "action_export_data"} in listed.json()
    assert httpx.get(f"{url}/health").status_code == 200  # the launcher's health check reads nothing


def test_the_action_server_listens_on_loopback_only(action_server):
    port = f"{action_server.settings.actions_port:04X}"
    listening = [line.split()[1] for line in open("/proc/net/tcp").read().splitlines()[1:]
                 if line.split()[1].endswith(f":{port}") and line.split()[3] == "0A"]
    assert listening == [f"0100007F:{port}"]


def test_rasa_takes_a_token_that_starts_with_a_dash(monkeypatch):
    """`make run` failed about one start in 64: `--auth-token -abc` reads -abc as an option."""
    import rasa.__main__

    from rasa_addons import run as rasa_run

    parsed = {}

    def rasa_main():
        parsed["args"] = rasa.__main__.create_argument_parser().parse_args(sys.argv[1:])

    monkeypatch.setattr(rasa.__main__, "main", rasa_main)
    monkeypatch.setenv("REGIECOACH_RASA_TOKEN", TOKEN)
    monkeypatch.setattr(sys, "argv", ["rasa_addons.run", "--enable-api", "--port", "5005", "--endpoints", "endpoints.yml"])
    rasa_run.main()
    assert parsed["args"].auth_token == TOKEN and parsed["args"].port == 5005


def test_a_killed_action_server_is_restarted(action_server):
    first = action_server.processes["actieserver"].pid
    os.kill(first, signal.SIGKILL)
    assert supervise_until(action_server, lambda: action_server.down() == ["actieserver"], timeout=10)
    assert supervise_until(action_server, lambda: action_server.down() == [])
    assert action_server.processes["actieserver"].pid != first


def test_a_hung_action_server_is_restarted(action_server):
    first = action_server.processes["actieserver"]
    assert supervise_until(action_server, lambda: action_server.down() == [])
    os.kill(first.pid, signal.SIGSTOP)  # alive, but it answers nothing
    try:
        assert supervise_until(action_server, lambda: action_server.processes["actieserver"] is not first, timeout=30)
    finally:
        with pytest.raises(ProcessLookupError):
            os.kill(first.pid, signal.SIGCONT)  # the hung one was killed
    assert supervise_until(action_server, lambda: action_server.down() == [])


def test_restarts_back_off_while_a_service_keeps_dying(tmp_path):
    settings = settings_for(tmp_path)
    services = launcher.Services(settings, "unused", env=launcher.service_env({}))
    services.services["actieserver"] = launcher.Service("actieserver", [sys.executable, "-c", "raise SystemExit(1)"])
    services.spawn("actieserver")
    now, waits = 0.0, []
    try:
        for _ in range(6):
            services.processes["actieserver"].wait()
            services.supervise({}, now)  # notices the death, plans the restart
            planned = services.services["actieserver"].restart_at
            waits.append(planned - now)
            now = planned
            assert services.supervise({}, now) == ["actieserver"]
    finally:
        services.stop()
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0]


def test_children_die_with_a_launcher_killed_with_9(tmp_path):
    script = ("import sys, time; from tests.test_services import actions_only, settings_for; from pathlib import Path;"
              f"s = actions_only(settings_for(Path({str(tmp_path)!r}))); print(s.processes['actieserver'].pid, flush=True);"
              "time.sleep(600)")
    fake_launcher = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                                     env=launcher.service_env({}))
    child = int(fake_launcher.stdout.readline())
    assert wait_for(lambda: launcher.actions_healthy(settings_for(tmp_path)))
    fake_launcher.kill()
    fake_launcher.wait()
    assert wait_for(lambda: not os.path.exists(f"/proc/{child}") or "Z" in open(f"/proc/{child}/stat").read().split()[2],
                    timeout=10)


def test_the_next_start_stops_orphans_it_cannot_watch(tmp_path):
    """Children a dead launcher left behind (e.g. from before PDEATHSIG) are not adopted."""
    settings = settings_for(tmp_path)
    env = launcher.service_env({"REGIECOACH_ACTIONS_TOKEN": TOKEN, "ACTIONS_PORT": str(settings.actions_port)})
    orphan = subprocess.Popen([sys.executable, "-m", "bot.action_server"], cwd=ROOT, env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dead_launcher = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_launcher.wait()
    run = tmp_path / "run"
    run.mkdir()
    (run / "services.json").write_text(json.dumps({"launcher": dead_launcher.pid, "groups": {"actieserver": orphan.pid}}))
    (run / "rasa_token").write_text("old")
    try:
        assert wait_for(lambda: launcher.actions_healthy(settings))
        assert launcher.running_services(settings) is None  # not adopted
        assert launcher.clear_orphans(settings) == 1
        assert orphan.wait(timeout=10) == -signal.SIGKILL
        assert not (run / "rasa_token").exists()
    finally:
        if orphan.poll() is None:
            orphan.kill()


def test_the_tracker_file_is_created_in_wal_mode(tmp_path):
    path = tmp_path / "rasa_tracker.db"
    launcher.prepare_tracker_db(path)
    assert sqlite3.connect(path).execute("pragma journal_mode").fetchone()[0] == "wal"


def test_pruning_the_tracker_in_batches_keeps_recent_events(tmp_path):
    from regiecoach.storage import privacy

    path = tmp_path / "rasa_tracker.db"
    conn = sqlite3.connect(path)
    conn.execute("create table events (id integer primary key, sender_id text, timestamp real, data text)")
    conn.executemany("insert into events (sender_id, timestamp, data) values ('7', ?, '{}')",
                     [(float(t),) for t in range(1, 1201)])
    conn.commit()
    assert privacy.prune_tracker(path, 1001.0, batch=100) == 1000
    assert conn.execute("select min(timestamp), count(*) from events").fetchone() == (1001.0, 200)


# --- the bot while a service is down -------------------------------------------------


class DownServices(launcher.Services):
    def __init__(self) -> None:
        super().__init__(get_settings(), "token")
        self.is_down: list = ["actieserver"]

    def down(self):
        return self.is_down


def test_while_a_service_is_down_rasa_is_not_asked_and_kept_messages_wait(fresh_db):
    """The bridge then answers crisis from the lexicon, others with "even niet
    bereikbaar", and keeps them until the services are healthy again."""
    services = DownServices()
    rasa = SupervisedRasa("http://127.0.0.1:9", "token", services)
    channel = RecordingChannel()
    bridge = Bridge(fresh_db, rasa, channel, min_interval=0)
    asyncio.run(bridge.handle_text("7", "hoe bereid ik me voor?", "tg:1"))
    asyncio.run(bridge.handle_text("7", "ik wil er een eind aan maken", "tg:2"))
    assert channel.texts[0] == say("bridge", "rasa_down")
    assert any("113" in text for text in channel.texts[1:])
    assert [row["update_key"] for row in conversations.inbox(fresh_db)] == ["tg:1"]
    assert asyncio.run(rasa.healthy()) is False  # so the kept message waits for the service
    with pytest.raises(RasaUnavailable):
        asyncio.run(rasa.trigger_intent("7", "manage_reminders", {}))
