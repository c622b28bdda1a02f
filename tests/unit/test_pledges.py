"""Pledges (保密承诺书) and briefing: the pure rule, the service, the ledger replay, the warning
on a pass handed to someone without a pledge, and its count in the read model."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from carrier_tracker.custody.service import record_tap
from carrier_tracker.enums import Action, MeetingStatus, Mode, Verdict
from carrier_tracker.errors import CarrierTrackerError, ConflictError, NotFoundError
from carrier_tracker.ledger.audit import audit_meeting
from carrier_tracker.meeting.pledges import decide_pledge, record_pledges
from carrier_tracker.storage.models import Attendee, Event
from carrier_tracker.storage.readmodel import reconciliation
from tests.factories import PLEDGE_DAY, make_world

TODAY = date(2026, 12, 1)
D1, D2 = date(2026, 11, 25), date(2026, 11, 26)


def test_decide_pledge_rules() -> None:
    # none on record: the day asked for; with --briefed the briefing too
    assert decide_pledge(None, None, day=D1, day_given=False, briefed=False) == (
        decide_pledge(None, None, day=D1, day_given=True, briefed=False)
    )
    c = decide_pledge(None, None, day=D1, day_given=True, briefed=True)
    assert (c.verdict, c.pledge_on, c.briefed_on) == (Verdict.ACCEPTED, D1, D1)
    # on record: the same again is "already"; today by default is not a conflict
    assert decide_pledge(D1, None, day=D1, day_given=True, briefed=False).verdict is Verdict.ALREADY
    assert (
        decide_pledge(D1, None, day=D2, day_given=False, briefed=False).verdict is Verdict.ALREADY
    )
    # another day given explicitly is refused (a recorded day is never rewritten)
    c = decide_pledge(D1, None, day=D2, day_given=True, briefed=True)
    assert (c.verdict, c.pledge_on, c.briefed_on) == (Verdict.REFUSED, D1, None)
    # a briefing added later keeps the pledge day
    c = decide_pledge(D1, None, day=D2, day_given=False, briefed=True)
    assert (c.verdict, c.pledge_on, c.briefed_on) == (Verdict.ACCEPTED, D1, D2)
    assert decide_pledge(D1, D1, day=D2, day_given=False, briefed=True).verdict is Verdict.ALREADY


def _pledge(session: Session, key: bytes, codes: list[str] | None, **kw: object) -> list[Verdict]:
    outcomes = record_pledges(
        session=session,
        key=key,
        meeting_code="M1",
        attendee_codes=codes,
        today=TODAY,
        operator="小孙",
        station="一号台",
        **kw,  # type: ignore[arg-type]
    )
    session.commit()
    return [o.verdict for o in outcomes]


def test_pledges_recorded_as_ledger_events_and_replayed(session: Session, key: bytes) -> None:
    w = make_world(session, unpledged=("A002", "A003"))
    assert _pledge(session, key, ["A002"], day=D1, briefed=True) == [Verdict.ACCEPTED]
    assert _pledge(session, key, None) == [Verdict.ALREADY, Verdict.ALREADY, Verdict.ACCEPTED]
    assert _pledge(session, key, ["A002"], day=D2) == [Verdict.REFUSED]
    events = session.exec(select(Event).where(Event.action == Action.PLEDGE.value)).all()
    assert [(e.attendee_id, e.operator, e.station) for e in events] == [
        (w.people["A002"].id, "小孙", "一号台"),
        (w.people["A003"].id, "小孙", "一号台"),
    ]
    session.expire_all()
    a2 = session.get(Attendee, w.people["A002"].id)
    a3 = session.get(Attendee, w.people["A003"].id)
    assert a2 is not None and (a2.pledge_on, a2.briefed_on) == (D1, D1)
    assert a3 is not None and (a3.pledge_on, a3.briefed_on) == (TODAY, None)
    report = audit_meeting(session, key, w.meeting)
    assert report.ok, report.findings()


@pytest.mark.parametrize(
    ("column", "value", "shown"),
    [
        (
            "pledge_on",
            "2026-11-01",
            "A003 王五·保密承诺书签署日期：台账为 （空），数据库为 2026-11-01",
        ),
        (
            "briefed_on",
            "2026-11-01",
            "A002 李四·保密教育日期：台账为 2026-11-25，数据库为 2026-11-01",
        ),
        ("pledge_on", None, "A001 张三·保密承诺书签署日期：台账为 2026-11-20，数据库为 （空）"),
    ],
)
def test_verify_names_a_pledge_changed_behind_the_ledger(
    session: Session, key: bytes, column: str, value: str | None, shown: str
) -> None:
    w = make_world(session, unpledged=("A002", "A003"))
    _pledge(session, key, ["A002"], day=D1, briefed=True)
    assert audit_meeting(session, key, w.meeting).ok
    code = {"pledge_on": "A003" if value else "A001", "briefed_on": "A002"}[column]
    session.execute(
        text(f"UPDATE attendee SET {column} = :v WHERE code = :c AND meeting_id = :m"),
        {"v": date.fromisoformat(value) if value else None, "c": code, "m": w.meeting.id},
    )
    session.commit()
    session.expire_all()  # verify reads the rows afresh (the CLI opens a new session)
    report = audit_meeting(session, key, w.meeting)
    assert not report.ok and report.differences == (shown,)


def test_refusals_change_nothing(session: Session, key: bytes) -> None:
    w = make_world(session, unpledged=("A003",))
    seq = len(session.exec(select(Event)).all())
    with pytest.raises(NotFoundError):
        record_pledges(
            session=session,
            key=key,
            meeting_code="M1",
            attendee_codes=["A003", "A999"],
            today=TODAY,
        )
    session.rollback()
    with pytest.raises(CarrierTrackerError, match="晚于今天"):
        record_pledges(
            session=session,
            key=key,
            meeting_code="M1",
            attendee_codes=["A003"],
            today=TODAY,
            day=date(2026, 12, 2),
        )
    session.rollback()
    assert len(session.exec(select(Event)).all()) == seq
    closed = make_world(session, code="M2", status=MeetingStatus.CLOSED, unpledged=("A003",))
    with pytest.raises(ConflictError, match="已结束"):
        record_pledges(
            session=session, key=key, meeting_code="M2", attendee_codes=["A003"], today=TODAY
        )
    session.rollback()
    assert session.get(Attendee, w.people["A003"].id).pledge_on is None  # type: ignore[union-attr]
    assert audit_meeting(session, key, closed.meeting).ok


def test_pass_without_pledge_warned_and_counted(session: Session, key: bytes) -> None:
    w = make_world(session, unpledged=("A002",))

    def tap(code: str, mode: Mode) -> tuple[Verdict, str, str]:
        o = record_tap(session=session, key=key, meeting_code="M1", uid=w.pass_uid(code), mode=mode)
        session.commit()
        return o.verdict, o.warning, o.message

    assert tap("A001", Mode.ISSUE) == (Verdict.ACCEPTED, "", "发放：会议证 P001（张三） → 张三")
    verdict, warning, message = tap("A002", Mode.ISSUE)
    assert (verdict, warning) == (Verdict.ACCEPTED, "未签保密承诺书")
    assert message == "发放：会议证 P002（李四） → 李四"  # the remark is beside it, not in it
    assert tap("A002", Mode.ENTRANCE)[:2] == (Verdict.ACCEPTED, "未签保密承诺书")
    assert tap("A002", Mode.ENTRANCE)[1] == "已入场（第 2 次）；未签保密承诺书"
    again = record_tap(
        session=session, key=key, meeting_code="M1", uid=w.pass_uid("A002"), mode=Mode.ENTRANCE
    )
    session.commit()
    assert again.line == "准予入场：李四（某单位）　已入场（第 3 次）（未签保密承诺书）"
    assert tap("A001", Mode.ENTRANCE)[1] == ""
    recon = reconciliation(session, w.meeting)
    assert recon.unpledged == (("A002", "李四"),) and recon.counts()["unpledged_passes"] == 1
    assert "A002 李四" in recon.unpledged_line()
    # A003 has no pass out: not counted. Signing later clears the count (and the warning).
    _pledge(session, key, ["A002"], day=PLEDGE_DAY)
    assert reconciliation(session, w.meeting).unpledged == ()
    assert tap("A002", Mode.ENTRANCE)[1] == "已入场（第 4 次）"
    assert audit_meeting(session, key, w.meeting).ok
