"""Dutch date and time phrases ("volgende week dinsdag om half 3") to an aware datetime.

Our own rules come first because dateparser 1.2.0 misses many everyday Dutch
phrasings (weekday after "volgende week", "half 3", "kwart over 2", "14u",
number words). dateparser is the fallback for the date part only; the time
part is always ours, so we know whether a time was really given.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Optional, Tuple

import dateparser
from babel.dates import format_date

from regiecoach.dutch.numbers import NUMBER_WORDS as ALL_NUMBER_WORDS

MAX_INPUT_CHARS = 200  # a date phrase is short; longer text is not a date

DAY_NAMES = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTH_NAMES = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)
# Short forms people type ("do 14u"). Not "zo", "vrij" or "zat": those are everyday words.
_DAY_ALIASES = {
    "ma": 0, "di": 1, "din": 1, "dins": 1, "wo": 2, "woe": 2, "woens": 2,
    "do": 3, "donder": 3, "vr": 4, "za": 5,
}
_MONTH_ALIASES = {
    "jan": 1, "feb": 2, "febr": 2, "mrt": 3, "mar": 3, "maa": 3, "apr": 4, "jun": 6, "jul": 7,
    "aug": 8, "sep": 9, "sept": 9, "okt": 10, "oct": 10, "nov": 11, "dec": 12,
}
# "over een week", "om twee uur": number words from one up (zero is no day or hour here).
NUMBER_WORDS = {word: value for word, value in ALL_NUMBER_WORDS.items() if value >= 1}

_DAY_RE = "|".join(sorted(list(DAY_NAMES) + list(_DAY_ALIASES), key=len, reverse=True))
_MONTH_RE = "|".join(sorted(list(MONTH_NAMES) + list(_MONTH_ALIASES), key=len, reverse=True))
_NUM = r"(\d{1,2}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"


@dataclass
class ParseResult:
    """`moment` is None when no day could be found. Without a time, `moment`
    is that day at 00:00 and `has_time` is False (the flow then asks the time).
    `time_only` holds (hour, minute) when only a time was given ("om 10 uur")."""

    moment: Optional[dt.datetime]
    has_time: bool
    in_past: bool
    time_only: Optional[Tuple[int, int]] = None


def _num(token: str) -> int:
    return int(token) if token.isdigit() else NUMBER_WORDS[token]


def normalise(text: str) -> str:
    """Lower case; emoji and symbols dropped; the separators dates use are kept."""
    # Drop emoji and other symbols; keep letters, digits and the separators we use.
    text = unicodedata.normalize("NFC", text or "").lower().replace("’", "'")
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat[0] in "LN" or ch in " :.-/'":
            kept.append(ch)
        else:
            kept.append(" ")
    text = "".join(kept)
    text = re.sub(r"\b(over)?morgen(ochtend|middag|avond)\b", r"\1morgen \2", text)
    return " ".join(text.split())


def _afternoon(hour: int, said_hour: int, explicit: bool) -> int:
    """Meetings happen in working hours: "half 3" or "om 2 uur" means the
    afternoon. `explicit` (a leading zero, "'s ochtends") keeps the hour."""
    if not explicit and 1 <= said_hour <= 7 and hour < 12:
        return hour + 12
    return hour


def _valid(hour: int, minute: int) -> bool:
    return 0 <= hour <= 23 and 0 <= minute <= 59


def extract_time(text: str) -> Tuple[Optional[Tuple[int, int]], str]:
    """Find a time of day in normalised text. Returns ((hour, minute) or None,
    the text with the time phrase removed)."""
    morning = bool(re.search(r"'?s ?(ochtends|morgens)|\bochtend\b|\bin de morgen\b", text))
    evening = bool(re.search(r"'?s ?(middags|avonds)|\bmiddag\b|\bavond\b", text))
    text = re.sub(r"'?s ?(ochtends|morgens|middags|avonds)|\bin de (ochtend|middag|avond|morgen)\b", " ", text)

    def finish(hour: int, minute: int, said: int, explicit: bool, span: Tuple[int, int]):
        if evening and hour < 12:
            hour += 12
        elif not morning:
            hour = _afternoon(hour, said, explicit)
        if not _valid(hour, minute):
            return None, text
        rest = (text[: span[0]] + " " + text[span[1]:]).strip()
        return (hour, minute), " ".join(rest.split())

    patterns = [
        ("kwart_over", rf"\bkwart over {_NUM}( uur)?\b"),
        ("kwart_voor", rf"\bkwart voor {_NUM}( uur)?\b"),
        ("half", rf"\bhalf {_NUM}( uur)?\b"),
        ("min_over", rf"\b{_NUM} (?:minuten )?over {_NUM}\b"),
        ("hhmm", r"\b(\d{1,2})[:.](\d{2})( uur| u)?\b"),
        ("hu", r"\b(\d{1,2}) ?[uh](\d{2})?\b"),
        # "een uur" is "an hour" ("na een uur lezen"); as a time it needs "om"/"rond" or stands alone.
        ("uur", rf"(?:^|\b(?:om|rond|tegen|vanaf) |(?<!\w)(?!(?:een|één) )){_NUM} uur\b"),
        ("om", rf"\bom {_NUM}\b(?! (?:{_MONTH_RE})\b)(?![-/])"),
    ]
    for kind, pattern in patterns:
        match = re.search(pattern, text)
        if not match:
            continue
        span = match.span()
        if kind == "kwart_over":
            said = _num(match.group(1))
            return finish(said % 24, 15, said, False, span)
        if kind == "kwart_voor":
            said = _num(match.group(1))
            return finish((said - 1) % 24, 45, said, False, span)
        if kind == "half":
            said = _num(match.group(1))
            return finish((said - 1) % 24, 30, said, False, span)
        if kind == "min_over":
            minute, said = _num(match.group(1)), _num(match.group(2))
            return finish(said % 24, minute, said, False, span)
        if kind == "hhmm":
            raw = match.group(1)
            return finish(int(raw), int(match.group(2)), int(raw), raw.startswith("0"), span)
        if kind == "hu":
            raw = match.group(1)
            return finish(int(raw), int(match.group(2) or 0), int(raw), raw.startswith("0"), span)
        said = _num(match.group(1))
        return finish(said, 0, said, False, span)
    return None, text


def _next_weekday(today: dt.date, weekday: int, include_today: bool) -> dt.date:
    days = (weekday - today.weekday()) % 7
    if days == 0 and not include_today:
        days = 7
    return today + dt.timedelta(days=days)


def _safe_date(year: int, month: int, day: int) -> Optional[dt.date]:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _month_number(token: str) -> int:
    if token in MONTH_NAMES:
        return MONTH_NAMES.index(token) + 1
    return _MONTH_ALIASES[token]


def extract_date(text: str, today: dt.date) -> Tuple[Optional[dt.date], bool]:
    """Find a day in normalised text (time already removed). Returns the date
    and whether a year was given explicitly."""
    if re.search(r"\bovermorgen\b", text):
        return today + dt.timedelta(days=2), False
    if re.search(r"\bmorgen\b", text):
        return today + dt.timedelta(days=1), False
    if re.search(r"\bvandaag\b", text):
        return today, False
    if re.search(r"\bgisteren\b", text):
        return today - dt.timedelta(days=1), False
    match = re.search(rf"\bover {_NUM} (dag|dagen|week|weken|maand|maanden)\b", text)
    if match:
        count, unit = _num(match.group(1)), match.group(2)
        if unit.startswith("dag"):
            return today + dt.timedelta(days=count), False
        if unit.startswith("we"):
            return today + dt.timedelta(weeks=count), False
        month = today.month - 1 + count
        year, month = today.year + month // 12, month % 12 + 1
        day = min(today.day, 28) if _safe_date(year, month, today.day) is None else today.day
        return dt.date(year, month, day), False
    # "volgende week dinsdag" / "dinsdag volgende week": that weekday in the next calendar week.
    match = re.search(
        rf"\b(?:volgende|komende) week (?:op )?({_DAY_RE})\b|\b({_DAY_RE}) (?:de |in de )?(?:volgende|komende) week\b",
        text,
    )
    if match:
        weekday = _weekday(match.group(1) or match.group(2))
        monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=1)
        return monday + dt.timedelta(days=weekday), False
    # "volgende dinsdag": the next Tuesday after today (the confirmation in words catches
    # the rarer meaning "the Tuesday of next week").
    match = re.search(rf"\bvolgende ({_DAY_RE})\b", text)
    if match:
        return _next_weekday(today, _weekday(match.group(1)), include_today=False), False
    match = re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", text)
    if match:
        return _safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3))), True
    # "14 maart", "1 dec 2026", "dinsdag 1 december"
    match = re.search(rf"\b(\d{{1,2}})(?:e|ste|de)? ({_MONTH_RE})\.?(?: (\d{{4}}))?\b", text)
    if match:
        day, month = int(match.group(1)), _month_number(match.group(2))
        return _with_year(today, day, month, match.group(3))
    # "14-3", "14/3/2027"
    match = re.search(r"\b(\d{1,2})[-/](\d{1,2})(?:[-/](\d{2,4}))?\b", text)
    if match:
        day, month = int(match.group(1)), int(match.group(2))
        year_text: Optional[str] = match.group(3)
        if year_text and len(year_text) == 2:
            year_text = "20" + year_text
        return _with_year(today, day, month, year_text)
    match = re.search(rf"\b(?:aanstaande |komende |deze )?({_DAY_RE})\b", text)
    if match:
        return _next_weekday(today, _weekday(match.group(1)), include_today=True), False
    return _dateparser_date(text, today)


def _weekday(token: str) -> int:
    if token in DAY_NAMES:
        return DAY_NAMES.index(token)
    return _DAY_ALIASES[token]


def _with_year(today: dt.date, day: int, month: int, year: Optional[str]) -> Tuple[Optional[dt.date], bool]:
    if year:
        return _safe_date(int(year), month, day), True
    found = _safe_date(today.year, month, day)
    if found is None:  # 29 februari in a non-leap year: try the next years
        for offset in range(1, 5):
            found = _safe_date(today.year + offset, month, day)
            if found:
                return found, False
        return None, False
    if found < today:  # no year: the next time this date comes round
        found = _safe_date(today.year + 1, month, day)
    return found, False


_FILLER = re.compile(r"\b(om|op|de|het|een|rond|rond de|ongeveer|uur|a\.s\.|as|tegen)\b")


def _dateparser_date(text: str, today: dt.date) -> Tuple[Optional[dt.date], bool]:
    """Last resort for phrasings our rules do not know."""
    rest = " ".join(_FILLER.sub(" ", text).split())
    if not rest or not re.search(r"[a-z0-9]", rest):
        return None, False
    base = dt.datetime.combine(today, dt.time(12, 0))
    try:
        found = dateparser.parse(
            rest,
            languages=["nl"],
            settings={
                "PREFER_DATES_FROM": "future",
                "RELATIVE_BASE": base,
                "TIMEZONE": "Europe/Amsterdam",
                "RETURN_AS_TIMEZONE_AWARE": False,
                "STRICT_PARSING": False,
            },
        )
    # dateparser raises on some odd input; for us that is "not a date".
    except (ValueError, TypeError, OverflowError, KeyError, AttributeError):
        return None, False
    if found is None:
        return None, False
    return found.date(), bool(re.search(r"\b\d{4}\b", rest))


def _localise(day: dt.date, hour: int, minute: int, tz: dt.tzinfo) -> dt.datetime:
    """Wall-clock time in `tz`; a time that does not exist (spring DST gap)
    moves forward by the gap, like a clock would."""
    naive = dt.datetime.combine(day, dt.time(hour, minute))
    moment = naive.replace(tzinfo=tz)
    return moment.astimezone(dt.timezone.utc).astimezone(tz)


def parse_meeting_time(text: str, now: dt.datetime, tz: dt.tzinfo) -> ParseResult:
    """Parse a Dutch phrase like "volgende week dinsdag om 10 uur" relative to `now`."""
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    if not text or len(text) > MAX_INPUT_CHARS:
        return ParseResult(None, False, False)
    clean = normalise(text)
    if not clean:
        return ParseResult(None, False, False)
    local_now = now.astimezone(tz)
    time, rest = extract_time(clean)
    day, _ = extract_date(rest, local_now.date())
    if day is None:
        return ParseResult(None, time is not None, False, time_only=time)
    if time is None:
        return ParseResult(_localise(day, 0, 0, tz), False, day < local_now.date())
    moment = _localise(day, time[0], time[1], tz)
    return ParseResult(moment, True, moment < now)


def parse_time_only(text: str) -> Optional[Tuple[int, int]]:
    """Just a time of day ("half 3", "10:15", "om 9 uur"), or None."""
    if not text or len(text) > MAX_INPUT_CHARS:
        return None
    clean = normalise(text)
    time, _ = extract_time(clean)
    if time is None and re.fullmatch(r"\d{1,2}", clean):
        said = int(clean)
        hour = _afternoon(said, said, False)
        return (hour, 0) if _valid(hour, 0) else None
    return time


def combine(day: dt.date, time: Tuple[int, int], tz: dt.tzinfo) -> dt.datetime:
    return _localise(day, time[0], time[1], tz)


def format_day(day: dt.date, weekday: bool = True, year: bool = False) -> str:
    """"dinsdag 1 december"; with `year` "dinsdag 1 december 2026"; without `weekday` "1 december"."""
    pattern = ("EEEE " if weekday else "") + "d MMMM" + (" y" if year else "")
    return format_date(day, pattern, locale="nl")


def format_dutch(moment: dt.datetime, tz: dt.tzinfo, with_time: bool = True) -> str:
    """"dinsdag 1 december om 10:00" in the user's zone."""
    local = moment.astimezone(tz)
    text = format_day(local.date())
    if with_time:
        text += f" om {local.hour:02d}:{local.minute:02d}"
    return text


def parse_past_day(text: str, today: dt.date) -> Optional[dt.date]:
    """A day that has been: "12-3-2026", "12.3", "12 maart", "gisteren". Without a
    year, the most recent such day; a weekday name is the last one before today."""
    clean = re.sub(r"(\d)\.(\d)", r"\1-\2", normalise(text[:MAX_INPUT_CHARS]))
    found, has_year = extract_date(clean, today)
    if found is None or has_year or found <= today:
        return found
    if (found - today).days < 7:
        return found - dt.timedelta(days=7)
    return _safe_date(found.year - 1, found.month, found.day) or _safe_date(found.year - 1, found.month, 28)
