"""Changes during a meeting (issue 11): late attendees, substitutes (代会), copies added and
withdrawn, retags and voids.

Each change is one ledger event in the meeting's chain, appended under the same head lock as a
tap; a refused change is recorded too (verdict ``refused`` with its reason) and changes nothing
else. What a change creates enters the chain as a payload (canonical JSON covered by the event's
hash) so that ``audit.Expected`` rebuilds the new rows and ``verify`` names any later edit.

Bad input (an unknown meeting, code, document, copy or ledger seq; a malformed UID or text) is
not a refusal: it raises before anything is locked or written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from carrier_tracker import ledger, messages
from carrier_tracker.custody.rules import Custody
from carrier_tracker.custody.service import (
    NewEvent,
    approval,
    find_attendee,
    find_meeting,
    item_label,
)
from carrier_tracker.enums import (
    OUTSTANDING,
    Action,
    CarrierKind,
    Level,
    MeetingStatus,
    State,
    Verdict,
)
from carrier_tracker.errors import CarrierTrackerError, NotFoundError
from carrier_tracker.ledger import codec
from carrier_tracker.ledger import events as ev
from carrier_tracker.ledger.codec import TAP_ACTIONS
from carrier_tracker.ledger.fold import MeetingWorld
from carrier_tracker.meeting.distribution import find_document
from carrier_tracker.meeting.enrollment import (
    _bind,
    bound_carrier,
    card_owner,
    copy_carrier,
    describe_carrier,
    where_bound,
)
from carrier_tracker.storage import queries, readmodel
from carrier_tracker.storage.models import (
    Attendee,
    Carrier,
    Event,
    Meeting,
    RetiredTag,
    utcnow,
)
from carrier_tracker.storage.tap_store import TapStore
from carrier_tracker.text_fields import (
    ATTENDEE_CODE,
    ATTENDEE_NAME,
    PASS_NUMBER,
    UNIT,
    check_code,
    check_text,
    check_who,
    code_key,
)
from carrier_tracker.uids import normalize_uid

MAX_COPIES = 10_000
"""The same bound as the importer's (a document's copies)."""
MAX_SEQ = 2**31 - 1
"""No ledger has more events than an INTEGER holds."""

CUSTODY_CHANGES = frozenset(TAP_ACTIONS | {Action.WITHDRAW})
"""Events that move a carrier's custody: a later one on the same carrier blocks a void."""


@dataclass(frozen=True)
class ChangeOutcome:
    """What one change did: accepted (with its ledger seq) or refused with the reason."""

    action: Action
    accepted: bool
    message: str
    seq: int | None = None
    extra_seqs: tuple[int, ...] = ()
    """Further events the change appended (the pass binding of a late attendee)."""
    reason_key: str = ""
    """The catalogue key of a refusal's reason: a front end adds its own hint by it (the
    command line names ``--approver`` after ``change_officer``); the reason names none."""

    @property
    def refused(self) -> bool:
        """True when the change was refused (and recorded as such)."""
        return not self.accepted


class Refused(CarrierTrackerError):
    """A change the rules refuse: recorded in the ledger, then reported (exit code 1)."""

    exit_code = 1

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key
        """The catalogue key of the message."""


def _refused(key: str, **fields: object) -> Refused:
    return Refused(messages.text(key, **fields), key)


