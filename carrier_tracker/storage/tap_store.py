"""The tap's database access: prebuilt SQLAlchemy Core statements on the session's own connection.

A tap is the hot path (a custodian waits on it), so it skips ORM identity-map and unit-of-work
overhead: rows come back as light namespaces the custody service reads by attribute, and changes
are single UPDATE/INSERT statements. It shares the session's transaction, so one tap is still one
transaction, committed by the caller.

On SQLite the same statements, compiled once to SQL text, run straight on the ``sqlite3``
connection under the session (the transaction SQLAlchemy began): SQLAlchemy's per-statement
execution machinery cost ~60 µs a statement, several times SQLite's own work (bench/README.md).
On PostgreSQL they go through SQLAlchemy as usual.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from operator import itemgetter
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    String,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import Session

from carrier_tracker import ledger, messages
from carrier_tracker.enums import MeetingStatus, Role, State
from carrier_tracker.errors import LedgerError, NotFoundError
from carrier_tracker.storage.models import (
    Attendee,
    Carrier,
    ChecklistAnswer,
    Consignment,
    Document,
    Event,
    LedgerHead,
    Meeting,
    Operator,
    RetiredTag,
    SystemHead,
    table_of,
)

Bind = Session | Connection | sqlite3.Connection
"""What a tap runs on: a session, or :func:`carrier_tracker.storage.db.tap_scope`'s transaction."""


MEETING, ATTENDEE, DOCUMENT, CARRIER = (
    table_of(Meeting),
    table_of(Attendee),
    table_of(Document),
    table_of(Carrier),
)
CONSIGNMENT, EVENT, HEAD, OPERATOR = (
    table_of(Consignment),
    table_of(Event),
    table_of(LedgerHead),
    table_of(Operator),
)
ANSWER = table_of(ChecklistAnswer)
RETIRED = table_of(RetiredTag)
_EVENT_COLUMNS = [c.name for c in EVENT.c if c.name != "id"]
_OWNER, _HOLDER, _REMEMBERED = ATTENDEE.alias("o"), ATTENDEE.alias("h"), ATTENDEE.alias("r")
# The carrier with everything its custody names, in one statement: document, owner (passes),
# holder, holder before the break, consignment — only the columns a tap reads of them (each
# column read is a Python object made on every tap). Columns are prefixed per table.
_PERSON_COLUMNS = (
    "id",  # first: _cut keys each part on it
    "code",
    "name",
    "unit",
    "clearance",
    "out_of_town",
    "pass_number",
    "pledge_on",
    "substitute_for_id",
)
_PART_COLUMNS = {
    "document": (
        DOCUMENT,
        ("id", "number", "level", "may_take_away", "collect_at_breaks", "plan"),
    ),
    "owner": (_OWNER, _PERSON_COLUMNS),
    "holder": (_HOLDER, _PERSON_COLUMNS),
    "remembered": (_REMEMBERED, _PERSON_COLUMNS),
    "consignment": (CONSIGNMENT, ("id", "number", "unit", "attendee_id")),
}
_CARRIER_NAMES = tuple(c.name for c in CARRIER.c)
_PART_NAMES = tuple((name, columns) for name, (_, columns) in _PART_COLUMNS.items())
assert all(columns[0] == "id" for _, columns in _PART_NAMES)  # _cut keys each part on it
_CARRIER_PARTS = [
    table.c[column].label(f"{name}__{column}")
    for name, (table, columns) in _PART_COLUMNS.items()
    for column in columns
]
_CARRIER_JOIN = (
    select(*CARRIER.c, *_CARRIER_PARTS)
    .select_from(CARRIER)
    .outerjoin(DOCUMENT, DOCUMENT.c.id == CARRIER.c.document_id)
    .outerjoin(_OWNER, _OWNER.c.id == CARRIER.c.owner_id)
    .outerjoin(_HOLDER, _HOLDER.c.id == CARRIER.c.holder_id)
    .outerjoin(_REMEMBERED, _REMEMBERED.c.id == CARRIER.c.remembered_holder_id)
    .outerjoin(CONSIGNMENT, CONSIGNMENT.c.id == CARRIER.c.consignment_id)
)
# People looked up together (the chosen attendee, holder, remembered holder, owner): four slots.
_PEOPLE = 4
_IDS: list[BindParameter[Any]] = [bindparam(f"id{i}") for i in range(_PEOPLE)]


