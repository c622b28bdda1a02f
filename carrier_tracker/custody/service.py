"""The tap service: load the facts, ``rules.decide``, ``rules.apply``, append (docs/architecture.md §3).

One call per tap, one transaction, one ``Outcome``; the rules themselves live in ``rules.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from carrier_tracker import ledger, messages
from carrier_tracker.custody import rules
from carrier_tracker.custody.plan import Plan
from carrier_tracker.enums import (
    MODE_ACTION,
    CarrierKind,
    Level,
    MeetingKind,
    MeetingStatus,
    Mode,
    State,
    Verdict,
    requires_filing,
)
from carrier_tracker.errors import NotFoundError
from carrier_tracker.ledger import codec
from carrier_tracker.ledger.events import MeetingEvent, Stamp, Tapped
from carrier_tracker.storage.models import Attendee, Meeting, utcnow
from carrier_tracker.storage.tap_store import Bind
from carrier_tracker.storage.tap_store import TapStore as _Store
from carrier_tracker.text_fields import ROOM, check_text, check_who, normalize_code
from carrier_tracker.uids import normalize_uid


@dataclass(frozen=True)
class Outcome:
    """What one tap did. ``message`` is the line shown to the custodian."""

    verdict: Verdict
    message: str
    uid: str
    mode: Mode
    reason: str = ""
    seq: int | None = None
    carrier_id: int | None = None
    kind: CarrierKind | None = None
    item: str = ""
    state: State | None = None
    attendee_id: int | None = None
    attendee_name: str = ""
    at: datetime | None = None
    warning: str = ""
    """Accepted, with a remark worth a yellow banner (e.g. a repeated admission)."""
    approval_needed: bool = False
    """Nothing was recorded: an officer's approval would let this tap through (``ask_approval``)."""
    exception_lifts: bool = False
    """Refused, and an officer's exception (``override``) would let it through: the desk offers
    one (Ctrl+Y) only then, not for a refusal no exception lifts (no recipient chosen, …)."""

    @property
    def refused(self) -> bool:
        """True when the tap was refused."""
        return self.verdict is Verdict.REFUSED

    @property
    def line(self) -> str:
        """The message with its warning, as printed: ``发放：… → 梁洋（未签保密承诺书）``."""
        extra = [w for w in self.warning.split("；") if w and w not in self.message]
        return f"{self.message}（{'；'.join(extra)}）" if extra else self.message


@dataclass
class NewEvent:
    """A ledger event about to be appended (``seq``, ``prev_hash`` and ``hash`` are set by
    the append, under the head lock)."""

    meeting_id: int
    action: str
    verdict: str
    at: datetime
    carrier_id: int | None = None
    tag_uid: str | None = None
    from_state: str | None = None
    to_state: str | None = None
    attendee_id: int | None = None
    consignment_id: int | None = None
    station: str = ""
    operator: str = ""
    note: str = ""
    reason: str = ""
    approver: str = ""
    payload: str | None = None
    system_seq: int | None = None
    operator_pin: str = ""
    approver_pin: str = ""
    seq: int = 0
    prev_hash: str = ""
    hash: str = ""

    @classmethod
    def of(cls, meeting_id: int, event: MeetingEvent) -> NewEvent:
        """The row of a typed event (the append sets its place in the chain and the stamp of
        who authenticated it)."""
        return cls(meeting_id=meeting_id, **codec.encode(event))


def item_label(carrier: Any, document: Any, owner: Any) -> str:
    """How a carrier is named to people: ``J-01 第003份`` or ``会议证 P001（张三）``."""
    if carrier.kind == CarrierKind.PASS:
        assert owner is not None
        return messages.text("pass_item", number=owner.pass_number or owner.code, name=owner.name)
    assert document is not None and carrier.copy_number is not None
    return messages.text("copy_item", doc=document.number, copy=carrier.copy_number)


def is_officer(session: Session, operator: str) -> bool:
    """True when ``operator`` may approve: a registered officer in use."""
    return _Store(session).is_officer(operator)


def approval(store: _Store, operator: str, approver: str) -> tuple[bool, str]:
    """Whether an officer approves this step, and the approver to record: none when the
    operator is an officer, the approver when an officer approves a custodian's step."""
    if store.is_officer(operator):
        return True, ""
    if approver and store.is_officer(approver):
        return True, approver
    return False, ""


