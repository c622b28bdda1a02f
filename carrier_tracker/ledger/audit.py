"""``verify``: the chains checked link by link, every accepted event re-decided by the rules with
the world as the ledger stood just before it, and every table row compared with the fold.

What it proves, and what it cannot (docs/custody.md, "What verify proves"): whoever holds both
the key file and the database can rewrite a chain and re-sign it, and an older copy of the whole
database restored is a consistent history. The anchor against both lives outside the database:
the head (``台账锚点 COUNT:HASH``) printed on every export, form and close, which
``verify --anchor`` checks.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, String, select, type_coerce
from sqlmodel import Session

from carrier_tracker import messages
from carrier_tracker.ledger import codec
from carrier_tracker.ledger.chain import (
    GENESIS,
    ChainReport,
    ChainVerifier,
    head_mac,
    pin_digest,
    system_event_hash,
)
from carrier_tracker.ledger.fold import MeetingWorld, Story, SystemWorld
from carrier_tracker.ledger.keys import key_fingerprint
from carrier_tracker.ledger.projection import (
    MEETING_REFERENCE,
    MEETING_STATE,
    MEETING_TABLES,
    Row,
    Rows,
    differences,
    operator_differences,
    place_differences,
    plain,
    project_meeting,
    project_operators,
    project_places,
)
from carrier_tracker.ledger.replay import Judge
from carrier_tracker.storage.apart import start_apart
from carrier_tracker.storage.direct import bulk
from carrier_tracker.storage.models import (
    Event,
    LedgerHead,
    Meeting,
    Operator,
    Place,
    SystemEvent,
    SystemHead,
    table_of,
)

BATCH = 5000


# --- the system chain ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SystemAudit:
    """The system chain verified, folded and compared with the operator table and the meetings."""

    count: int
    head_hash: str
    world: SystemWorld = field(compare=False, repr=False)
    broken_seq: int | None = None
    problem: str = ""
    differences: tuple[str, ...] = ()
    """Operator rows against the chain."""
    registry: tuple[str, ...] = ()
    """Meetings missing, unregistered, or whose chain does not start where registered; the key."""

    @property
    def chain_ok(self) -> bool:
        """The hash chain and its head verify."""
        return self.broken_seq is None

    @property
    def ok(self) -> bool:
        """The chain verifies, the operators are what it says, every meeting is accounted for."""
        return self.chain_ok and not self.differences and not self.registry

    def findings(self) -> list[str]:
        """Every problem, in plain words."""
        return [*self.differences, *self.registry]


def system_rows(session: Session) -> Iterator[Any]:
    """The system chain's rows in seq order, streamed."""
    t = table_of(SystemEvent)
    return _plain(session.connection().execute(select(t).order_by(t.c.seq)).yield_per(BATCH))


def audit_system(session: Session, key: bytes) -> SystemAudit:
    """Verify the system chain, fold it, and compare operators and meetings with the tables."""
    prev, count = GENESIS, 0
    world = SystemWorld()
    for row in system_rows(session):
        count += 1
        problem = ""
        if row.seq != count:
            problem = messages.text("chain_gap", expected=count, seq=row.seq)
        elif row.prev_hash != prev:
            problem = messages.text("chain_prev_hash")
        elif not _same(system_event_hash(key, prev, row), row.hash):
            problem = messages.text("chain_content_changed")
        if problem:
            return SystemAudit(count, prev, world, count, problem)
        prev = row.hash
        world.apply(codec.decode_system(row))
    head = session.get(SystemHead, 1)
    if head is None and count:
        return SystemAudit(count, prev, world, count, messages.text("chain_head_missing"))
    if head is not None and (head.seq != count or head.hash != prev):
        return SystemAudit(
            count, prev, world, count + 1, messages.text("chain_tail_missing", seq=head.seq)
        )
    if (
        head is not None
        and count
        and not _same(head_mac(key, "system", head.seq, head.hash), head.mac or "")
    ):
        return SystemAudit(count, prev, world, count, messages.text("chain_head_mac"))
    diffs = operator_differences(project_operators(world), _operator_rows(session, key))
    diffs += place_differences(project_places(world), _place_rows(session))
    registry = [
        messages.text("system_unreadable", seq=u.stamp.seq, action=u.raw_action, problem=u.problem)
        for u in world.unreadable
    ]
    if count and world.fingerprint is None:
        registry.append(messages.text("system_no_key"))
    elif world.fingerprint is not None and not _same(world.fingerprint, key_fingerprint(key)):
        registry.append(messages.text("system_other_key"))
    registry += _registry(session, world)
    return SystemAudit(count, prev, world, differences=tuple(diffs), registry=tuple(registry))


