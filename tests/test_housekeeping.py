"""Old operational rows and old Rasa tracker events are removed."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import replace

from bot.app import housekeeping
from bot.bridge import OutMessage
from regiecoach.config import get_settings
from regiecoach.storage import conversations


def test_housekeeping_drops_old_sent_rows_and_old_tracker_events_only(fresh_db, now, tmp_path):
    settings = replace(get_settings(), data_dir=tmp_path)
    old = now - dt.timedelta(days=40)
    conversations.store_replies(fresh_db, "1", "tg:1", [OutMessage("oud").to_json()], old)
    conversations.set_outbox_status(fresh_db, conversations.pending_outbox(fresh_db)[0]["id"], "sent", old)
    conversations.store_replies(fresh_db, "1", "tg:2", [OutMessage("nieuw, nog niet verstuurd").to_json()], old)
    tracker = sqlite3.connect(settings.tracker_db)
    tracker.execute("create table events (id integer primary key, sender_id text, timestamp real, data text)")
    tracker.executemany("insert into events (sender_id, timestamp, data) values ('1', ?, '{}')",
                        [(old.timestamp(),), (now.timestamp(),)])
    tracker.commit()
    tracker.close()

    housekeeping(fresh_db, settings, now)

    assert [row["payload"]["text"] for row in conversations.pending_outbox(fresh_db)] == ["nieuw, nog niet verstuurd"]
    assert fresh_db["outbox"].count == 1
    assert not conversations.is_processed(fresh_db, "tg:1")
    assert sqlite3.connect(settings.tracker_db).execute("select count(*) from events").fetchone()[0] == 1