def needs_officer(mode: Mode, override: bool = False) -> bool:
    """True when a tap in this mode needs an officer: the operator, or an approving officer."""
    return mode in (Mode.CARRY_OUT, Mode.LOST) or override


def find_meeting(session: Session, code: str) -> Meeting:
    """The meeting with this code.

    Raises:
        NotFoundError: there is none.
    """
    code = normalize_code(code)
    meeting = session.exec(
        select(Meeting)
        .where(func.lower(Meeting.code) == code.lower())
        .order_by(col(Meeting.code) != code)
    ).first()
    if meeting is None:
        raise NotFoundError(messages.text("no_meeting", code=code))
    return meeting


def find_attendee(session: Session, meeting: Meeting, code: str) -> Attendee:
    """The attendee with this code in the meeting.

    Raises:
        NotFoundError: there is none.
    """
    code = normalize_code(code)
    found = session.exec(
        select(Attendee)
        .where(Attendee.meeting_id == meeting.id, func.lower(Attendee.code) == code.lower())
        .order_by(col(Attendee.code) != code)
    ).first()
    if found is None:
        raise NotFoundError(messages.text("no_attendee", meeting=meeting.code, code=code))
    return found


def check_tap_names(
    session: Any,
    *,
    meeting_code: str,
    attendee_code: str | None = None,
    consignment_no: str | None = None,
) -> None:
    """Check the meeting, attendee and consignment a tap names before anyone authenticates (the
    command line asks this before any PIN); :func:`record_tap` finds them again under its lock.
    The attendee is checked in every mode: a mistyped code is named even where a tap does not
    read it.

    Raises:
        NotFoundError: one of them does not exist.
    """
    store = _Store(session)
    code = normalize_code(meeting_code)
    meeting = store.meeting_by_code(code)
    if meeting is None:
        raise NotFoundError(messages.text("no_meeting", code=code))
    if attendee_code:
        store.attendee(meeting, normalize_code(attendee_code))
    if consignment_no:
        store.consignment_by_number(meeting, normalize_code(consignment_no))


def _person(
    row: Any, issued: set[int], holding: dict[int, list[rules.Held]]
) -> rules.Person | None:
    if row is None:
        return None
    return rules.Person(
        id=row.id,
        code=row.code,
        name=row.name,
        unit=row.unit,
        clearance=Level(row.clearance),
        out_of_town=bool(row.out_of_town),
        pass_issued=row.id in issued,
        holding=tuple(holding.get(row.id, ())),
        pledged=row.pledge_on is not None,
    )


def substitute_for(store: _Store, row: Any) -> tuple[str, str] | None:
    """(code, unit) of the absent delegate whose place this attendee takes (代会), whose
    distribution plan they inherit; None for everyone else.

    The hook for substitutes: it reads ``attendee.substitute_for_id`` where the schema has that
    column (added with ``attendee substitute``); without it nobody is a substitute.
    """
    absent_id = getattr(row, "substitute_for_id", None)
    if absent_id is None:
        return None
    absent = store.attendee_by_id(absent_id)
    return (absent.code, absent.unit) if absent is not None else None


def _replaced(store: _Store, person: rules.Person | None, row: Any) -> rules.Person | None:
    """The person, marked when a substitute (代会) has taken their place. ``row`` is the person's
    row: an attendee looked up by code carries its substitute (``sub_code``, ``sub_name``)."""
    if person is None:
        return None
    if hasattr(row, "sub_code"):
        code, name = row.sub_code, row.sub_name
    else:
        sub = store.substitute_of(person.id)
        code, name = (sub.code, sub.name) if sub is not None else (None, None)
    return replace(person, replaced_by=f"{code} {name}") if code is not None else person