# Statements built once: constructing and cache-keying a statement per tap costs more than
# running it (measured: ~1.3 ms of a 1.9 ms tap before this).
# Codes match case-insensitively; an exact match wins over a case variant.
_MEETING_BY_CODE = (
    select(MEETING)
    .where(func.lower(MEETING.c.code) == func.lower(bindparam("code")))
    .order_by(MEETING.c.code != bindparam("code"))
)
_MEETING_BY_ID = select(MEETING).where(MEETING.c.id == bindparam("id"))
_HEAD_NAMES = tuple(c.name for c in HEAD.c)
assert _HEAD_NAMES[0] == "meeting_id"  # _cut keys the head on it
_TAP_MEETING_NAMES = ("id", "code", "status", "level", "requires_passes", "kind")
# SQLite: the meeting (the columns a tap reads) and its ledger head in one read (BEGIN IMMEDIATE
# already holds the write lock, so the head read here is as good as a locked one).
_MEETING_WITH_HEAD = (
    select(*(MEETING.c[n] for n in _TAP_MEETING_NAMES), *(c.label(f"h__{c.name}") for c in HEAD.c))
    .select_from(MEETING)
    .outerjoin(HEAD, HEAD.c.meeting_id == MEETING.c.id)
    .where(func.lower(MEETING.c.code) == func.lower(bindparam("code")))
    .order_by(MEETING.c.code != bindparam("code"))
)
# PostgreSQL: the head found by the meeting's code and locked in one statement (two round trips
# were one after another inside every other desk's wait: bench/README.md, many desks). The
# meeting is then read again by id, in a statement of its own: its snapshot is taken after the
# lock is held, so it sees a close committed while this tap waited (a row read in the locking
# statement itself would be the one from before the wait).
_HEAD_LOCKED_BY_CODE = (
    select(*HEAD.c)
    .select_from(MEETING)
    .join(HEAD, HEAD.c.meeting_id == MEETING.c.id)
    .where(func.lower(MEETING.c.code) == func.lower(bindparam("code")))
    .order_by(MEETING.c.code != bindparam("code"))
    .limit(1)
    .with_for_update(of=HEAD)
)
_SUBSTITUTE = ATTENDEE.alias("sub")
_ATTENDEE_BY_CODE = (
    select(  # with the attendee taking this one's place (代会), if any: one at most
        *ATTENDEE.c, _SUBSTITUTE.c.code.label("sub_code"), _SUBSTITUTE.c.name.label("sub_name")
    )
    .select_from(ATTENDEE)
    .outerjoin(_SUBSTITUTE, _SUBSTITUTE.c.substitute_for_id == ATTENDEE.c.id)
    .where(
        ATTENDEE.c.meeting_id == bindparam("meeting_id"),
        func.lower(ATTENDEE.c.code) == func.lower(bindparam("code")),
    )
    .order_by(ATTENDEE.c.code != bindparam("code"))
)
_ATTENDEE_BY_ID = select(ATTENDEE).where(ATTENDEE.c.id == bindparam("id"))
_SUBSTITUTE_OF = select(ATTENDEE).where(ATTENDEE.c.substitute_for_id == bindparam("id"))
_CONSIGNMENT_BY_ID = select(CONSIGNMENT).where(CONSIGNMENT.c.id == bindparam("id"))
_CONSIGNMENT_BY_NO = (
    select(CONSIGNMENT)
    .where(
        CONSIGNMENT.c.meeting_id == bindparam("meeting_id"),
        func.lower(CONSIGNMENT.c.number) == func.lower(bindparam("number")),
    )
    .order_by(CONSIGNMENT.c.number != bindparam("number"))
)
# A UID names at most one bound carrier, but released ones (closed meetings) keep it: the
# desk's own meeting's carrier comes first (a find after close), then the bound one elsewhere,
# then the newest released one (to say where it was released).
_CARRIER_BY_UID = _CARRIER_JOIN.where(CARRIER.c.tag_uid == bindparam("uid")).order_by(
    CARRIER.c.meeting_id != bindparam("meeting_id"), CARRIER.c.tag_released, CARRIER.c.id.desc()
)
# Lost copies too: a lost copy stays with its holder, and their pass's recall asks about it.
_HELD_STATES: list[BindParameter[str]] = [
    bindparam("s_issued"),
    bindparam("s_carried_out"),
    bindparam("s_lost"),
]
_HOLDINGS = (
    select(
        CARRIER.c.holder_id,
        CARRIER.c.id,
        CARRIER.c.document_id,
        DOCUMENT.c.number,
        CARRIER.c.copy_number,
        CARRIER.c.state,
    )
    .join(DOCUMENT, DOCUMENT.c.id == CARRIER.c.document_id)
    .where(CARRIER.c.holder_id.in_(_IDS), CARRIER.c.state.in_(_HELD_STATES))
)
# A copy's hand-over reads only the people's copies of that document (one copy each): reading
# every copy they hold made a copy tap grow with the recipient's holdings — 3.3 ms CPU for a
# recipient holding 1,000 copies, against 0.4 ms for a pass (bench/README.md). The index on
# (holder_id, document_id) makes it one search (migration 0013).
_HOLDINGS_OF_DOCUMENT = _HOLDINGS.where(CARRIER.c.document_id == bindparam("document_id"))
# A copy's hand-over at a meeting with passes reads both the people's passes and their copies:
# in one statement, not two. Pass rows have no document (NULL id).
_PASSES_OF = select(
    CARRIER.c.owner_id,
    CARRIER.c.id,
    cast(null(), Integer),
    cast(null(), String),
    cast(null(), Integer),
    CARRIER.c.state,
).where(CARRIER.c.kind == bindparam("pass_kind"), CARRIER.c.owner_id.in_(_IDS))
_HOLDINGS_AND_PASSES = union_all(_HOLDINGS, _PASSES_OF)
_HOLDINGS_OF_DOCUMENT_AND_PASSES = union_all(_HOLDINGS_OF_DOCUMENT, _PASSES_OF)
_ADMISSIONS = (
    select(func.count())
    .select_from(EVENT)
    .where(
        EVENT.c.meeting_id == bindparam("meeting_id"),
        EVENT.c.carrier_id == bindparam("carrier_id"),
        # a literal, as the partial index ix_event_entrance names it, so SQLite uses it
        EVENT.c.action == literal_column("'entrance'"),
        EVENT.c.verdict == bindparam("verdict"),
    )
)
_OFFICER = select(OPERATOR.c.id).where(
    OPERATOR.c.name == bindparam("name"),
    OPERATOR.c.role == bindparam("role"),
    OPERATOR.c.disabled == bindparam("disabled"),
)
# Who stood behind an event: the system chain's length and the PIN hashes of its operator and
# approver as the table holds them (one statement, read under the meeting's head lock).
_SYSTEM_HEAD = table_of(SystemHead)
_AUTH = select(
    select(_SYSTEM_HEAD.c.seq).where(_SYSTEM_HEAD.c.id == literal_column("1")).scalar_subquery(),
    select(OPERATOR.c.pin_hash).where(OPERATOR.c.name == bindparam("a_op")).scalar_subquery(),
    select(OPERATOR.c.pin_hash).where(OPERATOR.c.name == bindparam("a_ap")).scalar_subquery(),
)
_RETIRED = select(RETIRED.c.replaced_by).where(RETIRED.c.uid == bindparam("uid"))
_HEAD_FOR_UPDATE = (
    select(HEAD).where(HEAD.c.meeting_id == bindparam("meeting_id")).with_for_update()
)
_INSERT_EVENT = insert(EVENT).values({c: bindparam(c) for c in _EVENT_COLUMNS})
_MOVE_HEAD = (
    update(HEAD)
    .where(HEAD.c.meeting_id == bindparam("h_meeting_id"))
    .values(seq=bindparam("h_seq"), hash=bindparam("h_hash"), mac=bindparam("h_mac"))
)
_CARRIER_FIELDS = (
    "state",
    "state_since",
    "version",
    "holder_id",
    "remembered_holder_id",
    "consignment_id",
)
_UPDATE_CARRIER: dict[tuple[str, ...], Executable] = {}


