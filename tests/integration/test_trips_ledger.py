"""Trips (外出携带) are in the record: ``verify`` re-decides a trip's opening (an officer approved
it) and each of its taps with the trip's rules, so an insider's skipped approval or a kind
changed in SQL for one tap is named — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from carrier_tracker.custody.service import find_meeting, record_tap
from carrier_tracker.enums import Level, Mode, Verdict
from carrier_tracker.ledger.audit import audit_meeting
from carrier_tracker.meeting import trips
from carrier_tracker.meeting.changes import NewPerson, add_attendee
from carrier_tracker.meeting.enrollment import bind_copy
from carrier_tracker.storage import db
from tests.conftest import KEY
from tests.integration.test_ledger_record import CUSTODIAN, OFFICER, Desk, desk, forbidden

__all__ = ["desk"]
CODE, UID = "TR-9", "04C0FFEE000009"


def _open(d: Desk, operator: str, code: str = CODE) -> None:
    today = datetime.now().astimezone().date()
    ask = trips.check_trip(
        code=code,
        title="外出开会",
        destination="某部",
        level="机密",
        due=(today + timedelta(days=3)).isoformat(),
        documents=("WJ-1:1:会议材料",),
        today=today,
    )
    with db.session_scope(d.engine) as s:
        trips.open_trip(session=s, key=KEY, ask=ask, operator=operator)


def _findings(d: Desk, code: str = CODE) -> list[str]:
    with db.read_scope(d.engine) as s:
        return list(audit_meeting(s, KEY, find_meeting(s, code)).findings())


def test_a_trip_opened_without_an_officer_is_named(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    _open(desk, OFFICER)
    assert _findings(desk) == []
    with pytest.raises(trips.TripRefused):
        _open(desk, CUSTODIAN)  # the service refuses a custodian alone
    # An insider's copy of the program that skips the approval: verify names it all the same.
    monkeypatch.setattr(trips, "trip_approver", lambda _s, _o, _a: "")
    _open(desk, CUSTODIAN, "TR-X")
    found = "\n".join(_findings(desk, "TR-X"))
    assert forbidden(1, f"涉密载体外出须经保密负责人审批：{CUSTODIAN} 不是保密负责人") in found, (
        found
    )


def test_a_sweep_tapped_while_the_kind_was_changed_in_sql_is_named(desk: Desk) -> None:
    _open(desk, OFFICER)
    with db.session_scope(desk.engine) as s:
        person = NewPerson("A001", "李四", "规划处", Level.JIMI)
        assert not add_attendee(
            session=s, key=KEY, meeting_code=CODE, person=person, operator=OFFICER
        ).refused
        bind_copy(session=s, key=KEY, meeting_code=CODE, doc_no="WJ-1", copy_no=1, uid=UID)

    def tap(mode: Mode, **kw: object) -> Verdict:
        with db.session_scope(desk.engine) as s:
            return record_tap(
                session=s, key=KEY, meeting_code=CODE, uid=UID, mode=mode, operator=CUSTODIAN, **kw
            ).verdict  # type: ignore[arg-type]

    assert tap(Mode.ISSUE, attendee_code="A001") is Verdict.ACCEPTED
    assert tap(Mode.SWEEP, room="会议室") is Verdict.REFUSED  # the trip's rule, at the desk
    assert _findings(desk) == []
    # The insider makes it a meeting for one sweep, then a trip again.
    desk.sql("UPDATE meeting SET kind = '涉密会议' WHERE code = :c", c=CODE)
    assert tap(Mode.SWEEP, room="会议室") is Verdict.ACCEPTED
    desk.sql("UPDATE meeting SET kind = '外出携带' WHERE code = :c", c=CODE)
    found = "\n".join(_findings(desk))
    assert "外出携带不适用“巡检”" in found, found
