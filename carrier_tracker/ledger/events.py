"""The ledger's typed events: one frozen dataclass per kind of event, for a meeting's chain and
for the system chain (docs/architecture.md, "Events").

Every event carries a :class:`Stamp` (its place in the chain, time, station, operator, approver,
note, verdict and reason, and which PIN-hash generations authenticated its people). The
kind-specific facts are the fields of its class. :mod:`carrier_tracker.ledger.codec` turns an
event into the row (columns and canonical JSON payload) the chain hashes, and back; nothing else
builds or parses a payload. :mod:`carrier_tracker.ledger.fold` folds them into the world.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from carrier_tracker.custody.rules import Custody
from carrier_tracker.enums import Action, MeetingKind, Verdict

# --- the records an event creates ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    """A meeting's reference facts as imported."""

    code: str
    title: str
    level: str
    venue: str = ""
    starts_at: str | None = None
    """UTC ISO text, as the payload holds it."""
    ends_at: str | None = None
    organizer: str = ""
    officer: str = ""
    requires_passes: bool = True
    kind: str = MeetingKind.MEETING.value
    """:class:`~carrier_tracker.enums.MeetingKind` value (older payloads: a meeting)."""
    due_on: str | None = None
    """应交回日期, ISO date text (None: none set)."""


@dataclass(frozen=True, slots=True)
class AttendeeRecord:
    """An attendee's reference facts."""

    id: int
    code: str
    name: str
    unit: str = ""
    title: str = ""
    out_of_town: bool = False
    clearance: str = ""
    pass_number: str = ""
    pledge_on: str | None = None
    """ISO date text."""
    briefed_on: str | None = None
    substitute_for_id: int | None = None


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """A document's reference facts."""

    id: int
    number: str
    title: str
    level: str
    copies: int
    collect_at_breaks: bool = False
    may_take_away: bool = False
    plan: str = ""


@dataclass(frozen=True, slots=True)
class CarrierRecord:
    """A carrier as created: a document's numbered copy, or an attendee's pass."""

    id: int
    kind: str
    document_id: int | None = None
    copy_number: int | None = None
    owner_id: int | None = None
    tag_uid: str | None = None


@dataclass(frozen=True, slots=True)
class ConsignmentRecord:
    """A courier consignment (机要件) as opened."""

    id: int
    number: str
    unit: str
    recipient: str = ""
    attendee_id: int | None = None


# --- the stamp ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stamp:
    """What every event of a meeting's chain says besides its own facts."""

    seq: int
    at: datetime
    verdict: Verdict = Verdict.ACCEPTED
    station: str = ""
    operator: str = ""
    approver: str = ""
    """The officer who approved a custodian's step (empty: none needed, or the operator is one)."""
    note: str = ""
    reason: str = ""
    """Why it was refused (the refusal's words)."""
    system_seq: int | None = None
    """The system chain's length when the event was written: the roles, cards and PINs in force
    (None: written before events recorded it)."""
    operator_pin: str = ""
    """A digest of the PIN hash the operator's row held when the event was written (empty: not
    recorded, or the operator is not registered)."""
    approver_pin: str = ""
    """The same for the approver."""

    @property
    def accepted(self) -> bool:
        """True for an accepted event."""
        return self.verdict is Verdict.ACCEPTED


# --- a meeting's events ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeetingEvent:
    """Base of a meeting chain's events."""

    stamp: Stamp

    @property
    def action(self) -> Action:
        """The ledger action this kind of event is stored as."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Tapped(MeetingEvent):
    """A tap at a desk (any mode), accepted, already or refused."""

    tap_action: Action
    uid: str | None = None
    carrier_id: int | None = None
    from_state: str | None = None
    to_state: str | None = None
    attendee_id: int | None = None
    consignment_id: int | None = None
    room: str = ""
    """Where a sweep (巡检) found it."""
    override: bool = False
    """An officer's exception was asked for (reissue to another, a second copy, outside the
    plan, a pass recalled while copies are out)."""
    venue: tuple[str, ...] | None = None
    """On the tap that opened a meeting needing a venue check: the check's item ids in force."""

    @property
    def action(self) -> Action:
        return self.tap_action