def load_facts(
    store: _Store,
    meeting: Any,
    tag: str,
    tap: rules.Tap,
    *,
    attendee: Any,
    consignment: Any,
    operator_is_officer: bool = False,
) -> tuple[rules.Facts, Any]:
    """Read everything ``rules.decide`` needs for one tap (under the head lock).

    Only the facts the tap's mode can consult are read: pass states and holdings for a hand-over
    (and holdings for a pass's recall), admissions for the entrance. The rest keep their neutral
    defaults, which no guard of that mode reads. ``operator_is_officer`` is the caller's
    :func:`approval` (operator or approver an officer), checked only when the tap needs one.

    Returns:
        The facts and the carrier row (None for an unknown tag or another meeting's tag).
    """
    mode = tap.mode
    status, level = MeetingStatus(meeting.status), Level(meeting.level)
    venue_open: tuple[str, ...] = ()
    trip = getattr(meeting, "kind", MeetingKind.MEETING) == MeetingKind.TRIP
    if status.before_open and requires_filing(level) and not trip:  # until the meeting opens
        from carrier_tracker.custody import checklists

        venue = checklists.active()[checklists.VENUE]
        answers = store.checklist_answers(meeting.id, checklists.VENUE)
        venue_open = tuple(it.label for it in checklists.unsettled(venue, answers))
    meeting_facts = rules.MeetingFacts(
        id=meeting.id,
        code=meeting.code,
        status=status,
        requires_passes=bool(meeting.requires_passes),
        level=level,
        venue_open_items=venue_open,
        trip=trip,
    )
    chosen = (
        rules.ConsignmentFacts(
            consignment.id,
            consignment.number,
            consignment.unit,
            getattr(consignment, "attendee_id", None),
        )
        if consignment
        else None
    )
    takes_attendee = mode in (Mode.ISSUE, Mode.REISSUE)
    target_row = attendee if takes_attendee else None
    carrier = store.carrier_by_uid(tag, meeting.id)
    if carrier is None or carrier.meeting_id != meeting.id:
        other = store.meeting_by_id(carrier.meeting_id) if carrier is not None else None
        released = carrier is not None and bool(carrier.tag_released)
        facts = rules.Facts(
            meeting_facts,
            tag,
            None,
            other_meeting=other.code if other and not released else None,
            released_by=other.code if other and released else None,
            target=_person(target_row, set(), {}),
            retired_for=store.retired(tag) if carrier is None else None,
        )
        return facts, None
    is_copy = carrier.kind == CarrierKind.COPY
    people = [
        p for p in (target_row, carrier.holder, carrier.remembered, carrier.owner) if p is not None
    ]
    ids = sorted({p.id for p in people})
    issued: set[int] = set()
    holding: dict[int, list[rules.Held]] = {}
    if ids and ((is_copy and takes_attendee) or (not is_copy and mode is Mode.RECALL)):
        held = store.holdings(
            ids,
            passes=is_copy and meeting_facts.requires_passes,
            # a copy's hand-over asks only about copies of its document (ONE_COPY_EACH)
            document_id=carrier.document_id if is_copy else None,
        )
        issued = held.passes_issued
        for c in held.copies:
            label = messages.text("copy_item", doc=c.number, copy=c.copy_number)
            holding.setdefault(c.holder_id, []).append(
                rules.Held(c.carrier_id, c.document_id, label, State(c.state))
            )
    document, current = carrier.document, carrier.consignment
    doc_facts = (
        rules.DocumentFacts(
            id=document.id,
            number=document.number,
            level=Level(document.level),
            may_take_away=bool(document.may_take_away),
            collect_at_breaks=bool(document.collect_at_breaks),
            plan=Plan.loads(document.plan),
        )
        if document is not None
        else None
    )
    target = _person(target_row, issued, holding)
    if target is not None and doc_facts is not None and not doc_facts.plan.everyone:
        target = replace(target, stands_for=substitute_for(store, target_row))
    owner = _person(carrier.owner, issued, holding)
    if tap.mode is Mode.ISSUE or tap.mode is Mode.REISSUE:  # an absent delegate receives nothing
        target = _replaced(store, target, target_row)
        owner = _replaced(store, owner, carrier.owner)
    carrier_facts = rules.CarrierFacts(
        id=carrier.id,
        kind=CarrierKind(carrier.kind),
        item=item_label(carrier, document, carrier.owner),
        custody=rules.Custody(
            State(carrier.state),
            carrier.holder_id,
            carrier.remembered_holder_id,
            carrier.consignment_id,
        ),
        document=doc_facts,
        owner=owner,
        holder=_person(carrier.holder, issued, holding),
        remembered=_person(carrier.remembered, issued, holding),
        consignment=rules.ConsignmentFacts(
            current.id, current.number, current.unit, current.attendee_id
        )
        if current
        else None,
    )
    facts = rules.Facts(
        meeting=meeting_facts,
        uid=tag,
        carrier=carrier_facts,
        target=target,
        consignment=chosen,
        operator_is_officer=operator_is_officer,
        admissions=store.admissions(meeting.id, carrier.id) if mode is Mode.ENTRANCE else 0,
    )
    return facts, carrier


