"""Hypothesis: a random tap sequence with random voids ends where the same sequence ends with the
voided taps taken out.

Two copies of two different documents, a meeting without passes: no guard of one carrier reads
another (one copy of each document per person, no pass rule), so "no later event depends on a
voided tap" is exactly what ``void`` itself checks on the carrier (it refuses otherwise). The
sequence without the voids is the taps that changed custody in the first run, minus the voided
ones; replayed on a fresh meeting every one of them must be accepted again and the carriers must
end in the same custody (state, holder, remembered holder, consignment).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, SQLModel, col, select

from carrier_tracker.custody.service import record_tap
from carrier_tracker.enums import Mode, Verdict
from carrier_tracker.ledger.audit import audit_meeting
from carrier_tracker.meeting.changes import void_event
from carrier_tracker.storage.db import make_engine
from carrier_tracker.storage.models import Carrier, Event
from tests.factories import World, make_world

KEY = b"v" * 32
CARRIERS = [("D1", 1), ("D1", 2)]  # D1 may leave the venue (carry-out, courier)
MODES = [
    Mode.ISSUE,
    Mode.COLLECT,
    Mode.REISSUE,
    Mode.RECALL,
    Mode.CARRY_OUT,
    Mode.DISPATCH,
    Mode.DELIVER,
    Mode.RETURN,
    Mode.LOST,
    Mode.FOUND,
]
PEOPLE = ["A001", "A002", "A003"]

Tap = tuple[int, Mode, str]
taps = st.tuples(st.integers(0, len(CARRIERS) - 1), st.sampled_from(MODES), st.sampled_from(PEOPLE))
voids = st.tuples(st.just(-1), st.integers(0, 40))
steps = st.lists(st.one_of(taps, taps, voids), min_size=1, max_size=18)


def _world() -> tuple[Session, World]:
    engine = make_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    session = Session(engine, expire_on_commit=False)
    return session, make_world(session, requires_passes=False, key=KEY)


def _tap(session: Session, world: World, step: Tap) -> tuple[int, Verdict]:
    index, mode, person = step
    doc, n = CARRIERS[index]
    out = record_tap(
        session=session,
        key=KEY,
        meeting_code="M1",
        uid=world.copy_uid(doc, n),
        mode=mode,
        attendee_code=person,
        consignment_no="K1",
        operator="赵官",
        note="说明",
    )
    session.commit()
    assert out.seq is not None
    return out.seq, out.verdict


def _custody(session: Session, world: World) -> dict[tuple[str, int], tuple[object, ...]]:
    session.expire_all()
    out = {}
    for doc, n in CARRIERS:
        c = session.get(Carrier, world.copies[(doc, n)].id)
        assert c is not None
        out[(doc, n)] = (c.state, c.holder_id, c.remembered_holder_id, c.consignment_id)
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_voids_equal_the_sequence_without_the_voided_taps(script: list[tuple[int, ...]]) -> None:
    session, world = _world()
    accepted: dict[int, Tap] = {}  # seq → the tap, for taps that changed custody
    voided: set[int] = set()
    seqs: list[int] = []
    for step in script:
        if step[0] == -1:
            if not seqs:
                continue
            target = seqs[step[1] % len(seqs)]
            out = void_event(
                session=session,
                key=KEY,
                meeting_code="M1",
                seq=target,
                note="误刷",
                operator="赵官",
            )
            session.commit()
            if out.accepted:
                assert target in accepted and target not in voided
                voided.add(target)
            continue
        tap: Tap = (int(step[0]), Mode(step[1]), str(step[2]))
        seq, verdict = _tap(session, world, tap)
        seqs.append(seq)
        if verdict is Verdict.ACCEPTED:
            accepted[seq] = tap
    with_voids = _custody(session, world)
    report = audit_meeting(session, KEY, world.meeting)
    assert report.ok, report.findings()
    # every accepted void is in the ledger, and names a tap that changed custody
    void_rows = session.exec(
        select(Event.seq).where(Event.action == "void", Event.verdict == "accepted")
    ).all()
    assert len(void_rows) == len(voided)

    replay_session, replay_world = _world()
    for seq in sorted(accepted):
        if seq in voided:
            continue
        _, verdict = _tap(replay_session, replay_world, accepted[seq])
        assert verdict is Verdict.ACCEPTED, accepted[seq]
    assert _custody(replay_session, replay_world) == with_voids
    session.close()
    replay_session.close()


def test_a_void_restores_the_exact_prior_custody() -> None:
    """Collect (holder remembered), void it: the holder is the holder again, nobody remembered."""
    session, world = _world()
    _tap(session, world, (0, Mode.ISSUE, "A002"))
    before = _custody(session, world)
    seq, verdict = _tap(session, world, (0, Mode.COLLECT, "A001"))
    assert verdict is Verdict.ACCEPTED
    assert _custody(session, world) != before
    out = void_event(
        session=session, key=KEY, meeting_code="M1", seq=seq, note="误刷", operator="赵官"
    )
    session.commit()
    assert out.accepted
    assert _custody(session, world) == before
    last = session.exec(select(Event).order_by(col(Event.seq).desc())).first()
    assert last is not None and last.action == "void" and last.from_state == "collected"
    assert last.to_state == "issued"


def test_a_void_restores_the_remembered_holder_and_the_consignment() -> None:
    """Voiding a recall of a collected copy gives back the holder before the break; voiding a
    delivery puts the copy back in transit in its consignment."""
    session, world = _world()
    _tap(session, world, (0, Mode.ISSUE, "A002"))
    _tap(session, world, (0, Mode.COLLECT, "A001"))
    _tap(session, world, (1, Mode.DISPATCH, "A001"))
    collected = _custody(session, world)
    assert collected[("D1", 1)][2] == world.people["A002"].id
    assert collected[("D1", 2)][3] == world.consignments["K1"].id
    recall, _ = _tap(session, world, (0, Mode.RECALL, "A001"))
    deliver, _ = _tap(session, world, (1, Mode.DELIVER, "A001"))
    for seq in (recall, deliver):
        out = void_event(
            session=session, key=KEY, meeting_code="M1", seq=seq, note="误刷", operator="赵官"
        )
        session.commit()
        assert out.accepted, out.message
    assert _custody(session, world) == collected
    report = audit_meeting(session, KEY, world.meeting)
    assert report.ok, report.findings()
