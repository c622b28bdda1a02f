"""The meeting picker marks a trip (or meeting) past its 应交回日期 with items still out."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from carrier_tracker.access.operators import Authenticated
from carrier_tracker.cli.demo import prepare_demo_database
from carrier_tracker.enums import Level, Mode, Role, Verdict
from carrier_tracker.ledger import keyring
from carrier_tracker.meeting.changes import NewPerson, add_attendee
from carrier_tracker.meeting.enrollment import bind_copy
from carrier_tracker.meeting.trips import check_trip, open_trip
from carrier_tracker.storage import db
from carrier_tracker.storage.db import make_engine
from carrier_tracker.tui.app import make_app
from tests.tui.conftest import settle, wait_for
from tests.tui.layout import screen_text

OFFICER = Authenticated("赵保密", Role.OFFICER)
UID = "04C0FFEE000001"


def _trip(url: str, key_path: Path, code: str, *, due_in: int, taken: bool) -> str:
    """A trip opened 5 days ago, due ``due_in`` days from today; its copy 1 taken out or not."""
    now = datetime.now().astimezone()
    then = now - timedelta(days=5)
    due = (now.date() + timedelta(days=due_in)).isoformat()
    ask = check_trip(
        code=code,
        title="外出调研",
        destination="某研究所",
        level="秘密",
        due=due,
        documents=("WJ-1:1:调研提纲",),
        today=then.date(),
    )
    engine = make_engine(url)
    key = keyring.open_key(engine, key_path, writes=True)
    with db.session_scope(engine) as s:
        open_trip(session=s, key=key, ask=ask, operator="赵保密", now=then)
    if taken:
        from carrier_tracker.custody.service import record_tap

        with db.session_scope(engine) as s:
            person = NewPerson("A001", "李四", "规划处", Level.MIMI, False, "", "")
            out = add_attendee(
                session=s, key=key, meeting_code=code, person=person, operator="赵保密"
            )
            assert not out.refused, out.message
            bind_copy(session=s, key=key, meeting_code=code, doc_no="WJ-1", copy_no=1, uid=UID)
        with db.session_scope(engine) as s:
            o = record_tap(
                session=s,
                key=key,
                meeting_code=code,
                uid=UID,
                mode=Mode.ISSUE,
                attendee_code="A001",
                operator="赵保密",
            )
            assert o.verdict is Verdict.ACCEPTED, o.message
    engine.dispose()
    return due


async def test_the_picker_marks_only_the_overdue_trip(tmp_path: Path) -> None:
    url, key_path = prepare_demo_database(tmp_path)
    late = _trip(url, key_path, "TR-LATE", due_in=-1, taken=True)
    _trip(url, key_path, "TR-SOON", due_in=3, taken=False)
    app = make_app(
        url, "sim:", station="一号台", operator="赵保密", key_path=key_path, signed_in=OFFICER
    )
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot, app)
        await wait_for(pilot, lambda: "TR-LATE" in screen_text(app))
        lines = screen_text(app).splitlines()
        row = next(line for line in lines if "TR-LATE" in line)
        assert f"逾期未交回（应交回 {late}）" in row
        assert "逾期" not in next(line for line in lines if "TR-SOON" in line)
        assert "逾期" not in next(line for line in lines if "HY2026-12" in line)
