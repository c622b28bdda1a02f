"""The one fold: a meeting's typed events, in order, into the whole world as the ledger says it
is; and the system chain's events into its operators and meetings (docs/architecture.md,
"The fold").

:func:`fold_meeting` and :func:`fold_system` are pure functions of their events. The tables
are a projection of what they return (:mod:`carrier_tracker.ledger.projection`): ``verify``
compares the two, ``rebuild`` writes the projection into a new database, and the export, the
forms and the desk's audit read a meeting's history from the same fold (given a ``Story``).

A :class:`MeetingWorld` also keeps the indexes that the rules' facts need (who holds what, whose
pass is out, who stands in for whom), so ``verify`` can ask the rules about each event with the
world as it stood just before it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from carrier_tracker import messages
from carrier_tracker.custody import rules
from carrier_tracker.custody.rules import Custody
from carrier_tracker.enums import (
    Action,
    CarrierKind,
    Disposal,
    MeetingKind,
    MeetingStatus,
    State,
    Verdict,
)
from carrier_tracker.ledger import events as ev

HELD = frozenset({State.ISSUED, State.CARRIED_OUT})
"""A copy a person holds now (what the one-copy-each and pass-recall guards look at)."""

MAX_FAILURES = 5
"""Failed authentications in a row that lock an operator."""
LOCK_FOR = timedelta(minutes=15)
"""How long a lockout lasts."""


# --- the world of a meeting --------------------------------------------------------------------


@dataclass(slots=True)
class MeetingState:
    """The meeting row as the ledger says it is."""

    code: str = ""
    title: str = ""
    level: str = ""
    venue: str = ""
    starts_at: str | None = None
    ends_at: str | None = None
    organizer: str = ""
    officer: str = ""
    requires_passes: bool = True
    kind: str = MeetingKind.MEETING.value
    due_on: str | None = None
    status: MeetingStatus = MeetingStatus.DRAFT
    closed_at: datetime | None = None
    closed_by: str | None = None
    close_approver: str = ""
    close_note: str | None = None
    close_note_recorded: bool = True
    """False when a close recorded no note of its own (closes written before it did)."""
    closed_with_exceptions: bool = False
    filed_ref: str | None = None
    filed_on: str | None = None
    filed_by: str | None = None
    plan_title: str | None = None
    created_at: datetime | None = None
    snapshot: bool = False
    """The import recorded the meeting's reference facts (False: an import of an old version)."""


@dataclass(slots=True)
class AttendeeState:
    """An attendee row as the ledger says it is."""

    id: int
    code: str
    name: str
    unit: str = ""
    title: str = ""
    out_of_town: bool = False
    clearance: str = ""
    pass_number: str = ""
    pledge_on: str | None = None
    briefed_on: str | None = None
    substitute_for_id: int | None = None
    added_seq: int = 0
    """The event that created it (0: the import)."""


@dataclass(slots=True)
class DocumentState:
    """A document row as the ledger says it is."""

    id: int
    number: str
    title: str
    level: str
    copies: int
    collect_at_breaks: bool = False
    may_take_away: bool = False
    plan: str = ""


@dataclass(slots=True)
class CarrierState:
    """A carrier row as the ledger says it is."""

    id: int
    kind: str
    document_id: int | None = None
    copy_number: int | None = None
    owner_id: int | None = None
    tag_uid: str | None = None
    tag_released: bool = False
    custody: Custody = field(default_factory=Custody)
    state_since: datetime | None = None


@dataclass(slots=True)
class ConsignmentState:
    """A consignment row as the ledger says it is."""

    id: int
    number: str
    unit: str
    recipient: str = ""
    attendee_id: int | None = None
    state: str = "open"
    created_at: datetime | None = None
    dispatched_at: datetime | None = None
    received_at: datetime | None = None


@dataclass(slots=True)
class AnswerState:
    """A checklist answer row as the ledger says it is."""

    checklist: str
    item: str
    answer: str
    note: str
    operator: str
    answered_at: datetime
    accepted_by: str | None = None
    accept_note: str | None = None
    accepted_at: datetime | None = None


