"""`python -m bot report`: anonymous outcome figures for the organisation that
runs the bot, beside the study's figures (issue 15).

    python -m bot report [--since DATE] [--until DATE] [--format md|json] [--out DIR] [--k N]
    python -m bot report --demo        200 fictitious users in a temporary database

It only reads the database (safe while the bot runs) and writes a Markdown or
JSON file plus a PNG chart into --out. The rules (opt-in only, k-anonymity,
rounding, weeks) live in regiecoach/storage/outcomes.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from bot.operator_cli import parse_operator_args
from regiecoach.config import get_settings
from regiecoach.storage import outcomes, utcnow
from regiecoach.storage.outcomes import Figure, Outcomes, ReportError

TITLE = "Regiecoach: anonieme uitkomstcijfers"
DEMO_USERS = 200
DEMO_BANNER = (
    f"**DEMO: FICTIEVE GEGEVENS.** Dit rapport komt uit {DEMO_USERS} verzonnen gebruikers in een tijdelijke "
    "database. Geen enkel cijfer gaat over echte mensen."
)
SUPPRESSED = "onderdrukt (minder dan {k} gebruikers)"
NOT_MEASURED = "niet gemeten (de bot stelt deze vraag niet)"


def rules(k: int) -> List[str]:
    return [
        "Alleen gebruikers die zelf kozen om mee te tellen (/privacy). Wie nee zegt of alles wist, telt niet mee.",
        f"Geen cijfer uit minder dan {k} gebruikers; zo'n cijfer staat er als \"onderdrukt\".",
        "Aantallen zijn afgerond op 5. Percentages en medianen komen uit de exacte aantallen.",
        "Geen vrije tekst, geen rij per gebruiker, geen datum fijner dan een week.",
        "\"(Grotendeels) behaald\": in dat gesprek is meer dan de helft van de doelen bereikt "
        "(een doel dat deels bereikt is, telt voor de helft).",
        "Verandering: laatste min eerste cijfer (0-10) van iedere gebruiker met minstens twee check-ins "
        "in de periode. Regie wordt hoogstens elke derde check-in gevraagd.",
    ]


# --- formatting -------------------------------------------------------------------------


def _number(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def value_text(figure: Figure, k: int) -> str:
    if figure.kind == "not_measured":
        return NOT_MEASURED
    if figure.suppressed or figure.value is None:
        return SUPPRESSED.format(k=k)
    if figure.kind == "percent":
        return f"{figure.value:.0f}%"
    if figure.kind == "median":
        return ("+" if figure.value > 0 else "") + _number(figure.value)
    return f"{figure.value:.0f}"


def basis_text(figure: Figure) -> str:
    if figure.suppressed or figure.kind == "not_measured":
        return ""
    users = f"{figure.users} gebruikers"
    if figure.base is not None and figure.base_label != "gebruikers":
        return f"{figure.base} {figure.base_label}, {users}"
    return users


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def period_text(result: Outcomes) -> str:
    first = result.period.first_week
    start = f"week {first}" if first else "het begin"
    return f"{start} t/m week {result.period.last_week} (hele weken)"


def to_markdown(result: Outcomes, chart_name: Optional[str], made_in_week: str) -> str:
    lines = [f"# {TITLE}", ""]
    if result.demo:
        lines += [f"> {DEMO_BANNER}", ""]
    lines += [
        f"Periode: {period_text(result)}. Gemaakt in week {made_in_week}.",
        "",
        "| Cijfer | Regiecoach | Basis | Onderzoek | Wat het onderzoek zegt |",
        "| --- | --- | --- | --- | --- |",
    ]
    for figure in result.figures:
        study = figure.study
        wording = f"\"{study.wording}\"" + (f" ({study.basis})" if study.basis else "") if study else ""
        lines.append("| " + " | ".join(_cell(c) for c in (
            figure.label, value_text(figure, result.k), basis_text(figure), study.value if study else "", wording,
        )) + " |")
    lines += ["", "## Zo lees je dit rapport", ""]
    lines += [f"- {rule}" for rule in rules(result.k)]
    lines += [f"- Onderzoek: {outcomes.SOURCE}. Het onderzoek was klein; het is een richtpunt, geen norm.", ""]
    if chart_name:
        lines += [f"![Verdelingen]({chart_name})", ""]
    return "\n".join(lines)


def to_json(result: Outcomes, made_in_week: str) -> str:
    figures: List[Dict[str, Any]] = []
    for figure in result.figures:
        row = asdict(figure)
        row["text"] = value_text(figure, result.k)
        figures.append(row)
    body = {
        "title": TITLE,
        "demo": result.demo,
        "demo_note": DEMO_BANNER if result.demo else None,
        "period": {"from_week": result.period.first_week, "to_week": result.period.last_week},
        "made_in_week": made_in_week,
        "k": result.k,
        "rules": rules(result.k),
        "figures": figures,
        "distributions": result.distributions,
        "study_source": outcomes.SOURCE,
    }
    return json.dumps(body, ensure_ascii=False, indent=2)


def render_chart(result: Outcomes, path: Path) -> Path:
    """One PNG with the distributions; a panel from fewer than k users says so."""
    import matplotlib

    matplotlib.use("Agg")  # no screen on a server
    import matplotlib.pyplot as plt

    panels = [
        ("goals", "Doelen na het gesprek", "%"),
        ("heard", "Gehoord gevoeld in het gesprek", "%"),
        ("invitations", "Check-in-uitnodigingen (afgerond op 5)", "aantal"),
        ("change_energy", "Verandering energie", "% gebruikers"),
        ("change_confidence", "Verandering vertrouwen in werk", "% gebruikers"),
        ("change_regie", "Verandering regie", "% gebruikers"),
    ]
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.5), dpi=100)
    for ax, (key, title, unit) in zip(axes.flat, panels):
        ax.set_title(title, fontsize=10)
        data = result.distributions.get(key)
        if not data:
            ax.text(0.5, 0.5, SUPPRESSED.format(k=result.k), ha="center", va="center", fontsize=9, wrap=True,
                    transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        labels, values = list(data), list(data.values())
        bars = ax.bar(labels, values, color="#4c72b0")
        ax.bar_label(bars, labels=[_number(v) for v in values], fontsize=8)
        ax.set_ylabel(unit, fontsize=8)
        if unit != "aantal":
            ax.set_ylim(0, 100)
        ax.grid(axis="y", alpha=0.3)
    heading = f"{TITLE} · {period_text(result)}"
    if result.demo:
        heading = "DEMO: FICTIEVE GEGEVENS · " + heading
        fig.text(0.5, 0.5, "DEMO", fontsize=90, color="grey", alpha=0.12, ha="center", va="center", rotation=20)
    fig.suptitle(heading, fontsize=11)
    fig.text(0.5, 0.01, f"Alleen gebruikers die kozen om mee te tellen. Geen cijfer uit minder dan {result.k} "
             "gebruikers. Verandering: lager is -2 of meer omlaag, hoger is +2 of meer.", ha="center", fontsize=8)
    fig.tight_layout(rect=(0, 0.03, 1, 0.95))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def write(result: Outcomes, out_dir: Path, fmt: str, stem: str, made_in_week: str) -> List[Path]:
    chart = render_chart(result, out_dir / f"{stem}.png")
    text_path = out_dir / f"{stem}.{fmt}"
    body = to_markdown(result, chart.name, made_in_week) if fmt == "md" else to_json(result, made_in_week)
    text_path.write_text(body + "\n", encoding="utf-8")
    return [text_path, chart]


# --- command line ---------------------------------------------------------------------------


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is geen datum; gebruik JJJJ-MM-DD, bijvoorbeeld 2026-09-01") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot report",
                                     description="Anonieme uitkomstcijfers voor de organisatie (operator).")
    parser.add_argument("--since", type=_date, help="vanaf de week van deze datum (JJJJ-MM-DD)")
    parser.add_argument("--until", type=_date, help="t/m de week van deze datum (standaard: deze week)")
    parser.add_argument("--format", choices=("md", "json"), default="md")
    parser.add_argument("--out", type=Path, help="map voor de bestanden (standaard: <datamap>/reports)")
    parser.add_argument("--k", type=int, default=outcomes.MIN_K,
                        help=f"minimum aantal gebruikers per cijfer (standaard en minimum {outcomes.MIN_K})")
    parser.add_argument("--demo", action="store_true",
                        help=f"{DEMO_USERS} fictieve gebruikers in een tijdelijke database (niet je echte gegevens)")
    return parser


def run(since: Optional[dt.date], until: Optional[dt.date], fmt: str, out_dir: Path, k: int, demo: bool,
        db_path: Path, tz: dt.tzinfo, now: dt.datetime) -> List[Path]:
    """Make the report; returns the files written. Raises ReportError with a Dutch message."""
    outcomes.check_k(k)
    period = outcomes.week_period(since, until, now.astimezone(tz).date(), tz)
    made_in_week = outcomes.week_label(now.astimezone(tz).date())
    if demo:
        from bot.report_demo import build_demo_db

        with tempfile.TemporaryDirectory(prefix="regiecoach-demo-") as tmp:
            path = build_demo_db(Path(tmp) / "demo.db", DEMO_USERS, now)
            result = _compute(path, period, k)
            result.demo = True
            return write(result, out_dir, fmt, "report-demo", made_in_week)
    result = _compute(db_path, period, k)
    return write(result, out_dir, fmt, f"report-{period.last_week}", made_in_week)


def _compute(path: Path, period: outcomes.Period, k: int) -> Outcomes:
    db = outcomes.open_readonly(path)
    try:
        return outcomes.compute(db, period, k)
    finally:
        db.close()


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_operator_args(_parser(), argv, "report")
    if isinstance(args, int):
        return args
    settings = get_settings()
    try:
        written = run(args.since, args.until, args.format, args.out or settings.data_dir / "reports", args.k,
                      args.demo, settings.db_path, settings.tz, utcnow())
    except ReportError as error:
        print(f"Geen rapport: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
