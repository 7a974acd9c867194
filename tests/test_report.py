"""The organisation's report (python -m bot report): opt-in only, no figure
from fewer than 10 users, counts rounded to 5, no free text, no per-user row,
no date finer than a week. On generated data, through the storage API."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3

import pytest

from actions.flows import engine
from actions.flows.base import Turn
from bot import report
from regiecoach.storage import checkins, meetings, outcomes, practice, privacy, reminders, users
from regiecoach.storage.outcomes import ReportError
from regiecoach.texts import say
from tests.conftest import AMS

SECRET = "GEHEIM-burn-out-4711"


def full_user(db, chat_id, now, optin=True, meetings_count=1):
    """A user who did everything once: a prepared meeting with the bedrijfsarts
    (one goal reached, one partly), looked back on (felt heard), a practice
    attempt, and two check-ins after invitations (energy 4 -> 6)."""
    start = now - dt.timedelta(weeks=8)
    users.set_consent(db, chat_id, True, start)
    users.update_settings(db, chat_id, work_status="employed")
    if optin is not None:
        users.set_report_optin(db, chat_id, optin, start)
    for n in range(meetings_count):
        when = start + dt.timedelta(weeks=2, days=n)
        meeting_id = meetings.create_meeting(db, chat_id, "bedrijfsarts", start, starts_at=when)
        goals = [meetings.add_goal(db, chat_id, meeting_id, f"{SECRET} doel {k}", start) for k in range(2)]
        meetings.update_meeting(db, chat_id, meeting_id, status="prepared")
        meetings.set_goal_status(db, chat_id, goals[0], "reached")
        meetings.set_goal_status(db, chat_id, goals[1], "partly")
        meetings.record_debrief(db, chat_id, meeting_id, when + dt.timedelta(days=1), felt_heard="ja",
                                agreements=f"{SECRET} afspraak", finished=True)
    attempt = practice.record_attempt(db, chat_id, "bedrijfsarts_uren", {"examples": True}, 4, start)
    practice.save_sentence(db, chat_id, attempt, f"{SECRET} zin")
    for week, (energy, confidence, regie) in ((4, (4, 5, 3)), (7, (6, 5, 5))):
        sent = start + dt.timedelta(weeks=week)
        rid = reminders.add_manual(db, chat_id, "checkin", sent, sent)
        reminders.claim_due(db, sent)  # as the scheduler does: only a held reminder is sent
        reminders.mark_sent(db, rid, sent)
        checkins.add_checkin(db, chat_id, sent + dt.timedelta(hours=3), mood="neutral", energy=energy,
                             confidence=confidence, regie=regie, went_well=f"{SECRET} wandelen",
                             next_step=f"{SECRET} bellen", summary=f"{SECRET} samenvatting")


def make_users(db, now, count, **kwargs):
    ids = [f"u{n:03d}" for n in range(count)]
    for chat_id in ids:
        full_user(db, chat_id, now, **kwargs)
    return ids


def figures(db, now, k=10, since=None, until=None):
    period = outcomes.week_period(since, until, now.astimezone(AMS).date(), AMS)
    return outcomes.compute(db, period, k)


MEASURED = ("active_users", "meetings_prepared", "meetings_debriefed", "practice_sessions", "goals_set_before",
            "goals_reached", "goals_partly", "goals_not", "goals_mostly_reached", "goals_mostly_reached_bedrijfsarts",
            "felt_heard", "felt_heard_bedrijfsarts", "change_energy", "change_confidence", "change_regie", "checkins_done",
            "checkin_invitations", "checkins_answered")


def test_nine_users_every_figure_is_suppressed_and_says_so(fresh_db, now):
    make_users(fresh_db, now, 9)
    result = figures(fresh_db, now)
    for key in MEASURED:
        figure = result.figure(key)
        assert figure.suppressed and figure.value is None and figure.users == 0, key
    assert all(value is None for value in result.distributions.values())
    text = report.to_markdown(result, "chart.png", "2026-W47")
    assert text.count("onderdrukt (minder dan 10 gebruikers)") == len(MEASURED)
    assert "| 9 " not in text and "| 10 " not in text


def test_ten_users_every_figure_is_shown(fresh_db, now):
    make_users(fresh_db, now, 10)
    result = figures(fresh_db, now)
    values = {key: result.figure(key).value for key in MEASURED}
    assert values["active_users"] == 10 and values["meetings_prepared"] == 10
    assert values["meetings_debriefed"] == 10 and values["practice_sessions"] == 10
    assert values["goals_reached"] == 50 and values["goals_partly"] == 50 and values["goals_not"] == 0
    assert values["goals_mostly_reached_bedrijfsarts"] == 100  # reached + partly: 1.5 of 2 goals
    assert values["felt_heard_bedrijfsarts"] == 100
    assert (values["change_energy"], values["change_confidence"], values["change_regie"]) == (2, 0, 2)
    assert values["checkin_invitations"] == 20 and values["checkins_answered"] == 100
    assert not any(result.figure(key).suppressed for key in MEASURED)
    text = report.to_markdown(result, "chart.png", "2026-W47")
    assert "onderdrukt" not in text.split("## Zo lees")[0]
    assert ("| Gesprekken met doelen (grotendeels) behaald, met de bedrijfsarts | 100% "
            "| 10 gesprekken, 10 gebruikers | 57% |") in text
    assert "in 59% van de gesprekken kregen de deelnemende werknemers het gevoel dat de bedrijfsarts hen begreep" in text
    assert "| Mediane verandering energie (eerste naar laatste check-in, 0-10) | +2 |" in text


def test_a_user_who_opts_out_disappears_from_the_report(fresh_db, now):
    ids = make_users(fresh_db, now, 10)
    assert figures(fresh_db, now).figure("active_users").value == 10
    users.set_report_optin(fresh_db, ids[0], False, now)
    result = figures(fresh_db, now)
    assert all(result.figure(key).suppressed for key in MEASURED)


def test_users_never_asked_or_without_storage_consent_are_never_counted(fresh_db, now):
    make_users(fresh_db, now, 9)
    full_user(fresh_db, "never-asked", now, optin=None)
    assert figures(fresh_db, now).figure("active_users").suppressed
    full_user(fresh_db, "withdrew", now)
    users.set_consent(fresh_db, "withdrew", False, now)  # the "no" to storage also ends the opt-in
    assert figures(fresh_db, now).figure("active_users").suppressed
    users.set_consent(fresh_db, "withdrew", True, now)  # a new yes to storage does not bring the old opt-in back
    assert users.report_optin(fresh_db, "withdrew") is None
    assert figures(fresh_db, now).figure("active_users").suppressed


def test_an_erased_user_disappears_from_the_report(fresh_db, now):
    ids = make_users(fresh_db, now, 10)
    # /wissen, as the user does it.
    engine.start(fresh_db, ids[3], "erase", now, AMS)
    engine.handle(fresh_db, ids[3], "erase", Turn(text=say("onboarding", "erase_yes")), now, AMS)
    assert privacy.export_user(fresh_db, ids[3]) == {}
    result = figures(fresh_db, now)
    assert all(result.figure(key).suppressed for key in MEASURED)


def test_counts_are_rounded_to_five(fresh_db, now):
    assert [outcomes.round_count(n) for n in (0, 2, 3, 10, 12, 13, 17, 18)] == [0, 0, 5, 10, 10, 15, 15, 20]
    make_users(fresh_db, now, 12)
    result = figures(fresh_db, now)
    assert result.figure("active_users").value == 10 and result.figure("active_users").users == 10
    full_user(fresh_db, "extra", now, meetings_count=2)
    result = figures(fresh_db, now)
    assert result.figure("active_users").value == 15  # 13 users
    assert result.figure("meetings_debriefed").value == 15  # 14 meetings
    assert result.figure("checkin_invitations").value == 25  # 26 invitations
    # Shares and medians come from the exact numbers: 13 of 13.
    assert result.figure("felt_heard").value == 100 and result.figure("felt_heard").base == 15


def test_k_below_ten_is_refused_with_a_clear_message_and_higher_k_is_kept(fresh_db, now, capsys, tmp_path):
    make_users(fresh_db, now, 12)
    with pytest.raises(ReportError, match="minstens 10"):
        figures(fresh_db, now, k=9)
    assert report.main(["--k", "5", "--out", str(tmp_path / "out")]) == 2
    assert "k = 5 is te laag" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    result = figures(fresh_db, now, k=15)
    assert result.figure("active_users").suppressed
    assert "onderdrukt (minder dan 15 gebruikers)" in report.to_markdown(result, None, "2026-W47")


def test_no_free_text_no_user_ids_and_no_date_finer_than_a_week(fresh_db, now, tmp_path):
    make_users(fresh_db, now, 10)
    for fmt in ("md", "json"):
        written = report.run(None, None, fmt, tmp_path, 10, False, fresh_db.path, AMS, now)
        body = written[0].read_text(encoding="utf-8")
        assert SECRET not in body and "GEHEIM" not in body
        assert not re.search(r"\bu0\d\d\b", body)  # no chat id, so no row per user
        assert not re.search(r"\d{4}-\d{2}-\d{2}", body), "a day, not a week"
        assert written[1].read_bytes().startswith(b"\x89PNG")
    data = json.loads((tmp_path / "report-2026-W47.json").read_text(encoding="utf-8"))
    assert data["period"] == {"from_week": None, "to_week": "2026-W47"}
    assert {f["key"] for f in data["figures"]} >= set(MEASURED)


def test_the_period_is_whole_weeks(fresh_db, now):
    make_users(fresh_db, now, 10)  # check-ins 4 and 7 weeks after a start 8 weeks ago
    # Only the week of the first check-ins: each user has one check-in, so no change can be measured.
    first = (now - dt.timedelta(weeks=4)).date()
    result = figures(fresh_db, now, since=first, until=first)
    assert result.period.first_week == result.period.last_week == outcomes.week_label(first)
    assert result.figure("checkins_done").value == 10
    assert result.figure("change_energy").suppressed
    with pytest.raises(ReportError):
        figures(fresh_db, now, since=now.date(), until=now.date() - dt.timedelta(days=30))


def test_the_report_reads_while_the_bot_is_writing_and_never_writes(fresh_db, now):
    make_users(fresh_db, now, 10)
    before = fresh_db.path.read_bytes()
    writer = sqlite3.connect(str(fresh_db.path), timeout=1)
    writer.execute("begin immediate")  # the bot in the middle of a write
    writer.execute("update users set last_active_at = last_active_at")
    try:
        db = outcomes.open_readonly(fresh_db.path)
        assert outcomes.compute(db, outcomes.week_period(None, None, now.date(), AMS)).figure("active_users").value == 10
        with pytest.raises(sqlite3.OperationalError):
            db.execute("update users set report_optin = 'yes'")
        db.close()
    finally:
        writer.rollback()
        writer.close()
    assert fresh_db.path.read_bytes() == before


def test_the_demo_makes_a_report_clearly_marked_as_fake(tmp_path, monkeypatch):
    monkeypatch.setenv("REGIECOACH_DATA_DIR", str(tmp_path / "data"))
    assert report.main(["--demo", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "report-demo.md").read_text(encoding="utf-8")
    assert "DEMO: FICTIEVE GEGEVENS" in text and "200 verzonnen gebruikers" in text
    assert "onderdrukt" not in text.split("## Zo lees")[0]
    assert (tmp_path / "report-demo.png").read_bytes().startswith(b"\x89PNG")
    assert not (tmp_path / "data" / "regiecoach.db").exists()  # the real database is never touched
