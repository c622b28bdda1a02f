"""All tables (docs/architecture.md §2). Enum-valued columns hold the enum's string value."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    LargeBinary,
    Table,
    UniqueConstraint,
    column,
    event,
    func,
    text,
)
from sqlmodel import Field, SQLModel

from carrier_tracker.enums import MeetingKind
from carrier_tracker.storage.direct import ADMIN_EVENTS_WHERE


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core table (SQLModel sets ``__table__`` at run time only)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def utcnow() -> datetime:
    """The current time, UTC, timezone-aware."""
    return datetime.now(UTC)


def _ts(nullable: bool = True) -> Column:  # type: ignore[type-arg]
    return Column(DateTime(timezone=True), nullable=nullable)


class Meeting(SQLModel, table=True):
    """A classified meeting, identified on the CLI by its code name (会议代号)."""

    # codes match in any letter case: every tap's meeting lookup is an index search (0011)
    __table_args__ = (Index("ix_meeting_code_ci", func.lower(column("code"))),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    title: str = Field(max_length=200)
    level: str = Field(max_length=8)
    venue: str = Field(default="", max_length=200)
    starts_at: datetime | None = Field(default=None, sa_column=_ts())
    ends_at: datetime | None = Field(default=None, sa_column=_ts())
    organizer: str = Field(default="", max_length=200)
    officer: str = Field(default="", max_length=100)
    requires_passes: bool = True
    kind: str = Field(
        default=MeetingKind.MEETING.value,
        max_length=16,
        sa_column_kwargs={"server_default": MeetingKind.MEETING.value},
    )
    """涉密会议, or 外出携带 (documents carried to an outside meeting)."""
    due_on: date | None = None
    """应交回日期: every copy is due back by this day (None: none set)."""
    status: str = Field(default="draft", max_length=16)
    closed_at: datetime | None = Field(default=None, sa_column=_ts())
    closed_by: str | None = Field(default=None, max_length=100)
    close_note: str | None = None
    close_approver: str = Field(default="", max_length=100, sa_column_kwargs={"server_default": ""})
    """The officer who approved a custodian's close (with exceptions, or of a meeting that never
    opened); empty when none was needed or the operator was the officer."""
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    filed_ref: str | None = Field(default=None, max_length=64)
    """The secrecy office's reference number of the 备案 (None: not filed)."""
    filed_on: date | None = None
    """The date of the 备案."""
    filed_by: str | None = Field(default=None, max_length=100)
    """The officer who recorded (approved) the 备案."""
    plan_title: str | None = Field(default=None, max_length=200)
    """The title of the meeting's 专项保密工作方案."""