def _update_carrier(fields: tuple[str, ...]) -> Executable:
    """The UPDATE of these carrier columns only (built once per set): SQLite rewrites an index
    entry for every assigned indexed column, changed or not, and each index page rewritten is
    one more page written at the commit (a recall assigning an unchanged consignment_id cost a
    page of ``ix_carrier_consignment_id``)."""
    stmt = _UPDATE_CARRIER.get(fields)
    if stmt is None:
        stmt = (
            update(CARRIER)
            .where(CARRIER.c.id == bindparam("c_id"), CARRIER.c.version == bindparam("c_version"))
            .values({f: bindparam(f"v_{f}") for f in fields})
        )
        _UPDATE_CARRIER[fields] = stmt
    return stmt


_OPEN_MEETING = (
    update(MEETING)
    .where(
        MEETING.c.id == bindparam("m_id"),
        MEETING.c.status.in_([bindparam("m_draft"), bindparam("m_filed")]),
    )
    .values(status=bindparam("m_open"))
)
_ANSWERS = select(ANSWER.c.item, ANSWER.c.answer, ANSWER.c.accepted_by).where(
    ANSWER.c.meeting_id == bindparam("meeting_id"), ANSWER.c.checklist == bindparam("checklist")
)
_NEW_HEAD: dict[str, Any] = {
    "meeting_id": bindparam("meeting_id"),
    "seq": bindparam("n_seq"),
    "hash": bindparam("n_hash"),
    "mac": bindparam("n_mac"),  # every column named: the raw path runs no Python-side default
}
# The meeting's first event creates its head, idempotently (two desks may race to it).
_NEW_HEAD_SQLITE = (
    sqlite_dialect.insert(HEAD)
    .values(_NEW_HEAD)
    .on_conflict_do_nothing(index_elements=["meeting_id"])
)


