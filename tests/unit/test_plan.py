"""The distribution plan: its syntax (pure), the guard with its override, a plan change as a
ledger event that verify replays, the by-document and break views, the courier's receipt."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session

from carrier_tracker.custody.plan import EVERYONE, Plan, PlanError, parse_plan
from carrier_tracker.custody.service import record_tap
from carrier_tracker.enums import Mode, State, Verdict
from carrier_tracker.errors import NotFoundError
from carrier_tracker.ledger.audit import audit_meeting
from carrier_tracker.meeting.changes import void_event
from carrier_tracker.meeting.courier import record_receipt
from carrier_tracker.meeting.distribution import break_view, plan_view, set_plan
from carrier_tracker.meeting.lifecycle import open_consignment
from carrier_tracker.storage.models import Attendee, Carrier, Consignment
from tests.factories import World, make_world

PEOPLE = [("A001", "甲所"), ("A002", "乙所"), ("A003", "甲所"), ("B1", "B1")]


# --- syntax ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "codes", "units"),
    [
        ("", (), ()),
        ("  ", (), ()),
        ("全体", (), ()),
        ("A001", ("A001",), ()),
        ("a001、A002", ("A001", "A002"), ()),
        ("A002,A001，A001", ("A001", "A002"), ()),
        ("甲所", (), ("甲所",)),
        ("A002；甲所\nA001", ("A001", "A002"), ("甲所",)),
        ("单位：B1", (), ("B1",)),
        ("单位:乙所、Ａ００２", ("A002",), ("乙所",)),
    ],
)
def test_syntax_accepted(typed: str, codes: tuple[str, ...], units: tuple[str, ...]) -> None:
    plan = parse_plan(typed, PEOPLE)
    assert (plan.codes, plan.units) == (codes, units)
    assert Plan.loads(plan.stored()) == plan
    assert plan.everyone is (not codes and not units)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("A009", ["“A009”既不是本会议的人员编号"]),
        ("A001、丙所、A010", ["“丙所”既不是", "“A010”既不是"]),
        ("B1", ["“B1”既是人员编号又是单位名称", "单位：B1"]),
        ("全体、A001", ["“全体”表示全体人员，不能与人员编号或单位同列"]),
        ("单位：丙所", ["单位“丙所”没有参会人员"]),
    ],
)
def test_syntax_refused_names_each_entry(typed: str, words: list[str]) -> None:
    with pytest.raises(PlanError) as e:
        parse_plan(typed, PEOPLE)
    for w in words:
        assert w in str(e.value)


def test_includes_codes_units_and_the_absent_delegate_of_a_substitute() -> None:
    plan = parse_plan("A002、甲所", PEOPLE)
    assert plan.includes("A002", "乙所")
    assert plan.includes("A003", "甲所")  # by unit
    assert not plan.includes("B1", "B1")
    assert plan.includes("C9", "丁所", stands_for=("A002", "乙所"))  # 代会 inherits
    assert not plan.includes("C9", "丁所", stands_for=("B1", "B1"))
    assert EVERYONE.includes("C9", "")
    assert plan.describe({"A002": "李四"}) == "A002 李四、单位：甲所"


# --- the guard, its override, the ledger -----------------------------------------------------


def _tap(s: Session, key: bytes, w: World, doc: str, n: int, mode: Mode, **kw: object) -> object:
    out = record_tap(session=s, key=key, meeting_code="M1", uid=w.copy_uid(doc, n), mode=mode, **kw)  # type: ignore[arg-type]
    s.commit()
    return out


def _plan(s: Session, key: bytes, to: str | None, operator: str = "赵官", **kw: object) -> object:
    step = set_plan(
        session=s, key=key, meeting_code="M1", doc_no="D1", to=to, operator=operator, **kw
    )  # type: ignore[arg-type]
    s.commit()
    return step


def _verify(s: Session, key: bytes, w: World) -> tuple[str, ...]:
    s.expire_all()  # read the rows as stored (a direct SQL change bypasses the session)
    report = audit_meeting(s, key, w.meeting)
    assert report.chain.ok
    return report.differences


def _issue_passes(s: Session, key: bytes, w: World, *codes: str) -> None:
    for code in codes:
        record_tap(session=s, key=key, meeting_code="M1", uid=w.pass_uid(code), mode=Mode.ISSUE)
    s.commit()


def test_outside_the_plan_refused_then_overridden_by_an_officer(
    session: Session, key: bytes
) -> None:
    w = make_world(session, key=key)
    _issue_passes(session, key, w, "A001", "A002")
    step = _plan(session, key, "A001")
    assert step.verdict is Verdict.ACCEPTED  # type: ignore[attr-defined]

    out = _tap(session, key, w, "D1", 1, Mode.ISSUE, attendee_code="A002", operator="小孙")
    assert out.refused and "D1 的分发范围不含 李四" in out.message  # type: ignore[attr-defined]
    assert session.get(Carrier, w.copies[("D1", 1)].id).state == State.REGISTERED  # type: ignore[union-attr]
    # A custodian's --override alone is no officer's approval.
    out = _tap(
        session, key, w, "D1", 1, Mode.ISSUE, attendee_code="A002", operator="小孙", override=True
    )
    assert out.refused  # type: ignore[attr-defined]
    out = _tap(
        session,
        key,
        w,
        "D1",
        1,
        Mode.ISSUE,
        attendee_code="A002",
        operator="小孙",
        override=True,
        approver="赵官",
    )
    assert out.verdict is Verdict.ACCEPTED  # type: ignore[attr-defined]
    out = _tap(session, key, w, "D1", 2, Mode.ISSUE, attendee_code="A001", operator="小孙")
    assert out.verdict is Verdict.ACCEPTED  # type: ignore[attr-defined]
    # After a break the copy goes back to its holder without a second override.
    _tap(session, key, w, "D1", 1, Mode.COLLECT)
    out = _tap(session, key, w, "D1", 1, Mode.REISSUE, operator="小孙")
    assert out.verdict is Verdict.ACCEPTED  # type: ignore[attr-defined]
    assert _verify(session, key, w) == ()


def test_a_unit_plan_covers_the_unit(session: Session, key: bytes) -> None:
    w = make_world(session, key=key)
    _issue_passes(session, key, w, "A001")
    _plan(session, key, "某单位")
    out = _tap(session, key, w, "D1", 1, Mode.ISSUE, attendee_code="A001")
    assert out.verdict is Verdict.ACCEPTED  # type: ignore[attr-defined]


def test_plan_change_needs_an_officer_and_refusals_are_recorded(
    session: Session, key: bytes
) -> None:
    w = make_world(session, key=key)
    step = _plan(session, key, "A001", operator="小孙")
    assert step.refused and "需保密负责人批准" in step.message  # type: ignore[attr-defined]
    assert w.docs["D1"].plan == ""
    step = _plan(session, key, "A001", operator="小孙", approver="赵官")
    assert step.verdict is Verdict.ACCEPTED  # type: ignore[attr-defined]
    step = _plan(session, key, "a001")
    assert step.verdict is Verdict.ALREADY  # type: ignore[attr-defined]
    with pytest.raises(PlanError, match="A404"):
        _plan(session, key, "A404")
    rows = session.exec(text("SELECT verdict FROM event WHERE action = 'plan' ORDER BY seq")).all()  # type: ignore[call-overload]
    assert [r[0] for r in rows] == ["refused", "accepted", "already"]
    assert _verify(session, key, w) == ()
    step = _plan(session, key, None, everyone=True)
    assert step.verdict is Verdict.ACCEPTED  # type: ignore[attr-defined]
    assert _verify(session, key, w) == ()


def test_verify_names_a_plan_changed_behind_the_ledger(session: Session, key: bytes) -> None:
    w = make_world(session, key=key)
    _plan(session, key, "A001")
    assert _verify(session, key, w) == ()
    session.exec(text("UPDATE document SET plan = '' WHERE number = 'D1'"))  # type: ignore[call-overload]
    session.commit()
    differences = _verify(session, key, w)
    assert any(d.startswith("D1·分发范围") for d in differences), differences


# --- the views ------------------------------------------------------------------------------


def test_by_document_numbers(session: Session, key: bytes) -> None:
    w = make_world(session, key=key)
    _issue_passes(session, key, w, "A001", "A002", "A003")
    _plan(session, key, "A001、A002")
    _tap(session, key, w, "D1", 1, Mode.ISSUE, attendee_code="A001")
    view = plan_view(session, "M1")
    d1 = next(d for d in view.documents if d.number == "D1")
    assert [p.code for p in d1.planned] == ["A001", "A002"]
    assert [p.code for p in d1.issued] == ["A001"]
    assert [p.name for p in d1.not_collected] == ["李四"]  # 王五 is not in the plan
    assert d1.outside_plan == () and (d1.out, d1.recovered) == (1, 0)
    d2 = next(d for d in view.documents if d.number == "D2")
    assert len(d2.planned) == 3 and len(d2.not_collected) == 3 and d2.plan_text == "全体"
    due = {a.person.code: a.documents for a in view.attendees}
    assert due == {"A001": ("D2", "D3"), "A002": ("D1", "D2", "D3"), "A003": ("D2", "D3")}

    # The plan narrows; an officer hands a copy outside it; one copy comes back.
    _plan(session, key, "A001")
    _tap(session, key, w, "D1", 2, Mode.ISSUE, attendee_code="A002", override=True, operator="赵官")
    _tap(session, key, w, "D1", 1, Mode.RECALL)
    d1 = next(d for d in plan_view(session, "M1").documents if d.number == "D1")
    assert [p.code for p in d1.planned] == ["A001"]
    assert [p.code for p in d1.issued] == ["A001", "A002"]
    assert d1.not_collected == ()
    assert [p.code for p in d1.outside_plan] == ["A002"]
    assert (d1.out, d1.recovered) == (1, 1)


def test_a_voided_hand_out_is_not_counted_as_received(session: Session, key: bytes) -> None:
    """The by-document view reads voids (``void MEETING SEQ``: an accepted ``void`` event whose
    payload names the voided seq) so a corrected mistaken issue does not count as received."""
    w = make_world(session, key=key)
    _issue_passes(session, key, w, "A001")
    out = _tap(session, key, w, "D2", 1, Mode.ISSUE, attendee_code="A001")
    d2 = next(d for d in plan_view(session, "M1").documents if d.number == "D2")
    assert [p.code for p in d2.issued] == ["A001"]
    assert out.seq is not None
    voided = void_event(
        session=session, key=key, meeting_code="M1", seq=out.seq, note="发错人", operator="赵官"
    )
    assert voided.accepted, voided.message
    session.commit()
    d2 = next(d for d in plan_view(session, "M1").documents if d.number == "D2")
    assert d2.issued == () and "A001" in [p.code for p in d2.not_collected]


def test_break_view_counts_down(session: Session, key: bytes) -> None:
    w = make_world(session, key=key)
    _issue_passes(session, key, w, "A001", "A002")
    _tap(session, key, w, "D1", 1, Mode.ISSUE, attendee_code="A001")
    _tap(session, key, w, "D1", 2, Mode.ISSUE, attendee_code="A002")
    _tap(session, key, w, "D2", 1, Mode.ISSUE, attendee_code="A001")  # not flagged
    _tap(session, key, w, "D1", 3, Mode.ISSUE, attendee_code="A002", override=True, operator="赵官")
    _tap(session, key, w, "D1", 3, Mode.CARRY_OUT, operator="赵官")  # away: not at the break
    view = break_view(session, w.meeting)
    assert view.flagged == ("D1",) and view.remaining == 2
    assert [(g.code, [it.label for it in g.items]) for g in view.groups] == [
        ("A001", ["D1 第001份"]),
        ("A002", ["D1 第002份"]),
    ]
    out = _tap(session, key, w, "D1", 1, Mode.COLLECT)
    assert out.warning == ""  # type: ignore[attr-defined]
    assert break_view(session, w.meeting).remaining == 1
    out = _tap(session, key, w, "D2", 1, Mode.COLLECT)
    assert out.verdict is Verdict.ACCEPTED and out.warning == "此文件无需休会收回"  # type: ignore[attr-defined]
    assert "此文件无需休会收回" in out.message  # type: ignore[attr-defined]
    assert break_view(session, w.meeting).remaining == 1
    _tap(session, key, w, "D1", 2, Mode.COLLECT)
    assert break_view(session, w.meeting).remaining == 0


# --- the courier ----------------------------------------------------------------------------


def _delegate_consignment(session: Session, key: bytes, number: str = "K2") -> Consignment:
    c = open_consignment(
        session=session, key=key, meeting_code="M1", number=number, unit="", attendee_code="A002"
    )
    session.commit()
    return c


def test_a_delegate_hands_in_a_copy_and_the_receipt_comes_back_by_number(
    session: Session, key: bytes
) -> None:
    w = make_world(session, key=key)
    _issue_passes(session, key, w, "A001", "A002")
    c = _delegate_consignment(session, key)
    assert (c.unit, c.recipient, c.attendee_id) == ("某单位", "李四", w.people["A002"].id)
    _tap(session, key, w, "D1", 1, Mode.ISSUE, attendee_code="A002")
    _tap(session, key, w, "D1", 2, Mode.ISSUE, attendee_code="A001")
    # Someone else's copy cannot go into this delegate's consignment.
    out = _tap(session, key, w, "D1", 2, Mode.DISPATCH, consignment_no="K2")
    assert out.refused and "由 张三 持有，只能交入其本人" in out.message  # type: ignore[attr-defined]
    out = _tap(session, key, w, "D1", 1, Mode.DISPATCH, consignment_no="K2")
    assert out.verdict is Verdict.ACCEPTED and "李四 交寄" in out.message  # type: ignore[attr-defined]
    handed = session.exec(
        text("SELECT attendee_id FROM event WHERE action = 'dispatch' AND verdict = 'accepted'")
    ).one()  # type: ignore[call-overload]
    assert handed[0] == w.people["A002"].id
    _tap(session, key, w, "D1", 3, Mode.DISPATCH, consignment_no="K2")  # from the store
    step = record_receipt(session=session, key=key, meeting_code="M1", number="k2", note="回执 7")
    session.commit()
    assert step.verdict is Verdict.ACCEPTED and "2 份签收" in step.message
    states = {
        session.get(Carrier, w.copies[k].id).state  # type: ignore[union-attr]
        for k in (("D1", 1), ("D1", 3))
    }
    assert states == {State.DELIVERED}
    session.refresh(c)
    assert c.state == "delivered" and c.received_at is not None
    assert _verify(session, key, w) == ()
    step = record_receipt(session=session, key=key, meeting_code="M1", number="K2")
    session.commit()
    assert step.verdict is Verdict.ALREADY
    # A receipt for a consignment nothing was dispatched in is refused, and recorded.
    step = record_receipt(session=session, key=key, meeting_code="M1", number="K1")
    session.commit()
    assert step.refused and "没有递送中的文件" in step.message
    assert (
        session.exec(
            text("SELECT count(*) FROM event WHERE action = 'receipt' AND verdict = 'refused'")
        ).one()[0]
        == 1
    )  # type: ignore[call-overload]
    with pytest.raises(NotFoundError):
        record_receipt(session=session, key=key, meeting_code="M1", number="K404")
    assert _verify(session, key, w) == ()


def test_verify_replays_the_receipt_and_names_tampering(session: Session, key: bytes) -> None:
    w = make_world(session, key=key)
    _issue_passes(session, key, w, "A002")
    _delegate_consignment(session, key)
    _tap(session, key, w, "D1", 1, Mode.ISSUE, attendee_code="A002")
    _tap(session, key, w, "D1", 1, Mode.DISPATCH, consignment_no="K2")
    record_receipt(session=session, key=key, meeting_code="M1", number="K2")
    session.commit()
    assert _verify(session, key, w) == ()
    session.exec(text("UPDATE carrier SET state = 'in_transit' WHERE state = 'delivered'"))  # type: ignore[call-overload]
    session.commit()
    assert any("D1 第001份" in d and "已签收" in d for d in _verify(session, key, w))
    session.exec(text("UPDATE carrier SET state = 'delivered' WHERE state = 'in_transit'"))  # type: ignore[call-overload]
    session.exec(text("UPDATE consignment SET attendee_id = NULL WHERE number = 'K2'"))  # type: ignore[call-overload]
    session.commit()
    assert any(d.startswith("机要件 K2·所属代表") for d in _verify(session, key, w))


@pytest.mark.skipif(
    not hasattr(Attendee, "substitute_for_id"),
    reason="attendee.substitute_for_id comes with `attendee substitute` (issue 11, item 1)",
)
def test_a_substitute_inherits_the_plan(session: Session, key: bytes) -> None:
    """The hook (custody.substitute_for, distribution._stands_for) once substitutes exist."""
    w = make_world(session, key=key)
    _issue_passes(session, key, w, "A001")
    _plan(session, key, "A002")  # D1 goes to 李四 only; 张三 substitutes for 李四
    setattr(w.people["A001"], "substitute_for_id", w.people["A002"].id)  # noqa: B010
    session.add(w.people["A001"])
    session.commit()
    out = _tap(session, key, w, "D1", 1, Mode.ISSUE, attendee_code="A001")
    assert out.verdict is Verdict.ACCEPTED, out.message  # type: ignore[attr-defined]
    d1 = next(d for d in plan_view(session, "M1").documents if d.number == "D1")
    assert [p.code for p in d1.planned] == ["A001", "A002"] and d1.outside_plan == ()
