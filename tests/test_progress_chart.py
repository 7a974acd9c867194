"""The progress chart: rendered from fixed data to a file and checked: size,
points, meetings with goals, Dutch text, and the text version for screen readers."""

from __future__ import annotations

import datetime as dt

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from PIL import Image
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import meeting_actions
from actions.progress_chart import (
    MeetingMark,
    chart_series,
    draw_chart,
    meeting_marks,
    progress_chart,
    render_chart,
)
from regiecoach.storage import checkins, meetings
from scripts.render_examples import example_checkins
from tests.conftest import AMS

PNG = b"\x89PNG\r\n\x1a\n"


def plotted_lines(fig):
    """The score lines on the figure (not the dashed meeting markers or legend handles)."""
    ax = fig.axes[0]
    return [line for line in ax.get_lines() if isinstance(line, Line2D) and line.get_label() in
            ("Energie", "Vertrouwen in werk", "Regie")]


def figure_texts(fig):
    return [t.get_text() for t in fig.findobj(plt.Text)]


def test_chart_from_fixed_data_is_a_square_phone_png_with_all_points(tmp_path):
    rows = example_checkins()
    marks = [MeetingMark(dt.date(2026, 10, 20), 2, 3, True)]
    chart = render_chart(rows, marks, tmp_path / "voortgang.png", AMS)
    data = chart.path.read_bytes()
    assert data.startswith(PNG) and len(data) > 20_000
    assert Image.open(chart.path).size == (1080, 1080)
    fig = draw_chart(chart.series, marks)
    lines = {line.get_label(): line for line in plotted_lines(fig)}
    assert len(lines["Energie"].get_xdata()) == 6 and len(lines["Vertrouwen in werk"].get_xdata()) == 6
    assert list(lines["Regie"].get_ydata()) == [3, 5, 6, 6, 8]  # regie only where it was given
    # Colour is never the only difference: own colour, marker and dash per line.
    assert lines["Energie"].get_color() == "#0072B2" and lines["Vertrouwen in werk"].get_color() == "#E69F00"
    assert len({(ln.get_marker(), ln.get_linestyle()) for ln in lines.values()}) == 3
    texts = figure_texts(fig)
    assert "Gesprek: 2 van 3\ndoelen bereikt" in texts and "Jouw check-ins" in texts
    plt.close(fig)


def test_dates_are_dutch():
    rows = [{"created_at": "2026-03-02T09:00:00+00:00", "energy": 4, "confidence": 5},
            {"created_at": "2026-05-11T09:00:00+00:00", "energy": 6, "confidence": 5}]
    fig = draw_chart(chart_series(rows, AMS), [])
    fig.canvas.draw()
    ticks = " ".join(t.get_text() for t in fig.axes[0].get_xticklabels())
    assert "mrt" in ticks or "apr" in ticks or "mei" in ticks
    assert "Mar" not in ticks and "May" not in ticks
    plt.close(fig)


def test_one_check_in_shows_the_point_and_says_the_line_grows(tmp_path):
    rows = [{"created_at": "2026-11-20T09:00:00+00:00", "energy": 4, "confidence": 6}]
    chart = render_chart(rows, [], tmp_path / "een.png", AMS)
    assert chart.series == {"energy": [(dt.date(2026, 11, 20), 4)], "confidence": [(dt.date(2026, 11, 20), 6)]}
    fig = draw_chart(chart.series, [])
    assert [len(line.get_xdata()) for line in plotted_lines(fig)] == [1, 1]
    assert "Na elke check-in groeit de lijn." in figure_texts(fig)
    plt.close(fig)
    assert "Na elke check-in groeit de lijn." in chart.caption
    assert chart.caption.startswith("Grafiek van je eerste check-in, 20 november.")


def test_caption_is_the_chart_in_words(tmp_path):
    rows = example_checkins()
    marks = [MeetingMark(dt.date(2026, 10, 20), 2, 3, True), MeetingMark(dt.date(2027, 1, 12))]
    caption = render_chart(rows, marks, tmp_path / "c.png", AMS).caption
    assert "Energie: 3, 4, 4, 6, 5, 7." in caption
    assert "Vertrouwen in werk: 4, 4, 5, 5, 7, 7." in caption and "Regie: 3, 5, 6, 6, 8." in caption
    assert "Gesprek op 20 okt: 2 van 3 doelen bereikt." in caption and "Gesprek op 12 jan." in caption
    assert len(caption) < 1024  # fits a Telegram caption