@dataclass(frozen=True, slots=True)
class Imported(MeetingEvent):
    """A meeting imported from its workbook, with every attendee, document and carrier."""

    meeting: MeetingRecord | None
    """None: imported by a version that recorded no snapshot (its rows cannot be checked)."""
    attendees: tuple[AttendeeRecord, ...] = ()
    documents: tuple[DocumentRecord, ...] = ()
    carriers: tuple[CarrierRecord, ...] = ()

    @property
    def action(self) -> Action:
        return Action.IMPORT


@dataclass(frozen=True, slots=True)
class Bound(MeetingEvent):
    """A tag bound to a copy or a pass (enrolment)."""

    carrier_id: int
    uid: str
    state: str | None = None

    @property
    def action(self) -> Action:
        return Action.ENROLL


@dataclass(frozen=True, slots=True)
class AttendeeAdded(MeetingEvent):
    """A late attendee (会中增补) with a pass of their own."""

    attendee: AttendeeRecord
    pass_carrier: CarrierRecord

    @property
    def action(self) -> Action:
        return Action.ATTENDEE_ADD


@dataclass(frozen=True, slots=True)
class Substituted(MeetingEvent):
    """A substitute (代会) registered in an absent delegate's place (``attendee.substitute_for_id``)."""

    attendee: AttendeeRecord
    pass_carrier: CarrierRecord

    @property
    def action(self) -> Action:
        return Action.SUBSTITUTE

    @property
    def absent_id(self) -> int | None:
        """The absent delegate."""
        return self.attendee.substitute_for_id


@dataclass(frozen=True, slots=True)
class CopiesAdded(MeetingEvent):
    """Copies added to a document (numbered on from its last)."""

    document_id: int
    copies: int
    """The document's number of copies afterwards."""
    carriers: tuple[CarrierRecord, ...] = ()

    @property
    def action(self) -> Action:
        return Action.COPIES_ADD


@dataclass(frozen=True, slots=True)
class Withdrawn(MeetingEvent):
    """A copy never issued, withdrawn (destroyed or spoiled)."""

    carrier_id: int
    uid: str | None = None
    from_state: str | None = None

    @property
    def action(self) -> Action:
        return Action.WITHDRAW


@dataclass(frozen=True, slots=True)
class Retagged(MeetingEvent):
    """A carrier moved to a new tag; the old UID is retired for good."""

    carrier_id: int
    old: str
    new: str
    state: str | None = None

    @property
    def action(self) -> Action:
        return Action.RETAG


@dataclass(frozen=True, slots=True)
class Voided(MeetingEvent):
    """A mistaken tap corrected: the carrier's custody before it, put back."""

    target_seq: int
    carrier_id: int
    restore: Custody
    since: datetime | None = None
    """The carrier's state_since before the voided tap (None: not recorded, or never moved)."""
    since_recorded: bool = False
    attendee_id: int | None = None
    consignment_id: int | None = None
    uid: str | None = None
    from_state: str | None = None

    @property
    def action(self) -> Action:
        return Action.VOID


@dataclass(frozen=True, slots=True)
class PlanSet(MeetingEvent):
    """A document's distribution plan (分发范围) changed."""

    document_id: int | None
    plan: str = ""

    @property
    def action(self) -> Action:
        return Action.PLAN


@dataclass(frozen=True, slots=True)
class ConsignmentOpened(MeetingEvent):
    """A courier consignment opened."""

    consignment: ConsignmentRecord | None

    @property
    def action(self) -> Action:
        return Action.CONSIGNMENT


@dataclass(frozen=True, slots=True)
class ReceiptRecorded(MeetingEvent):
    """The signed receipt (回执) of a consignment: its copies in transit delivered."""

    consignment_id: int | None
    carriers: tuple[int, ...] = ()

    @property
    def action(self) -> Action:
        return Action.RECEIPT