@cache
def _append_pg() -> Executable:
    """PostgreSQL: the event's INSERT and the head's UPDATE in one statement (one round trip
    less inside the head's lock); a lost race still fails on UNIQUE(meeting_id, seq). The
    event's parameters are prefixed: an UPDATE reserves its table's column names."""
    named = insert(EVENT).values({c: bindparam(f"e_{c}") for c in _EVENT_COLUMNS})
    return _MOVE_HEAD.add_cte(named.cte("appended"))


@cache
def _new_head_pg() -> Executable:
    """PostgreSQL's head insert, built on first use (its dialect costs the CLI's start 20 ms)."""
    from sqlalchemy.dialects import postgresql

    return (
        postgresql.insert(HEAD)
        .values(_NEW_HEAD)
        .on_conflict_do_nothing(index_elements=["meeting_id"])
    )


_UPDATE_CONSIGNMENT = (
    update(CONSIGNMENT)
    .where(CONSIGNMENT.c.id == bindparam("c_id"))
    .values(
        state=bindparam("c_state"),
        dispatched_at=bindparam("c_dispatched_at"),
        received_at=bindparam("c_received_at"),
    )
)
_CONSIGNMENT_STATES = select(CARRIER.c.state).where(
    CARRIER.c.consignment_id == bindparam("consignment_id")
)


_TAG_INFO = (
    select(
        CARRIER.c.id,
        CARRIER.c.kind,
        CARRIER.c.meeting_id,
        _OWNER.c.code,
        CARRIER.c.state,
        CARRIER.c.tag_released,
    )
    .select_from(CARRIER)
    .outerjoin(_OWNER, _OWNER.c.id == CARRIER.c.owner_id)
    .where(CARRIER.c.tag_uid == bindparam("uid"))
    .order_by(CARRIER.c.meeting_id != bindparam("meeting_id"), CARRIER.c.tag_released)
)


