"""Chaos: scripted conversations (goals in a meeting preparation, check-ins,
crisis words) and operator reminders through the real launcher, Rasa (CI
model) and action server, while a seeded RNG SIGKILLs the bot, Rasa or the
action server at random moments. The launcher restarts what it owns; the test
restarts the bot. At the end the test compares what the bot acknowledged with
what is stored, counts reminders sent twice, goals and check-ins stored twice
and messages never answered, and runs PRAGMA integrity_check on every database.

Its last line: kills=<n> acked=<n> lost=<n> duplicated=<n> unanswered=<n> integrity=<ok|failed>.
Run with `make fault-test` (FAULT_SEED, FAULT_KILLS and FAULT_BUDGET override)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import httpx
import pytest

from regiecoach.config import ROOT
from regiecoach.texts import say
from tests.conftest import TEST_ACTIONS_PORT, TEST_RASA_PORT

pytestmark = pytest.mark.fault

SEED = int(os.environ.get("FAULT_SEED") or 11)
KILLS = int(os.environ.get("FAULT_KILLS") or 20)
BUDGET = float(os.environ.get("FAULT_BUDGET") or 300)  # seconds over which the kills are spread; all in ~10 min
OVERRUN = 120.0  # kills wait for a healthy stack, so the last ones may come this much later
RASA_PORT, ACTIONS_PORT = TEST_RASA_PORT + 2, TEST_ACTIONS_PORT + 2  # not the e2e stack's ports
USER = "chaos-user"
TARGETS = (("actieserver", 0.8), ("rasa", 0.1), ("bot", 0.1))  # a Rasa start (bot or rasa) costs the most
PREFIX = "Regiecoach: "
DOWN = say("bridge", "rasa_down")
NOTICES = (DOWN, say("bridge", "slow"))  # "even niet bereikbaar", "duurt wat langer": the answer follows
OPENER = say("reminders", "neutral_opening")
REPLY_WAIT = 120.0  # a live bot answers within this (Rasa's 30 s timeout, twice if a reminder holds the chat)
HELD_WAIT = 300.0  # a held message is answered once Rasa is back (a restart loads the model)
SUMMARY = ROOT / "results" / "tmp" / "fault-test.txt"
MIN_ROUNDS = int(os.environ.get("FAULT_MIN_ROUNDS") or 4)
MIN_ACKED = int(os.environ.get("FAULT_MIN_ACKED") or 15)


def daytime_zone() -> str:
    """A zone where it is about noon now, so quiet hours never hold back the reminders."""
    offset = max(-12, min(14, 12 - dt.datetime.now(dt.timezone.utc).hour))
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


@dataclass
class Message:
    text: str
    generation: int
    replies: List[str] = field(default_factory=list)
    outcome: str = "waiting"  # answered | unanswered | interrupted
    seconds: float = 0.0  # until the answer came


class Bot:
    """The launcher (`python -m bot chat`) with a pipe for stdin and a reader for stdout."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.env = dict(os.environ, PYTHONPATH=str(ROOT), REGIECOACH_DATA_DIR=str(data_dir), RASA_PORT=str(RASA_PORT),
                        ACTIONS_PORT=str(ACTIONS_PORT), REGIECOACH_TZ=daytime_zone())
        self.env.pop("REGIECOACH_DB", None)
        self.env.pop("REGIECOACH_RASA_TOKEN", None)
        self.messages: List[str] = []  # every message the bot wrote, in order
        self.lock = threading.Lock()
        self.generation = 0
        self.proc: Optional[subprocess.Popen] = None
        self.exits: List[int] = []
        self.start()

    def start(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            self.exits.append(self.proc.returncode)  # -9: killed by the test; anything else: it stopped itself
        self.generation += 1
        log = (self.data_dir / "bot.err").open("ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "chat", "--config", "config.ci.yml", "--user", USER],
                                     cwd=ROOT, env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=log, text=True, bufsize=1)
        threading.Thread(target=self._read, args=(self.proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip("\n")
            with self.lock:
                if line.startswith(PREFIX):
                    self.messages.append(line[len(PREFIX):])
                elif self.messages:
                    self.messages[-1] += "\n" + line

    def send(self, text: str) -> bool:
        try:
            assert self.proc and self.proc.stdin
            self.proc.stdin.write(text + "\n")
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError, AssertionError):
            return False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def since(self, index: int) -> List[str]:
        with self.lock:
            return self.messages[index:]

    def token(self) -> Optional[str]:
        path = self.data_dir / "run" / "rasa_token"
        return path.read_text().strip() if path.exists() else None

    def healthy(self) -> bool:
        token = self.token()
        if not (self.alive() and token):
            return False
        try:
            rasa = httpx.get(f"http://127.0.0.1:{RASA_PORT}/status", params={"token": token}, timeout=2)
            actions = httpx.get(f"http://127.0.0.1:{ACTIONS_PORT}/health", timeout=2)
            return rasa.status_code == 200 and actions.status_code == 200
        except httpx.HTTPError:
            return False

    def child(self, name: str) -> Optional[int]:
        try:
            return int(json.loads((self.data_dir / "run" / "services.json").read_text())["groups"][name])
        except (OSError, ValueError, KeyError):
            return None

    def stop(self) -> None:
        if self.alive():
            assert self.proc and self.proc.stdin
            self.proc.stdin.close()  # end of input: the chat ends and the launcher stops its services
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def is_reminder(text: str) -> bool:
    return text.startswith(OPENER)


class Driver:
    """A user who answers whatever the bot last asked, and keeps the ledger."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.ledger: List[Message] = []
        self.goals_acked: List[str] = []
        self.checkins_acked: List[str] = []
        self.round = 0

    def say(self, text: str) -> List[str]:
        """Send one line and wait for its answer (and, if held, for the real one)."""
        waited = time.time() + HELD_WAIT
        while not self.bot.alive() and time.time() < waited:
            time.sleep(0.5)  # between a kill and the restart: the user waits too
        message = Message(text, self.bot.generation)
        self.ledger.append(message)
        start = self.bot.count()
        if not self.bot.send(text):
            message.outcome, message.replies = "interrupted", ["(not sent: the bot process is gone)"]
            return []
        sent = time.time()
        deadline, held = sent + REPLY_WAIT, False
        while time.time() < deadline:
            replies = [r for r in self.bot.since(start) if not is_reminder(r)]
            if self.bot.generation != message.generation or not self.bot.alive():
                # Killed by the test before it answered (a held message dies with it: counted apart).
                why = "restarted" if self.bot.generation != message.generation else "died"
                message.replies, message.outcome = replies + [f"(the bot process {why})"], "interrupted"
                return replies
            if any(r not in NOTICES for r in replies):
                message.seconds = time.time() - sent
                time.sleep(0.3)  # the rest of a turn comes in one go
                message.replies = [r for r in self.bot.since(start) if not is_reminder(r)]
                message.outcome = "answered"
                self._note_acks(message)
                return message.replies
            if replies and not held:  # a notice: the real answer follows when Rasa is back
                deadline, held = time.time() + HELD_WAIT, True
            time.sleep(0.1)
        message.replies, message.outcome = [r for r in self.bot.since(start) if not is_reminder(r)], "unanswered"
        return message.replies

    def _note_acks(self, message: Message) -> None:
        for reply in message.replies:
            acks = ("dat heb ik bewaard", "doel bewaard", "heb het bewaard")
            if message.text.startswith("Ik wil ") and any(ack in reply.lower() for ack in acks):
                self.goals_acked.append(message.text)
            if "Even samengevat." in reply:
                self.checkins_acked += re.findall(r"wandelen in ronde \d+\b", reply)

    def answer(self, prompt: str) -> Optional[str]:
        """The answer to the bot's last question; None when the round is over."""
        r = self.round
        rules = [
            ("denk je aan zelfmoord", None),  # after a crisis reply the round ends
            ("Je hebt twee doelen", None),  # two goals stored: this round is done
            ("Wil je meetellen", "Nee, liever niet"),
            ("Wil je verder waar je was, of opnieuw beginnen", "Opnieuw beginnen"),
            ("Is het goed dat ik je antwoorden bewaar", "Ja, dat is goed"),
            ("Wat past bij jou", "In dienst bij een werkgever"),
            ("Wil je doelen toevoegen voor dat gesprek", "Nee, een ander gesprek"),
            ("Met wie heb je het gesprek", "Bedrijfsarts"),
            ("Wanneer is het gesprek", "volgende week dinsdag om 10 uur"),
            ("Op welke dag", "volgende week dinsdag"),
            ("Hoe laat is het gesprek", "10:00"),
            ("klopt dat", "Ja"),
            ("Wat wil je bereikt hebben", f"Ik wil afspreken hoeveel uur ik werk in ronde {r}"),
            ("Wat is je volgende doel", f"Ik wil weten welke taken ik thuis kan doen in ronde {r}"),
            ("Wat zou er na het gesprek anders zijn", "Dan weet ik precies hoeveel uur ik per week werk"),
            ("Hoe merk je na het gesprek", "Dan weet ik precies hoeveel uur ik per week werk"),
            ("Typ hoe je het nu wilt zeggen", f"Ik wil afspreken hoeveel uur ik werk in ronde {r}"),
            ("Wat zou nog een doel kunnen zijn", "Ja, nog een doel"),
            ("Hoe gaat het met je", "Het gaat wel redelijk eigenlijk"),
            ("Hoe zijn de afgelopen weken", "Het gaat wel redelijk eigenlijk"),
            ("Hoe gaat het nu met je", "Het gaat wel redelijk eigenlijk"),
            ("Wil je nu verder", "Ja, nu verder"),
            ("Wil je nog even verder", "Ja, nu verder"),
            ("Kies nu verder of liever later", "Ja, nu verder"),
            ("Hoeveel energie", "6"),
            ("Hoeveel vertrouwen", "7"),
            ("Kies een cijfer", "6"),
            ("Hoeveel regie", "7"),
            ("Wat maakt dat het een", "Ik slaap beter"),
            ("Wat zou helpen om er een 1", "Een gesprek met mijn leidinggevende"),
            ("Wat maakt het zo goed", "Ik slaap beter"),
            ("beetje meer regie geven", "Als ik zelf mijn uren kies"),
            ("Wat is er gebeurd met", "Ik heb het voorgesteld en het mag"),
            ("Hoe staat het met je plannen", "Ik heb het voorgesteld en het mag"),
            ("Wat is daarmee gebeurd", "Ik heb het voorgesteld en het mag"),
            ("Wat ging er goed", f"Ik ben gaan wandelen in ronde {r}"),
            ("volgende stap die je wilt zetten", "Mijn leidinggevende bellen"),
            ("Wanneer wil je dat doen", "Geen datum"),
            ("Klopt dit? Wat wil je er nog aan toevoegen", "Ja, dat klopt"),
            ("De volgende check-in is op", None),
            ("een berichtje voor een check-in", None),  # the first time: the rhythm proposed
            ("check-ins staan op pauze", None),
        ]
        for pattern, reply in rules:
            if pattern.lower() in prompt.lower():
                return reply
        return None

    def conversation(self, opener: str) -> None:
        self.round += 1
        replies = self.say(opener)
        for _ in range(25):
            answer = self.answer(replies[-1]) if replies else None
            if answer is None:
                break
            replies = self.say(answer)
        self.say("/stop")


def reminders_cli(bot: Bot, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "bot", "reminders", *args], capture_output=True, text=True,
                            cwd=ROOT, env=bot.env, timeout=60)
    return result.stdout if result.returncode == 0 else ""


class Chaos(threading.Thread):
    """Kills a random target at KILLS random moments spread over BUDGET
    seconds, each time once the stack is healthy again; restarts the bot
    itself (the launcher restarts Rasa and the action server)."""

    def __init__(self, bot: Bot, rng: random.Random, deadline: float) -> None:
        super().__init__(daemon=True)
        self.bot, self.rng, self.deadline = bot, rng, deadline
        self.kills: Dict[str, int] = {name: 0 for name, _ in TARGETS}
        self.reminders: List[int] = []

    @property
    def total(self) -> int:
        return sum(self.kills.values())

    def run(self) -> None:
        names, weights = zip(*TARGETS)
        began = time.time()
        # Random moments spread over the budget, so the conversations go on between kills.
        moments = sorted(self.rng.uniform(3.0, BUDGET) for _ in range(KILLS))
        for n, moment in enumerate(moments):
            if n % 3 == 0:
                self._add_reminder()
            while time.time() < min(began + moment, self.deadline):
                if not self.bot.alive():
                    self.bot.start()  # it stopped by itself: restarted too
                time.sleep(0.2)
            if not self._healthy():
                return  # out of time
            target = self.rng.choices(names, weights)[0]
            if target == "bot":
                assert self.bot.proc
                os.kill(self.bot.proc.pid, signal.SIGKILL)
                self.bot.proc.wait()
                (self.bot.data_dir / "run" / "rasa_token").unlink(missing_ok=True)  # stale: wait for the new one
                self.bot.start()
                self.kills[target] += 1
                continue
            pid = self.bot.child(target)
            if pid is None:
                continue
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            self.kills[target] += 1  # Rasa and the action server restart by themselves

    def _healthy(self) -> bool:
        """Kill only a healthy stack: a (re)started bot first runs its services."""
        while time.time() < self.deadline:
            if not self.bot.alive():
                self.bot.start()  # it stopped by itself: restarted too
            if wait_healthy(self.bot, min(self.deadline, time.time() + 5)):
                return True
        return False

    def _add_reminder(self) -> None:
        out = reminders_cli(self.bot, "add", "--user", USER, "--kind", "checkin", "--due", "now")
        with contextlib.suppress(ValueError, KeyError):
            self.reminders.append(int(json.loads(out)["id"]))


def wait_healthy(bot: Bot, until: float) -> bool:
    while time.time() < until:
        if bot.healthy():
            return True
        time.sleep(1)
    return False


def integrity(path: Path) -> bool:
    if not path.exists():
        return False
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_random_kills_lose_nothing_acknowledged_and_send_nothing_twice(tmp_path):
    assert (ROOT / "models" / "regiecoach-ci.tar.gz").exists(), "make train-ci first"
    rng = random.Random(SEED)
    bot = Bot(tmp_path)
    driver = Driver(bot)
    chaos = Chaos(bot, rng, 0)
    started, chaos_seconds = time.time(), 0.0
    try:
        assert wait_healthy(bot, time.time() + 300), (tmp_path / "bot.err").read_text()[-3000:]
        driver.say("/start")
        for _ in range(25):
            answer = driver.answer("\n".join(driver.ledger[-1].replies[-2:]))
            if answer is None:
                break
            driver.say(answer)
        chaos_started = time.time()
        chaos = Chaos(bot, rng, chaos_started + BUDGET + OVERRUN)
        chaos.start()
        openers = ["/voorbereiden", "/voorbereiden", "/checkin"]  # two goals a round, or a check-in
        while chaos.is_alive() or driver.round < MIN_ROUNDS:
            driver.conversation(openers[driver.round % 3])
            if driver.round % 3 == 0:
                reply = driver.say("ik zie het niet meer zitten")
                if driver.ledger[-1].outcome == "answered" and not any("113" in r for r in reply):
                    driver.ledger[-1].outcome = "unanswered"  # a crisis without 113 counts as not answered
        chaos.join()
        chaos_seconds = time.time() - chaos_started
        # Quiet time: held messages are answered and the last reminders go out.
        wait_healthy(bot, time.time() + 240)
        driver.say("/stop")
        time.sleep(30)
    finally:
        transcript = list(bot.messages)
        bot.stop()
        # What the bot wrote and what the user sent (scripted text only), for reading a failure.
        (SUMMARY.parent).mkdir(parents=True, exist_ok=True)
        (SUMMARY.parent / "fault-transcript.txt").write_text(
            "\n".join(f">>> {m.text} [{m.outcome}]\n" + "\n".join(m.replies) for m in driver.ledger))

    db = sqlite3.connect(str(tmp_path / "regiecoach.db"))
    goal_rows = [row[0] for row in db.execute("select text from goals where chat_id = ?", [USER])]
    checkin_rows = [row[0] or "" for row in db.execute("select went_well from checkins where chat_id = ?", [USER])]
    stored_goals, stored_checkins = set(goal_rows), " ".join(checkin_rows)
    delivered = {row[0] for row in db.execute(
        "select distinct source_key from outbox where source_key like 'reminder:%' and status in ('sent', 'sending',"
        " 'unknown')")}
    db.close()
    lost = [g for g in driver.goals_acked if g not in stored_goals]
    lost += [c for c in driver.checkins_acked if not re.search(re.escape(c) + r"\b", stored_checkins)]
    openers_seen = sum(1 for text in transcript if is_reminder(text))
    duplicated = max(0, openers_seen - len(delivered))
    # A goal or check-in the user sent once but that is stored twice (a step applied twice).
    sent_once = {text for text in {m.text for m in driver.ledger} if [m.text for m in driver.ledger].count(text) == 1}
    stored_twice = [text for text in set(goal_rows + checkin_rows) if text in sent_once
                    and goal_rows.count(text) + checkin_rows.count(text) > 1]
    duplicated += len(stored_twice)
    unanswered = [m for m in driver.ledger if m.outcome == "unanswered"]
    interrupted = [m for m in driver.ledger if m.outcome == "interrupted"]
    held_lost = sum(1 for m in interrupted if DOWN in m.replies)
    ok = all(integrity(tmp_path / name) for name in ("regiecoach.db", "rasa_tracker.db"))
    acked = len(driver.goals_acked) + len(driver.checkins_acked)
    waits = sorted(m.seconds for m in driver.ledger if m.outcome == "answered")
    print()
    print(f"seed={SEED} seconds={time.time() - started:.0f} chaos_seconds={chaos_seconds:.0f}"
          f" kills_by_target={chaos.kills} messages={len(driver.ledger)}"
          f" interrupted_by_bot_kill={len(interrupted)} held_then_bot_killed={held_lost} goals_acked={len(driver.goals_acked)}"
          f" checkins_acked={len(driver.checkins_acked)} reminders_added={len(chaos.reminders)}"
          f" bot_exits={bot.exits} reminders_seen={openers_seen} stored_twice={len(stored_twice)} rounds={driver.round}"
          f" answer_s_median={waits[len(waits) // 2] if waits else 0:.1f} answer_s_max={max(waits, default=0):.0f}")
    for message in unanswered:
        print(f"unanswered: {message.text[:40]!r} -> {[r[:60] for r in message.replies]}")
    last = (f"kills={chaos.total} acked={acked} lost={len(lost)} duplicated={duplicated} "
            f"unanswered={len(unanswered)} integrity={'ok' if ok else 'failed'}")
    print(last)
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(last + "\n")  # `make fault-test` prints it as its last line
    assert chaos.total >= min(KILLS, 20)
    assert acked >= MIN_ACKED, "too few acknowledged goals and check-ins to mean anything"
    assert (len(lost), duplicated, len(unanswered), ok) == (0, 0, 0, True), lost
