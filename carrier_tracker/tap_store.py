"""The tap's database access in SQLAlchemy Core, on the session's own connection.

A tap is the hot path (a custodian waits on it), so it skips ORM identity-map and unit-of-work
overhead: rows come back as light namespaces the rules read by attribute, and changes are
single UPDATE/INSERT statements. It shares the session's transaction, so one tap is still one
transaction, committed by the caller.
"""

from __future__ import annotations

from datetime import datetime
from importlib import import_module
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from . import ledger, messages
from .enums import MeetingStatus, Role, State
from .errors import LedgerError, NotFoundError
from .models import Attendee, Carrier, Consignment, Document, Event, LedgerHead, Meeting, Operator


def _t(model: Any) -> Table:
    table: Table = model.__table__
    return table


MEETING, ATTENDEE, DOCUMENT, CARRIER = _t(Meeting), _t(Attendee), _t(Document), _t(Carrier)
CONSIGNMENT, EVENT, HEAD, OPERATOR = _t(Consignment), _t(Event), _t(LedgerHead), _t(Operator)
_EVENT_COLUMNS = [c.name for c in EVENT.c if c.name != "id"]
_CARRIER_JOIN = (
    select(
        *CARRIER.c,
        *(c.label(f"d__{c.name}") for c in DOCUMENT.c),
        *(c.label(f"o__{c.name}") for c in ATTENDEE.c),
    )
    .select_from(CARRIER)
    .outerjoin(DOCUMENT, DOCUMENT.c.id == CARRIER.c.document_id)
    .outerjoin(ATTENDEE, ATTENDEE.c.id == CARRIER.c.owner_id)
)


# Statements built once: constructing and cache-keying a statement per tap costs more than
# running it (measured: ~1.3 ms of a 1.9 ms tap before this).
_MEETING_BY_CODE = select(MEETING).where(MEETING.c.code == bindparam("code"))
_MEETING_BY_ID = select(MEETING).where(MEETING.c.id == bindparam("id"))
_ATTENDEE_BY_CODE = select(ATTENDEE).where(ATTENDEE.c.meeting_id == bindparam("meeting_id"), ATTENDEE.c.code == bindparam("code"))
_ATTENDEE_BY_ID = select(ATTENDEE).where(ATTENDEE.c.id == bindparam("id"))
_CONSIGNMENT_BY_ID = select(CONSIGNMENT).where(CONSIGNMENT.c.id == bindparam("id"))
_CONSIGNMENT_BY_NO = select(CONSIGNMENT).where(CONSIGNMENT.c.meeting_id == bindparam("meeting_id"), CONSIGNMENT.c.number == bindparam("number"))
_CARRIER_BY_UID = _CARRIER_JOIN.where(CARRIER.c.tag_uid == bindparam("uid"))
_PASS_STATE = select(CARRIER.c.state).where(CARRIER.c.kind == "pass", CARRIER.c.owner_id == bindparam("owner_id"))
_OFFICER = select(OPERATOR.c.id).where(OPERATOR.c.name == bindparam("name"), OPERATOR.c.role == Role.OFFICER.value)
_HEAD_FOR_UPDATE = select(HEAD).where(HEAD.c.meeting_id == bindparam("meeting_id")).with_for_update()
_INSERT_EVENT = insert(EVENT)
_MOVE_HEAD = update(HEAD).where(HEAD.c.meeting_id == bindparam("h_meeting_id")).values(seq=bindparam("h_seq"), hash=bindparam("h_hash"))
_CARRIER_FIELDS = ("state", "state_since", "version", "holder_id", "remembered_holder_id", "consignment_id")
_UPDATE_CARRIER = (
    update(CARRIER)
    .where(CARRIER.c.id == bindparam("c_id"), CARRIER.c.version == bindparam("c_version"))
    .values({f: bindparam(f"v_{f}") for f in _CARRIER_FIELDS})
)
_OPEN_MEETING = (
    update(MEETING)
    .where(MEETING.c.id == bindparam("m_id"), MEETING.c.status == MeetingStatus.PLANNED.value)
    .values(status=MeetingStatus.OPEN.value)
)
_CONSIGNMENT_STATES = select(CARRIER.c.state).where(CARRIER.c.consignment_id == bindparam("consignment_id"))


def _ns(row: Any) -> SimpleNamespace | None:
    return SimpleNamespace(**row) if row is not None else None