class ChecklistAnswer(SQLModel, table=True):
    """The current answer to one item of a meeting's checklist (venue, agreement, sweep);
    rebuilt by ``verify`` from the ``check`` and ``check_accept`` events."""

    __table_args__ = (UniqueConstraint("meeting_id", "checklist", "item"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    checklist: str = Field(max_length=16)
    item: str = Field(max_length=64)
    answer: str = Field(max_length=8)
    """``ok`` (符合), ``fail`` (不符合) or ``na`` (不适用)."""
    note: str = ""
    operator: str = Field(default="", max_length=100)
    answered_at: datetime = Field(sa_column=_ts(nullable=False))
    accepted_by: str | None = Field(default=None, max_length=100)
    """The officer who accepted a 不符合 answer (None: not accepted)."""
    accept_note: str | None = None
    accepted_at: datetime | None = Field(default=None, sa_column=_ts())


class Attendee(SQLModel, table=True):
    """A person admitted to a meeting."""

    __table_args__ = (
        UniqueConstraint("meeting_id", "code"),
        # codes match in any letter case: the desk's lookup is an index search (migration 0011)
        Index("ix_attendee_code_ci", "meeting_id", func.lower(column("code"))),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    code: str = Field(max_length=32)
    name: str = Field(max_length=100)
    unit: str = Field(default="", max_length=200)
    title: str = Field(default="", max_length=100)
    out_of_town: bool = False
    clearance: str = Field(max_length=8)
    pass_number: str = Field(default="", max_length=32)
    pledge_on: date | None = None
    """The day the attendee signed the 保密承诺书 (None: no pledge on record)."""
    briefed_on: date | None = None
    """The day the attendee attended the secrecy briefing (None: not on record)."""
    substitute_for_id: int | None = Field(default=None, foreign_key="attendee.id", index=True)
    """The absent delegate this attendee stands in for (代会); None for everyone else."""


class Document(SQLModel, table=True):
    """A classified document of a meeting, with its number of copies."""

    __table_args__ = (UniqueConstraint("meeting_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    number: str = Field(max_length=64)
    title: str = Field(max_length=300)
    level: str = Field(max_length=8)
    copies: int
    collect_at_breaks: bool = False
    may_take_away: bool = False
    plan: str = ""
    """The distribution plan (分发范围) as canonical JSON of attendee codes and units; empty:
    everyone (see ``carrier_tracker.custody.plan``)."""


class Consignment(SQLModel, table=True):
    """A confidential-courier consignment (机要件) carrying copies to a recipient unit."""

    __table_args__ = (UniqueConstraint("meeting_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    number: str = Field(max_length=64)
    unit: str = Field(max_length=200)
    recipient: str = Field(default="", max_length=100)
    attendee_id: int | None = Field(default=None, foreign_key="attendee.id")
    """The delegate the consignment belongs to (None: it belongs to the unit)."""
    state: str = Field(default="open", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    dispatched_at: datetime | None = Field(default=None, sa_column=_ts())
    received_at: datetime | None = Field(default=None, sa_column=_ts())


# A UID is bound to one carrier at a time: released tags (their meeting closed) keep their UID on
# the row, for the record, and may be bound again elsewhere. The index is partial on both
# backends; PostgreSQL's condition is attached when a PostgreSQL schema is created (see
# _partial_on_postgresql): naming it here would import SQLAlchemy's PostgreSQL dialect into
# every command (20 ms of the CLI's start) just to check the keyword. Likewise _ENTRANCES.
_ACTIVE_TAG_WHERE = "NOT tag_released"
_ACTIVE_TAG = Index(
    "uq_carrier_active_tag", "tag_uid", unique=True, sqlite_where=text(_ACTIVE_TAG_WHERE)
)


class Carrier(SQLModel, table=True):
    """Anything tagged and tracked: one numbered copy of a document, or an attendee's pass."""

    __table_args__ = (
        UniqueConstraint("document_id", "copy_number"),
        Index("ix_carrier_meeting_state", "meeting_id", "state"),
        # a hand-over asks whether the recipient holds a copy of this document: one search
        # (migration 0013; it replaces the index on holder_id alone, which it also serves)
        Index("ix_carrier_holder_document", "holder_id", "document_id"),
        _ACTIVE_TAG,
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    kind: str = Field(max_length=8)
    document_id: int | None = Field(default=None, foreign_key="document.id", index=True)
    copy_number: int | None = None
    owner_id: int | None = Field(default=None, foreign_key="attendee.id", index=True)
    tag_uid: str | None = Field(default=None, max_length=32, index=True)
    tag_released: bool = False
    """The meeting closed and released the tag for reuse: the UID stays here (the register names
    it), but it no longer identifies this carrier outside its own meeting."""
    state: str = Field(default="registered", max_length=16)
    holder_id: int | None = Field(default=None, foreign_key="attendee.id")
    remembered_holder_id: int | None = Field(default=None, foreign_key="attendee.id")
    consignment_id: int | None = Field(default=None, foreign_key="consignment.id", index=True)
    state_since: datetime | None = Field(default=None, sa_column=_ts())
    version: int = 0


# A pass's admissions at the entrance are counted on every entrance tap: only entrance events
# are indexed by carrier, so the commonest taps (issue, recall) write no page of it (migration
# 0010). Other reads by carrier go through a meeting's events (UNIQUE(meeting_id, seq)).
_ENTRANCES_WHERE = "action = 'entrance'"
_ENTRANCES = Index("ix_event_entrance", "carrier_id", sqlite_where=text(_ENTRANCES_WHERE))
# The rare events (import, attendee added, substitute, void, plan, close, …) by action, for the
# views that look one kind up (late attendees, voids, the close): without it each scanned the
# meeting's whole ledger (70 ms at 230,000 events). Partial: the per-carrier events (every tap
# mode, and enrollment) are not in it, so taps write no page of it (migration 0013). SQLite uses
# a partial index only for a query that repeats its condition: the reads add
# ``direct.ADMIN_EVENTS_WHERE`` to theirs.
_ADMIN_EVENTS = Index(
    "ix_event_admin", "meeting_id", "action", sqlite_where=text(ADMIN_EVENTS_WHERE)
)


class Event(SQLModel, table=True):
    """One ledger entry; append-only. ``(meeting_id, seq)`` is unique, so a lost race fails."""

    __table_args__ = (UniqueConstraint("meeting_id", "seq"), _ENTRANCES, _ADMIN_EVENTS)

    id: int | None = Field(default=None, primary_key=True)
    # No index of its own: UNIQUE(meeting_id, seq) leads with it (migration 0009).
    meeting_id: int = Field(foreign_key="meeting.id")
    seq: int
    carrier_id: int | None = Field(default=None, foreign_key="carrier.id")
    tag_uid: str | None = Field(default=None, max_length=32)
    action: str = Field(max_length=16)
    verdict: str = Field(max_length=16)
    from_state: str | None = Field(default=None, max_length=16)
    to_state: str | None = Field(default=None, max_length=16)
    attendee_id: int | None = Field(
        default=None, foreign_key="attendee.id"
    )  # no query needs an index
    consignment_id: int | None = Field(default=None, foreign_key="consignment.id")
    station: str = Field(default="", max_length=100)
    operator: str = Field(default="", max_length=100)
    at: datetime = Field(sa_column=_ts(nullable=False))
    note: str = ""
    reason: str = ""
    approver: str = Field(default="", max_length=100)
    """The officer who approved this step at a custodian's desk (empty: none needed, or the
    operator is the officer)."""
    payload: str | None = None
    """Canonical JSON of the facts this event created or changed (carrier_tracker.ledger.codec
    writes and reads it), so ``verify`` can rebuild the rows the tables should hold."""
    system_seq: int | None = None
    """The system chain's length when the event was written: the roles and PINs in force."""
    operator_pin: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})
    """Digest of the operator's PIN hash as the table held it (empty: not registered)."""
    approver_pin: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})
    """Digest of the approver's PIN hash as the table held it."""
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)

    @property
    def accepted(self) -> bool:
        """True unless the tap was refused."""
        return self.verdict != "refused"


class RetiredTag(SQLModel, table=True):
    """A tag UID taken off a carrier by a retag: refused forever after (tap, bind, import)."""

    uid: str = Field(primary_key=True, max_length=32)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    carrier_id: int = Field(foreign_key="carrier.id")
    replaced_by: str = Field(max_length=32)
    """The UID the carrier carries instead."""
    at: datetime = Field(sa_column=_ts(nullable=False))


class Disposition(SQLModel, table=True):
    """How a recovered copy was disposed of after the meeting (处置): one row per disposed copy,
    written with its ``dispose`` event and removed by a void of it."""

    carrier_id: int = Field(foreign_key="carrier.id", primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    kind: str = Field(max_length=16)
    """``archive``, ``destroy`` or ``return``."""
    seq: int
    """The ledger event that disposed of it."""
    at: datetime = Field(sa_column=_ts(nullable=False))
    operator: str = Field(default="", max_length=100)
    witnesses: str = Field(default="", max_length=400)
    """The witnesses of a destruction, joined by 、."""
    method: str = Field(default="", max_length=16)
    location: str = Field(default="", max_length=100)
    unit: str = Field(default="", max_length=200)


class Place(SQLModel, table=True):
    """A place registered by an officer for dispositions (system chain ``place_added``): an
    archive copies are kept in, or a unit copies are returned to."""

    kind: str = Field(primary_key=True, max_length=16)
    name: str = Field(primary_key=True, max_length=200)
    added_by: str = Field(default="", max_length=100)
    added_at: datetime | None = Field(default=None, sa_column=_ts())


class LedgerHead(SQLModel, table=True):
    """The newest event of a meeting's chain; locked by every append so appends serialise."""

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    seq: int = 0
    hash: str = Field(max_length=64)
    mac: str = Field(default="", max_length=64)
    """HMAC(key, meeting, seq, hash): rewinding the head to an earlier event needs the key."""


class SystemEvent(SQLModel, table=True):
    """The system chain: authentication failures, lockouts, operator changes and role grants —
    events that belong to no meeting. Append-only, chained like a meeting's events."""

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True)
    action: str = Field(max_length=24)
    verdict: str = Field(default="accepted", max_length=16)
    operator: str = Field(default="", max_length=100)
    """Who acted (authenticated), or who tried to."""
    subject: str = Field(default="", max_length=100)
    """Whom it concerns (the operator added, disabled, locked …)."""
    station: str = Field(default="", max_length=100)
    at: datetime = Field(sa_column=_ts(nullable=False))
    note: str = ""
    payload: str | None = None
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class SystemHead(SQLModel, table=True):
    """The head of the system chain (one row, id 1)."""

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(max_length=64)
    mac: str = Field(default="", max_length=64)


class Setting(SQLModel, table=True):
    """Database-wide facts, e.g. the fingerprint of the ledger key this database was made with."""

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=200)


class Station(SQLModel, table=True):
    """A desk with its reader."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    reader: str = Field(default="", max_length=200)


class Operator(SQLModel, table=True):
    """A person who operates a desk; officers approve take-aways, losses and exceptions."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    role: str = Field(default="custodian", max_length=16)
    pin_hash: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    """The PIN's argon2id hash (PHC string, UTF-8); never the PIN."""
    disabled: bool = False
    failed_attempts: int = 0
    """Failed authentications in a row; five lock the operator."""
    locked_until: datetime | None = Field(default=None, sa_column=_ts())
    card_uid: str | None = Field(default=None, max_length=32, unique=True)
    """A tag the operator may tap instead of typing name and PIN to approve."""
    created_at: datetime | None = Field(default=None, sa_column=_ts())


_PARTIAL = {
    _ACTIVE_TAG: _ACTIVE_TAG_WHERE,
    _ENTRANCES: _ENTRANCES_WHERE,
    _ADMIN_EVENTS: ADMIN_EVENTS_WHERE,
}


def _partial_on_postgresql(table: Table, connection: Any, **_kw: Any) -> None:
    """Give a table's partial indexes their condition on PostgreSQL too, before it is created."""
    if connection.dialect.name == "postgresql":
        for index in table.indexes:
            if index in _PARTIAL:
                index.dialect_options["postgresql"]["where"] = text(_PARTIAL[index])


for _model in (Carrier, Event):
    event.listen(table_of(_model), "before_create", _partial_on_postgresql)