@dataclass(slots=True)
class DispositionState:
    """A disposition row (one per disposed copy) as the ledger says it is."""

    carrier_id: int
    kind: str
    seq: int
    at: datetime
    operator: str
    witnesses: str = ""
    """The witnesses' names, joined by 、."""
    method: str = ""
    location: str = ""
    unit: str = ""


@dataclass(frozen=True, slots=True)
class DisposalMade:
    """A disposition event still in force: its copies and what each was just before it."""

    seq: int
    kind: str
    carriers: tuple[int, ...]
    since: tuple[datetime | None, ...]
    """Each copy's state_since just before the disposition (what a void puts back)."""


@dataclass(slots=True)
class RetiredState:
    """A retired tag row as the ledger says it is."""

    uid: str
    carrier_id: int
    replaced_by: str
    at: datetime


@dataclass(slots=True)
class CarrierHistory:
    """What the ledger says happened to one carrier, as the paper prints it (one per copy of a
    100,000-copy meeting: slots). A voided tap leaves no trace here."""

    issued_at: datetime | None = None
    issued_by: str = ""
    issued_to: int | None = None
    collects: int = 0
    recovered_at: datetime | None = None
    recovered_by: str = ""
    carried_at: datetime | None = None
    carried_by: str = ""
    carried_approver: str = ""
    """The officer who approved the carry-out: the event's approver, or its operator when the
    operator was the officer (then no approver is recorded)."""
    carried_to: int | None = None
    dispatched_at: datetime | None = None
    delivered_at: datetime | None = None
    handed_in_by: int | None = None
    """The delegate who handed the copy to the courier (attendee id), if one did."""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One step of the meeting's story: when, who did it, who approved it, and a note."""

    at: datetime
    operator: str
    approver: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Trace:
    """One accepted event of a traced carrier (a lost-item report lists them all): what, when,
    at which station, by whom, who approved, for or by whom (attendee), where (a sweep's room)."""

    seq: int
    at: datetime
    action: Action
    station: str = ""
    operator: str = ""
    approver: str = ""
    note: str = ""
    attendee_id: int | None = None
    room: str = ""


@dataclass
class Story:
    """The meeting's story as the paper prints it, and each carrier's history."""

    carriers: dict[int, CarrierHistory] = field(default_factory=dict)
    pledges: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    """Who recorded each attendee's pledge, and when (attendee id → (operator, time))."""
    filed: Step | None = None
    opened: Step | None = None
    """The first accepted tap (it opens the meeting), or an explicit open."""
    closed: Step | None = None
    issues: Counter[datetime] = field(default_factory=Counter)
    """Accepted issues (and reissues) per minute."""
    returns: Counter[datetime] = field(default_factory=Counter)
    """Accepted recoveries per minute."""
    skip: frozenset[int] = frozenset()
    """Seqs voided later: they leave no trace in the history (their voids neither)."""
    traced: frozenset[int] = frozenset()
    """Carriers whose every accepted event is kept in :attr:`trails` (few: the lost ones)."""
    trails: dict[int, list[Trace]] = field(default_factory=dict)
    """Traced carrier → its accepted events in ledger order (voided ones left out)."""

    def of(self, carrier_id: int | None) -> CarrierHistory:
        """One carrier's history (empty if the ledger says nothing of it)."""
        return self.carriers.get(carrier_id or 0) or CarrierHistory()

    def carrier(self, carrier_id: int) -> CarrierHistory:
        h = self.carriers.get(carrier_id)
        if h is None:
            h = self.carriers[carrier_id] = CarrierHistory()
        return h

    def trace(
        self,
        carrier_id: int | None,
        event: ev.MeetingEvent,
        attendee_id: int | None = None,
        room: str = "",
    ) -> None:
        """Keep an accepted, not voided event of a traced carrier."""
        if carrier_id is None or carrier_id not in self.traced:
            return
        s = event.stamp
        if s.seq in self.skip:
            return
        self.trails.setdefault(carrier_id, []).append(
            Trace(
                s.seq,
                s.at,
                event.action,
                s.station,
                s.operator,
                s.approver,
                s.note,
                attendee_id,
                room,
            )
        )

    def tap(self, event: ev.Tapped) -> None:
        """An accepted tap (not voided)."""
        stamp, action = event.stamp, event.tap_action
        if self.opened is None:
            self.opened = Step(stamp.at, stamp.operator, stamp.approver)
        if self.traced:
            self.trace(event.carrier_id, event, event.attendee_id, event.room)
        if event.carrier_id is None or action is Action.ENTRANCE:
            return
        h = self.carrier(event.carrier_id)
        minute = stamp.at.replace(second=0, microsecond=0)
        if action in (Action.ISSUE, Action.REISSUE):
            h.issued_at, h.issued_by, h.issued_to = stamp.at, stamp.operator, event.attendee_id
            self.issues[minute] += 1
        elif action is Action.COLLECT:
            h.collects += 1
        elif action in RECOVERED_BY:
            h.recovered_at, h.recovered_by = stamp.at, stamp.operator
            self.returns[minute] += 1
            if action is Action.SWEEP:
                h.notes += (messages.text("sweep_found_note"),)
        elif action is Action.CARRY_OUT:
            h.carried_at, h.carried_by, h.carried_to = stamp.at, stamp.operator, event.attendee_id
            h.carried_approver = stamp.approver or stamp.operator
        elif action is Action.DISPATCH:
            h.dispatched_at, h.delivered_at = stamp.at, None
            h.handed_in_by = event.attendee_id
        elif action is Action.DELIVER:
            h.delivered_at = stamp.at
        elif action is Action.REPORT_LOST and stamp.note:
            h.notes += (messages.text("paper_note_lost", note=stamp.note),)


