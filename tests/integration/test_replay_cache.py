"""The replay's reuse of facts between events (``ledger/replay.py``: each attendee's ``Person``,
the meeting's and each document's facts) never hands the rules anything but what a fresh build
from the world would; and the fold's per-document holdings stay the holdings cut by document."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, SQLModel

from carrier_tracker.custody import rules
from carrier_tracker.custody.service import record_tap
from carrier_tracker.enums import Action, CarrierKind, Level, Mode, State
from carrier_tracker.ledger import codec
from carrier_tracker.ledger import events as ev
from carrier_tracker.ledger.audit import audit_meeting, audit_system, event_rows
from carrier_tracker.ledger.fold import (
    AttendeeState,
    CarrierState,
    DocumentState,
    MeetingWorld,
    SystemWorld,
)
from carrier_tracker.ledger.replay import ACTION_MODE, Judge
from carrier_tracker.storage.db import make_engine
from tests.factories import World, make_world

KEY = b"c" * 32
COPIES = [("D1", 1), ("D1", 2), ("D1", 3), ("D2", 1), ("D2", 2)]
PEOPLE = ["A001", "A002", "A003"]
COPY_MODES = [
    Mode.ISSUE,
    Mode.RECALL,
    Mode.COLLECT,
    Mode.REISSUE,
    Mode.CARRY_OUT,
    Mode.LOST,
    Mode.FOUND,
]
copy_taps = st.tuples(
    st.just("copy"),
    st.integers(0, len(COPIES) - 1),
    st.sampled_from(COPY_MODES),
    st.sampled_from(PEOPLE),
)
pass_taps = st.tuples(
    st.just("pass"),
    st.integers(0, len(PEOPLE) - 1),
    st.sampled_from([Mode.ISSUE, Mode.RECALL]),
    st.just(""),
)
steps = st.lists(st.one_of(copy_taps, copy_taps, pass_taps), min_size=1, max_size=30)


def _world() -> tuple[Session, World]:
    engine = make_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    session = Session(engine, expire_on_commit=False)
    return session, make_world(session, requires_passes=True, key=KEY)


def _tap(session: Session, world: World, step: tuple[Any, ...]) -> None:
    kind, index, mode, person = step
    if kind == "pass":
        uid, who = world.pass_uid(PEOPLE[index]), None
    else:
        uid, who = world.copy_uid(*COPIES[index]), person
    record_tap(
        session=session,
        key=KEY,
        meeting_code="M1",
        uid=uid,
        mode=mode,
        attendee_code=who,
        operator="赵官",
        note="说明",
    )
    session.commit()


def _cut_by_document(world: MeetingWorld) -> dict[tuple[int, int], set[int]]:
    out: dict[tuple[int, int], set[int]] = defaultdict(set)
    for person, held in world.held_by.items():
        for cid in held:
            doc = world.carriers[cid].document_id
            if doc is not None:
                out[person, doc].add(cid)
    return {k: v for k, v in out.items() if v}


def _lost_in_hands(world: MeetingWorld) -> dict[int, set[int]]:
    """Holder → copies lost in their hands, from the carriers themselves."""
    out: dict[int, set[int]] = defaultdict(set)
    for cid, c in world.carriers.items():
        if c.kind == CarrierKind.COPY and c.custody.state is State.LOST and c.custody.holder_id:
            out[c.custody.holder_id].add(cid)
    return dict(out)


PASSES_OUT = [("pass", i, Mode.ISSUE, "") for i in range(len(PEOPLE))]
"""Every script starts with the passes out, so most hand-overs of copies are accepted."""


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
@example(  # a copy lost in A001's hands, then found: no longer theirs
    [
        ("copy", 0, Mode.ISSUE, "A001"),
        ("copy", 0, Mode.LOST, ""),
        ("copy", 0, Mode.FOUND, ""),
        ("pass", 0, Mode.RECALL, ""),
    ]
)
@example(  # a Person made at a recall (pass not read), then the same person handed a copy
    [
        ("copy", 0, Mode.ISSUE, "A001"),
        ("copy", 0, Mode.RECALL, ""),
        ("pass", 0, Mode.RECALL, ""),
        ("copy", 0, Mode.ISSUE, "A001"),
        ("pass", 0, Mode.ISSUE, ""),
        ("copy", 0, Mode.ISSUE, "A001"),
    ]
)
def test_reused_facts_equal_fresh_ones_at_every_tap(script: list[tuple[Any, ...]]) -> None:
    """Random taps of copies and passes (holdings, passes issued and recalled, lost copies):
    at every accepted tap, the facts of one Judge kept for the whole history equal those of a
    Judge made for that event alone, and the fold's per-document holdings are its holdings."""
    session, world = _world()
    for step in [*PASSES_OUT, *script]:
        _tap(session, world, step)
    assert audit_meeting(session, KEY, world.meeting).ok
    system = audit_system(session, KEY).world
    kept, folded = Judge(system), MeetingWorld()
    for row in event_rows(session, world.meeting.id):
        event = codec.decode(row)
        if isinstance(event, ev.Tapped) and event.stamp.accepted and event.carrier_id:
            mode = ACTION_MODE[event.tap_action]
            tap = rules.Tap(mode, event.stamp.operator, event.stamp.note, event.override)
            warm = kept.facts(folded, event, mode, tap, approved=True)
            fresh = Judge(system).facts(folded, event, mode, tap, approved=True)
            assert warm == fresh, event.stamp.seq
            assert kept.problems(folded, event) == []
            # the replay asks without words: the same decision, less the accepted step's message
            full, terse = rules.decide(fresh, tap), rules.decide(fresh, tap, words=False)
            assert full.accepted and terse == replace(full, message="", warning=""), full
        folded.apply(event, row.hash)
        assert {k: v for k, v in folded.held_of.items() if v} == _cut_by_document(folded)
        assert {k: v for k, v in folded.lost_by.items() if v} == _lost_in_hands(folded)
    session.close()


