"""The check-in chart on /voortgang and after each check-in: energy and
confidence (and regie, once the user gives it) over time, with meetings and
the goals reached in them. Made to be read on a phone: a square PNG, large
type, Okabe-Ito colours that colour-blind people can tell apart, and each line
with its own marker and dash so colour is never the only difference."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")  # no screen on a server
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from babel.dates import format_date  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402
from sqlite_utils import Database  # noqa: E402

from actions.flows.base import Reply  # noqa: E402
from regiecoach.storage import checkins, meetings  # noqa: E402
from regiecoach.storage.db import parse_iso  # noqa: E402
from regiecoach.texts import say  # noqa: E402

# (column, content key, colour, marker, line style). Okabe-Ito blue, orange, bluish green.
SERIES = (
    ("energy", "energy", "#0072B2", "o", "-"),
    ("confidence", "confidence", "#E69F00", "s", "--"),
    ("regie", "regie", "#009E73", "^", ":"),
)
SIZE_PX = 1080
DPI = 150
CAPTION_VALUES = 8  # the text version lists at most this many recent scores per line
CAPTION_MEETINGS = 4  # ... and this many recent meetings, so it fits a caption (1,024 characters)
MEETINGS_BEFORE = dt.timedelta(days=30)  # meetings this long before the first check-in still show


@dataclass
class MeetingMark:
    day: dt.date
    goals_reached: int = 0
    goals_total: int = 0
    goals_rated: bool = False


@dataclass
class Chart:
    path: Path
    series: Dict[str, List[Tuple[dt.date, int]]] = field(default_factory=dict)  # column -> plotted points
    meetings: List[MeetingMark] = field(default_factory=list)
    caption: str = ""


def dutch_day(day: dt.date, pattern: str = "d MMM") -> str:
    return format_date(day, pattern, locale="nl")


def _points(rows: Sequence[Dict[str, Any]], column: str, tz: dt.tzinfo) -> List[Tuple[dt.date, int]]:
    """(local day, score) for every check-in with this score; a missing column counts as empty."""
    points = []
    for row in rows:
        value, when = row.get(column), parse_iso(row.get("created_at"))
        if value is not None and when is not None:
            points.append((when.astimezone(tz).date(), int(value)))
    return points


def meeting_marks(db: Database, chat_id: str, tz: dt.tzinfo, since: dt.date, until: dt.datetime) -> List[MeetingMark]:
    """Meetings that took place between `since` and `until`, with how many of their goals were reached."""
    marks = []
    for meeting in meetings.list_meetings(db, chat_id):
        starts_at = parse_iso(meeting.get("starts_at"))
        if starts_at is None or starts_at > until or starts_at.astimezone(tz).date() < since:
            continue
        goals = meetings.list_goals(db, chat_id, meeting["id"])
        marks.append(MeetingMark(
            day=starts_at.astimezone(tz).date(),
            goals_reached=sum(1 for g in goals if g["status"] == "reached"),
            goals_total=len(goals),
            goals_rated=any(g["status"] not in (None, "open") for g in goals),
        ))
    return marks


def caption_text(series: Dict[str, List[Tuple[dt.date, int]]], marks: Sequence[MeetingMark]) -> str:
    """The chart in words, for screen readers (and for anyone who prefers text)."""
    days = sorted({day for points in series.values() for day, _ in points})
    if len(days) == 1 and max(len(p) for p in series.values()) == 1:
        parts = [say("progress", "caption_intro_one", first=dutch_day(days[0], "d MMMM"))]
    else:
        parts = [say("progress", "caption_intro", first=dutch_day(days[0], "d MMMM"),
                     last=dutch_day(days[-1], "d MMMM"))]
    for column, key, *_ in SERIES:
        points = series.get(column) or []
        if not points:
            continue
        values = ", ".join(str(v) for _, v in points[-CAPTION_VALUES:])
        if len(points) > CAPTION_VALUES:
            parts.append(say("progress", "caption_series_last", label=say("progress", key),
                             count=CAPTION_VALUES, values=values))
        else:
            parts.append(say("progress", "caption_series", label=say("progress", key), values=values))
    for mark in list(marks)[-CAPTION_MEETINGS:]:
        if mark.goals_rated:
            parts.append(say("progress", "caption_meeting_goals", day=dutch_day(mark.day),
                             reached=mark.goals_reached, total=mark.goals_total))
        else:
            parts.append(say("progress", "caption_meeting", day=dutch_day(mark.day)))
    if len(days) == 1:
        parts.append(say("progress", "grows"))
    return " ".join(parts)


def _as_datetime(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


def chart_series(rows: Sequence[Dict[str, Any]], tz: dt.tzinfo) -> Dict[str, List[Tuple[dt.date, int]]]:
    """The points per score that has any (regie only once the user gives it)."""
    series = {column: _points(rows, column, tz) for column, *_ in SERIES}
    return {column: points for column, points in series.items() if points}


def render_chart(rows: Sequence[Dict[str, Any]], marks: Sequence[MeetingMark], out_path: Path,
                 tz: dt.tzinfo) -> Optional[Chart]:
    """Draw the chart to `out_path` (PNG). None when no check-in has a score."""
    series = chart_series(rows, tz)
    if not series:
        return None
    fig = draw_chart(series, marks)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_path, dpi=DPI)
    plt.close(fig)
    return Chart(path=out_path, series=series, meetings=list(marks), caption=caption_text(series, marks))


def draw_chart(series: Dict[str, List[Tuple[dt.date, int]]], marks: Sequence[MeetingMark]) -> Figure:
    """The figure itself (the caller saves and closes it)."""
    days = sorted({day for points in series.values() for day, _ in points} | {m.day for m in marks})
    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 18})
    fig, ax = plt.subplots(figsize=(SIZE_PX / DPI, SIZE_PX / DPI), dpi=DPI)
    for column, key, colour, marker, style in SERIES:
        points = series.get(column)
        if not points:
            continue
        ax.plot([_as_datetime(d) for d, _ in points], [v for _, v in points], color=colour, marker=marker,
                linestyle=style, linewidth=3.5, markersize=13, label=say("progress", key))
    for mark in marks:
        x = _as_datetime(mark.day)
        ax.axvline(x, color="#555555", linestyle=(0, (2, 3)), linewidth=2)
        label = (say("progress", "meeting_goals", reached=mark.goals_reached, total=mark.goals_total)
                 if mark.goals_rated else say("progress", "meeting"))
        # Above the plot area, so a label never hides a score.
        ax.text(x, 1.02, label, transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=15,
                color="#222222", bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "#555555"})
    first, last = _as_datetime(days[0]), _as_datetime(days[-1])
    pad = max((last - first) * 0.08, dt.timedelta(days=2))
    ax.set_xlim(first - pad, last + pad)
    ax.set_ylim(-0.5, 10.5)
    ax.set_yticks(range(0, 11, 2))
    ax.set_ylabel(say("progress", "axis"))
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=2, maxticks=4))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: dutch_day(mdates.num2date(value).date())))
    ax.set_title(say("progress", "title"), fontsize=24, fontweight="bold", pad=58 if marks else 16)
    ax.grid(alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=1, frameon=False, fontsize=17)
    if len(days) == 1:
        fig.text(0.5, 0.02, say("progress", "grows"), ha="center", fontsize=17, style="italic")
    fig.tight_layout(rect=(0, 0.04 if len(days) == 1 else 0, 1, 1))
    return fig


def progress_chart(db: Database, chat_id: str, out_dir: Path, tz: dt.tzinfo, now: dt.datetime) -> Optional[Chart]:
    """The user's chart from what is stored: check-ins and meetings held so far."""
    rows = checkins.list_checkins(db, chat_id)
    series = chart_series(rows, tz)
    if not series:
        return None
    since = min(day for points in series.values() for day, _ in points) - MEETINGS_BEFORE
    return render_chart(rows, meeting_marks(db, chat_id, tz, since, now), out_dir / "voortgang.png", tz)


def chart_replies(db: Database, chat_id: str, out_dir: Path, tz: dt.tzinfo, now: dt.datetime) -> List[Reply]:
    """The chart as a photo with its text version as the caption; nothing without scores."""
    chart = progress_chart(db, chat_id, out_dir, tz, now)
    if chart is None:
        return []
    return [Reply(chart.caption, custom={"photo": {"path": str(chart.path.resolve())}})]