RECOVERED_BY = frozenset({Action.RECALL, Action.RETURN, Action.FOUND, Action.SWEEP})
"""Accepted actions that bring a carrier back into custody."""


@dataclass
class MeetingWorld:
    """Everything a meeting's chain says, folded to one moment."""

    meeting: MeetingState = field(default_factory=MeetingState)
    attendees: dict[int, AttendeeState] = field(default_factory=dict)
    documents: dict[int, DocumentState] = field(default_factory=dict)
    carriers: dict[int, CarrierState] = field(default_factory=dict)
    consignments: dict[int, ConsignmentState] = field(default_factory=dict)
    consignment_known: bool = True
    """False when a consignment was opened by a version that recorded no facts of it."""
    answers: dict[tuple[str, str], AnswerState] = field(default_factory=dict)
    """(checklist, item id in lower case) → the answer."""
    retired: dict[str, RetiredState] = field(default_factory=dict)
    dispositions: dict[int, DispositionState] = field(default_factory=dict)
    """Disposed copy → its disposition."""
    disposals: dict[int, DisposalMade] = field(default_factory=dict)
    """Disposition seq → what it disposed of (while not voided)."""
    count: int = 0
    """Events folded."""
    first_hash: str = ""
    voided: dict[int, int] = field(default_factory=dict)
    """Voided seq → the void's seq."""
    tap_custody: dict[int, tuple[int, Custody, datetime | None]] = field(default_factory=dict)
    """Accepted custody-moving seq → (carrier, its custody and since just before)."""
    later_moves: dict[int, list[int]] = field(default_factory=dict)
    """Carrier → seqs of the accepted events that moved its custody, in order."""
    # indexes for the rules' facts
    held_by: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    """Attendee → copies they hold (issued or carried out)."""
    held_of: dict[tuple[int, int], set[int]] = field(default_factory=lambda: defaultdict(set))
    """(attendee, document) → the copies of that document they hold: ``held_by`` cut by
    document, kept in step with it by ``_move`` (a copy's hand-over asks only about these)."""
    lost_by: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    """Attendee → copies lost while they held them (reported lost, not found): still theirs to
    the rules, as the tap service reads them (a pass recall, a substitute's absent delegate)."""
    pass_of: dict[int, int] = field(default_factory=dict)
    """Attendee → their pass carrier."""
    in_consignment: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    substitute_of: dict[int, int] = field(default_factory=dict)
    """Absent delegate → the substitute standing in for them."""
    admissions: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    by_uid: dict[str, int] = field(default_factory=dict)
    """Tag (bound, not released) → carrier."""
    story: Story | None = None
    """The paper's history (each carrier's, and the meeting's story), when asked for."""
    unreadable: list[ev.Unreadable] = field(default_factory=list)

    # --- reading ----------------------------------------------------------------------------

    def person(self, attendee_id: int | None) -> AttendeeState | None:
        """The attendee with this id, or None."""
        return self.attendees.get(attendee_id) if attendee_id is not None else None

    def pass_issued(self, attendee_id: int) -> bool:
        """True when the attendee's own pass is issued."""
        cid = self.pass_of.get(attendee_id)
        return cid is not None and self.carriers[cid].custody.state is State.ISSUED

    # --- folding ----------------------------------------------------------------------------

    def apply(self, event: ev.MeetingEvent, event_hash: str = "") -> None:
        """Fold one event (in seq order)."""
        self.count += 1
        if self.count == 1:
            self.first_hash = event_hash
        stamp = event.stamp
        match event:
            case ev.Tapped():
                if stamp.accepted:
                    self._tapped(event)
                    if self.story is not None and stamp.seq not in self.story.skip:
                        self.story.tap(event)
            case ev.Unreadable():
                self.unreadable.append(event)
            case ev.Declined():
                pass
            case ev.Imported():
                self._imported(event)
            case ev.Bound():
                self._set_tag(event.carrier_id, event.uid)
                if self.story is not None and self.story.traced:
                    self.story.trace(event.carrier_id, event)
            case ev.AttendeeAdded() | ev.Substituted():
                self._add_person(event.attendee, event.pass_carrier, stamp.seq)
            case ev.CopiesAdded():
                doc = self.documents.get(event.document_id)
                if doc is not None:
                    doc.copies = event.copies
                for c in event.carriers:
                    self._add_carrier(c)
            case ev.Withdrawn():
                if self.story is not None and self.story.traced:
                    self.story.trace(event.carrier_id, event)
                self._move(
                    event.carrier_id,
                    Custody(State.WITHDRAWN),
                    stamp,
                    withdraw_note=stamp.note,
                )
            case ev.Retagged():
                if self.story is not None and self.story.traced:
                    self.story.trace(event.carrier_id, event)
                self._set_tag(event.carrier_id, event.new)
                self.by_uid.pop(event.old, None)
                self.retired[event.old] = RetiredState(
                    event.old, event.carrier_id, event.new, stamp.at
                )
            case ev.Voided():
                self._voided(event)
            case ev.PlanSet():
                doc = self.documents.get(event.document_id or -1)
                if doc is not None:
                    doc.plan = event.plan
            case ev.ConsignmentOpened():
                k = event.consignment
                if k is None:
                    self.consignment_known = False
                else:
                    self.consignments[k.id] = ConsignmentState(**_fields(k), created_at=stamp.at)
            case ev.ReceiptRecorded():
                self._receipt(event)
            case ev.Filed():
                if self.story is not None:
                    self.story.filed = Step(stamp.at, stamp.operator, stamp.approver, stamp.note)
                m = self.meeting
                m.filed_ref, m.filed_on, m.filed_by = event.ref, event.on, event.by
                m.plan_title = event.plan_title
                if m.status.before_open:
                    m.status = MeetingStatus.FILED
            case ev.Checked():
                self.answers[(event.checklist, event.item.lower())] = AnswerState(
                    event.checklist,
                    event.item,
                    event.answer,
                    event.answer_note,
                    stamp.operator,
                    stamp.at,
                )
            case ev.CheckAccepted():
                row = self.answers.get((event.checklist, event.item.lower()))
                if row is not None:
                    row.accepted_by, row.accept_note = event.by, stamp.note
                    row.accepted_at = stamp.at
            case ev.Pledged():
                if self.story is not None:
                    self.story.pledges[event.attendee_id] = (stamp.operator, stamp.at)
                person = self.attendees.get(event.attendee_id)
                if person is not None:
                    person.pledge_on, person.briefed_on = event.pledge_on, event.briefed_on
            case ev.Opened():
                if self.story is not None and self.story.opened is None:
                    self.story.opened = Step(stamp.at, stamp.operator, stamp.approver, stamp.note)
                if self.meeting.status.before_open:
                    self.meeting.status = MeetingStatus.OPEN
            case ev.Closed():
                self._closed(event)
            case ev.Disposed():
                self._disposed(event)
            case ev.DisposalVoided():
                self._disposal_voided(event)

    def _imported(self, event: ev.Imported) -> None:
        m = self.meeting
        m.created_at = event.stamp.at
        if event.meeting is None:
            return
        r = event.meeting
        m.snapshot = True
        m.code, m.title, m.level, m.venue = r.code, r.title, r.level, r.venue
        m.starts_at, m.ends_at, m.organizer, m.officer = (
            r.starts_at,
            r.ends_at,
            r.organizer,
            r.officer,
        )
        m.requires_passes = r.requires_passes
        m.kind, m.due_on = r.kind, r.due_on
        for a in event.attendees:
            self.attendees[a.id] = _attendee(a, 0)
        for d in event.documents:
            self.documents[d.id] = DocumentState(
                d.id,
                d.number,
                d.title,
                d.level,
                d.copies,
                d.collect_at_breaks,
                d.may_take_away,
                d.plan,
            )
        for c in event.carriers:
            self._add_carrier(c)

    def _add_carrier(self, c: ev.CarrierRecord) -> None:
        self.carriers[c.id] = CarrierState(
            c.id, c.kind, c.document_id, c.copy_number, c.owner_id, c.tag_uid
        )
        if c.tag_uid:
            self.by_uid[c.tag_uid] = c.id
        if c.kind == CarrierKind.PASS and c.owner_id is not None:
            self.pass_of[c.owner_id] = c.id

    def _add_person(self, a: ev.AttendeeRecord, card: ev.CarrierRecord, seq: int) -> None:
        self.attendees[a.id] = _attendee(a, seq)
        if a.substitute_for_id is not None:
            self.substitute_of[a.substitute_for_id] = a.id
        self._add_carrier(card)

    def _set_tag(self, carrier_id: int, uid: str) -> None:
        c = self.carriers.get(carrier_id)
        if c is None:
            self.carriers[carrier_id] = c = CarrierState(carrier_id, "?")
        c.tag_uid = uid
        self.by_uid[uid] = carrier_id

    def _move(
        self,
        carrier_id: int,
        to: Custody,
        stamp: ev.Stamp,
        *,
        since: datetime | None = None,
        keep_since: bool = False,
        withdraw_note: str = "",
        step: bool = True,
    ) -> Custody:
        """Put a carrier in ``to`` (with its indexes); returns its custody before. ``step``: a tap
        or a withdrawal (a void may undo it; a later one blocks a void of an earlier one), not a
        void or a receipt."""
        c = self.carriers.get(carrier_id)
        if c is None:
            self.carriers[carrier_id] = c = CarrierState(carrier_id, "?")
        before = c.custody
        if step:
            self.tap_custody[stamp.seq] = (carrier_id, before, c.state_since)
            self.later_moves.setdefault(carrier_id, []).append(stamp.seq)
        if before.holder_id is not None and before.state in HELD:
            self.held_by[before.holder_id].discard(carrier_id)
            if c.document_id is not None:
                self.held_of[before.holder_id, c.document_id].discard(carrier_id)
        if before.holder_id is not None and before.state is State.LOST:
            self.lost_by[before.holder_id].discard(carrier_id)
        if before.consignment_id is not None:
            self.in_consignment[before.consignment_id].discard(carrier_id)
        c.custody = to
        if to.state is not before.state and not keep_since:
            c.state_since = stamp.at
        elif keep_since:
            c.state_since = since
        if to.holder_id is not None and to.state in HELD and c.kind == CarrierKind.COPY:
            self.held_by[to.holder_id].add(carrier_id)
            if c.document_id is not None:
                self.held_of[to.holder_id, c.document_id].add(carrier_id)
        if to.holder_id is not None and to.state is State.LOST and c.kind == CarrierKind.COPY:
            self.lost_by[to.holder_id].add(carrier_id)
        if to.consignment_id is not None:
            self.in_consignment[to.consignment_id].add(carrier_id)
        if withdraw_note and self.story is not None and stamp.seq not in self.story.skip:
            note = f"{messages.ACTION_LABEL[Action.WITHDRAW]}：{withdraw_note}"
            self.story.carrier(carrier_id).notes += (note,)
        return before

    def _tapped(self, event: ev.Tapped) -> None:
        m, stamp = self.meeting, event.stamp
        if m.status.before_open:
            m.status = MeetingStatus.OPEN
        if event.carrier_id is None:
            return
        action = event.tap_action
        if action is Action.ENTRANCE:
            self.admissions[event.carrier_id] += 1
            return
        c = self.carriers.get(event.carrier_id)
        before = c.custody if c is not None else Custody()
        change = rules.Change(
            action,
            Verdict.ACCEPTED,
            _state(event.to_state) if event.to_state else None,
            event.attendee_id,
            event.consignment_id,
        )
        after = rules.apply(before, change)
        if after != before:
            self._move(event.carrier_id, after, stamp)
            if event.consignment_id is not None and after.state is not before.state:
                self._refresh_consignment(event.consignment_id, stamp.at)

    def _refresh_consignment(self, consignment_id: int, at: datetime) -> None:
        """A consignment's state (and first dispatch / receipt time) from its copies: as the tap
        store derives it (``TapStore.refresh_consignment``)."""
        k = self.consignments.get(consignment_id)
        if k is None:
            return
        states = {self.carriers[c].custody.state for c in self.in_consignment[consignment_id]}
        if State.IN_TRANSIT in states:
            k.state = "in_transit"
            k.dispatched_at = k.dispatched_at or at
        elif states == {State.DELIVERED}:
            k.state = "delivered"
            k.received_at = k.received_at or at
        elif states and State.DELIVERED not in states:
            k.state = "returned"

    def _receipt(self, event: ev.ReceiptRecorded) -> None:
        stamp = event.stamp
        k = self.consignments.get(event.consignment_id or -1)
        moved = event.carriers
        if not moved and event.consignment_id is not None:  # an old receipt: what was in transit
            moved = tuple(
                cid
                for cid in sorted(self.in_consignment[event.consignment_id])
                if self.carriers[cid].custody.state is State.IN_TRANSIT
            )
        for cid in moved:
            c = self.carriers.get(cid)
            if c is None:
                continue
            self._move(
                cid,
                Custody(
                    State.DELIVERED,
                    c.custody.holder_id,
                    c.custody.remembered_id,
                    c.custody.consignment_id,
                ),
                stamp,
            )
            if self.story is not None:
                self.story.carrier(cid).delivered_at = stamp.at
                self.story.trace(cid, event)
        if k is not None and event.consignment_id is not None:
            members = self.in_consignment[event.consignment_id]
            if {self.carriers[c].custody.state for c in members} == {State.DELIVERED}:
                k.state = "delivered"
            k.received_at = k.received_at or stamp.at

    def _voided(self, event: ev.Voided) -> None:
        stamp = event.stamp
        self.voided[event.target_seq] = stamp.seq
        c = self.carriers.get(event.carrier_id)
        current = c.custody if c is not None else Custody()
        if event.since_recorded:
            since = event.since
        else:  # an old void: the time of the last move before the voided event
            since = self.since_before(event.carrier_id, event.target_seq)
        self._move(event.carrier_id, event.restore, stamp, since=since, keep_since=True, step=False)
        touched = {current.consignment_id, event.restore.consignment_id, event.consignment_id}
        for cid in sorted(k for k in touched if k is not None):
            self._refresh_consignment(cid, stamp.at)

    def since_before(self, carrier_id: int, seq: int) -> datetime | None:
        """The carrier's state_since just before event ``seq`` moved it."""
        moved = self.tap_custody.get(seq)
        return moved[2] if moved is not None and moved[0] == carrier_id else None

    def _disposed(self, event: ev.Disposed) -> None:
        """Copies disposed of: each in its final state, its tag released, its disposition row."""
        stamp = event.stamp
        try:
            to = Disposal(event.kind).state
        except ValueError:
            return  # verify names the kind (replay); nothing to fold
        witnesses = "、".join(w.name for w in event.witnesses)
        since: list[datetime | None] = []
        for cid in event.carriers:
            c = self.carriers.get(cid)
            since.append(c.state_since if c is not None else None)
            before = c.custody if c is not None else Custody()
            self._move(cid, replace(before, state=to), stamp, step=False)
            self.later_moves.setdefault(cid, []).append(stamp.seq)
            self.dispositions[cid] = DispositionState(
                cid,
                event.kind,
                stamp.seq,
                stamp.at,
                stamp.operator,
                witnesses,
                event.method,
                event.location,
                event.unit,
            )
        self._release(event.released)
        self.disposals[stamp.seq] = DisposalMade(
            stamp.seq, event.kind, event.carriers, tuple(since)
        )

    def _disposal_voided(self, event: ev.DisposalVoided) -> None:
        """A disposition undone: its copies recovered again (since as before it), rows gone."""
        made = self.disposals.pop(event.target_seq, None)
        self.voided[event.target_seq] = event.stamp.seq
        if made is None:
            return  # verify names the target (replay)
        for cid, since in zip(made.carriers, made.since, strict=True):
            c = self.carriers.get(cid)
            now = c.custody if c is not None else Custody()
            back = replace(now, state=State.RECOVERED)
            self._move(cid, back, event.stamp, since=since, keep_since=True, step=False)
            self.dispositions.pop(cid, None)

    def _release(self, released: tuple[tuple[int, str], ...]) -> None:
        for cid, uid in released:
            c = self.carriers.get(cid)
            if c is not None:
                c.tag_released = True
            if self.by_uid.get(uid) == cid:
                del self.by_uid[uid]

    def _closed(self, event: ev.Closed) -> None:
        m, stamp = self.meeting, event.stamp
        if self.story is not None:
            self.story.closed = Step(stamp.at, stamp.operator, stamp.approver, stamp.note)
        m.status = MeetingStatus.CLOSED
        m.closed_at, m.closed_by, m.close_approver = stamp.at, stamp.operator, stamp.approver
        m.close_note_recorded = event.detailed
        m.close_note = (event.close_note or None) if event.detailed else None
        m.closed_with_exceptions = event.with_exceptions
        self._release(event.released)