def record_tap(
    *,
    session: Bind,
    key: bytes,
    meeting_code: str,
    uid: str,
    mode: Mode,
    attendee_code: str | None = None,
    consignment_no: str | None = None,
    station: str = "",
    operator: str = "",
    note: str = "",
    override: bool = False,
    approver: str = "",
    ask_approval: bool = False,
    now: datetime | None = None,
    room: str = "",
) -> Outcome:
    """Apply one tap: load the facts, decide, apply, append one ledger event.

    The caller owns the transaction (one per tap). Every tap — accepted, "already" or refused —
    appends exactly one event; a refusal changes nothing else. The event names only the person
    it concerns (the recipient, the holder it came back from), never merely the desk's current
    attendee.

    Args:
        session: the open session, or the transaction of :func:`carrier_tracker.storage.db.tap_scope`
            (the desk's and the CLI's hot path); its transaction is this tap's.
        key: the ledger key.
        meeting_code: the meeting the desk works on (any letter case).
        uid: the tag UID as read (normalised here).
        mode: the desk's mode.
        attendee_code: the current attendee; read (and checked to exist) only by the modes that
            hand something over (issue, reissue), ignored by the others.
        consignment_no: the consignment, for dispatch (and to check deliveries).
        station: the desk's name.
        operator: who is at the desk.
        note: free text; required to report a loss.
        override: an officer's exception (reissue to someone else, a second copy, a pass
            recalled while copies are out).
        approver: an officer who approves a custodian's carry-out, loss report or override
            (authenticated by the caller); recorded in the event when it is what approved it.
        ask_approval: a desk that can ask an officer: when the step needs one, none approved it,
            and with an officer's approval it would be accepted, nothing is recorded and the
            outcome says ``approval_needed`` (the desk asks, then taps again with ``approver``).
            Any other refusal is recorded as usual.
        now: the time of the tap (default: now, UTC).
        room: where the tag was found (巡检), recorded in the event's payload.

    Returns:
        The outcome.

    Raises:
        NotFoundError: the meeting, attendee or consignment named does not exist.
        BadUid: the UID is malformed.
    """
    now = ledger.as_utc(now or utcnow())
    tag = normalize_uid(uid)
    check_who(station=station, operator=operator, note=note)  # before the database sees them
    if approver:
        check_who(operator=approver)
    if room:
        room = check_text(messages.FIELD_LABEL["room"], room, ROOM)
    meeting_code = normalize_code(meeting_code)
    attendee_code = normalize_code(attendee_code) if attendee_code else None
    consignment_no = normalize_code(consignment_no) if consignment_no else None
    store = _Store(session)
    meeting, head = store.meeting_and_head(meeting_code)  # read under the lock
    if meeting is None or head is None:
        raise NotFoundError(messages.text("no_meeting", code=meeting_code))
    # Only a hand-over reads the desk's current attendee (one statement less on every other tap).
    hands_over = mode is Mode.ISSUE or mode is Mode.REISSUE
    attendee = store.attendee(meeting, attendee_code) if attendee_code and hands_over else None
    consignment = store.consignment_by_number(meeting, consignment_no) if consignment_no else None

    tap = rules.Tap(mode=mode, operator=operator, note=note, override=override, room=room)
    # One officer check per tap, and only when the step needs an officer's approval.
    approved, approved_by = (
        approval(store, operator, approver) if needs_officer(mode, override) else (False, "")
    )
    facts, carrier = load_facts(
        store,
        meeting,
        tag,
        tap,
        attendee=attendee,
        consignment=consignment,
        operator_is_officer=approved,
    )
    decision = rules.decide(facts, tap)
    ask = ask_approval and not approved and needs_officer(mode, override)
    if ask and decision.verdict is Verdict.REFUSED:
        with_officer = rules.decide(replace(facts, operator_is_officer=True), tap)
        if with_officer.accepted:
            concerned = with_officer.person  # whom the approved step would concern
            return Outcome(  # nothing recorded: the desk asks an officer, then taps again
                verdict=Verdict.REFUSED,
                message=decision.message,
                uid=tag,
                mode=mode,
                reason=decision.reason,
                item=facts.carrier.item if facts.carrier else "",
                attendee_id=concerned.id if concerned else None,
                attendee_name=concerned.name if concerned else "",
                approval_needed=True,
            )
    # Only a refusal asks whether an officer's exception (not merely their approval) would lift
    # it: no cost on other taps.
    lifts = False
    if decision.verdict is Verdict.REFUSED and not override:
        as_officer = replace(facts, operator_is_officer=True)
        lifts = (
            rules.decide(as_officer, replace(tap, override=True)).accepted
            and not rules.decide(as_officer, tap).accepted
        )
    before = facts.carrier.custody if facts.carrier else None
    to_state = (decision.to_state or before.state) if before else None
    opens = decision.accepted and facts.meeting.status.before_open
    event = NewEvent.of(
        meeting.id,
        Tapped(
            Stamp(
                seq=0,
                at=now,
                verdict=decision.verdict,
                station=station,
                operator=operator,
                approver=approved_by,
                note=note,
                reason=decision.reason,
            ),
            tap_action=MODE_ACTION[mode],
            uid=tag,
            carrier_id=facts.carrier.id if facts.carrier else None,
            from_state=before.state.value if before else None,
            to_state=to_state.value if to_state else None,
            attendee_id=decision.person.id if decision.person else None,
            consignment_id=decision.consignment.id if decision.consignment else None,
            room=room if mode is Mode.SWEEP else "",
            override=override,
            venue=_venue_in_force(facts.meeting) if opens else None,
        ),
    )
    if decision.accepted and before is not None:
        after = rules.apply(
            before,
            rules.Change(
                MODE_ACTION[mode],
                decision.verdict,
                decision.to_state,
                decision.person.id if decision.person else None,
                decision.consignment.id if decision.consignment else None,
            ),
        )
        if after != before:
            values: dict[str, Any] = {
                "state": after.state.value,
                "holder_id": after.holder_id,
                "remembered_holder_id": after.remembered_id,
                "consignment_id": after.consignment_id,
                "version": carrier.version + 1,
                "state_since": now if after.state is not before.state else carrier.state_since,
            }
            store.update_carrier(carrier, values)
        if decision.consignment is not None and after.state is not before.state:
            row = store.consignment(decision.consignment.id)
            if row is not None:
                store.refresh_consignment(row, now)
        if opens:
            store.open_meeting(meeting.id)
    store.append(key, head, event)
    person = decision.person
    return Outcome(
        verdict=decision.verdict,
        message=decision.message,
        uid=tag,
        mode=mode,
        reason=decision.reason,
        seq=event.seq,
        carrier_id=facts.carrier.id if facts.carrier else None,
        kind=facts.carrier.kind if facts.carrier else None,
        item=facts.carrier.item if facts.carrier else "",
        state=to_state,
        attendee_id=person.id if person else None,
        attendee_name=person.name if person else "",
        at=now,
        warning=decision.warning,
        exception_lifts=lifts,
    )


