"""Anonymous outcome figures for the organisation that runs the bot (issue 15),
measured like the study behind the product.

The rules, enforced here and nowhere else:
- only users who agreed to storage AND to being counted (report_optin 'yes');
- every figure knows how many distinct users are behind it; a figure from
  fewer than `k` users (at least MIN_K) is suppressed, and says so;
- counts are rounded to 5; shares and medians come from the exact numbers;
- no text column is ever selected, no per-user row leaves this module, and a
  period is whole ISO weeks (Monday to Sunday, local time).

Read only: every query is a select, so it runs beside the bot on a read-only
connection (see open_readonly).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Tuple, Union

from sqlite_utils import Database

from regiecoach.storage.db import parse_iso

MIN_K = 10
ROUND_TO = 5
# A check-in invitation counts as answered when a check-in follows within a week.
ANSWER_WINDOW = dt.timedelta(days=7)
SCORES = ("energy", "confidence", "regie")
GOAL_OUTCOMES = ("reached", "partly", "not")
HEARD = ("ja", "deels", "nee")
# Change between a user's first and latest score, in three groups for the chart.
CHANGE_GROUPS = ("lager", "gelijk", "hoger")

SOURCE = "Project 'Dialooggestuurde re-integratie' (2011-2014), pilot met zieke werknemers"


class ReportError(Exception):
    """A report cannot be made (bad k, missing database); the message says why, in Dutch."""


@dataclass(frozen=True)
class StudyFact:
    value: str  # "57%", or "" when the study gives no number
    wording: str  # the study's own words
    basis: str = ""


STUDY: Dict[str, StudyFact] = {
    "goals_set_before": StudyFact(
        "92%",
        "Zieke werknemers geven aan dat zij ter voorbereiding van de gesprekken meestal vooraf hun "
        "doelstellingen hebben bepaald (92% van de gesprekken).",
        "18 werknemers, 49 gesprekken met een bedrijfsarts",
    ),
    "goals_mostly_reached": StudyFact(
        "57%",
        "Over 57% van de gesprekken gaven werknemers aan hun doelstellingen (grotendeels) behaald te hebben",
        "18 werknemers, 49 gesprekken met een bedrijfsarts",
    ),
    "felt_heard": StudyFact(
        "59%",
        "in 59% van de gesprekken kregen de deelnemende werknemers het gevoel dat de bedrijfsarts hen begreep",
        "18 werknemers, 49 gesprekken met een bedrijfsarts",
    ),
    "helped_goals": StudyFact(
        "77%",
        "77 % van de deelnemende werknemers vindt dat het project geholpen heeft om hun doelstellingen te bereiken.",
        "deelnemers aan de pilot",
    ),
    "change_confidence": StudyFact(
        "",
        "Over het algemeen voelen deelnemers zich zekerder in hun re-integratieproces staan",
    ),
    "change_regie": StudyFact(
        "",
        "In een evaluatie 6 maanden later geven de werknemers aan mondiger te zijn geworden en meer eigen "
        "regie te voeren.",
    ),
}


@dataclass(frozen=True)
class Period:
    """Whole ISO weeks: [start, end) in UTC; start None means from the beginning."""

    start: Optional[dt.datetime]
    end: dt.datetime
    tz: dt.tzinfo

    @property
    def first_week(self) -> Optional[str]:
        return week_label(self.start.astimezone(self.tz).date()) if self.start else None

    @property
    def last_week(self) -> str:
        return week_label((self.end.astimezone(self.tz) - dt.timedelta(days=1)).date())

    def contains(self, moment: Optional[dt.datetime]) -> bool:
        return moment is not None and (self.start is None or moment >= self.start) and moment < self.end


def week_label(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _monday(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    start = day - dt.timedelta(days=day.weekday())
    return dt.datetime.combine(start, dt.time(0, 0), tzinfo=tz).astimezone(dt.timezone.utc)


def week_period(since: Optional[dt.date], until: Optional[dt.date], today: dt.date, tz: dt.tzinfo) -> Period:
    """The weeks from the week of `since` up to and including the week of
    `until` (default: this week). Finer dates are never used."""
    last = until or today
    if since is not None and since > last:
        raise ReportError(f"--since ({since.isoformat()}) ligt na --until ({last.isoformat()}).")
    end = _monday(last, tz) + dt.timedelta(weeks=1)
    return Period(start=_monday(since, tz) if since else None, end=end, tz=tz)


def check_k(k: int) -> int:
    if k < MIN_K:
        raise ReportError(
            f"k = {k} is te laag. Een cijfer komt altijd uit minstens {MIN_K} gebruikers; "
            f"kies {MIN_K} of hoger."
        )
    return k


def round_count(n: int) -> int:
    """To the nearest multiple of 5 (half up), so small changes between reports tell nothing."""
    return int(n / ROUND_TO + 0.5) * ROUND_TO


@dataclass
class Figure:
    key: str
    label: str
    kind: str  # 'count' | 'percent' | 'median' | 'not_measured' (only the study has it)
    value: Optional[float]  # None when suppressed
    users: int  # distinct users behind it, rounded to 5 (0 when suppressed)
    base: Optional[int] = None  # rounded count the share or median is taken over
    base_label: str = ""
    suppressed: bool = False
    study: Optional[StudyFact] = None


@dataclass
class Outcomes:
    period: Period
    k: int
    figures: List[Figure]
    # Chart data: per distribution, label -> share in % (None when suppressed).
    distributions: Dict[str, Optional[Dict[str, float]]] = field(default_factory=dict)
    demo: bool = False

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


# --- reading (select only, no text columns) ---------------------------------------------


def open_readonly(path: Union[str, Path]) -> Database:
    """The app database, read only: safe beside the running bot (WAL lets a
    reader see the last committed state while the bot writes)."""
    path = Path(path)
    if not path.is_file():
        raise ReportError(f"Geen database gevonden op {path}. Zet REGIECOACH_DB of REGIECOACH_DATA_DIR goed.")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    conn.execute("PRAGMA busy_timeout = 10000")
    db = Database(conn)
    columns = {row[1] for row in conn.execute("pragma table_info(users)")}
    if "report_optin" not in columns:
        conn.close()
        raise ReportError(
            "Deze database is nog niet bijgewerkt (geen keuze voor anonieme cijfers). "
            "Start de bot één keer met deze versie; daarna werkt het rapport."
        )
    return db


# Users whose data may be counted: consent to storage and opt-in both 'yes'.
COUNTED = "select chat_id from users where consent = 'yes' and report_optin = 'yes'"


def _rows(db: Database, sql: str) -> Iterable[Tuple[Any, ...]]:
    """Rows of `sql`, where `{who}` stands for the counted users."""
    return db.execute(sql.format(who=COUNTED)).fetchall()


def _moment(text: Optional[str]) -> Optional[dt.datetime]:
    return parse_iso(text) if text else None


class _Checkin(NamedTuple):
    moment: dt.datetime
    chat_id: str
    scores: Tuple[Optional[int], ...]  # in the order of SCORES
    id: int


# --- figures -----------------------------------------------------------------------------


class _Builder:
    def __init__(self, k: int) -> None:
        self.k = k
        self.figures: List[Figure] = []

    def count(self, key: str, label: str, n: int, users: set, study: Optional[StudyFact] = None) -> None:
        self.add(Figure(key, label, "count", float(round_count(n)), 0, study=study), users)

    def share(self, key: str, label: str, part: int, whole: int, users: set, base_label: str,
              study: Optional[StudyFact] = None) -> None:
        value = round(100 * part / whole) if whole else None
        self.add(Figure(key, label, "percent", value, 0, base=round_count(whole), base_label=base_label,
                        study=study), users)

    def median(self, key: str, label: str, changes: List[int], users: set,
               study: Optional[StudyFact] = None) -> None:
        value = float(statistics.median(changes)) if changes else None
        self.add(Figure(key, label, "median", value, 0, base=round_count(len(changes)), base_label="gebruikers",
                        study=study), users)

    def add(self, figure: Figure, users: set) -> None:
        if len(users) < self.k or figure.value is None:
            figure.value, figure.base, figure.users, figure.suppressed = None, None, 0, True
        else:
            figure.users = round_count(len(users))
        self.figures.append(figure)

    def distribution(self, counts: Dict[str, int], users: set) -> Optional[Dict[str, float]]:
        total = sum(counts.values())
        if len(users) < self.k or not total:
            return None
        return {label: float(round(100 * n / total)) for label, n in counts.items()}


def compute(db: Database, period: Period, k: int = MIN_K) -> Outcomes:
    """Every figure of the report for the counted users in `period`, from one
    snapshot of the database (one read transaction, so a user who opts out
    halfway is in none of the figures or in all of them)."""
    check_k(k)
    if db.conn.in_transaction:  # already inside one (a caller's): that is the snapshot
        return _compute(db, period, k)
    db.execute("begin")
    try:
        return _compute(db, period, k)
    finally:
        db.execute("rollback")  # nothing was written; this only ends the snapshot


def _compute(db: Database, period: Period, k: int) -> Outcomes:
    build = _Builder(k)
    dists: Dict[str, Optional[Dict[str, float]]] = {}
    inside = period.contains

    meetings = [
        {"id": r[0], "chat_id": r[1], "with_whom": r[2], "status": r[3], "created": _moment(r[4]),
         "reviewed": _moment(r[5]), "starts": _moment(r[6]), "heard": r[7]}
        for r in _rows(db, "select id, chat_id, with_whom, status, created_at, reviewed_at, starts_at, felt_heard "
                           "from meetings where chat_id in ({who}) and coalesce(status, '') != 'cancelled'")
    ]
    goals_by_meeting: Dict[int, List[str]] = defaultdict(list)
    for meeting_id, status in _rows(db, "select meeting_id, status from goals where chat_id in ({who})"):
        goals_by_meeting[int(meeting_id)].append(status or "open")
    checkins: List[_Checkin] = []
    for r in _rows(db, "select chat_id, created_at, energy, confidence, regie, id from checkins "
                       "where chat_id in ({who})"):
        moment = _moment(r[1])
        if moment is not None and inside(moment):
            checkins.append(_Checkin(moment, r[0], (r[2], r[3], r[4]), int(r[5])))
    checkins.sort(key=lambda c: (c.moment, c.id))
    practice = [(r[0], _moment(r[1])) for r in _rows(
        db, "select chat_id, created_at from practice_attempts where chat_id in ({who}) and finished = 1")]
    practice = [p for p in practice if inside(p[1])]
    invitations = [(r[0], _moment(r[1])) for r in _rows(
        db, "select chat_id, sent_at from reminders where chat_id in ({who}) and kind = 'checkin' "
            "and status = 'sent'")]
    invitations = [i for i in invitations if inside(i[1])]
    last_active = [(r[0], _moment(r[1])) for r in _rows(
        db, "select chat_id, last_active_at from users where chat_id in ({who})")]

    # Active: anything done in the period.
    active = {c.chat_id for c in checkins} | {p[0] for p in practice} | {u for u, when in last_active if inside(when)}
    active |= {m["chat_id"] for m in meetings if inside(m["created"]) or inside(m["reviewed"])}
    build.count("active_users", "Actieve gebruikers", len(active), active)

    # Meetings prepared: a card was made, or goals were set before a meeting that was looked back on.
    prepared = [m for m in meetings if inside(m["created"]) and (
        m["status"] == "prepared" or (m["status"] == "done" and goals_by_meeting.get(m["id"])))]
    build.count("meetings_prepared", "Gesprekken voorbereid", len(prepared), {m["chat_id"] for m in prepared})
    debriefed = [m for m in meetings if m["heard"] is not None or m["reviewed"] is not None]
    debriefed = [m for m in debriefed if inside(m["reviewed"] or m["starts"] or m["created"])]
    debriefed_users = {m["chat_id"] for m in debriefed}
    build.count("meetings_debriefed", "Gesprekken nabesproken (terugblik)", len(debriefed), debriefed_users)
    build.count("practice_sessions", "Oefengesprekken (rollenspel)", len(practice), {p[0] for p in practice})

    with_goals = [m for m in debriefed if goals_by_meeting.get(m["id"])]
    build.share("goals_set_before", "Nabesproken gesprekken met vooraf gestelde doelen", len(with_goals),
                len(debriefed), debriefed_users, "gesprekken", STUDY["goals_set_before"])

    # Goals, from the look back: each rated goal, and per conversation whether they were (mostly) reached.
    rated = [(m, [s for s in goals_by_meeting[m["id"]] if s in GOAL_OUTCOMES]) for m in with_goals]
    rated = [(m, statuses) for m, statuses in rated if statuses]
    goal_counts = Counter(s for _, statuses in rated for s in statuses)
    goal_users = {m["chat_id"] for m, _ in rated}
    total_goals = sum(goal_counts.values())
    for outcome, label in (("reached", "bereikt"), ("partly", "deels bereikt"), ("not", "niet bereikt")):
        build.share(f"goals_{outcome}", f"Doelen {label}", goal_counts[outcome], total_goals, goal_users, "doelen")
    dists["goals"] = build.distribution(
        {"Bereikt": goal_counts["reached"], "Deels": goal_counts["partly"], "Niet": goal_counts["not"]}, goal_users)

    def mostly(statuses: List[str]) -> bool:
        # "(grotendeels) behaald": more than half, a goal partly reached counting as half.
        return 2 * sum(s == "reached" for s in statuses) + sum(s == "partly" for s in statuses) > len(statuses)

    for scope, label, chosen in (("", "alle gesprekken", rated),
                                 ("_bedrijfsarts", "met de bedrijfsarts",
                                  [r for r in rated if r[0]["with_whom"] == "bedrijfsarts"])):
        build.share(f"goals_mostly_reached{scope}", f"Gesprekken met doelen (grotendeels) behaald, {label}",
                    sum(mostly(s) for _, s in chosen), len(chosen), {m["chat_id"] for m, _ in chosen},
                    "gesprekken", STUDY["goals_mostly_reached"] if scope else None)

    heard = [m for m in debriefed if m["heard"] in HEARD]
    heard_counts = Counter(m["heard"] for m in heard)
    heard_users = {m["chat_id"] for m in heard}
    for scope, label, picked in (("", "alle gesprekken", heard),
                                 ("_bedrijfsarts", "met de bedrijfsarts",
                                  [m for m in heard if m["with_whom"] == "bedrijfsarts"])):
        build.share(f"felt_heard{scope}", f"Nabesproken gesprekken waarin je je gehoord voelde, {label}",
                    sum(m["heard"] == "ja" for m in picked), len(picked), {m["chat_id"] for m in picked},
                    "gesprekken", STUDY["felt_heard"] if scope else None)
    dists["heard"] = build.distribution(
        {"Ja": heard_counts["ja"], "Deels": heard_counts["deels"], "Nee": heard_counts["nee"]}, heard_users)

    # The study's 77% asked participants whether it helped; the bot does not ask that.
    build.figures.append(Figure("helped_goals", "Deelnemers die vinden dat het hielp om hun doelen te bereiken",
                                "not_measured", None, 0, study=STUDY["helped_goals"]))

    # Scores: change between each user's first and latest check-in in the period.
    names = {"energy": "energie", "confidence": "vertrouwen in werk", "regie": "regie"}
    for index, score in enumerate(SCORES):
        per_user: Dict[str, List[int]] = defaultdict(list)
        for row in checkins:
            value = row.scores[index]
            if value is not None:
                per_user[row.chat_id].append(int(value))
        changes = {user: values[-1] - values[0] for user, values in per_user.items() if len(values) >= 2}
        build.median(f"change_{score}", f"Mediane verandering {names[score]} (eerste naar laatste check-in, 0-10)",
                     list(changes.values()), set(changes), STUDY.get(f"change_{score}"))
        groups = Counter("lager" if c <= -2 else "hoger" if c >= 2 else "gelijk" for c in changes.values())
        dists[f"change_{score}"] = build.distribution({g: groups[g] for g in CHANGE_GROUPS}, set(changes))

    # Check-ins: invitations sent, and how many got a check-in within a week.
    done_by_user: Dict[str, List[dt.datetime]] = defaultdict(list)
    for row in checkins:
        done_by_user[row.chat_id].append(row.moment)
    answered = [(user, sent) for user, sent in invitations
                if sent and any(sent <= d <= sent + ANSWER_WINDOW for d in done_by_user.get(user, []))]
    invited = {user for user, _ in invitations}
    build.count("checkins_done", "Check-ins ingevuld", len(checkins), {c.chat_id for c in checkins})
    build.count("checkin_invitations", "Check-in-uitnodigingen verstuurd", len(invitations), invited)
    build.share("checkins_answered", "Uitnodigingen beantwoord met een check-in (binnen 7 dagen)", len(answered),
                len(invitations), invited, "uitnodigingen")
    dists["invitations"] = None
    if len(invited) >= k:
        dists["invitations"] = {"Verstuurd": float(round_count(len(invitations))),
                                "Beantwoord": float(round_count(len(answered)))}
    return Outcomes(period=period, k=k, figures=build.figures, distributions=dists)