def _same(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a, b)


def _operator_rows(session: Session, key: bytes) -> Rows:
    t = table_of(Operator)
    sqlite = session.connection().dialect.name == "sqlite"
    columns = [
        t.c.name,
        _raw(t.c.role, sqlite),
        _flag(t.c.disabled, sqlite),
        _raw(t.c.card_uid, sqlite),
        t.c.pin_hash,
        _raw(t.c.failed_attempts, sqlite),
        _when(t.c.locked_until, sqlite),
    ]
    out: Rows = {}
    for name, role, disabled, card, pin_hash, failed, locked in session.connection().execute(
        select(*columns)
    ):
        out[(name,)] = {
            "role": role,
            "disabled": _bool(disabled),
            "card_uid": card,
            "pin": pin_digest(key, bytes(pin_hash)) if pin_hash is not None else None,
            "failed_attempts": failed,
            "locked_until": _time(locked),
        }
    return out


def _place_rows(session: Session) -> Rows:
    t = table_of(Place)
    sqlite = session.connection().dialect.name == "sqlite"
    rows = session.connection().execute(
        select(t.c.kind, t.c.name, _raw(t.c.added_by, sqlite), _when(t.c.added_at, sqlite))
    )
    return {(kind, name): {"added_by": by, "added_at": _time(at)} for kind, name, by, at in rows}


def _registry(session: Session, world: SystemWorld) -> list[str]:
    """Every meeting the system chain registered exists with its chain; every meeting row was
    registered."""
    m, e, h = table_of(Meeting), table_of(Event), table_of(LedgerHead)
    conn = session.connection()
    rows = {mid: code for mid, code in conn.execute(select(m.c.id, m.c.code))}
    firsts = dict(conn.execute(select(e.c.meeting_id, e.c.hash).where(e.c.seq == 1)).all())
    heads = {mid for (mid,) in conn.execute(select(h.c.meeting_id))}
    out = []
    for mid, reg in sorted(world.meetings.items()):
        code = rows.get(mid)
        if code is None:
            out.append(messages.text("registry_missing", code=reg.code, seq=reg.stamp.seq))
        elif code != reg.code:
            out.append(messages.text("registry_code", code=code, want=reg.code, seq=reg.stamp.seq))
        elif mid not in firsts or mid not in heads:
            out.append(messages.text("registry_no_chain", code=reg.code, seq=reg.stamp.seq))
        elif firsts[mid] != reg.first_hash:
            out.append(messages.text("registry_first", code=reg.code, seq=reg.stamp.seq))
    for mid, code in sorted(rows.items()):
        if mid not in world.meetings:
            out.append(messages.text("registry_unregistered", code=code))
    return out


# --- a meeting -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditReport:
    """A meeting's chain checked, its history re-decided and its tables compared with the fold."""

    chain: ChainReport
    differences: tuple[str, ...]
    snapshot: bool
    """False for a meeting imported before snapshots: its reference rows could not be checked."""
    forbidden: tuple[str, ...] = ()
    """Accepted events the rules refuse with the ledger as it stood (``第 41 条：…``)."""
    registry: tuple[str, ...] = ()
    """This meeting's registration in the system chain."""
    system: SystemAudit | None = field(default=None, compare=False)
    world: MeetingWorld | None = field(default=None, compare=False, repr=False)
    links: str = field(default="here", compare=False)
    """Where the links were checked: ``here`` (in this process, with the rest), ``apart`` (in a
    child process, :data:`CHAIN_APART_MIN`), ``again`` (here, after the child's answer did not
    cover the rows read here)."""

    @property
    def ok(self) -> bool:
        """The chain is intact, every step was allowed, the tables hold exactly what it says,
        and the system chain verifies."""
        return (
            self.chain.ok
            and not self.differences
            and not self.forbidden
            and not self.registry
            and (self.system is None or self.system.ok)
        )

    def findings(self) -> list[str]:
        """Every problem of the meeting (and of the system chain), in plain words."""
        out = [*self.forbidden, *self.registry, *self.differences]
        if self.system is not None:
            if not self.system.chain_ok:
                out.append(
                    messages.text(
                        "system_broken",
                        broken_seq=self.system.broken_seq,
                        problem=self.system.problem,
                    )
                )
            out += [messages.text("system_finding", line=line) for line in self.system.findings()]
        return out


