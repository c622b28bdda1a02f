"""Every row of the custody state machine (docs/architecture.md §3), accepted, "already" and refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlmodel import Session, func, select

from carrier_tracker.custody.service import record_tap
from carrier_tracker.enums import MeetingStatus, Mode, State, Verdict
from carrier_tracker.storage.models import Carrier, Consignment, Event
from tests.factories import World, make_world


@dataclass
class Case:
    """One tap on one carrier prepared in ``start`` state."""

    name: str
    mode: Mode
    start: State
    verdict: Verdict
    end: State | None = None  # expected state after (None: unchanged)
    target: str = "D1/1"  # "D1/1" a copy, "pass:A001" a pass
    holder: str | None = None  # holder before (issued, carried_out, lost)
    remembered: str | None = None  # remembered holder before (collected)
    consignment: str | None = None  # the carrier's consignment before
    args: dict[str, Any] = field(default_factory=dict)
    reason: str = ""  # text the refusal must contain
    passes: tuple[str, ...] = ("A001", "A002")  # passes issued beforehand
    end_holder: str | None = None  # expected holder after (accepted)
    meeting_status: MeetingStatus = MeetingStatus.OPEN
    also_issued: dict[str, str] = field(
        default_factory=dict
    )  # other carriers issued beforehand: target -> holder
    also_lost: dict[str, str] = field(
        default_factory=dict
    )  # other copies reported lost beforehand while held: target -> holder
    requires_passes: bool = True


OFFICER = {"operator": "赵官"}
CASES = [
    # --- accepted ---
    Case(
        "issue registered",
        Mode.ISSUE,
        State.REGISTERED,
        Verdict.ACCEPTED,
        State.ISSUED,
        args={"attendee_code": "A001"},
        end_holder="A001",
    ),
    Case(
        "issue collected back to its holder",
        Mode.ISSUE,
        State.COLLECTED,
        Verdict.ACCEPTED,
        State.ISSUED,
        remembered="A001",
        args={"attendee_code": "A001"},
        end_holder="A001",
    ),
    Case(
        "issue collected, holder implied",
        Mode.ISSUE,
        State.COLLECTED,
        Verdict.ACCEPTED,
        State.ISSUED,
        remembered="A001",
        end_holder="A001",
    ),
    Case(
        "issue collected to other with officer override",
        Mode.ISSUE,
        State.COLLECTED,
        Verdict.ACCEPTED,
        State.ISSUED,
        remembered="A001",
        args={"attendee_code": "A002", "override": True, **OFFICER},
        end_holder="A002",
    ),
    Case(
        "issue without passes required",
        Mode.ISSUE,
        State.REGISTERED,
        Verdict.ACCEPTED,
        State.ISSUED,
        target="D2/1",
        args={"attendee_code": "A003"},
        passes=(),
        end_holder="A003",
        requires_passes=False,
    ),
    Case(
        "second copy with officer override",
        Mode.ISSUE,
        State.REGISTERED,
        Verdict.ACCEPTED,
        State.ISSUED,
        args={"attendee_code": "A001", "override": True, **OFFICER},
        also_issued={"D1/2": "A001"},
        end_holder="A001",
    ),
    Case(
        "pass recall after copies came back",
        Mode.RECALL,
        State.ISSUED,
        Verdict.ACCEPTED,
        State.RECOVERED,
        target="pass:A001",
        holder="A001",
        also_issued={"D1/2": "A002"},
    ),
    Case(
        "pass recall with a copy lost, officer override",
        Mode.RECALL,
        State.ISSUED,
        Verdict.ACCEPTED,
        State.RECOVERED,
        target="pass:A001",
        holder="A001",
        also_lost={"D1/2": "A001"},
        args={"override": True, **OFFICER},
    ),
    Case(
        "pass recall when someone else lost a copy",
        Mode.RECALL,
        State.ISSUED,
        Verdict.ACCEPTED,
        State.RECOVERED,
        target="pass:A001",
        holder="A001",
        also_lost={"D1/2": "A002"},
    ),
    Case(
        "issue a copy of a document whose other copy this person lost",
        Mode.ISSUE,
        State.REGISTERED,
        Verdict.ACCEPTED,
        State.ISSUED,
        args={"attendee_code": "A001"},
        also_lost={"D1/2": "A001"},
        end_holder="A001",
    ),
    Case(
        "pass recall with copies, officer override",
        Mode.RECALL,
        State.ISSUED,
        Verdict.ACCEPTED,
        State.RECOVERED,
        target="pass:A001",
        holder="A001",
        also_issued={"D1/2": "A001"},
        args={"override": True, **OFFICER},
    ),
    Case(
        "issue recovered",
        Mode.ISSUE,
        State.RECOVERED,
        Verdict.ACCEPTED,
        State.ISSUED,
        args={"attendee_code": "A002"},
        end_holder="A002",
    ),
    Case(
        "issue opens a planned meeting",
        Mode.ISSUE,
        State.REGISTERED,
        Verdict.ACCEPTED,
        State.ISSUED,
        args={"attendee_code": "A001"},
        end_holder="A001",
        meeting_status=MeetingStatus.PLANNED,
    ),
    Case("collect", Mode.COLLECT, State.ISSUED, Verdict.ACCEPTED, State.COLLECTED, holder="A001"),
    Case(
        "reissue to remembered",
        Mode.REISSUE,
        State.COLLECTED,
        Verdict.ACCEPTED,
        State.ISSUED,
        remembered="A001",
        end_holder="A001",
    ),
    Case(
        "reissue other with officer override",
        Mode.REISSUE,
        State.COLLECTED,
        Verdict.ACCEPTED,
        State.ISSUED,
        remembered="A001",
        args={"attendee_code": "A002", "override": True, **OFFICER},
        end_holder="A002",
    ),
    Case(
        "recall issued", Mode.RECALL, State.ISSUED, Verdict.ACCEPTED, State.RECOVERED, holder="A001"
    ),
    Case(
        "recall collected",
        Mode.RECALL,
        State.COLLECTED,
        Verdict.ACCEPTED,
        State.RECOVERED,
        remembered="A001",
    ),
    Case(
        "recall carried out",
        Mode.RECALL,
        State.CARRIED_OUT,
        Verdict.ACCEPTED,
        State.RECOVERED,
        holder="A002",
    ),
    Case(
        "carry out",
        Mode.CARRY_OUT,
        State.ISSUED,
        Verdict.ACCEPTED,
        State.CARRIED_OUT,
        holder="A002",
        args=OFFICER,
        end_holder="A002",
    ),
    Case(
        "dispatch registered",
        Mode.DISPATCH,
        State.REGISTERED,
        Verdict.ACCEPTED,
        State.IN_TRANSIT,
        args={"consignment_no": "K1"},
    ),
    Case(
        "dispatch collected",
        Mode.DISPATCH,
        State.COLLECTED,
        Verdict.ACCEPTED,
        State.IN_TRANSIT,
        remembered="A002",
        args={"consignment_no": "K1"},
    ),
    Case(
        "dispatch recovered",
        Mode.DISPATCH,
        State.RECOVERED,
        Verdict.ACCEPTED,
        State.IN_TRANSIT,
        args={"consignment_no": "K1"},
    ),
    Case(
        "deliver",
        Mode.DELIVER,
        State.IN_TRANSIT,
        Verdict.ACCEPTED,
        State.DELIVERED,
        consignment="K1",
    ),
    Case(
        "return in transit",
        Mode.RETURN,
        State.IN_TRANSIT,
        Verdict.ACCEPTED,
        State.RECOVERED,
        consignment="K1",
    ),
    Case(
        "return delivered",
        Mode.RETURN,
        State.DELIVERED,
        Verdict.ACCEPTED,
        State.RECOVERED,
        consignment="K1",
    ),
    Case(
        "return carried out",
        Mode.RETURN,
        State.CARRIED_OUT,
        Verdict.ACCEPTED,
        State.RECOVERED,
        holder="A002",
    ),
    Case(
        "report lost issued",
        Mode.LOST,
        State.ISSUED,
        Verdict.ACCEPTED,
        State.LOST,
        holder="A001",
        args={**OFFICER, "note": "会场未找到"},
        end_holder="A001",
    ),
    Case(
        "report lost registered",
        Mode.LOST,
        State.REGISTERED,
        Verdict.ACCEPTED,
        State.LOST,
        args={**OFFICER, "note": "库房缺失"},
    ),
    Case("found", Mode.FOUND, State.LOST, Verdict.ACCEPTED, State.RECOVERED, holder="A001"),
    Case(
        "pass issue",
        Mode.ISSUE,
        State.REGISTERED,
        Verdict.ACCEPTED,
        State.ISSUED,
        target="pass:A003",
        passes=(),
        end_holder="A003",
    ),
    Case(
        "pass recall",
        Mode.RECALL,
        State.ISSUED,
        Verdict.ACCEPTED,
        State.RECOVERED,
        target="pass:A001",
        holder="A001",
    ),
    Case(
        "pass lost",
        Mode.LOST,
        State.ISSUED,
        Verdict.ACCEPTED,
        State.LOST,
        target="pass:A001",
        holder="A001",
        args={**OFFICER, "note": "遗失"},
        end_holder="A001",
    ),
    Case(
        "pass found",
        Mode.FOUND,
        State.LOST,
        Verdict.ACCEPTED,
        State.RECOVERED,
        target="pass:A001",
        holder="A001",
    ),
    Case(
        "entrance admitted",
        Mode.ENTRANCE,
        State.ISSUED,
        Verdict.ACCEPTED,
        None,
        target="pass:A001",
        holder="A001",
        end_holder="A001",
    ),
    # --- already ---
    Case(
        "issue again same holder",
        Mode.ISSUE,
        State.ISSUED,
        Verdict.ALREADY,
        holder="A001",
        args={"attendee_code": "A001"},
    ),
    Case("collect again", Mode.COLLECT, State.COLLECTED, Verdict.ALREADY, remembered="A001"),
    Case("reissue again", Mode.REISSUE, State.ISSUED, Verdict.ALREADY, holder="A001"),
    Case("recall again", Mode.RECALL, State.RECOVERED, Verdict.ALREADY),
    Case("recall never issued", Mode.RECALL, State.REGISTERED, Verdict.ALREADY),
    Case(
        "carry out again",
        Mode.CARRY_OUT,
        State.CARRIED_OUT,
        Verdict.ALREADY,
        holder="A002",
        args=OFFICER,
    ),
    Case(
        "dispatch again",
        Mode.DISPATCH,
        State.IN_TRANSIT,
        Verdict.ALREADY,
        consignment="K1",
        args={"consignment_no": "K1"},
    ),
    Case("deliver again", Mode.DELIVER, State.DELIVERED, Verdict.ALREADY, consignment="K1"),
    Case("return again", Mode.RETURN, State.RECOVERED, Verdict.ALREADY),
    Case(
        "lost again",
        Mode.LOST,
        State.LOST,
        Verdict.ALREADY,
        holder="A001",
        args={**OFFICER, "note": "x"},
    ),
    Case("found again", Mode.FOUND, State.RECOVERED, Verdict.ALREADY),
    Case(
        "pass issue again",
        Mode.ISSUE,
        State.ISSUED,
        Verdict.ALREADY,
        target="pass:A001",
        holder="A001",
    ),
    # --- refused ---
    Case(
        "issue needs attendee",
        Mode.ISSUE,
        State.REGISTERED,
        Verdict.REFUSED,
        reason="请先选择领取人",
    ),
    Case(
        "issue held by other",
        Mode.ISSUE,
        State.ISSUED,
        Verdict.REFUSED,
        holder="A001",
        args={"attendee_code": "A002"},
        reason="D1 第001份 已发给 张三",
    ),
    Case(
        "issue in transit",
        Mode.ISSUE,
        State.IN_TRANSIT,
        Verdict.REFUSED,
        consignment="K1",
        args={"attendee_code": "A001"},
        reason="当前机要递送中，不能发放",
    ),
    Case(
        "issue lost",
        Mode.ISSUE,
        State.LOST,
        Verdict.REFUSED,
        args={"attendee_code": "A001"},
        reason="当前已挂失",
    ),
    Case(
        "issue clearance",
        Mode.ISSUE,
        State.REGISTERED,
        Verdict.REFUSED,
        args={"attendee_code": "A003"},
        passes=("A003",),
        reason="知悉范围不足",
    ),
    Case(
        "issue without pass",
        Mode.ISSUE,
        State.REGISTERED,
        Verdict.REFUSED,
        target="D2/1",
        args={"attendee_code": "A003"},
        passes=(),
        reason="王五 尚未领取会议证",
    ),
    Case(
        "issue on closed meeting",
        Mode.ISSUE,
        State.REGISTERED,
        Verdict.REFUSED,
        args={"attendee_code": "A001"},
        reason="会议已结束",
        meeting_status=MeetingStatus.CLOSED,
    ),
    Case(
        "collect registered",
        Mode.COLLECT,
        State.REGISTERED,
        Verdict.REFUSED,
        reason="当前在库，不能休会收回",
    ),
    Case(
        "reissue other without override",
        Mode.REISSUE,
        State.COLLECTED,
        Verdict.REFUSED,
        remembered="A001",
        args={"attendee_code": "A002"},
        reason="休会前由 张三 持有",
    ),
    Case(
        "reissue to other while issued",
        Mode.REISSUE,
        State.ISSUED,
        Verdict.REFUSED,
        holder="A001",
        args={"attendee_code": "A002"},
        reason="已发给 张三",
    ),
    Case(
        "reissue registered", Mode.REISSUE, State.REGISTERED, Verdict.REFUSED, reason="不能复会发还"
    ),
    Case(
        "reissue override needs clearance",
        Mode.REISSUE,
        State.COLLECTED,
        Verdict.REFUSED,
        remembered="A001",
        args={"attendee_code": "A003", "override": True, **OFFICER},
        passes=("A001", "A003"),
        reason="知悉范围不足",
    ),
    Case(
        "reissue override by a custodian",
        Mode.REISSUE,
        State.COLLECTED,
        Verdict.REFUSED,
        remembered="A001",
        args={"attendee_code": "A002", "override": True, "operator": "小孙"},
        reason="休会前由 张三 持有",
    ),
    Case(
        "issue collected to someone else",
        Mode.ISSUE,
        State.COLLECTED,
        Verdict.REFUSED,
        remembered="A001",
        args={"attendee_code": "A002"},
        reason="D1 第001份 休会前由 张三 持有",
    ),
    Case(
        "second copy of a document",
        Mode.ISSUE,
        State.REGISTERED,
        Verdict.REFUSED,
        args={"attendee_code": "A001"},
        also_issued={"D1/2": "A001"},
        reason="张三 已持有同一文件的 D1 第002份",
    ),
    Case(
        "second copy, override by a custodian",
        Mode.ISSUE,
        State.REGISTERED,
        Verdict.REFUSED,
        args={"attendee_code": "A001", "override": True, "operator": "小孙"},
        also_issued={"D1/2": "A001"},
        reason="已持有同一文件",
    ),
    Case(
        "pass recall while copies are out",
        Mode.RECALL,
        State.ISSUED,
        Verdict.REFUSED,
        target="pass:A001",
        holder="A001",
        also_issued={"D1/2": "A001", "D2/1": "A001"},
        reason="张三 尚持有 D1 第002份、D2 第001份",
    ),
    Case(
        "pass recall while a copy reported lost is not found",
        Mode.RECALL,
        State.ISSUED,
        Verdict.REFUSED,
        target="pass:A001",
        holder="A001",
        also_lost={"D1/2": "A001"},
        reason="张三 的 D1 第002份 已挂失、尚未找回，收回其会议证需保密负责人批准",
    ),
    Case(
        "issue without pass when passes are required",
        Mode.ISSUE,
        State.REGISTERED,
        Verdict.REFUSED,
        target="D2/1",
        args={"attendee_code": "A003"},
        passes=(),
        reason="尚未领取会议证",
        requires_passes=True,
    ),
    Case(
        "recall in transit",
        Mode.RECALL,
        State.IN_TRANSIT,
        Verdict.REFUSED,
        consignment="K1",
        reason="不能会后清退",
    ),
    Case(
        "carry out not allowed",
        Mode.CARRY_OUT,
        State.ISSUED,
        Verdict.REFUSED,
        target="D2/1",
        holder="A002",
        args=OFFICER,
        reason="不允许带离",
    ),
    Case(
        "carry out local delegate",
        Mode.CARRY_OUT,
        State.ISSUED,
        Verdict.REFUSED,
        holder="A001",
        args=OFFICER,
        reason="张三 不是外地代表",
    ),
    Case(
        "carry out without officer",
        Mode.CARRY_OUT,
        State.ISSUED,
        Verdict.REFUSED,
        holder="A002",
        args={"operator": "小孙"},
        reason="需保密负责人批准",
    ),
    Case(
        "carry out collected",
        Mode.CARRY_OUT,
        State.COLLECTED,
        Verdict.REFUSED,
        remembered="A002",
        args=OFFICER,
        reason="不能带离",
    ),
    Case(
        "dispatch needs consignment",
        Mode.DISPATCH,
        State.REGISTERED,
        Verdict.REFUSED,
        reason="请先选择机要编号",
    ),
    Case(
        "dispatch issued",
        Mode.DISPATCH,
        State.ISSUED,
        Verdict.REFUSED,
        holder="A001",
        args={"consignment_no": "K1"},
        reason="由 张三 持有，只能交入其本人（或本单位）的机要件，K1 不是",
    ),
    Case(
        "dispatch in other consignment",
        Mode.DISPATCH,
        State.IN_TRANSIT,
        Verdict.REFUSED,
        consignment="K2",
        args={"consignment_no": "K1"},
        reason="属于机要件 K2",
    ),
    Case("deliver registered", Mode.DELIVER, State.REGISTERED, Verdict.REFUSED, reason="不能签收"),
    Case(
        "deliver wrong consignment",
        Mode.DELIVER,
        State.IN_TRANSIT,
        Verdict.REFUSED,
        consignment="K2",
        args={"consignment_no": "K1"},
        reason="属于机要件 K2",
    ),
    Case(
        "return issued",
        Mode.RETURN,
        State.ISSUED,
        Verdict.REFUSED,
        holder="A001",
        reason="不能退回",
    ),
    Case(
        "lost without note",
        Mode.LOST,
        State.ISSUED,
        Verdict.REFUSED,
        holder="A001",
        args=OFFICER,
        reason="请填写说明",
    ),
    Case(
        "lost without officer",
        Mode.LOST,
        State.ISSUED,
        Verdict.REFUSED,
        holder="A001",
        args={"operator": "小孙", "note": "x"},
        reason="需保密负责人批准",
    ),
    Case(
        "lost delivered",
        Mode.LOST,
        State.DELIVERED,
        Verdict.REFUSED,
        consignment="K1",
        args={**OFFICER, "note": "x"},
        reason="已由接收单位签收",
    ),
    Case(
        "found issued", Mode.FOUND, State.ISSUED, Verdict.REFUSED, holder="A001", reason="不能找回"
    ),
    Case(
        "pass collect",
        Mode.COLLECT,
        State.ISSUED,
        Verdict.REFUSED,
        target="pass:A001",
        holder="A001",
        reason="会议证不适用“休会收回”",
    ),
    Case(
        "pass dispatch",
        Mode.DISPATCH,
        State.REGISTERED,
        Verdict.REFUSED,
        target="pass:A003",
        passes=(),
        args={"consignment_no": "K1"},
        reason="会议证不适用“机要发出”",
    ),
    Case(
        "pass to someone else",
        Mode.ISSUE,
        State.REGISTERED,
        Verdict.REFUSED,
        target="pass:A003",
        passes=(),
        args={"attendee_code": "A001"},
        reason="会议证属于 王五，不能发给 张三",
    ),
    Case(
        "entrance with a copy",
        Mode.ENTRANCE,
        State.ISSUED,
        Verdict.REFUSED,
        holder="A001",
        reason="入场核验只接受会议证",
    ),
    Case(
        "entrance pass not issued",
        Mode.ENTRANCE,
        State.RECOVERED,
        Verdict.REFUSED,
        target="pass:A003",
        passes=(),
        reason="未发放，不得入场",
    ),
]


def _carrier(world: World, target: str) -> Carrier:
    if target.startswith("pass:"):
        return world.passes[target[5:]]
    doc, n = target.split("/")
    return world.copies[(doc, int(n))]


def _prepare(session: Session, case: Case) -> tuple[World, Carrier]:
    world = make_world(session, status=case.meeting_status, requires_passes=case.requires_passes)
    k2 = Consignment(meeting_id=world.meeting.id, number="K2", unit="上海某所")  # type: ignore[arg-type]
    session.add(k2)
    session.flush()
    world.consignments["K2"] = k2
    for code in case.passes:
        card = world.passes[code]
        card.state, card.holder_id = State.ISSUED, world.people[code].id
        session.add(card)
    for other, who in case.also_issued.items():
        held = _carrier(world, other)
        held.state, held.holder_id = State.ISSUED, world.people[who].id
        session.add(held)
    for other, who in case.also_lost.items():  # a lost copy keeps the holder it had
        held = _carrier(world, other)
        held.state, held.holder_id = State.LOST, world.people[who].id
        session.add(held)
    carrier = _carrier(world, case.target)
    carrier.state = case.start
    carrier.holder_id = world.people[case.holder].id if case.holder else None
    carrier.remembered_holder_id = world.people[case.remembered].id if case.remembered else None
    carrier.consignment_id = world.consignments[case.consignment].id if case.consignment else None
    session.add(carrier)
    session.commit()
    return world, carrier


EXCEPTION_LIFTS = {
    "reissue other without override",
    "issue collected to someone else",
    "second copy of a document",
    "pass recall while copies are out",
    "pass recall while a copy reported lost is not found",
}
assert EXCEPTION_LIFTS.issubset(c.name for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_state_machine_row(session: Session, key: bytes, case: Case) -> None:
    world, carrier = _prepare(session, case)
    before = (
        carrier.state,
        carrier.holder_id,
        carrier.remembered_holder_id,
        carrier.consignment_id,
    )
    events_before = session.exec(select(func.count()).select_from(Event)).one()

    outcome = record_tap(
        session=session,
        key=key,
        meeting_code="M1",
        uid=carrier.tag_uid or "",
        mode=case.mode,
        **case.args,
    )
    session.commit()
    session.refresh(carrier)

    assert outcome.verdict is case.verdict, outcome.message
    assert session.exec(select(func.count()).select_from(Event)).one() == events_before + 1
    event = session.exec(select(Event).where(Event.seq == outcome.seq)).one()
    assert event.verdict == case.verdict
    assert event.carrier_id == carrier.id
    if case.verdict is Verdict.ACCEPTED:
        expected = case.end or case.start
        assert carrier.state == expected
        assert (event.from_state, event.to_state) == (case.start, expected)
        expected_holder = world.people[case.end_holder].id if case.end_holder else None
        assert carrier.holder_id == expected_holder
        if case.mode is Mode.COLLECT:
            assert carrier.remembered_holder_id == world.people[case.holder or ""].id
    else:
        after = (
            carrier.state,
            carrier.holder_id,
            carrier.remembered_holder_id,
            carrier.consignment_id,
        )
        assert after == before, "a refusal or no-op must change nothing"
        assert (event.from_state, event.to_state) == (case.start, case.start)
    if case.verdict is Verdict.REFUSED:
        assert case.reason in outcome.message
        assert event.reason == outcome.reason
    # Only the refusals an officer's exception lifts (the three of `tap --override`'s help)
    # say so; not those an officer's approval lifts, nor any other.
    assert outcome.exception_lifts is (case.name in EXCEPTION_LIFTS)
    session.refresh(world.meeting)
    if case.meeting_status is MeetingStatus.PLANNED:
        assert world.meeting.status == MeetingStatus.OPEN


def test_unknown_tag_is_refused_and_recorded(session: Session, key: bytes) -> None:
    make_world(session)
    outcome = record_tap(
        session=session,
        key=key,
        meeting_code="M1",
        uid="04:aa:bb:cc:dd:ee:ff",
        mode=Mode.ISSUE,
        attendee_code="A001",
    )
    session.commit()
    assert outcome.refused and outcome.message == "未知标签 04AABBCCDDEEFF"
    event = session.exec(select(Event).where(Event.seq == outcome.seq)).one()
    assert (
        event.carrier_id is None
        and event.tag_uid == "04AABBCCDDEEFF"
        and event.verdict == "refused"
    )


def test_tag_of_another_meeting_is_refused(session: Session, key: bytes) -> None:
    make_world(session, code="M1")
    other = make_world(session, code="M2")
    outcome = record_tap(
        session=session,
        key=key,
        meeting_code="M1",
        uid=other.copy_uid("D1", 1),
        mode=Mode.ISSUE,
        attendee_code="A001",
    )
    session.commit()
    assert outcome.refused and "标签属于其他会议 M2" in outcome.message
    session.refresh(other.copies[("D1", 1)])
    assert other.copies[("D1", 1)].state == State.REGISTERED


def test_deliver_of_last_copy_marks_consignment_received(session: Session, key: bytes) -> None:
    world = make_world(session)
    for n in (1, 2):
        record_tap(
            session=session,
            key=key,
            meeting_code="M1",
            uid=world.copy_uid("D1", n),
            mode=Mode.DISPATCH,
            consignment_no="K1",
        )
    session.commit()
    cons = world.consignments["K1"]
    session.refresh(cons)
    assert (
        cons.state == "in_transit" and cons.dispatched_at is not None and cons.received_at is None
    )
    record_tap(
        session=session, key=key, meeting_code="M1", uid=world.copy_uid("D1", 1), mode=Mode.DELIVER
    )
    session.commit()
    session.refresh(cons)
    assert cons.received_at is None
    record_tap(
        session=session, key=key, meeting_code="M1", uid=world.copy_uid("D1", 2), mode=Mode.DELIVER
    )
    session.commit()
    session.refresh(cons)
    assert cons.state == "delivered" and cons.received_at is not None


def test_registered_officer_may_approve(session: Session, key: bytes) -> None:
    from carrier_tracker.storage.models import Operator

    world = make_world(session)
    session.add(Operator(name="钱officer", role="officer"))
    card = world.copies[("D1", 1)]
    card.state, card.holder_id = State.ISSUED, world.people["A002"].id
    session.add(card)
    session.commit()
    outcome = record_tap(
        session=session,
        key=key,
        meeting_code="M1",
        uid=card.tag_uid or "",
        mode=Mode.CARRY_OUT,
        operator="钱officer",
    )
    assert outcome.verdict is Verdict.ACCEPTED, outcome.message