@dataclass
class _Change:
    """One change in the making: what the event will say."""

    action: Action
    meeting: Meeting
    store: TapStore
    operator: str
    station: str
    now: datetime
    note: str = ""
    approver: str = ""
    carrier: Carrier | None = None
    tag_uid: str | None = None
    from_state: str | None = None
    to_state: str | None = None
    attendee_id: int | None = None
    consignment_id: int | None = None
    typed: Callable[[ev.Stamp], ev.MeetingEvent] | None = None
    """What the change records when accepted (its facts, given the stamp)."""
    after: list[Callable[[], int | None]] = field(default_factory=list)

    def refuse(self, key: str, **fields: object) -> Refused:
        return _refused(key, **fields)

    def need_officer(self, what: str, approver: str) -> None:
        """Record who approved, or refuse: the operator is an officer, or an officer approves."""
        ok, by = approval(self.store, self.operator, approver)
        if not ok:
            raise self.refuse(
                "change_officer",
                what=messages.text(what),
                operator=self.operator or messages.text("not_filled"),
            )
        self.approver = by

    def event(self, verdict: Verdict, reason: str = "") -> NewEvent:
        carrier = self.carrier
        assert self.meeting.id is not None
        accepted = verdict is Verdict.ACCEPTED
        stamp = ev.Stamp(
            seq=0,
            at=self.now,
            verdict=verdict,
            station=self.station,
            operator=self.operator,
            approver=self.approver if accepted else "",
            note=self.note,
            reason=reason,
        )
        if accepted and self.typed is not None:
            return NewEvent.of(self.meeting.id, self.typed(stamp))
        return NewEvent.of(
            self.meeting.id,
            ev.Declined(
                stamp,
                refused_action=self.action,
                carrier_id=carrier.id if carrier is not None else None,
                attendee_id=self.attendee_id,
                consignment_id=self.consignment_id,
                uid=self.tag_uid or (carrier.tag_uid if carrier is not None else None),
                from_state=self.from_state,
                to_state=self.to_state,
            ),
        )


def _run(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    action: Action,
    operator: str,
    station: str,
    note: str,
    now: datetime | None,
    body: Callable[[_Change], str],
) -> ChangeOutcome:
    """Lock the meeting's head, run ``body`` (which fills in the change and returns the message,
    or raises :class:`Refused`), append the event. A refusal appends a refused event instead and
    rolls back whatever ``body`` had changed."""
    check_who(station=station, operator=operator, note=note)
    meeting = find_meeting(session, meeting_code)
    assert meeting.id is not None
    store = TapStore(session)
    head = store.lock_head(meeting.id)
    session.refresh(meeting)  # another desk may have closed it meanwhile
    change = _Change(
        action=action,
        meeting=meeting,
        store=store,
        operator=operator,
        station=station,
        now=ledger.as_utc(now or utcnow()),
        note=note,
    )
    savepoint = session.begin_nested()
    try:
        if meeting.status == MeetingStatus.CLOSED:
            raise change.refuse("change_closed")
        message = body(change)
        session.flush()
    except Refused as refusal:
        savepoint.rollback()
        event = change.event(Verdict.REFUSED, str(refusal))
        store.append(key, head, event)
        return ChangeOutcome(action, False, str(refusal), event.seq, reason_key=refusal.key)
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    event = change.event(Verdict.ACCEPTED)
    store.append(key, head, event)
    extra = tuple(s for s in (step() for step in change.after) if s is not None)
    return ChangeOutcome(action, True, message, event.seq, extra)


# --- attendees --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewPerson:
    """A late attendee or a substitute as typed."""

    code: str
    name: str
    unit: str
    clearance: Level
    out_of_town: bool = False
    pass_number: str = ""
    pass_uid: str = ""


def _check_person(person: NewPerson) -> NewPerson:
    """The person's texts checked and normalised (bad input raises, nothing is written)."""
    label = messages.text
    return NewPerson(
        code=check_code(label("label_code"), person.code, ATTENDEE_CODE),
        name=check_text(label("label_name"), person.name, ATTENDEE_NAME, required=True),
        unit=check_text(label("label_unit"), person.unit, UNIT, required=True),
        clearance=person.clearance,
        out_of_town=person.out_of_town,
        pass_number=check_code(
            label("label_pass_number"), person.pass_number, PASS_NUMBER, required=False
        ),
        pass_uid=normalize_uid(person.pass_uid) if person.pass_uid else "",
    )