def event_rows(session: Session, meeting_id: int, *, upto: int | None = None) -> Iterable[Any]:
    """A meeting's events in seq order (those ``seq <= upto`` when given) as plain rows
    (attribute access like Event), streamed."""
    t = table_of(Event)
    query = select(t).where(t.c.meeting_id == meeting_id)
    if upto is not None:
        query = query.where(t.c.seq <= upto)
    return _plain(session.connection().execute(query.order_by(t.c.seq)).yield_per(BATCH))


@lru_cache(maxsize=8)
def _row_type(fields: tuple[str, ...]) -> Any:
    return namedtuple("StoredRow", fields)  # one type per column list, made once


def _plain(result: Any) -> Iterator[Any]:
    """A result's rows as named tuples. Reading a field of SQLAlchemy's ``Row`` by name costs
    ~0.3 µs, a named tuple's ~0.05 µs, and verify reads ~40 fields of each of 200,000 events
    (the chain's canonical bytes, the decode, the fold): 2 s of its 14 (bench/README.md)."""
    return map(_row_type(tuple(result.keys()))._make, result)


class MeetingAudit:
    """One pass over a meeting's rows: the chain, the typed events, the re-decide and the fold.
    Feed rows in seq order, then :meth:`report`."""

    def __init__(
        self,
        key: bytes,
        meeting: Any,
        system: SystemAudit,
        *,
        story: Story | None = None,
    ) -> None:
        self.meeting = meeting
        self.verifier = ChainVerifier(key, meeting.code)
        self.world = MeetingWorld(story=story)
        self.judge = Judge(system.world)
        self.system = system
        self.forbidden: list[str] = []
        self.fed, self.last_hash = 0, GENESIS
        """Rows fed without their link checked here: how many, and the last one's hash."""
        self.links = "here"
        self.judge_error: tuple[int, Exception] | None = None
        """Fed without the links: the first error the re-decide raised, and the row's place. It
        is raised once the links are known unbroken up to that row (as inline, where a row past
        a break is never judged), and dropped otherwise."""

    def feed(self, row: Any, *, chain: bool = True) -> Any:
        """Check, decode, judge and fold one row; returns its typed event. With ``chain``
        False its link is checked elsewhere (:func:`audit_meeting`'s child process): every
        event is judged, and what is judged after a break is dropped by :meth:`report`."""
        if chain:
            self.verifier.feed(row)
        else:
            self.fed, self.last_hash = self.fed + 1, row.hash
        event = codec.decode(row)
        if self.verifier.broken is None and self.judge_error is None:
            try:
                problems = self.judge.problems(self.world, event)
            except Exception as e:
                if chain:
                    raise
                self.judge_error, problems = (self.fed, e), []
            for why in problems:
                self.forbidden.append(messages.text("replay_line", seq=event.stamp.seq, why=why))
        self.world.apply(event, row.hash)
        return event

    def report(self, session: Session) -> AuditReport:
        """The verdict, comparing the tables now."""
        meeting_id = self.meeting.id
        chain = self.verifier.report(session.get(LedgerHead, meeting_id))
        registry: list[str] = []
        reg = self.system.world.meetings.get(meeting_id)
        if self.system.chain_ok and reg is None:
            registry.append(messages.text("registry_unregistered", code=self.meeting.code))
        elif reg is not None and reg.first_hash != self.world.first_hash:
            registry.append(messages.text("registry_first", code=reg.code, seq=reg.stamp.seq))
        diffs: list[str] = []
        if chain.ok:
            projection = project_meeting(self.world)
            meeting_row, tables = read_tables(session, meeting_id)
            diffs = differences(projection, meeting_row, tables, self.world)
        return AuditReport(
            chain,
            tuple(diffs),
            self.world.meeting.snapshot,
            forbidden=tuple(self.forbidden) if chain.ok else (),
            registry=tuple(registry),
            system=self.system,
            world=self.world,
            links=self.links,
        )