def _venue_in_force(meeting: rules.MeetingFacts) -> tuple[str, ...] | None:
    """The venue check's item ids in force, recorded on the tap that opens a meeting that needs
    one (``verify`` re-decides that tap against these, whatever the checklist file says later)."""
    if not requires_filing(meeting.level) or meeting.trip:  # a trip has no venue check
        return None
    from carrier_tracker.custody import checklists

    return tuple(it.id for it in checklists.active()[checklists.VENUE].items)


def append_event(*, session: Bind, key: bytes, meeting_id: int, event: MeetingEvent) -> int:
    """Append a typed event to a meeting's chain; returns its seq.

    Same lock and append as a tap (TapStore), so every writer serialises on the one head; the
    append stamps the event with the system chain's length and the PIN-hash digests of its
    operator and approver (``TapStore.append``).
    """
    stamp = event.stamp
    check_who(station=stamp.station, operator=stamp.operator)
    store = _Store(session)
    head = store.lock_head(meeting_id)
    row = NewEvent.of(meeting_id, event)
    store.append(key, head, row)
    return row.seq


def stamp(
    *,
    operator: str = "",
    station: str = "",
    note: str = "",
    approver: str = "",
    now: datetime | None = None,
    verdict: Verdict = Verdict.ACCEPTED,
    reason: str = "",
) -> Stamp:
    """The stamp of an event about to be appended (its seq is set by the append)."""
    return Stamp(
        seq=0,
        at=ledger.as_utc(now or utcnow()),
        verdict=verdict,
        station=station,
        operator=operator,
        approver=approver,
        note=note,
        reason=reason,
    )