def check_names(
    *,
    session: Session,
    meeting_code: str,
    person: NewPerson | None = None,
    absent_code: str = "",
    doc_no: str = "",
    copy_no: int | None = None,
    uid: str = "",
    new_uid: str = "",
) -> None:
    """Check what a change names before anyone authenticates — the new person's texts, the
    meeting and, when given, the absent delegate, the document (and its copy) or the carrier
    tagged ``uid`` (and the tag ``new_uid`` a retag puts on it: well formed, not the same) —
    with the checks and finders the change itself uses: a front end asks this
    first so that nobody types a PIN (or calls an officer over) for a name that is not there. It
    records nothing; the change checks them again under the meeting's head lock.

    Raises:
        NotFoundError: one of them does not exist.
        Refused: the meeting is closed, or ``uid`` was retired by a retag.
        TextError, BadUid: bad input.
    """
    if person is not None:
        _check_person(person)
    if absent_code:
        absent_code = check_code(messages.text("label_absent"), absent_code, ATTENDEE_CODE)
    if uid and new_uid:
        uid, _ = _retag_uids(uid, new_uid)
    uid = normalize_uid(uid) if uid else ""
    meeting = find_meeting(session, meeting_code)
    if meeting.status == MeetingStatus.CLOSED:  # every change is refused then, whoever approves
        raise _refused("change_closed")
    if absent_code:
        find_attendee(session, meeting, absent_code)
    if doc_no:
        doc = find_document(session, meeting, doc_no)
        if copy_no is not None:
            copy_carrier(session, meeting, doc.number, copy_no)
    if uid:
        _tagged(session, TapStore(session), meeting, uid)


def _people(session: Session, meeting: Meeting) -> list[Attendee]:
    return list(session.exec(select(Attendee).where(Attendee.meeting_id == meeting.id)).all())


def _add_person(
    session: Session,
    key: bytes,
    change: _Change,
    person: NewPerson,
    substitute_for: Attendee | None,
    *,
    approver: str | None = None,
) -> Attendee:
    """Check and write a new attendee with their pass. ``approver``: the officer approving a
    late attendee (a substitute's approval is checked by the caller)."""
    meeting = change.meeting
    assert meeting.id is not None
    people = _people(session, meeting)
    for other in people:  # codes are found in any letter case: a case variant is taken too
        if code_key(other.code) == code_key(person.code):
            raise change.refuse(
                "attendee_exists", meeting=meeting.code, code=other.code, name=other.name
            )
        if person.pass_number and code_key(other.pass_number or "") == code_key(person.pass_number):
            raise change.refuse(
                "pass_number_taken", number=other.pass_number, code=other.code, name=other.name
            )
    if person.pass_uid:
        _check_free_uid(session, change, person.pass_uid)
    if approver is not None:  # clearance and out-of-town are an officer's decision
        change.need_officer("what_attendee_add", approver)
    row = Attendee(
        meeting_id=meeting.id,
        code=person.code,
        name=person.name,
        unit=person.unit,
        clearance=person.clearance.value,
        out_of_town=person.out_of_town,
        pass_number=person.pass_number,
        substitute_for_id=substitute_for.id if substitute_for is not None else None,
    )
    session.add(row)
    session.flush()
    card = Carrier(
        meeting_id=meeting.id,
        kind=CarrierKind.PASS.value,
        owner_id=row.id,
        state=State.REGISTERED.value,
    )
    session.add(card)
    session.flush()
    change.attendee_id = row.id
    person_record, card_record = codec.attendee_record(row), codec.carrier_record(card)
    kind = ev.Substituted if substitute_for is not None else ev.AttendeeAdded
    change.typed = lambda stamp: kind(stamp, person_record, card_record)
    if person.pass_uid:
        uid = person.pass_uid

        def bind() -> int | None:  # after the change's own event: the binding is its own event
            _bind(session, key, meeting, card, uid, change.operator, change.station)
            head = change.store.lock_head(meeting.id or 0)
            return int(head.seq)

        change.after.append(bind)
    return row


def _new_pass(row: Attendee) -> str:
    """The new person's pass as the result line names it: its number, or that it has none (never
    the attendee code in its place: the register's 会议证号 would be blank)."""
    if row.pass_number:
        return messages.text("new_pass_number", number=row.pass_number)
    return messages.text("new_pass_unnumbered")