_STATES = {s.value: s for s in State}


def _state(value: Any) -> State:
    """``State(value)`` by a dict for a text (once per tap); anything else through ``State``,
    which raises its own ValueError."""
    found = _STATES.get(value) if type(value) is str else None
    return found if found is not None else State(value)


def _fields(record: Any) -> dict[str, Any]:
    """A record's fields by name: a state is made from its record field by field, so a field
    added to both needs no code here."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _attendee(a: ev.AttendeeRecord, seq: int) -> AttendeeState:
    return AttendeeState(**_fields(a), added_seq=seq)


def fold_meeting(events: Iterable[ev.MeetingEvent], *, story: Story | None = None) -> MeetingWorld:
    """The world a meeting's events (in seq order) say (pure).

    Args:
        events: the meeting's typed events.
        story: also fold the paper's history into it (each carrier's, and the meeting's story).
    """
    world = MeetingWorld(story=story)
    for event in events:
        world.apply(event)
    return world


# --- the system chain --------------------------------------------------------------------------


@dataclass(slots=True)
class OperatorWorld:
    """An operator as the system chain says they are."""

    name: str
    role: str
    disabled: bool = False
    card_uid: str | None = None
    pin: str | None = None
    """Digest of the PIN hash in force (None: not recorded yet)."""
    pins: set[str] = field(default_factory=set)
    """Every PIN-hash digest the chain ever set for them."""
    failed_attempts: int = 0
    locked_until: datetime | None = None
    added_seq: int = 0
    added_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RoleAt:
    """An operator's standing from one system seq on."""

    seq: int
    role: str
    disabled: bool
    pins: frozenset[str]


