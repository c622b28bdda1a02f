"""The by-document and break views read set-based: the same answer as the attendee × document
walk they replaced (kept here as the reference), and 应发 / 尚应领取 count only attendees whose
clearance reaches the document's level (issue #25 item 18)."""

from __future__ import annotations

import json
import random

from sqlmodel import Session, col, select

from carrier_tracker.custody.plan import Plan
from carrier_tracker.custody.service import NewEvent, record_tap
from carrier_tracker.enums import Action, Level, Mode, State, Verdict
from carrier_tracker.ledger.codec import canonical
from carrier_tracker.meeting.distribution import (
    VOID_ACTION,
    break_view,
    plan_view,
    plan_view_json,
    set_plan,
)
from carrier_tracker.storage.models import Attendee, Carrier, Document, Event, utcnow
from carrier_tracker.storage.planview import PlanView, plan_view_json_text
from carrier_tracker.storage.readmodel import reconciliation
from carrier_tracker.storage.tap_store import TapStore
from tests.factories import World, make_world


def _doc(view: object, number: str) -> object:
    return next(d for d in view.documents if d.number == number)  # type: ignore[attr-defined]


def test_planned_and_due_count_only_who_may_receive(session: Session, key: bytes) -> None:
    """王五 (秘密) is covered by D1's open plan but may not receive a 机密 document: not 应发,
    not 未领取, nothing due; the view says one is excluded by clearance."""
    w = make_world(session, key=key)
    view = plan_view(session, "M1")
    d1, d2 = _doc(view, "D1"), _doc(view, "D2")
    assert [p.code for p in d1.planned] == ["A001", "A002"]  # type: ignore[attr-defined]
    assert [p.code for p in d1.not_collected] == ["A001", "A002"]  # type: ignore[attr-defined]
    assert d1.excluded == 1  # type: ignore[attr-defined]
    assert len(d2.planned) == 3 and d2.excluded == 0  # type: ignore[attr-defined]
    due = {a.person.code: a.documents for a in view.attendees}
    assert due == {"A001": ("D1", "D2", "D3"), "A002": ("D1", "D2", "D3"), "A003": ("D2", "D3")}
    data = plan_view_json(view)["documents"]
    assert [(d["number"], d["planned"], d["excluded_by_clearance"]) for d in data] == [
        ("D1", 2, 1),
        ("D2", 3, 0),
        ("D3", 3, 0),
    ]

    # A plan naming only 王五: nobody may receive D1; one excluded.
    set_plan(session=session, key=key, meeting_code="M1", doc_no="D1", to="A003", operator="赵官")
    session.commit()
    d1 = _doc(plan_view(session, "M1"), "D1")
    assert (d1.planned, d1.not_collected, d1.excluded) == ((), (), 1)  # type: ignore[attr-defined]
    assert w.people["A003"].clearance == Level.MIMI


# --- the reference: the walk the set-based view replaced, with item 18's clearance rule ------------


def _reference(session: Session, w: World) -> list[tuple[object, ...]]:
    """Per document (by number): planned, issued, not collected, outside the plan, excluded — as
    codes — from every attendee × every document, as the view was computed before."""
    people = list(
        session.exec(
            select(Attendee).where(Attendee.meeting_id == w.meeting.id).order_by(col(Attendee.code))
        ).all()
    )
    by_id = {a.id: a for a in people}
    voided = {
        int(__import__("json").loads(e.payload)["voids"])
        for e in session.exec(select(Event).where(Event.action == VOID_ACTION)).all()
        if e.verdict == Verdict.ACCEPTED.value and e.payload
    }
    got: dict[int, set[int]] = {}
    for e in session.exec(select(Event).where(Event.meeting_id == w.meeting.id)).all():
        if (
            e.action in (Action.ISSUE.value, Action.REISSUE.value)
            and e.verdict == Verdict.ACCEPTED.value
            and e.attendee_id is not None
            and e.carrier_id is not None
            and e.seq not in voided
        ):
            carrier = session.get(Carrier, e.carrier_id)
            if carrier is not None and carrier.document_id is not None:
                got.setdefault(carrier.document_id, set()).add(e.attendee_id)
    out = []
    docs = session.exec(
        select(Document).where(Document.meeting_id == w.meeting.id).order_by(col(Document.number))
    ).all()
    for doc in docs:
        plan = Plan.loads(doc.plan)
        planned, issued, missing, outside, excluded = [], [], [], [], 0
        for a in people:
            absent = by_id.get(a.substitute_for_id)
            covered = plan.includes(a.code, a.unit, (absent.code, absent.unit) if absent else None)
            cleared = Level(a.clearance).rank >= Level(doc.level).rank
            if covered and cleared:
                planned.append(a.code)
            excluded += covered and not cleared
            if a.id in got.get(doc.id or 0, set()):
                issued.append(a.code)
                if not covered:
                    outside.append(a.code)
            elif covered and cleared:
                missing.append(a.code)
        out.append((doc.number, planned, issued, missing, outside, excluded))
    return out


def _viewed(session: Session) -> list[tuple[object, ...]]:
    return [
        (
            d.number,
            [p.code for p in d.planned],
            [p.code for p in d.issued],
            [p.code for p in d.not_collected],
            [p.code for p in d.outside_plan],
            d.excluded,
        )
        for d in plan_view(session, "M1").documents
    ]