@dataclass(frozen=True)
class TagInfo:
    """What a UID is bound to, if anything."""

    carrier_id: int
    kind: str
    meeting_id: int
    owner_code: str | None
    state: str


class HeldCopy(NamedTuple):
    """A copy someone holds now."""

    holder_id: int
    carrier_id: int
    document_id: int
    number: str
    copy_number: int
    state: str


@dataclass(frozen=True)
class Holdings:
    """What :meth:`TapStore.holdings` read: who holds their own pass, and the copies held."""

    passes_issued: set[int]
    copies: list[HeldCopy]


def _cut(row: Sequence[Any], at: int, names: tuple[str, ...]) -> tuple[SimpleNamespace | None, int]:
    """Columns ``names`` of a joined row, from position ``at`` (the statement's column order), as
    a namespace — None when the first, the key, is NULL (the outer join found nothing) — and the
    position after them."""
    end = at + len(names)
    if row[at] is None:
        return None, end
    return SimpleNamespace(**dict(zip(names, row[at:end], strict=True))), end


def _ns(row: Any) -> SimpleNamespace | None:
    return SimpleNamespace(**row) if row is not None else None


_SQLITE = sqlite_dialect.dialect(paramstyle="qmark")


@dataclass(frozen=True)
class _Compiled:
    """A prebuilt statement as SQLite SQL with ``?`` parameters: the SQL, a getter of its
    parameter values in order from a dict of named values, and the positions of the values to
    convert first (datetimes to SQLite's storage). Positional binding, for a statement of 20
    parameters, costs half what binding by name does."""

    sql: str
    values: Callable[[dict[str, Any]], tuple[Any, ...]]
    convert: tuple[tuple[int, Callable[[Any], Any]], ...]


_COMPILED: dict[int, _Compiled] = {}