@dataclass(frozen=True, slots=True)
class Filed(MeetingEvent):
    """The meeting's 备案 with the secrecy office."""

    ref: str | None
    on: str | None
    by: str | None
    plan_title: str | None = None

    @property
    def action(self) -> Action:
        return Action.FILE


@dataclass(frozen=True, slots=True)
class Checked(MeetingEvent):
    """One checklist item answered."""

    checklist: str
    item: str
    answer: str
    answer_note: str = ""

    @property
    def action(self) -> Action:
        return Action.CHECK


@dataclass(frozen=True, slots=True)
class CheckAccepted(MeetingEvent):
    """An officer accepted a 不符合 answer."""

    checklist: str
    item: str
    by: str

    @property
    def action(self) -> Action:
        return Action.CHECK_ACCEPT


@dataclass(frozen=True, slots=True)
class Pledged(MeetingEvent):
    """An attendee's 保密承诺书 (and briefing) recorded."""

    attendee_id: int
    pledge_on: str | None = None
    briefed_on: str | None = None

    @property
    def action(self) -> Action:
        return Action.PLEDGE


@dataclass(frozen=True, slots=True)
class Opened(MeetingEvent):
    """A meeting opened (old chains; today the first accepted tap opens it)."""

    @property
    def action(self) -> Action:
        return Action.OPEN


@dataclass(frozen=True, slots=True)
class Closed(MeetingEvent):
    """The meeting closed, with the tags it released for another meeting."""

    released: tuple[tuple[int, str], ...] = ()
    """(carrier id, UID) released."""
    close_note: str | None = None
    """The note as typed (None: not recorded by the version that closed it)."""
    with_exceptions: bool = False
    never_opened: bool = False
    detailed: bool = False
    """The payload records the close's note and kind (closes written before it did not)."""

    @property
    def action(self) -> Action:
        return Action.CLOSE


@dataclass(frozen=True, slots=True)
class Witness:
    """A witness of a disposition: a registered operator, other than the one recording it, who
    confirmed with their PIN (the digest of the PIN hash their row held then)."""

    name: str
    pin: str = ""


@dataclass(frozen=True, slots=True)
class Disposed(MeetingEvent):
    """Recovered copies disposed of after the meeting (处置): archived with where they are kept,
    destroyed by a method before witnesses, or returned to the issuing unit. Final: their tags
    are released, and only a void by an officer puts them back to recovered."""

    kind: str
    """``archive``, ``destroy`` or ``return`` (:class:`~carrier_tracker.enums.Disposal`)."""
    carriers: tuple[int, ...]
    location: str = ""
    """Where archived copies are kept (a registered archive)."""
    method: str = ""
    """How they were destroyed (粉碎, 化浆, 焚毁, 送销毁中心)."""
    unit: str = ""
    """The unit they were returned to."""
    witnesses: tuple[Witness, ...] = ()
    released: tuple[tuple[int, str], ...] = ()
    """(carrier id, UID) of the tags released."""
    uid: str | None = None
    """The tag tapped, when one copy was disposed of by a tap."""

    @property
    def action(self) -> Action:
        return Action.DISPOSE


@dataclass(frozen=True, slots=True)
class DisposalVoided(MeetingEvent):
    """A mistaken disposition voided by an officer: its copies are recovered again (their tags
    stay released)."""

    target_seq: int
    carriers: tuple[int, ...] = ()

    @property
    def action(self) -> Action:
        return Action.VOID


@dataclass(frozen=True, slots=True)
class Declined(MeetingEvent):
    """A change that was refused, or asked for what already was (recorded, changes nothing):
    its action and what it named."""

    refused_action: Action
    carrier_id: int | None = None
    attendee_id: int | None = None
    consignment_id: int | None = None
    uid: str | None = None
    from_state: str | None = None
    to_state: str | None = None

    @property
    def action(self) -> Action:
        return self.refused_action


@dataclass(frozen=True, slots=True)
class Unreadable(MeetingEvent):
    """An event whose action or payload the codec cannot read: a named verify difference."""

    raw_action: str
    problem: str

    @property
    def action(self) -> Action:
        try:
            return Action(self.raw_action)
        except ValueError:
            return Action.IMPORT  # never folded: the fold and verify treat it as unreadable