def test_regie_line_only_once_regie_was_given(fresh_db, consenting_user, now, tmp_path):
    for days in (14, 7, 0):
        checkins.add_checkin(fresh_db, consenting_user, now - dt.timedelta(days=days), energy=5, confidence=6)
    chart = progress_chart(fresh_db, consenting_user, tmp_path, AMS, now)
    assert set(chart.series) == {"energy", "confidence"}  # all NULL: no third line
    fresh_db.execute("update checkins set regie = 7 where id = (select max(id) from checkins)")
    fresh_db.conn.commit()
    chart = progress_chart(fresh_db, consenting_user, tmp_path, AMS, now)
    assert chart.series["regie"] == [((now).astimezone(AMS).date(), 7)]


def test_meetings_held_are_marked_with_goals_reached(fresh_db, consenting_user, now):
    held = meetings.create_meeting(fresh_db, "42", "bedrijfsarts", now, starts_at=now - dt.timedelta(days=10),
                                   status="prepared")
    for n, status in enumerate(("reached", "reached", "not")):
        goal = meetings.add_goal(fresh_db, "42", held, f"Doel {n}", now)
        meetings.set_goal_status(fresh_db, "42", goal, status)
    meetings.create_meeting(fresh_db, "42", "leidinggevende", now, starts_at=now + dt.timedelta(days=3))  # ahead
    cancelled = meetings.create_meeting(fresh_db, "42", "casemanager", now, starts_at=now - dt.timedelta(days=2))
    meetings.cancel_meeting(fresh_db, "42", cancelled)
    marks = meeting_marks(fresh_db, "42", AMS, (now - dt.timedelta(days=60)).date(), now)
    assert [(m.day, m.goals_reached, m.goals_total) for m in marks] == [
        ((now - dt.timedelta(days=10)).astimezone(AMS).date(), 2, 3)]


def test_after_three_check_ins_voortgang_sends_a_chart_photo(fresh_db, consenting_user, now, monkeypatch):
    monkeypatch.setenv("REGIECOACH_NOW", now.isoformat())
    for days, energy, confidence in ((56, 3, 4), (28, 5, 5), (0, 6, 7)):
        checkins.add_checkin(fresh_db, consenting_user, now - dt.timedelta(days=days), energy=energy,
                             confidence=confidence)
    tracker = Tracker("42", {}, {"text": "/show_progress", "intent": {"name": "show_progress"}, "entities": []},
                      [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    meeting_actions.ActionShowProgress().run(dispatcher, tracker, {})
    photos = [m for m in dispatcher.messages if (m.get("custom") or {}).get("photo")]
    assert len(photos) == 1
    caption = photos[0]["custom"]["photo"]["caption"]  # travels with the picture through Rasa
    assert caption.startswith("Grafiek van je check-ins, 27 september tot 22 november.")
    assert "Energie: 3, 5, 6." in caption
    path = photos[0]["custom"]["photo"]["path"]
    assert open(path, "rb").read(8) == PNG and Image.open(path).size == (1080, 1080)


def test_a_long_history_still_fits_a_caption(tmp_path):
    rows = [{"created_at": (dt.datetime(2025, 1, 6, 9, tzinfo=dt.timezone.utc) + dt.timedelta(weeks=4 * i)).isoformat(),
             "energy": i % 11, "confidence": (i * 3) % 11, "regie": (i * 7) % 11} for i in range(40)]
    marks = [MeetingMark(dt.date(2025, 2, 1) + dt.timedelta(weeks=6 * i), 1, 3, True) for i in range(20)]
    chart = render_chart(rows, marks, tmp_path / "lang.png", AMS)
    assert len(chart.series["energy"]) == 40 and len(chart.caption) <= 1024
    assert "de laatste 8 keer" in chart.caption


def test_the_end_of_a_check_in_shows_the_chart_but_not_after_a_crisis(fresh_db, consenting_user, now):
    from regiecoach.storage import users
    from tests.test_checkin_flow import Chat as CheckinChat

    checkins.add_checkin(fresh_db, consenting_user, now - dt.timedelta(weeks=4), mood="neutral", energy=3,
                         confidence=4)
    chat = CheckinChat(fresh_db, consenting_user, now)
    for answer in ("Het gaat redelijk", "6", "Ik slaap beter", "7", "Beter", "Gesprek gehad", "Gewandeld",
                   "Mails lezen", "Geen datum", "Klopt"):
        chat.say(answer)
    photos = [r for r in chat.last if r.custom and r.custom.get("photo")]
    assert chat.running is None and len(photos) == 1 and "Energie: 3, 6." in photos[0].text

    users.mark_crisis(fresh_db, consenting_user, now + dt.timedelta(minutes=1))
    later = now + dt.timedelta(days=2)
    chat = CheckinChat(fresh_db, consenting_user, later)
    for answer in ("Iets beter", "Nu verder", "Weinig", "Gewandeld", "Rust nemen", "Geen datum", "ja"):
        chat.say(answer)
    assert chat.running is None and not [r for r in chat.last if r.custom and r.custom.get("photo")]