def _check_free_uid(session: Session, change: _Change, uid: str) -> None:
    """Refuse a UID bound to any carrier, retired by a retag, or an operator's card."""
    retired = change.store.retired(uid)
    if retired is not None:
        raise change.refuse("tag_retired", new=retired)
    if (owner := card_owner(session, uid)) is not None:
        raise change.refuse("uid_is_card", uid=uid, name=owner)
    other = bound_carrier(session, uid)  # a tag released by a closed meeting is free
    if other is not None:
        where, item = where_bound(session, other)
        raise change.refuse("uid_bound_where", uid=uid, item=item, meeting=where)


def add_attendee(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    person: NewPerson,
    operator: str = "",
    station: str = "",
    approver: str = "",
    now: datetime | None = None,
) -> ChangeOutcome:
    """Register a late attendee (meeting planned or open), with a pass of their own (bound to
    ``person.pass_uid`` when given, as a second event). Their clearance and whether they are
    an out-of-town delegate are an officer's decision: a custodian's change needs ``approver``.

    Raises:
        NotFoundError: no such meeting.
        TextError, BadUid: bad input (nothing recorded).
    """
    person = _check_person(person)
    if approver:
        check_who(operator=approver)

    def body(change: _Change) -> str:
        row = _add_person(session, key, change, person, None, approver=approver)
        return messages.text(
            "attendee_added",
            code=row.code,
            name=row.name,
            unit=row.unit,
            clearance=row.clearance,
            away=messages.text("attendee_away") if row.out_of_town else "",
            pass_=_new_pass(row),
        )

    return _run(
        session=session,
        key=key,
        meeting_code=meeting_code,
        action=Action.ATTENDEE_ADD,
        operator=operator,
        station=station,
        note="",
        now=now,
        body=body,
    )


def substitute_attendee(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    absent_code: str,
    person: NewPerson,
    operator: str = "",
    station: str = "",
    approver: str = "",
    note: str = "",
    now: datetime | None = None,
) -> ChangeOutcome:
    """Register a substitute (代会) in an absent delegate's place, approved by an officer.

    The absent delegate's pass is never transferred: the substitute gets a pass of their own.
    ``Attendee.substitute_for_id`` links the substitute to the absent delegate (the distribution
    plan follows it). Refused when the absent delegate already has a substitute, is a substitute
    themselves, or still holds anything (their pass issued, copies out).

    Raises:
        NotFoundError: no such meeting or absent delegate.
        TextError, BadUid: bad input (nothing recorded).
    """
    person = _check_person(person)
    absent_code = check_code(messages.text("label_absent"), absent_code, ATTENDEE_CODE)
    if approver:
        check_who(operator=approver)

    def body(change: _Change) -> str:
        meeting = change.meeting
        absent = find_attendee(session, meeting, absent_code)
        change.attendee_id = absent.id
        if absent.substitute_for_id is not None:
            raise change.refuse("substitute_of_substitute", code=absent.code, name=absent.name)
        taken = session.exec(
            select(Attendee).where(Attendee.substitute_for_id == absent.id)
        ).first()
        if taken is not None:
            raise change.refuse(
                "substitute_taken",
                code=absent.code,
                name=absent.name,
                sub_code=taken.code,
                sub_name=taken.name,
            )
        held = _held_by(session, meeting, absent)
        if held:
            raise change.refuse(
                "substitute_absent_holds", code=absent.code, name=absent.name, items="、".join(held)
            )
        change.need_officer("what_substitute", approver)
        row = _add_person(session, key, change, person, absent)
        change.note = note or messages.text("mark_substitute", code=absent.code, name=absent.name)
        return messages.text(
            "substituted",
            code=row.code,
            name=row.name,
            absent_code=absent.code,
            absent_name=absent.name,
            pass_=_new_pass(row),
        )

    return _run(
        session=session,
        key=key,
        meeting_code=meeting_code,
        action=Action.SUBSTITUTE,
        operator=operator,
        station=station,
        note=note,
        now=now,
        body=body,
    )


def _held_by(session: Session, meeting: Meeting, person: Attendee) -> list[str]:
    """Labels of what a person has out: copies they hold, their own pass when issued."""
    rows = session.exec(
        select(Carrier)
        .execution_options(populate_existing=True)
        .where(
            Carrier.meeting_id == meeting.id,
            col(Carrier.state).in_([s.value for s in OUTSTANDING]),
            (Carrier.holder_id == person.id)
            | ((Carrier.owner_id == person.id) & (Carrier.state == State.ISSUED.value)),
        )
    ).all()
    return [describe_carrier(session, c)[0] for c in rows]