def sqlite_datetime(value: Any) -> Any:
    """A datetime as SQLAlchemy's SQLite ``DATETIME`` stores it (``2026-12-08 01:31:05.000000``,
    the time zone dropped: columns hold UTC), in a fifth of the time its bind processor takes;
    anything else as that processor converts it."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")
    return _SA_DATETIME(value)


_SA_DATETIME: Callable[[Any], Any] = sqlite_dialect.DATETIME().bind_processor(_SQLITE)  # type: ignore[no-untyped-call,assignment]


def _getter(names: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    if len(names) > 1:
        return itemgetter(*names)
    return lambda params: tuple(params[n] for n in names)


def _sqlite_sql(stmt: Executable) -> _Compiled:
    """A prebuilt statement compiled for the ``sqlite3`` connection, on first use. Booleans
    need no conversion: ``sqlite3`` binds ``True`` as 1, as SQLAlchemy stores it."""
    hit = _COMPILED.get(id(stmt))
    if hit is None:
        assert isinstance(stmt, ClauseElement)
        compiled = stmt.compile(dialect=_SQLITE)
        names = tuple(compiled.positiontup or ())  # type: ignore[attr-defined]
        processors = compiled._bind_processors  # type: ignore[attr-defined]
        convert = []
        for i, name in enumerate(names):
            if name not in processors:
                continue
            kind = compiled.binds[name].type._type_affinity  # type: ignore[attr-defined]
            if kind is DateTime:
                convert.append((i, sqlite_datetime))
            elif kind is not Boolean:
                convert.append((i, processors[name]))
        hit = _Compiled(str(compiled), _getter(names), tuple(convert))
        _COMPILED[id(stmt)] = hit
    return hit


def _ids(ids: list[int]) -> dict[str, int | None]:
    assert len(ids) <= _PEOPLE
    return {f"id{i}": ids[i] if i < len(ids) else None for i in range(_PEOPLE)}


class TapStore:
    """Core statements for one tap."""

    def __init__(self, bind: Bind) -> None:
        """``bind``: the session (its connection), or the transaction of
        :func:`carrier_tracker.storage.db.tap_scope` (a bare SQLite connection, or a SQLAlchemy one)."""
        if isinstance(bind, sqlite3.Connection):
            self.conn: Connection | None = None
            self.sqlite = True
            self.raw: sqlite3.Connection | None = bind
            return
        conn = bind if isinstance(bind, Connection) else bind.connection()
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        raw = conn.connection.driver_connection if self.sqlite else None
        self.raw = raw if isinstance(raw, sqlite3.Connection) else None

    def _run(self, stmt: Executable, params: dict[str, Any]) -> Any:
        """Execute a prebuilt statement; returns a cursor-like result (rows as tuples)."""
        if self.raw is None:
            assert self.conn is not None
            return self.conn.execute(stmt, params)
        compiled = _sqlite_sql(stmt)
        values = compiled.values(params)
        if compiled.convert:
            converted = list(values)
            for i, convert in compiled.convert:
                value = converted[i]
                # A value read back raw (a stored datetime string) is written back as it is.
                if value is not None and not isinstance(value, str):
                    converted[i] = convert(value)
            values = tuple(converted)
        try:
            return self.raw.execute(compiled.sql, values)
        except sqlite3.IntegrityError as e:
            raise IntegrityError(compiled.sql, None, e) from e

    def _mapping(self, stmt: Executable, params: dict[str, Any]) -> dict[str, Any] | None:
        result = self._run(stmt, params)
        if self.raw is None:
            row = result.mappings().first()
            return dict(row) if row is not None else None
        values = result.fetchone()
        if values is None:
            return None
        return dict(zip([d[0] for d in result.description], values, strict=True))

    def _one(self, stmt: Executable, **params: Any) -> SimpleNamespace | None:
        return _ns(self._mapping(stmt, params))

    def meeting_by_code(self, code: str) -> SimpleNamespace | None:
        return self._one(_MEETING_BY_CODE, code=code)

    def meeting_and_head(self, code: str) -> tuple[SimpleNamespace | None, SimpleNamespace | None]:
        """The meeting with this code and its ledger head, locked (None, None: no such meeting).

        SQLite reads both at once (its write lock was taken at ``BEGIN IMMEDIATE``); PostgreSQL
        locks the head row, then re-reads the meeting under that lock (another desk may have
        closed it meanwhile).
        """
        if not self.sqlite:
            head = self._one(_HEAD_LOCKED_BY_CODE, code=code)
            if head is None:  # no such meeting, or its first event
                meeting = self.meeting_by_code(code)
                if meeting is None:
                    return None, None
                head = self.lock_head(meeting.id)
            return self.meeting_by_id(head.meeting_id), head
        row = self._run(_MEETING_WITH_HEAD, {"code": code}).fetchone()
        if row is None:
            return None, None
        found, at = _cut(row, 0, _TAP_MEETING_NAMES)
        stored, _ = _cut(row, at, _HEAD_NAMES)
        assert found is not None
        # no head yet: the meeting's first event creates it
        return found, stored if stored is not None else self.lock_head(found.id)

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

    def substitute_of(self, attendee_id: int) -> SimpleNamespace | None:
        """The attendee taking this (absent) attendee's place (代会), if any."""
        return self._one(_SUBSTITUTE_OF, id=attendee_id)

    def consignment(self, consignment_id: int | None) -> SimpleNamespace | None:
        if consignment_id is None:
            return None
        return self._one(_CONSIGNMENT_BY_ID, id=consignment_id)

    def consignment_by_number(self, meeting: SimpleNamespace, number: str) -> SimpleNamespace:
        found = self._one(_CONSIGNMENT_BY_NO, meeting_id=meeting.id, number=number)
        if found is None:
            raise NotFoundError(messages.text("consignment_unknown", number=number))
        return found

    def carrier_by_uid(self, uid: str, meeting_id: int) -> SimpleNamespace | None:
        """The carrier with this tag — this meeting's if it has one, else the one bound (or last
        released) elsewhere — and, as attributes ``document``, ``owner``, ``holder``,
        ``remembered`` and ``consignment``, the rows its custody names (None where absent)."""
        row = self._run(_CARRIER_BY_UID, {"uid": uid, "meeting_id": meeting_id}).fetchone()
        if row is None:
            return None
        at = len(_CARRIER_NAMES)
        carrier: dict[str, Any] = dict(zip(_CARRIER_NAMES, row[:at], strict=True))
        for name, columns in _PART_NAMES:
            carrier[name], at = _cut(row, at, columns)
        return SimpleNamespace(**carrier)

    def tag_info(self, uid: str, meeting_id: int | None = None) -> TagInfo | None:
        """The carrier a tag names at a desk of ``meeting_id``: that meeting's carrier (even with
        its tag released: a find after close), else the one it is bound to elsewhere; None when
        it is bound nowhere (unknown, or released by a closed meeting: free to enrol)."""
        row = self._run(_TAG_INFO, {"uid": uid, "meeting_id": meeting_id}).fetchone()
        if row is None or (row[5] and row[2] != meeting_id):
            return None
        return TagInfo(*row[:5])

    def holdings(
        self, attendee_ids: list[int], *, passes: bool = False, document_id: int | None = None
    ) -> Holdings:
        """What these attendees (at most four) hold now — of one document only, with
        ``document_id`` (a copy's hand-over asks no more) — and with ``passes`` which of them
        hold their own pass (issued), in one statement."""
        params: dict[str, Any] = {
            "s_issued": State.ISSUED.value,
            "s_carried_out": State.CARRIED_OUT.value,
            "s_lost": State.LOST.value,
            **_ids(attendee_ids),
        }
        if passes:
            params["pass_kind"] = "pass"
        if document_id is not None:
            params["document_id"] = document_id
            stmt = _HOLDINGS_OF_DOCUMENT_AND_PASSES if passes else _HOLDINGS_OF_DOCUMENT
        else:
            stmt = _HOLDINGS_AND_PASSES if passes else _HOLDINGS
        issued: set[int] = set()
        copies: list[HeldCopy] = []
        for person, carrier_id, document_id_, number, copy_no, state in self._run(stmt, params):
            if document_id_ is None:  # the person's pass
                if state == State.ISSUED:
                    issued.add(person)
            else:
                copies.append(HeldCopy(person, carrier_id, document_id_, number, copy_no, state))
        copies.sort(key=lambda c: (c.number, c.copy_number))
        return Holdings(issued, copies)

    def admissions(self, meeting_id: int, carrier_id: int) -> int:
        """Accepted entrance checks of a pass so far."""
        params = {
            "meeting_id": meeting_id,
            "carrier_id": carrier_id,
            "verdict": "accepted",
        }
        row = self._run(_ADMISSIONS, params).fetchone()
        return int(row[0] or 0) if row else 0

    def retired(self, uid: str) -> str | None:
        """The UID that replaced ``uid`` when a retag retired it; None for a tag never retired."""
        row = self._run(_RETIRED, {"uid": uid}).fetchone()
        return str(row[0]) if row else None

    def is_officer(self, operator: str) -> bool:
        """True when ``operator`` is a registered officer in use. Only registered operators
        count (the CLI authenticates them); the meeting's typed 保密负责人 name does not."""
        if not operator:
            return False
        params = {"name": operator, "role": Role.OFFICER.value, "disabled": False}
        return self._run(_OFFICER, params).fetchone() is not None

    def lock_head(self, meeting_id: int) -> SimpleNamespace:
        """Lock the meeting's ledger head (created idempotently on first use)."""
        head = self._one(_HEAD_FOR_UPDATE, meeting_id=meeting_id)
        if head is None:
            self._run(
                _NEW_HEAD_SQLITE if self.sqlite else _new_head_pg(),
                {"meeting_id": meeting_id, "n_seq": 0, "n_hash": ledger.GENESIS, "n_mac": ""},
            )
            head = self._one(_HEAD_FOR_UPDATE, meeting_id=meeting_id)
        assert head is not None
        return head

    def append(self, key: bytes, head: SimpleNamespace, event: Any) -> None:
        """Stamp, chain and insert the event, then move the head (the caller holds its lock).

        The stamp: the system chain's length now, and digests of the PIN hashes the operator's
        and the approver's rows hold now (``verify`` checks both against the system chain)."""
        if event.system_seq is None:
            seq, op_hash, ap_hash = self._run(
                _AUTH, {"a_op": event.operator, "a_ap": event.approver or None}
            ).fetchone()
            event.system_seq = int(seq or 0)
            event.operator_pin = ledger.pin_digest(key, bytes(op_hash)) if op_hash else ""
            event.approver_pin = ledger.pin_digest(key, bytes(ap_hash)) if ap_hash else ""
        event.seq = head.seq + 1
        event.prev_hash = head.hash
        event.hash = ledger.event_hash(key, head.hash, event)
        values = {c: getattr(event, c) for c in _EVENT_COLUMNS}
        moved = {
            "h_meeting_id": head.meeting_id,
            "h_seq": event.seq,
            "h_hash": event.hash,
            "h_mac": ledger.head_mac(key, head.meeting_id, event.seq, event.hash),
        }
        try:
            if self.sqlite:
                self._run(_INSERT_EVENT, values)
            else:
                self._run(_append_pg(), {**{f"e_{c}": v for c, v in values.items()}, **moved})
        except IntegrityError as e:
            raise LedgerError(
                messages.text("seq_conflict", meeting_id=head.meeting_id, seq=event.seq)
            ) from e
        if self.sqlite:
            self._run(_MOVE_HEAD, moved)
        head.seq, head.hash = event.seq, event.hash

    def update_carrier(self, carrier: Any, values: dict[str, Any]) -> None:
        """Change a carrier; the version check makes a concurrent change fail loudly, not silently."""
        changed = tuple(
            f for f in _CARRIER_FIELDS if f in values and values[f] != getattr(carrier, f)
        )
        params = {f"v_{f}": values[f] for f in changed}
        result = self._run(
            _update_carrier(changed), {"c_id": carrier.id, "c_version": carrier.version, **params}
        )
        if result.rowcount != 1:
            raise LedgerError(messages.text("carrier_changed_elsewhere"))

    def refresh_consignment(self, consignment: Any, now: datetime) -> None:
        """Derive a consignment's state (and first dispatch / receipt time) from its copies."""
        states = {
            row[0] for row in self._run(_CONSIGNMENT_STATES, {"consignment_id": consignment.id})
        }
        values: dict[str, Any] = {}
        if State.IN_TRANSIT in states:
            values = {"state": "in_transit"}
            if consignment.dispatched_at is None:
                values["dispatched_at"] = now
        elif states == {State.DELIVERED}:
            values = {"state": "delivered"}
            if consignment.received_at is None:
                values["received_at"] = now
        elif states and State.DELIVERED not in states:
            values = {"state": "returned"}
        if values:
            params = {
                "c_id": consignment.id,
                "c_state": values["state"],
                # unchanged times are written back as read
                "c_dispatched_at": values.get("dispatched_at", consignment.dispatched_at),
                "c_received_at": values.get("received_at", consignment.received_at),
            }
            self._run(_UPDATE_CONSIGNMENT, params)

    def open_meeting(self, meeting_id: int) -> None:
        """A draft or filed meeting opens at its first accepted tap."""
        self._run(
            _OPEN_MEETING,
            {
                "m_id": meeting_id,
                "m_draft": MeetingStatus.DRAFT.value,
                "m_filed": MeetingStatus.FILED.value,
                "m_open": MeetingStatus.OPEN.value,
            },
        )

    def checklist_answers(self, meeting_id: int, checklist: str) -> dict[str, tuple[str, bool]]:
        """A checklist's answers: item id (lower case) → (answer, accepted by an officer)."""
        rows = self._run(_ANSWERS, {"meeting_id": meeting_id, "checklist": checklist})
        return {item.lower(): (answer, bool(by)) for item, answer, by in rows}