class TapStore:
    """Core statements for one tap."""

    def __init__(self, session: Session) -> None:
        self.conn: Connection = session.connection()
        self.sqlite = self.conn.dialect.name == "sqlite"

    def _one(self, stmt: Any, **params: Any) -> SimpleNamespace | None:
        return _ns(self.conn.execute(stmt, params).mappings().first())

    def meeting_by_code(self, code: str) -> SimpleNamespace | None:
        return self._one(_MEETING_BY_CODE, code=code)

    def meeting_by_id(self, meeting_id: int) -> SimpleNamespace | None:
        return self._one(_MEETING_BY_ID, id=meeting_id)

    def attendee(self, meeting: SimpleNamespace, code: str) -> SimpleNamespace:
        found = self._one(_ATTENDEE_BY_CODE, meeting_id=meeting.id, code=code)
        if found is None:
            raise NotFoundError(messages.text("no_attendee", meeting=meeting.code, code=code))
        return found

    def attendee_by_id(self, attendee_id: int | None) -> SimpleNamespace | None:
        if attendee_id is None:
            return None
        return self._one(_ATTENDEE_BY_ID, id=attendee_id)

    def consignment(self, consignment_id: int | None) -> SimpleNamespace | None:
        if consignment_id is None:
            return None
        return self._one(_CONSIGNMENT_BY_ID, id=consignment_id)

    def consignment_by_number(self, meeting: SimpleNamespace, number: str) -> SimpleNamespace:
        found = self._one(_CONSIGNMENT_BY_NO, meeting_id=meeting.id, number=number)
        if found is None:
            raise NotFoundError(messages.text("consignment_unknown", number=number))
        return found

    def carrier_by_uid(self, uid: str) -> tuple[Any, Any, Any]:
        """The carrier with this tag, its document (copies) and its owner (passes)."""
        row = self.conn.execute(_CARRIER_BY_UID, {"uid": uid}).mappings().first()
        if row is None:
            return None, None, None
        carrier, document, owner = {}, {}, {}
        for k, v in row.items():
            if k.startswith("d__"):
                document[k[3:]] = v
            elif k.startswith("o__"):
                owner[k[3:]] = v
            else:
                carrier[k] = v
        return (
            SimpleNamespace(**carrier),
            SimpleNamespace(**document) if document["id"] is not None else None,
            SimpleNamespace(**owner) if owner["id"] is not None else None,
        )

    def pass_issued(self, attendee_id: int) -> bool:
        state = self.conn.execute(_PASS_STATE, {"owner_id": attendee_id}).scalar()
        return state == State.ISSUED

    def is_officer(self, meeting: Any, operator: str) -> bool:
        """True when ``operator`` is the meeting's 保密负责人 or an operator registered as officer."""
        if not operator:
            return False
        if operator == meeting.officer:
            return True
        found = self.conn.execute(_OFFICER, {"name": operator}).first()
        return found is not None

    def lock_head(self, meeting_id: int) -> SimpleNamespace:
        """Lock the meeting's ledger head (created idempotently on first use)."""
        head = self._one(_HEAD_FOR_UPDATE, meeting_id=meeting_id)
        if head is None:
            dialect = import_module(f"sqlalchemy.dialects.{'sqlite' if self.sqlite else 'postgresql'}")
            self.conn.execute(
                dialect.insert(HEAD).values(meeting_id=meeting_id, seq=0, hash=ledger.GENESIS)
                .on_conflict_do_nothing(index_elements=["meeting_id"])
            )
            head = self._one(_HEAD_FOR_UPDATE, meeting_id=meeting_id)
        assert head is not None
        return head

    def append(self, key: bytes, head: SimpleNamespace, event: SimpleNamespace) -> None:
        """Chain and insert the event, then move the head (the caller holds its lock)."""
        event.seq = head.seq + 1
        event.prev_hash = head.hash
        event.hash = ledger.event_hash(key, head.hash, event)
        try:
            self.conn.execute(_INSERT_EVENT, {c: getattr(event, c) for c in _EVENT_COLUMNS})
        except IntegrityError as e:
            raise LedgerError(f"台账序号冲突（会议 {head.meeting_id} 序号 {event.seq}），请重试") from e
        self.conn.execute(_MOVE_HEAD, {"h_meeting_id": head.meeting_id, "h_seq": event.seq, "h_hash": event.hash})
        head.seq, head.hash = event.seq, event.hash

    def update_carrier(self, carrier: SimpleNamespace, values: dict[str, Any]) -> None:
        """Change a carrier; the version check makes a concurrent change fail loudly, not silently."""
        params = {f"v_{f}": values.get(f, getattr(carrier, f)) for f in _CARRIER_FIELDS}
        result = self.conn.execute(_UPDATE_CARRIER, {"c_id": carrier.id, "c_version": carrier.version, **params})
        if result.rowcount != 1:
            raise LedgerError("载体已被其他工作台修改，请重新刷卡")

    def refresh_consignment(self, consignment: SimpleNamespace, now: datetime) -> None:
        states = set(self.conn.execute(_CONSIGNMENT_STATES, {"consignment_id": consignment.id}).scalars())
        values: dict[str, Any] = {}
        if State.IN_TRANSIT in states:
            values = {"state": "in_transit", "dispatched_at": consignment.dispatched_at or now}
        elif states == {State.DELIVERED}:
            values = {"state": "delivered", "received_at": consignment.received_at or now}
        elif states and State.DELIVERED not in states:
            values = {"state": "returned"}
        if values:
            self.conn.execute(update(CONSIGNMENT).where(CONSIGNMENT.c.id == consignment.id).values(**values))

    def open_meeting(self, meeting_id: int) -> None:
        self.conn.execute(_OPEN_MEETING, {"m_id": meeting_id})