# --- copies -----------------------------------------------------------------------------------


def add_copies(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    doc_no: str,
    count: int,
    operator: str = "",
    station: str = "",
    now: datetime | None = None,
) -> ChangeOutcome:
    """Add ``count`` copies (extra prints) to a document, numbered on from its last copy; they
    start untagged (``bind`` each).

    Raises:
        NotFoundError: no such meeting or document.
        CarrierTrackerError: ``count`` is not 1..MAX_COPIES (nothing recorded).
    """
    if not 1 <= count <= MAX_COPIES:
        raise CarrierTrackerError(messages.text("copies_count", limit=MAX_COPIES, value=count))

    def body(change: _Change) -> str:
        meeting = change.meeting
        doc = find_document(session, meeting, doc_no)
        assert doc.id is not None and meeting.id is not None
        if doc.copies + count > MAX_COPIES:
            raise change.refuse(
                "copies_too_many",
                number=doc.number,
                copies=doc.copies,
                count=count,
                limit=MAX_COPIES,
            )
        last = session.exec(
            select(func.max(Carrier.copy_number)).where(Carrier.document_id == doc.id)
        ).one()
        first = int(last or 0) + 1
        new = [
            Carrier(
                meeting_id=meeting.id,
                kind=CarrierKind.COPY.value,
                document_id=doc.id,
                copy_number=n,
                state=State.REGISTERED.value,
            )
            for n in range(first, first + count)
        ]
        session.add_all(new)
        doc.copies = first + count - 1
        session.add(doc)
        session.flush()
        records = tuple(codec.carrier_record(c) for c in new)
        doc_id, copies = doc.id, doc.copies
        change.typed = lambda stamp: ev.CopiesAdded(stamp, doc_id, copies, records)
        change.note = f"{doc.number} +{count}"
        return messages.text(
            "copies_added",
            number=doc.number,
            count=count,
            first=first,
            last=doc.copies,
            copies=doc.copies,
        )

    return _run(
        session=session,
        key=key,
        meeting_code=meeting_code,
        action=Action.COPIES_ADD,
        operator=operator,
        station=station,
        note="",
        now=now,
        body=body,
    )


def _move(change: _Change, carrier: Carrier, to: Custody, since: datetime | None) -> None:
    """Write a carrier's new custody (the change holds the head lock: no other writer)."""
    changed = to.state.value != carrier.state
    carrier.state = to.state.value
    carrier.holder_id = to.holder_id
    carrier.remembered_holder_id = to.remembered_id
    carrier.consignment_id = to.consignment_id
    carrier.version += 1
    if changed:
        carrier.state_since = since


def withdraw_copy(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    doc_no: str,
    copy_no: int,
    note: str,
    operator: str = "",
    station: str = "",
    approver: str = "",
    now: datetime | None = None,
) -> ChangeOutcome:
    """Withdraw a copy that was never issued (destroyed, spoiled), approved by an officer, with
    a note. It stays on the register as 已作废 and counts neither as outstanding nor 未发放.

    Raises:
        NotFoundError: no such meeting, document or copy.
    """
    if not 1 <= copy_no <= MAX_COPIES:
        raise CarrierTrackerError(messages.text("copy_no_range", limit=MAX_COPIES, value=copy_no))
    if approver:
        check_who(operator=approver)

    def body(change: _Change) -> str:
        meeting = change.meeting
        doc = find_document(session, meeting, doc_no)
        carrier = copy_carrier(session, meeting, doc.number, copy_no)
        session.refresh(carrier)  # taps write through core statements: reread the row
        change.carrier = carrier
        item = item_label(carrier, doc, None)
        state = State(carrier.state)
        change.from_state = change.to_state = state.value
        if state is not State.REGISTERED:
            raise change.refuse("withdraw_state", item=item, state=messages.STATE_LABEL[state])
        if not note.strip():
            raise change.refuse("change_note", what=messages.text("what_withdraw"))
        change.need_officer("what_withdraw", approver)
        change.to_state = State.WITHDRAWN.value
        uid, carrier_id = carrier.tag_uid, carrier.id
        assert carrier_id is not None
        change.typed = lambda stamp: ev.Withdrawn(stamp, carrier_id, uid, state.value)
        _move(change, carrier, Custody(State.WITHDRAWN), change.now)
        session.add(carrier)
        return messages.text("withdrawn", item=item, note=note)

    return _run(
        session=session,
        key=key,
        meeting_code=meeting_code,
        action=Action.WITHDRAW,
        operator=operator,
        station=station,
        note=note,
        now=now,
        body=body,
    )