# --- the system chain ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SystemStamp:
    """What every event of the system chain says besides its own facts."""

    seq: int
    at: datetime
    verdict: str = "accepted"
    operator: str = ""
    """Who acted (authenticated), or who tried to."""
    subject: str = ""
    """Whom it concerns."""
    station: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class OperatorState:
    """An operator as the system chain says they are after a change."""

    name: str
    role: str
    disabled: bool = False
    card_uid: str | None = None
    pin: str | None = None
    """Digest of the PIN hash set (None: not recorded by this event)."""


@dataclass(frozen=True, slots=True)
class SystemEvent:
    """Base of the system chain's events."""

    stamp: SystemStamp


@dataclass(frozen=True, slots=True)
class OperatorChanged(SystemEvent):
    """An operator added, given a role, disabled, enabled, given a new PIN or a card."""

    kind: str
    """The system action (``operator_added``, ``role_granted``, …)."""
    state: OperatorState


@dataclass(frozen=True, slots=True)
class AuthFailed(SystemEvent):
    """A failed sign-in or approval (unknown, disabled, locked, wrong PIN, unknown card)."""

    why: str


@dataclass(frozen=True, slots=True)
class Locked(SystemEvent):
    """Too many failures in a row: the operator is locked until ``until``."""

    until: datetime | None


@dataclass(frozen=True, slots=True)
class AuthCleared(SystemEvent):
    """A successful sign-in after failures: the failure count is back to zero."""


@dataclass(frozen=True, slots=True)
class LockLifted(SystemEvent):
    """A lockout lifted early by another officer (the PIN unchanged)."""


@dataclass(frozen=True, slots=True)
class PinRekeyed(SystemEvent):
    """An operator's PIN hash re-made with the ledger key's pepper (same PIN: ``pin_rekeyed``),
    or an existing hash's digest recorded when a database is upgraded (``pin_recorded``)."""

    pin: str
    kind: str = "pin_rekeyed"


@dataclass(frozen=True, slots=True)
class KeyRecorded(SystemEvent):
    """The ledger key's fingerprint (the genesis of a database, or its adoption by ``init``)."""

    fingerprint: str


@dataclass(frozen=True, slots=True)
class MeetingRegistered(SystemEvent):
    """A meeting came to exist (import) with the first hash of its chain."""

    meeting_id: int
    code: str
    first_hash: str


@dataclass(frozen=True, slots=True)
class PlaceRegistered(SystemEvent):
    """A place registered by an officer for dispositions: an archive where copies are kept, or a
    unit copies may be returned to."""

    kind: str
    """``archive`` or ``unit`` (:class:`~carrier_tracker.enums.PlaceKind`)."""
    name: str


@dataclass(frozen=True, slots=True)
class SystemUnreadable(SystemEvent):
    """A system event the codec cannot read."""

    raw_action: str
    problem: str


MEETING_EVENT_TYPES: dict[Action, type[MeetingEvent]] = {
    Action.IMPORT: Imported,
    Action.ENROLL: Bound,
    Action.ATTENDEE_ADD: AttendeeAdded,
    Action.SUBSTITUTE: Substituted,
    Action.COPIES_ADD: CopiesAdded,
    Action.WITHDRAW: Withdrawn,
    Action.RETAG: Retagged,
    Action.VOID: Voided,
    Action.PLAN: PlanSet,
    Action.CONSIGNMENT: ConsignmentOpened,
    Action.RECEIPT: ReceiptRecorded,
    Action.FILE: Filed,
    Action.CHECK: Checked,
    Action.CHECK_ACCEPT: CheckAccepted,
    Action.PLEDGE: Pledged,
    Action.OPEN: Opened,
    Action.CLOSE: Closed,
    Action.DISPOSE: Disposed,
}
"""The class an accepted non-tap event of each action decodes to (taps decode to Tapped)."""


def as_date(text: str | None) -> date | None:
    """An ISO date of a payload as a date."""
    return date.fromisoformat(text) if text else None