@dataclass(slots=True)
class PlaceState:
    """A place registered for dispositions, as the system chain says it is."""

    kind: str
    name: str
    added_by: str
    added_at: datetime
    seq: int


@dataclass
class SystemWorld:
    """Everything the system chain says: operators (with their history), meetings, the key."""

    operators: dict[str, OperatorWorld] = field(default_factory=dict)
    standing: dict[str, list[RoleAt]] = field(default_factory=dict)
    """Name → the operator's role, disabled flag and PIN digests, each from a seq on."""
    meetings: dict[int, ev.MeetingRegistered] = field(default_factory=dict)
    places: dict[tuple[str, str], PlaceState] = field(default_factory=dict)
    """(kind, name) → the place registered."""
    fingerprint: str | None = None
    count: int = 0
    unreadable: list[ev.SystemUnreadable] = field(default_factory=list)

    def apply(self, event: ev.SystemEvent) -> None:
        """Fold one system event (in seq order)."""
        self.count += 1
        stamp = event.stamp
        match event:
            case ev.OperatorChanged():
                s = event.state
                op = self.operators.get(s.name)
                if op is None:
                    op = self.operators[s.name] = OperatorWorld(
                        s.name, s.role, added_seq=stamp.seq, added_at=stamp.at
                    )
                op.role, op.disabled, op.card_uid = s.role, s.disabled, s.card_uid
                if s.pin is not None:
                    op.pin = s.pin
                    op.pins.add(s.pin)
                if event.kind in ("pin_reset",):
                    op.failed_attempts, op.locked_until = 0, None
                self._stand(op, stamp.seq)
            case ev.PinRekeyed():
                op = self.operators.get(stamp.subject)
                if op is not None:
                    op.pin = event.pin
                    op.pins.add(event.pin)
                    self._stand(op, stamp.seq)
            case ev.AuthFailed():
                op = self.operators.get(stamp.subject)
                if op is not None:
                    lockout_after_failure(op, event.why, stamp.at)
            case ev.Locked():
                op = self.operators.get(stamp.subject)
                if op is not None:
                    op.locked_until = event.until
            case ev.AuthCleared() | ev.LockLifted():
                op = self.operators.get(stamp.subject)
                if op is not None:
                    op.failed_attempts, op.locked_until = 0, None
            case ev.KeyRecorded():
                if self.fingerprint is None:
                    self.fingerprint = event.fingerprint
            case ev.MeetingRegistered():
                self.meetings[event.meeting_id] = event
            case ev.PlaceRegistered():
                key = (event.kind, event.name)
                if key not in self.places:
                    self.places[key] = PlaceState(
                        event.kind, event.name, stamp.operator, stamp.at, stamp.seq
                    )
            case ev.SystemUnreadable():
                self.unreadable.append(event)

    def _stand(self, op: OperatorWorld, seq: int) -> None:
        self.standing.setdefault(op.name, []).append(
            RoleAt(seq, op.role, op.disabled, frozenset(op.pins))
        )

    def place_known(self, kind: str, name: str, seq: int | None) -> bool:
        """The place was registered once the system chain had ``seq`` events (None: any time)."""
        place = self.places.get((kind, name))
        return place is not None and (seq is None or place.seq <= seq)

    def at(self, name: str, seq: int) -> RoleAt | None:
        """The operator's standing once the system chain had ``seq`` events (None: unknown)."""
        found = None
        for standing in self.standing.get(name, ()):
            if standing.seq > seq:
                break
            found = standing
        return found


class Lockable(Protocol):
    """What the lockout rule reads and writes: the operator row and the fold's operator both."""

    failed_attempts: int
    locked_until: datetime | None


def lockout_after_failure(op: Lockable, why: str, at: datetime) -> None:
    """The failure count after one failed authentication: the same rule ``authenticate`` applies
    to the table (a wrong PIN counts; an expired lock starts the count again; the count and
    lock of a refusal for another reason stand)."""
    if why != "wrong_pin":
        return
    expired = op.locked_until is not None
    op.failed_attempts = (0 if expired else op.failed_attempts) + 1
    op.locked_until = None


def fold_system(events: Iterable[ev.SystemEvent]) -> SystemWorld:
    """The world the system chain's events (in seq order) say (pure)."""
    world = SystemWorld()
    for event in events:
        world.apply(event)
    return world