# --- tags -------------------------------------------------------------------------------------

RETAG_REFUSED = frozenset({State.LOST, State.DELIVERED, State.IN_TRANSIT, State.WITHDRAWN})
"""Carriers that are not at hand to be re-tagged (lost, with the courier or the recipient unit,
destroyed)."""
RETAG_NEEDS_OFFICER = frozenset({State.ISSUED, State.CARRIED_OUT})
"""Out of custody (with an attendee): re-tagging needs an officer."""


def _tagged(session: Session, store: TapStore, meeting: Meeting, uid: str) -> Carrier:
    """The meeting's carrier tagged ``uid`` (a normalised UID).

    Raises:
        Refused: a retag retired the tag.
        NotFoundError: no carrier of the meeting carries it.
    """
    carrier = session.exec(
        select(Carrier).where(Carrier.tag_uid == uid, Carrier.meeting_id == meeting.id)
    ).first()
    if carrier is None:
        retired = store.retired(uid)
        if retired is not None:
            raise _refused("tag_retired", new=retired)
        raise NotFoundError(messages.text("retag_unknown", meeting=meeting.code, uid=uid))
    return carrier


def _retag_uids(old_uid: str, new_uid: str) -> tuple[str, str]:
    """The old and the new UID of a retag, normalised.

    Raises:
        BadUid: a malformed UID.
        CarrierTrackerError: old and new are the same.
    """
    old, new = normalize_uid(old_uid), normalize_uid(new_uid)
    if old == new:
        raise CarrierTrackerError(messages.text("retag_same", uid=old))
    return old, new


def retag(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    old_uid: str,
    new_uid: str,
    note: str = "",
    operator: str = "",
    station: str = "",
    approver: str = "",
    now: datetime | None = None,
) -> ChangeOutcome:
    """Rebind a copy or pass to a new tag (a damaged tag replaced). The old UID is retired: every
    later tap or bind of it is refused with "标签已停用（已换为 …）". A carrier out of custody
    (issued, carried out) needs an officer's approval.

    Raises:
        NotFoundError: no carrier of the meeting carries ``old_uid``.
        BadUid: a malformed UID; CarrierTrackerError: old and new are the same (nothing recorded).
    """
    old, new = _retag_uids(old_uid, new_uid)
    if approver:
        check_who(operator=approver)

    def body(change: _Change) -> str:
        meeting = change.meeting
        change.tag_uid = new
        carrier = _tagged(session, change.store, meeting, old)
        session.refresh(carrier)  # taps write through core statements: reread the row
        change.carrier = carrier
        item, _ = describe_carrier(session, carrier)
        state = State(carrier.state)
        change.from_state = change.to_state = state.value
        if state in RETAG_REFUSED:
            raise change.refuse("retag_state", item=item, state=messages.STATE_LABEL[state])
        _check_free_uid(session, change, new)
        if state in RETAG_NEEDS_OFFICER:
            change.need_officer("what_retag", approver)
        assert meeting.id is not None and carrier.id is not None
        carrier.tag_uid = new
        session.add(carrier)
        session.add(
            RetiredTag(
                uid=old,
                meeting_id=meeting.id,
                carrier_id=carrier.id,
                replaced_by=new,
                at=change.now,
            )
        )
        carrier_id = carrier.id
        change.typed = lambda stamp: ev.Retagged(stamp, carrier_id, old, new, state.value)
        return messages.text("retagged", item=item, old=old, new=new)

    return _run(
        session=session,
        key=key,
        meeting_code=meeting_code,
        action=Action.RETAG,
        operator=operator,
        station=station,
        note=note,
        now=now,
        body=body,
    )


