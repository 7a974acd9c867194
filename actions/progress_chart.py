"""The check-in chart on /voortgang: energy and confidence over time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Dict, List, Optional

import matplotlib

matplotlib.use("Agg")  # no screen on a server
import matplotlib.pyplot as plt  # noqa: E402

from bot.storage.db import parse_iso  # noqa: E402


def render_checkin_chart(checkins: List[Dict[str, Any]], out_dir: Path, tz: dt.tzinfo) -> Optional[Path]:
    """A PNG with one line for energy and one for confidence (0-10), or None
    when there are fewer than two check-ins with scores."""
    points = [c for c in checkins if c.get("energy") is not None or c.get("confidence") is not None]
    if len(points) < 2:
        return None
    dates = [parse_iso(c["created_at"]).astimezone(tz).date() for c in points]  # type: ignore[union-attr]
    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=100)
    ax.plot(dates, [c.get("energy") for c in points], marker="o", label="Energie")
    ax.plot(dates, [c.get("confidence") for c in points], marker="s", label="Vertrouwen in werk")
    ax.set_ylim(0, 10)
    ax.set_yticks(range(0, 11, 2))
    ax.set_title("Jouw check-ins")
    ax.legend(loc="lower left")
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "voortgang.png"
    fig.savefig(path)
    plt.close(fig)
    return path