def _one() -> tuple[Judge, MeetingWorld, AttendeeState]:
    world = MeetingWorld()
    a = world.attendees[1] = AttendeeState(
        1, "A001", "张三", unit="某单位", clearance="机密", pledge_on="2026-11-20"
    )
    world.carriers[9] = CarrierState(9, CarrierKind.PASS, owner_id=1)
    world.pass_of[1] = 9
    return Judge(SystemWorld()), world, a


def test_a_person_is_made_again_when_any_of_their_fields_changes() -> None:
    """Each input of a reused Person, changed between two uses, shows in the second."""
    judge, world, a = _one()

    def person() -> rules.Person:
        p = judge._person(world, a, holdings=False, passes=True)
        assert p is not None
        return p

    first = person()
    assert person() is first  # reused while nothing changed
    changes: list[tuple[str, object, str, object]] = [
        ("code", "A009", "code", "A009"),
        ("name", "李四", "name", "李四"),
        ("unit", "另一单位", "unit", "另一单位"),
        ("clearance", "秘密", "clearance", Level.MIMI),
        ("out_of_town", True, "out_of_town", True),
        ("pledge_on", None, "pledged", False),
    ]
    for field, value, seen_as, expected in changes:
        setattr(a, field, value)
        assert getattr(person(), seen_as) == expected, field
    assert person().pass_issued is False
    world.carriers[9].custody = rules.Custody(State.ISSUED, 1)
    assert person().pass_issued is True


def test_document_and_meeting_facts_follow_their_rows() -> None:
    """A document's facts (its plan, level, flags) and the meeting's follow their rows."""
    judge = Judge(SystemWorld())
    doc = DocumentState(1, "D1", "文件", "机密", 3)
    first = judge._document_facts(doc)
    assert judge._document_facts(doc) is first
    for field, value in [
        ("level", "秘密"),
        ("may_take_away", True),
        ("collect_at_breaks", True),
        ("plan", '{"units": ["某单位"]}'),
        ("number", "D9"),
    ]:
        before = judge._document_facts(doc)
        setattr(doc, field, value)
        assert judge._document_facts(doc) != before, field
    world = MeetingWorld()
    world.meeting = replace(world.meeting, code="M1", level="内部")
    tapped = ev.Tapped(ev.Stamp(seq=1, at=datetime(2026, 12, 1)), tap_action=Action.ISSUE)
    m1 = judge._meeting_facts(world, tapped)
    world.meeting.requires_passes = not world.meeting.requires_passes
    assert judge._meeting_facts(world, tapped).requires_passes != m1.requires_passes