# --- void -------------------------------------------------------------------------------------


def voided_seqs(session: Session, meeting: Meeting) -> dict[int, int]:
    """Which events were voided, and by which: ``{voided seq: void seq}``."""
    assert meeting.id is not None
    return queries.voided_seqs(session, meeting.id)


def _void_target(session: Session, meeting: Meeting, seq: int) -> Event:
    """Event ``seq`` of the meeting.

    Raises:
        NotFoundError: the meeting has no such event.
    """
    target = session.exec(
        select(Event).where(Event.meeting_id == meeting.id, Event.seq == seq)
    ).first()
    if target is None:
        count = session.exec(
            select(func.count()).select_from(Event).where(Event.meeting_id == meeting.id)
        ).one()
        raise NotFoundError(
            messages.text("void_unknown", meeting=meeting.code, seq=seq, count=count)
        )
    return target


def _voidable(
    session: Session, meeting: Meeting, target: Event, carrier: Carrier | None, note: str
) -> list[Event]:
    """What keeps a tap from being voided whoever asks (no approval lifts it), in the order the
    void checks it; returns the carrier's events, oldest first.

    Raises:
        Refused: a void, a refused or "already" event, not a tap, voided before, later events
            on the carrier depend on it, or no note.
    """
    seq, action = target.seq, Action(target.action)
    if action is Action.VOID:
        raise _refused("void_of_void", seq=seq)
    if target.verdict != Verdict.ACCEPTED.value:
        label = messages.VERDICT_LABEL[Verdict(target.verdict)]
        raise _refused("void_not_accepted", seq=seq, verdict=label)
    if target.action not in TAP_ACTIONS or carrier is None:
        raise _refused("void_not_tap", seq=seq, action=messages.ACTION_LABEL[action])
    voided = voided_seqs(session, meeting)
    if seq in voided:
        raise _refused("void_already", seq=seq, by=voided[seq])
    history = list(
        session.exec(
            select(Event)
            .where(Event.meeting_id == meeting.id, Event.carrier_id == carrier.id)
            .order_by(col(Event.seq))
        ).all()
    )
    later = [
        messages.text("void_later", seq=row.seq, action=messages.ACTION_LABEL[Action(row.action)])
        for row in history
        if row.seq > seq
        and row.verdict == Verdict.ACCEPTED.value
        and row.action in CUSTODY_CHANGES
        and row.seq not in voided
    ]
    if later:
        raise _refused("void_conflict", seq=seq, later="、".join(later))
    if not note.strip():
        raise _refused("change_note", what=messages.text("what_void"))
    return history


def check_void(*, session: Session, meeting_code: str, seq: int, note: str) -> None:
    """Whether event ``seq`` could be voided, read before anyone authenticates: a front end asks
    this first so that nobody types a PIN (or calls an officer over) for a seq that names no event
    or one no approval could void. It records nothing; :func:`void_event` checks all of it again
    under the meeting's head lock (another desk may void the event or tap its carrier between).

    Raises:
        NotFoundError: no such meeting or seq.
        Refused: the event cannot be voided (the reason :func:`void_event` would record).
        CarrierTrackerError: ``seq`` is not a positive integer.
    """
    if not 1 <= seq <= MAX_SEQ:
        raise CarrierTrackerError(messages.text("void_seq", value=seq, limit=MAX_SEQ))
    meeting = find_meeting(session, meeting_code)
    target = _void_target(session, meeting, seq)
    if target.action == Action.DISPOSE.value:  # also after the close
        from carrier_tracker.meeting import disposition

        disposition.check_void_disposal(session=session, meeting=meeting, target=target, note=note)
        return
    if meeting.status == MeetingStatus.CLOSED:
        raise _refused("change_closed")
    carrier = session.get(Carrier, target.carrier_id) if target.carrier_id else None
    _voidable(session, meeting, target, carrier, note)


