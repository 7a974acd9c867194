"""Settings from the environment and an optional .env file (see .env.example)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
# In the data dir: the bot's Telegram username, written by the Telegram process at
# start and read by the action server (for t.me links in calendar files).
BOT_USERNAME_FILE = "telegram_bot_username"


def read_dotenv(path: Path) -> Dict[str, str]:
    """KEY=value lines; # comments and blank lines ignored; quotes stripped."""
    values: Dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def load_env(path: Optional[Path] = None) -> None:
    """Put .env values into os.environ without overriding what is set."""
    for key, value in read_dotenv(path or ROOT / ".env").items():
        os.environ.setdefault(key, value)


@dataclass(frozen=True)
class Settings:
    telegram_token: Optional[str]
    telegram_base_url: Optional[str]
    telegram_base_file_url: Optional[str]
    webhook_url: Optional[str]
    webhook_port: int
    db_path: Path
    data_dir: Path
    timezone: str
    rasa_port: int
    actions_port: int
    rasa_token: Optional[str]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def tracker_db(self) -> Path:
        return self.data_dir / "rasa_tracker.db"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}/webhook"


def get_settings() -> Settings:
    load_env()
    env = os.environ
    data_dir = Path(env.get("REGIECOACH_DATA_DIR") or ROOT / "var")
    return Settings(
        telegram_token=env.get("TELEGRAM_BOT_TOKEN") or None,
        telegram_base_url=env.get("TELEGRAM_BASE_URL") or None,
        telegram_base_file_url=env.get("TELEGRAM_BASE_FILE_URL") or None,
        webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
        webhook_port=int(env.get("TELEGRAM_WEBHOOK_PORT") or 8443),
        db_path=Path(env.get("REGIECOACH_DB") or data_dir / "regiecoach.db"),
        data_dir=data_dir,
        timezone=env.get("REGIECOACH_TZ") or "Europe/Amsterdam",
        rasa_port=int(env.get("RASA_PORT") or 5005),
        actions_port=int(env.get("ACTIONS_PORT") or 5055),
        rasa_token=env.get("REGIECOACH_RASA_TOKEN") or None,
    )
