"""Migration 0015 adds meeting.kind (existing meetings become 涉密会议) and meeting.due_on, and
goes down and up again keeping the meeting's code index."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from carrier_tracker.storage import db


def test_trips_come_and_go_with_migration_0015(tmp_path: Path) -> None:
    from alembic import command

    engine = db.make_engine(f"sqlite:///{tmp_path / 'down15.db'}")
    db.upgrade(engine)

    def state() -> tuple[set[str], set[str]]:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
            indexes = {name for (name,) in rows}
        return {c["name"] for c in inspect(engine).get_columns("meeting")}, indexes

    columns, indexes = state()
    assert {"kind", "due_on"} <= columns and "ix_meeting_code_ci" in indexes
    with engine.begin() as conn:
        command.downgrade(db._alembic_config(conn), "0014")
    down_columns, down_indexes = state()
    assert columns - down_columns == {"kind", "due_on"}
    assert down_indexes == indexes
    with engine.begin() as conn:  # a meeting of before trips existed
        conn.execute(
            text(
                "INSERT INTO meeting (code, title, level, venue, organizer, officer,"
                " requires_passes, status, close_approver, created_at)"
                " VALUES ('OLD', '旧会议', '机密', '', '', '', 1, 'draft', '', '2026-01-01')"
            )
        )
    db.upgrade(engine)
    assert state() == (columns, indexes)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT kind, due_on FROM meeting")).one() == ("涉密会议", None)
    engine.dispose()