def void_event(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    seq: int,
    note: str,
    operator: str = "",
    station: str = "",
    approver: str = "",
    now: datetime | None = None,
) -> ChangeOutcome:
    """Correct a mistaken tap: a compensating event that restores the carrier's exact custody
    before event ``seq``. The original stays in the ledger (marked voided in the views). Refused
    for a void, a refused or "already" event, a non-tap event, an event voided before, and when
    later events on the same carrier depend on it (named by seq and action). A disposition is
    undone by :func:`carrier_tracker.meeting.disposition.void_disposal` (its copies recovered
    again), also after the close.

    Raises:
        NotFoundError: no such meeting or seq.
        CarrierTrackerError: ``seq`` is not a positive integer (nothing recorded).
    """
    if not 1 <= seq <= MAX_SEQ:
        raise CarrierTrackerError(messages.text("void_seq", value=seq, limit=MAX_SEQ))
    check_who(note=note)
    if approver:
        check_who(operator=approver)
    from carrier_tracker.meeting import disposition

    if disposition.is_disposition(session, meeting_code, seq):  # also after the close
        outcome: ChangeOutcome = disposition.void_disposal(
            session=session,
            key=key,
            meeting_code=meeting_code,
            seq=seq,
            note=note,
            operator=operator,
            station=station,
            approver=approver,
            now=now,
        )
        return outcome

    def body(change: _Change) -> str:
        meeting = change.meeting
        target = _void_target(session, meeting, seq)
        action = Action(target.action)
        change.note = messages.text("void_note", seq=seq, note=note)
        carrier = session.get(Carrier, target.carrier_id) if target.carrier_id else None
        if carrier is not None:
            session.refresh(carrier)  # taps write through core statements: reread the row
        change.carrier = carrier
        change.attendee_id = target.attendee_id
        if carrier is not None:
            change.from_state = change.to_state = carrier.state
        history = _voidable(session, meeting, target, carrier, note)
        assert carrier is not None
        change.need_officer("what_void", approver)
        # The custody just before the voided event, folded as verify folds it.
        assert carrier.id is not None
        world = MeetingWorld()
        for stored in history:
            if stored.seq >= seq:
                break
            world.apply(codec.decode(stored))
        folded = world.carriers.get(carrier.id)
        before = folded.custody if folded is not None else Custody()
        since = folded.state_since if folded is not None else None
        change.to_state = before.state.value
        change.consignment_id = before.consignment_id or target.consignment_id
        carrier_id, uid, attendee_id = carrier.id, carrier.tag_uid, change.attendee_id
        from_state, consignment_id = change.from_state, change.consignment_id
        change.typed = lambda stamp: ev.Voided(
            stamp,
            target_seq=seq,
            carrier_id=carrier_id,
            restore=before,
            since=since,
            since_recorded=True,
            attendee_id=attendee_id,
            consignment_id=consignment_id,
            uid=uid,
            from_state=from_state,
        )
        _move(change, carrier, before, since)
        session.add(carrier)
        consignments = {c for c in (target.consignment_id, before.consignment_id) if c}
        session.flush()
        for cid in sorted(consignments):
            row = change.store.consignment(cid)
            if row is not None:
                change.store.refresh_consignment(row, change.now)
        item, _ = describe_carrier(session, carrier)
        return messages.text(
            "voided",
            seq=seq,
            action=messages.ACTION_LABEL[action],
            item=item,
            state=messages.STATE_LABEL[before.state],
        )

    return _run(
        session=session,
        key=key,
        meeting_code=meeting_code,
        action=Action.VOID,
        operator=operator,
        station=station,
        note="",
        now=now,
        body=body,
    )


# --- marks for the views ----------------------------------------------------------------------


def attendee_marks(session: Session, meeting: Meeting) -> dict[int, str]:
    """How the register marks people changed during the meeting: ``{attendee id: mark}`` —
    "会中增补" for a late attendee, "代 A003 王五 参会" for a substitute and "缺席，由 A010 赵六
    代会" for the delegate they stand in for (the read model's :func:`readmodel.attendee_marks`)."""
    assert meeting.id is not None
    return readmodel.attendee_marks(session, meeting.id)