def audit_meeting(
    session: Session,
    key: bytes,
    meeting: Any,
    *,
    system: SystemAudit | None = None,
    story: Story | None = None,
    apart: int | None = None,
) -> AuditReport:
    """Verify a meeting's chain, re-decide its history, compare its tables (one pass).

    Args:
        session: a read session.
        key: the ledger key.
        meeting: the meeting (id and code).
        system: the system chain's audit, when the caller has one (``verify`` of every meeting).
        story: fold the paper's history into it too (``fold.Story``).
        apart: check the links in a child process when the chain is at least this long
            (:data:`CHAIN_APART_MIN` for a caller that only reads; None: inline). The report is
            the same either way.

    Returns:
        The chain report, the forbidden steps and every difference, in plain words.
    """
    system = system if system is not None else audit_system(session, key)
    audit = MeetingAudit(key, meeting, system, story=story)
    links = _links_apart(session, key, meeting, apart)
    if links is None:
        with bulk():
            for row in event_rows(session, meeting.id):
                audit.feed(row)
        return audit.report(session)
    pool, future = links
    try:
        with bulk():  # the fold's objects, without the cyclic collector walking them: -5 %
            for row in event_rows(session, meeting.id):
                audit.feed(row, chain=False)
        try:
            checked: ChainVerifier | None = future.result()
        except Exception:  # the child failed (no process, no connection): walk them here
            checked = None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    if (
        checked is None
        or checked.count != audit.fed
        or (checked.broken is None and checked.prev != audit.last_hash)
    ):  # not the rows read here (a head rewound past rows, a row changed meanwhile): walk them
        checked, audit.links = ChainVerifier(key, meeting.code), "again"
        for row in event_rows(session, meeting.id):
            checked.feed(row)
    else:
        audit.links = "apart"
    audit.verifier = checked
    if audit.judge_error is not None:
        place, error = audit.judge_error
        if checked.broken is None or place < checked.broken.count:  # inline would have judged it
            raise error
    return audit.report(session)


CHAIN_APART_MIN = 20_000
"""Events: a longer chain's links are checked in a child process, on the other core, while this
one decodes, re-decides and folds (``verify``, the desk's 校验, the export's verification)."""
LINKS_NICENESS = 10
"""The links' child runs at this much lower a CPU priority: it is the shorter half of the work
(about a third of the fold's time), and when the cores are shared — the forms written while
their verification runs — the fold, which the verdict waits for, gets them first
(bench/README.md: the forms 10.2-10.3 s with it at the same priority, 9.4-9.5 s niced)."""


def _links_apart(
    session: Session, key: bytes, meeting: Any, minimum: int | None
) -> tuple[ProcessPoolExecutor, Future[ChainVerifier]] | None:
    """Start checking the links of the events up to the head read here in a child process;
    None to check them inline (no ``minimum``, a short chain, an in-memory database).

    The child reads the same rows (the ledger is append-only, and it reads no further than this
    snapshot's head); :func:`audit_meeting` takes its answer only when it covers exactly the rows
    read here, with the same last hash, and walks them itself otherwise."""
    if minimum is None:
        return None
    head = session.get(LedgerHead, meeting.id)
    if head is None or head.seq < minimum:
        return None
    return start_apart(
        session, chain_links_at, key, meeting.id, meeting.code, head.seq, niceness=LINKS_NICENESS
    )


def chain_links_at(url: str, key: bytes, meeting_id: int, code: str, upto: int) -> ChainVerifier:
    """The links of a meeting's events ``seq <= upto`` checked on a fresh connection (the child
    process of :func:`audit_meeting`): the verifier, fed every row."""
    from carrier_tracker.storage.db import make_engine, read_scope

    engine = make_engine(url, read_only=True)
    try:
        with read_scope(engine) as session:
            verifier = ChainVerifier(key, code)
            for row in event_rows(session, meeting_id, upto=upto):
                verifier.feed(row)
            return verifier
    finally:
        engine.dispose()


