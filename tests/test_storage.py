"""The storage owner: migrations, consent, export and erasure."""

from __future__ import annotations

import pytest

from regiecoach.storage import ConsentRequired, open_db, users
from regiecoach.storage.privacy import erase_user, export_user, purge_tracker
from regiecoach.storage.schema import migrations


def test_fresh_database_has_every_table_and_all_migrations_applied(fresh_db):
    expected = {"users", "processed_updates", "outbox", "buttons", "drafts", "meetings", "goals", "statements",
                "questions", "reminders", "checkins", "practice_attempts"}
    assert expected <= set(fresh_db.table_names())
    assert migrations.pending(fresh_db) == []


def test_reopening_the_database_keeps_data_and_applies_nothing_twice(fresh_db, now):
    users.set_consent(fresh_db, "1", True, now)
    again = open_db(fresh_db.path)
    assert users.has_consent(again, "1")
    assert len(list(again["_sqlite_migrations"].rows)) == len(migrations._migrations)


def test_no_column_can_hold_a_diagnosis(fresh_db):
    for table in fresh_db.table_names():
        for column in fresh_db[table].columns_dict:
            assert "diagnos" not in column.lower()


def test_writes_of_personal_data_are_refused_without_consent(fresh_db, now):
    users.ensure_user(fresh_db, "1", now)
    with pytest.raises(ConsentRequired):
        users.update_settings(fresh_db, "1", work_status="employed")
    users.set_consent(fresh_db, "1", False, now)
    with pytest.raises(ConsentRequired):
        users.update_settings(fresh_db, "1", checkin_weeks=5)


def test_erasure_covers_every_table_with_a_chat_id_even_new_ones(fresh_db, consenting_user, now):
    fresh_db["future_table"].insert({"chat_id": consenting_user, "note": "x"})
    fresh_db["checkins"].insert({"chat_id": consenting_user, "created_at": "2026-01-01", "energy": 4})
    fresh_db["checkins"].insert({"chat_id": "someone else", "created_at": "2026-01-01", "energy": 7})
    deleted = erase_user(fresh_db, consenting_user)
    assert deleted == 3
    assert users.get_user(fresh_db, consenting_user) is None
    assert fresh_db["future_table"].count == 0
    assert fresh_db["checkins"].count == 1


def test_export_returns_the_users_own_rows_only(fresh_db, consenting_user):
    fresh_db["checkins"].insert({"chat_id": consenting_user, "created_at": "2026-01-01", "energy": 4})
    fresh_db["checkins"].insert({"chat_id": "other", "created_at": "2026-01-01", "energy": 9})
    data = export_user(fresh_db, consenting_user)
    assert [row["energy"] for row in data["checkins"]] == [4]
    assert data["users"][0]["work_status"] == "employed"


def test_purge_tracker_removes_only_this_users_events(tmp_path):
    import sqlite3

    path = tmp_path / "tracker.db"
    conn = sqlite3.connect(path)
    conn.execute("create table events (id integer primary key, sender_id text, timestamp real, data text)")
    conn.executemany("insert into events (sender_id, timestamp, data) values (?, 0, '{}')", [("1",), ("1",), ("2",)])
    conn.commit()
    conn.close()
    assert purge_tracker(path, "1") == 2
    assert sqlite3.connect(path).execute("select count(*) from events").fetchone()[0] == 1