def test_set_based_view_matches_the_walk_on_random_meetings(session: Session, key: bytes) -> None:
    """Random attendees (units, clearances, substitutes), random plans (codes, units, everyone),
    random hand-outs (some voided): the view's sets equal the reference walk's lists."""
    rng = random.Random(24)
    w = make_world(session, key=key)
    units = ["甲所", "乙所", "丙所", ""]
    levels = list(Level)
    for i in range(4, 40):
        session.add(
            Attendee(
                meeting_id=w.meeting.id,  # type: ignore[arg-type]
                code=f"A{i:03d}",
                name=f"人{i}",
                unit=rng.choice(units),
                clearance=rng.choice(levels),
            )
        )
    session.flush()
    people = list(session.exec(select(Attendee).where(Attendee.meeting_id == w.meeting.id)).all())
    for sub, absent in zip(rng.sample(people, 4), rng.sample(people, 4), strict=True):
        if sub.id != absent.id:
            sub.substitute_for_id = absent.id
            session.add(sub)
    session.flush()
    copies = list(session.exec(select(Carrier).where(col(Carrier.document_id).is_not(None))).all())
    store = TapStore(session)
    head = store.lock_head(w.meeting.id)  # type: ignore[arg-type]
    handed: dict[int, tuple[int, int]] = {}  # seq of an accepted hand-out -> (document, person)
    doc_of = {c.id: c.document_id for c in copies}
    for _ in range(30):  # hand-outs as the ledger records them (the view reads only the ledger)
        event = NewEvent(
            meeting_id=w.meeting.id,  # type: ignore[arg-type]
            action=rng.choice([Action.ISSUE.value, Action.REISSUE.value, Action.RECALL.value]),
            verdict=rng.choice([Verdict.ACCEPTED.value] * 3 + [Verdict.REFUSED.value]),
            at=utcnow(),
            carrier_id=rng.choice(copies).id,
            attendee_id=rng.choice(people).id,
        )
        store.append(key, head, event)
        if event.verdict == Verdict.ACCEPTED.value and event.action != Action.RECALL.value:
            handed[event.seq] = (doc_of[event.carrier_id], event.attendee_id)  # type: ignore[index,assignment]
    voided = rng.sample(sorted(handed), 8)
    kept = {pair for seq, pair in handed.items() if seq not in voided}
    assert any(handed[seq] not in kept for seq in voided)  # a void that changes the answer
    for seq in voided:
        store.append(
            key,
            head,
            NewEvent(
                meeting_id=w.meeting.id,  # type: ignore[arg-type]
                action=VOID_ACTION,
                verdict=Verdict.ACCEPTED.value,
                at=utcnow(),
                payload=canonical({"voids": seq}),
            ),
        )
    session.commit()
    for _ in range(12):
        for doc in ("D1", "D2", "D3"):
            chosen = [p.code for p in rng.sample(people, rng.randrange(0, 4))]
            chosen += [f"单位：{u}" for u in rng.sample(units[:3], rng.randrange(0, 2))]
            set_plan(
                session=session,
                key=key,
                meeting_code="M1",
                doc_no=doc,
                to="、".join(chosen) or None,
                everyone=not chosen,
                operator="赵官",
            )
        session.commit()
        assert _viewed(session) == _reference(session, w)


def test_break_view_is_the_read_models_flagged_copies(session: Session, key: bytes) -> None:
    """The break view's own statement gives what filtering the whole reconciliation gave."""
    w = make_world(session, key=key)
    for code in ("A001", "A002"):
        record_tap(
            session=session, key=key, meeting_code="M1", uid=w.pass_uid(code), mode=Mode.ISSUE
        )
    for n, who in ((1, "A002"), (2, "A001")):
        uid = w.copy_uid("D1", n)
        record_tap(
            session=session, key=key, meeting_code="M1", uid=uid, mode=Mode.ISSUE, attendee_code=who
        )
    record_tap(
        session=session,
        key=key,
        meeting_code="M1",
        uid=w.copy_uid("D2", 1),
        mode=Mode.ISSUE,
        attendee_code="A001",
    )
    session.commit()
    view = break_view(session, w.meeting)
    recon = reconciliation(session, w.meeting)
    expected = [
        (
            g.attendee_code,
            [it for it in g.items if it.state is State.ISSUED and it.document == "D1"],
        )
        for g in recon.groups
        if g.attendee_code is not None
    ]
    assert [(g.code, list(g.items)) for g in view.groups] == [e for e in expected if e[1]]
    assert [g.code for g in view.groups] == ["A001", "A002"] and view.remaining == 2


def test_by_document_json_is_written_piece_by_piece_with_the_same_text(
    session: Session, key: bytes
) -> None:
    """``status --by-document --json`` streams its answer (a national meeting's is 44 MB): the
    pieces join to exactly what ``json.dumps`` of the whole answer writes, empty lists included."""
    make_world(session, key=key)
    view = plan_view(session, "M1")
    empty = PlanView(code="M0", documents=(), attendees=())
    half = PlanView(code="M1", documents=view.documents[:1], attendees=())
    for v in (view, empty, half):
        whole = json.dumps(plan_view_json(v), ensure_ascii=False, indent=2)
        pieces = list(plan_view_json_text(v))
        assert "".join(pieces) == whole
    assert len(list(plan_view_json_text(view))) > len(view.documents)  # not one string