def audit_meeting_at(url: str, key: bytes, meeting_code: str) -> AuditReport:
    """:func:`audit_meeting` on a fresh connection (a child process of the export)."""
    from carrier_tracker.storage.db import make_engine, read_scope

    engine = make_engine(url, read_only=True)
    try:
        with read_scope(engine) as session:
            m = table_of(Meeting)
            row = (
                session.connection()
                .execute(select(m.c.id, m.c.code).where(m.c.code == meeting_code))
                .one()
            )
            report = audit_meeting(session, key, row, apart=CHAIN_APART_MIN)
            return AuditReport(
                report.chain,
                report.differences,
                report.snapshot,
                report.forbidden,
                report.registry,
                report.system,
                links=report.links,
            )
    finally:
        engine.dispose()


# --- the tables as stored ----------------------------------------------------------------------


def _raw(column: Any, sqlite: bool) -> Any:
    """A column read as stored: on SQLite a text column may hold anything, read it as text."""
    return type_coerce(column, String) if sqlite else column


def _flag(column: Any, sqlite: bool) -> Any:
    return type_coerce(column, Integer) if sqlite else column


def _when(column: Any, sqlite: bool) -> Any:
    return type_coerce(column, String) if sqlite else column


def _bool(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if value in (0, 1):
        return bool(value)
    return value


def _time(value: Any) -> Any:
    """A stored time in plain form; text that is no time comes back as it is (a difference)."""
    if value is None or not isinstance(value, str):
        return plain(value)
    from datetime import datetime

    try:
        return plain(datetime.fromisoformat(value))
    except ValueError:
        return value


def _date(value: Any) -> Any:
    if value is None or not isinstance(value, str):
        return plain(value)
    from datetime import date

    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return value


TIME_COLUMNS = frozenset(
    {
        "starts_at",
        "ends_at",
        "closed_at",
        "state_since",
        "dispatched_at",
        "received_at",
        "answered_at",
        "accepted_at",
        "at",
        "locked_until",
    }
)
DATE_COLUMNS = frozenset({"filed_on", "pledge_on", "briefed_on", "due_on"})
BOOL_COLUMNS = frozenset(
    {
        "requires_passes",
        "out_of_town",
        "collect_at_breaks",
        "may_take_away",
        "tag_released",
        "disabled",
    }
)


def _reader(column: Any, name: str, sqlite: bool) -> Any:
    if name in TIME_COLUMNS or name in DATE_COLUMNS:
        return _when(column, sqlite)
    if name in BOOL_COLUMNS:
        return _flag(column, sqlite)
    return _raw(column, sqlite)


def _value(name: str, value: Any) -> Any:
    if name in TIME_COLUMNS:
        return _time(value)
    if name in DATE_COLUMNS:
        return _date(value)
    if name in BOOL_COLUMNS:
        return _bool(value)
    return value


def read_tables(session: Session, meeting_id: int) -> tuple[Row, dict[str, Rows]]:
    """A meeting's row and its rows of every table the ledger decides, in plain form, keyed as
    the projection keys them."""
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    m = table_of(Meeting)
    names = (*MEETING_REFERENCE, *MEETING_STATE)
    found = conn.execute(
        select(*(_reader(m.c[n], n, sqlite) for n in names)).where(m.c.id == meeting_id)
    ).first()
    meeting_row = {n: _value(n, v) for n, v in zip(names, found or (), strict=False)}
    tables: dict[str, Rows] = {}
    for view in MEETING_TABLES:
        t = _table(view.table)
        key_cols = [t.c[k] for k in view.key]
        cols = [_reader(t.c[c], c, sqlite) for c in view.columns]
        rows: Rows = {}
        for values in conn.execute(select(*key_cols, *cols).where(t.c.meeting_id == meeting_id)):
            key = tuple(values[: len(key_cols)])
            if view.table == "checklistanswer":
                key = (key[0], str(key[1]).lower())
            rows[key] = {
                c: _value(c, v) for c, v in zip(view.columns, values[len(key_cols) :], strict=True)
            }
        tables[view.table] = rows
    return meeting_row, tables


def _table(name: str) -> Any:
    from carrier_tracker.storage import models

    for model in (
        models.Attendee,
        models.Document,
        models.Carrier,
        models.Consignment,
        models.ChecklistAnswer,
        models.RetiredTag,
        models.Disposition,
    ):
        if table_of(model).name == name:
            return table_of(model)
    raise KeyError(name)
