"""The one read model of custody: what is outstanding, for whom, since when — and the counts.

``status``, ``close``, the 清点 screen, its close dialog and the export's 未收回清单 all ask
:func:`reconciliation`; none re-derives "outstanding". The counts are honest:

- 未收回 (outstanding): issued, carried out, in transit or lost;
- 已收回 (recovered): left custody and came back;
- 未发放 (never issued): tagged and never left custody;
- 已作废 (withdrawn): a copy destroyed before it was ever issued, in none of the above;
- 休会收回 (collected) is back in custody for a break; 已签收 (delivered) passed to the
  recipient unit with a receipt.

Items with no holder (a copy reported lost from the store, a pass nobody holds) form their own
group, in-transit copies are grouped by consignment: every outstanding item is listed once.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from carrier_tracker import messages
from carrier_tracker.enums import (
    DISPOSED,
    OUTSTANDING,
    Action,
    CarrierKind,
    MeetingStatus,
    State,
    Verdict,
)
from carrier_tracker.errors import NotFoundError
from carrier_tracker.storage.direct import ADMIN_EVENTS_WHERE, bulk, day, marks, rows, when
from carrier_tracker.text_fields import normalize_code

_OUT = tuple(sorted(s.value for s in OUTSTANDING))
_PASS, _COPY = CarrierKind.PASS.value, CarrierKind.COPY.value
_WITHDRAWN = State.WITHDRAWN.value
_COPY_ITEM, _PASS_ITEM = messages.TEXT["copy_item"], messages.TEXT["pass_item"]
_FROM_ISO = datetime.fromisoformat


@dataclass(frozen=True)
class OutItem:
    """One carrier not back in custody."""

    carrier_id: int
    kind: CarrierKind
    label: str
    """``HY-01 第001份`` or ``会议证 P003（梁洋）``."""
    document: str | None
    copy: int | None
    pass_number: str | None
    state: State
    since: datetime | None
    attendee_code: str | None
    """Who has it: the holder, else the holder before a break or loss (passes: the owner)."""
    consignment: str | None
    """The consignment of an in-transit copy."""


@dataclass(frozen=True)
class Group:
    """Who (or what) has outstanding items: an attendee, a courier consignment, or nobody."""

    key: str
    """Stable: ``a:A001``, ``c:JY-2026-001``, ``none``."""
    title: str
    items: tuple[OutItem, ...]
    attendee_code: str | None = None
    name: str = ""
    """An attendee's group: the attendee's name."""
    unit: str = ""
    """An attendee's group: the attendee's unit."""
    pledge_on: date | None = None
    """An attendee's 保密承诺书 day on record (None: none, or not an attendee's group)."""


@dataclass(frozen=True)
class Reconciliation:
    """What is outstanding, for whom, since when; and the counts every view shows."""

    code: str
    status: MeetingStatus
    total: int
    """Tagged carriers (untagged ones cannot be tapped and are counted in ``unbound``)."""
    outstanding: int
    lost: int
    in_transit: int
    recovered: int
    collected: int
    delivered: int
    never_issued: int
    unbound: int
    items: tuple[OutItem, ...]
    """Every outstanding item (of the attendees asked for, when filtered)."""
    groups: tuple[Group, ...]
    """Attendees with items (by code), then consignments, then items with no holder."""
    everyone: tuple[Group, ...]
    """One group per attendee, empty ones included (the 清点 screen's "show all")."""
    unpledged: tuple[tuple[str, str], ...] = ()
    """(code, name) of attendees whose pass was handed out with no 保密承诺书 on record."""
    withdrawn: int = 0
    """Copies withdrawn before ever being issued (destroyed, spoiled): in no other count."""
    disposed: int = 0
    """Recovered copies disposed of after the meeting (archived, destroyed, returned): counted
    among the recovered too."""

    @property
    def closed(self) -> bool:
        """The meeting is closed."""
        return self.status is MeetingStatus.CLOSED

    @property
    def all_back(self) -> bool:
        """Nothing outstanding (lost items count as outstanding)."""
        return self.outstanding == 0

    @property
    def left_custody(self) -> int:
        """Carriers that were ever handed out (everything but the never-issued)."""
        return self.total - self.never_issued

    @property
    def pending(self) -> tuple[OutItem, ...]:
        """Outstanding items that are not lost (they block a close outright)."""
        return tuple(it for it in self.items if it.state is not State.LOST)

    @property
    def lost_items(self) -> tuple[OutItem, ...]:
        """Lost items (a close needs an officer's exception)."""
        return tuple(it for it in self.items if it.state is State.LOST)

    def unpledged_line(self) -> str:
        """``已发会议证而未签保密承诺书 2 人：A002 李四、…``, or "" when there are none."""
        if not self.unpledged:
            return ""
        names = "、".join(f"{code} {name}" for code, name in self.unpledged[:10])
        if len(self.unpledged) > 10:
            names += "…"
        return messages.text("recon_unpledged", count=len(self.unpledged), names=names)

    def summary(self) -> str:
        """One line of counts, e.g. ``未收回 2（其中挂失 1） · 已收回 5/7 · …``."""
        return messages.recon_summary(self.counts())

    def counts(self) -> dict[str, int]:
        """The counts by name (``status --json``'s ``counts``)."""
        return {
            "total": self.total,
            "outstanding": self.outstanding,
            "lost": self.lost,
            "in_transit": self.in_transit,
            "recovered": self.recovered,
            "left_custody": self.left_custody,
            "collected": self.collected,
            "delivered": self.delivered,
            "never_issued": self.never_issued,
            "unpledged_passes": len(self.unpledged),
            "withdrawn": self.withdrawn,
            "disposed": self.disposed,
        }

    def verdict(self) -> str:
        """``全部收回（另有 N 件未发放）`` or ``未收回 N``: the headline of every view."""
        if self.all_back:
            return messages.text("all_back", never_issued=self.never_issued)
        return messages.text("not_all_back", outstanding=self.outstanding)


def _label(
    is_pass: bool,
    doc: str | None,
    copy_no: int | None,
    pass_no: str | None,
    owner_code: str | None,
    owner_name: str | None,
) -> str:
    """``HY-01 第001份`` or ``会议证 P003（梁洋）`` from a query's columns."""
    if is_pass:
        return messages.text("pass_item", number=pass_no or owner_code, name=owner_name)
    return messages.text("copy_item", doc=doc, copy=copy_no)


# --- the meeting ---------------------------------------------------------------------------------

_MEETING_COLUMNS = ("id", "code", "title", "level", "status", "requires_passes", "closed_at")
_MEETING_BY_CODE = (
    f"SELECT {', '.join(_MEETING_COLUMNS)} FROM meeting WHERE lower(code) = lower(?)"
    " ORDER BY code != ? LIMIT 1"
)


def meeting_row(bind: Any, code: str) -> SimpleNamespace:
    """The meeting with this code (any letter case; an exact match first) as the views read it:
    ``id``, ``code``, ``title``, ``level``, ``status``, ``requires_passes``, ``closed_at``.

    Raises:
        NotFoundError: there is none.
    """
    code = normalize_code(code)
    found = rows(bind, _MEETING_BY_CODE, (code, code))
    if not found:
        raise NotFoundError(messages.text("no_meeting", code=code))
    row = SimpleNamespace(**dict(zip(_MEETING_COLUMNS, found[0], strict=True)))
    row.requires_passes = bool(row.requires_passes)
    row.closed_at = when(row.closed_at)
    return row


# --- counts ------------------------------------------------------------------------------------

# Counted from the index on (meeting_id, state) alone, then corrected by the few untagged
# carriers (found through the index on tag_uid) and the passes (one per attendee, through
# the index on owner_id): no read of the meeting's 100,000 carrier rows.
_BY_STATE = "SELECT state, count(*) FROM carrier WHERE meeting_id = ? GROUP BY state"
_UNTAGGED = (
    "SELECT kind, state, count(*) FROM carrier WHERE tag_uid IS NULL AND meeting_id = ?"
    " GROUP BY kind, state"
)
_PASSES = (
    "SELECT c.state, count(*) FROM attendee a JOIN carrier c ON c.owner_id = a.id"
    " WHERE a.meeting_id = ? AND c.meeting_id = a.meeting_id AND c.kind = ? GROUP BY c.state"
)


def census(bind: Any, meeting_id: int) -> tuple[dict[str, dict[str, int]], int]:
    """Carriers by kind and state — tagged ones, and withdrawn copies tagged or not — and the
    number of untagged ones (not withdrawn: they cannot be tapped), every state present."""
    everything = dict(rows(bind, _BY_STATE, (meeting_id,)))
    passes = dict(rows(bind, _PASSES, (meeting_id, _PASS)))
    out = {k.value: {s.value: 0 for s in State} for k in CarrierKind}
    for state, n in everything.items():
        out[_PASS][state] = passes.get(state, 0)
        out[_COPY][state] = n - passes.get(state, 0)
    unbound = 0
    for kind, state, n in rows(bind, _UNTAGGED, (meeting_id,)):
        if state != _WITHDRAWN:  # a withdrawn copy needs no tag
            out[kind][state] -= n
            unbound += n
    return out, unbound


def state_counts(session: Any, meeting_id: int) -> tuple[dict[str, int], int]:
    """Tagged carriers by state, and the number of untagged ones."""
    return _by_state(*census(session, meeting_id))


def _by_state(by_kind: dict[str, dict[str, int]], unbound: int) -> tuple[dict[str, int], int]:
    by_state: dict[str, int] = {}
    for states in by_kind.values():
        for state, n in states.items():
            if n:
                by_state[state] = by_state.get(state, 0) + n
    return by_state, unbound


_UNPLEDGED = (
    "SELECT a.code, a.name FROM attendee a JOIN carrier c ON c.owner_id = a.id"
    " WHERE a.meeting_id = ? AND c.kind = ? AND c.state != ? AND a.pledge_on IS NULL"
    " ORDER BY a.code"
)


def unpledged_pass_holders(session: Any, meeting_id: int) -> tuple[tuple[str, str], ...]:
    """Attendees whose pass left custody (ever issued) with no 保密承诺书 on record, by code."""
    found = rows(session, _UNPLEDGED, (meeting_id, _PASS, State.REGISTERED.value))
    return tuple((code, name) for code, name in found)


def outstanding_count(by_state: dict[str, int]) -> int:
    """How many carriers are outstanding, from counts by state."""
    return sum(by_state.get(s.value, 0) for s in OUTSTANDING)


# --- what is out, for whom -----------------------------------------------------------------------

_ITEMS = (
    "SELECT c.id, c.kind, d.number, c.copy_number, o.pass_number, o.code, o.name, c.state,"
    " c.state_since, h.code, k.number"
    " FROM carrier c"
    " LEFT JOIN document d ON d.id = c.document_id"
    " LEFT JOIN attendee o ON o.id = c.owner_id"
    " LEFT JOIN attendee h ON h.id = coalesce(c.holder_id, c.remembered_holder_id)"
    " LEFT JOIN consignment k ON k.id = c.consignment_id"
    " WHERE c.meeting_id = ? AND c.state IN ({states}) AND c.tag_uid IS NOT NULL{who}"
    " ORDER BY d.number, c.copy_number, o.code"
)
_WHO = " AND coalesce(c.holder_id, c.remembered_holder_id, o.id) IN ({ids})"
_PEOPLE = (
    "SELECT id, code, name, unit, pledge_on FROM attendee WHERE meeting_id = ?{who} ORDER BY code"
)
_FILTER_IN_SQL = 500
"""Attendee filters up to this size go into the SQL (the 清点 screen's refresh of a few); a
larger one is applied to the rows instead (no statement with thousands of parameters)."""


_STATES = {s.value: s for s in State}
_KINDS = {k.value: k for k in CarrierKind}
_NEW = object.__new__


def item_of(row: Sequence[Any]) -> OutItem:
    """An item from a row of :data:`_ITEMS`' columns (carrier id, kind, document number, copy
    number, pass number, owner code, owner name, state, since, holder code, consignment).

    Built past the frozen dataclass's ``__init__`` (eleven ``object.__setattr__`` calls): a
    100,000-copy meeting has 50,000 items out, and this halves the cost of making them.
    """
    cid, kind, doc, copy_no, pass_no, owner_code, owner_name, state, since, hcode, cons = row[:11]
    state = _STATES[state]
    item = _NEW(OutItem)
    if kind == _PASS:
        number = pass_no or owner_code
        label = _PASS_ITEM.format(number=number, name=owner_name)
        who = hcode or owner_code
    else:
        label, number, who = _COPY_ITEM.format(doc=doc, copy=copy_no), None, hcode
    item.__dict__.update(
        carrier_id=cid,
        kind=_KINDS[kind],
        label=label,
        document=doc,
        copy=copy_no,
        pass_number=number,
        state=state,
        since=since if since is None or since.__class__ is not str else _FROM_ISO(since),
        attendee_code=who,
        consignment=cons if state is State.IN_TRANSIT else None,
    )
    return item


def out_items(
    bind: Any,
    meeting_id: int,
    states: Collection[str] = _OUT,
    attendee_ids: Collection[int] | None = None,
) -> list[OutItem]:
    """Tagged carriers of the meeting in these states (default: outstanding), by document,
    copy and pass owner, each with who has it: one statement, growing with its answer."""
    params: list[Any] = [meeting_id, *states]
    who = ""
    if attendee_ids is not None and len(attendee_ids) <= _FILTER_IN_SQL:
        who = _WHO.format(ids=marks(len(attendee_ids)))
        params += list(attendee_ids)
    sql = _ITEMS.format(states=marks(len(states)), who=who)
    found = rows(bind, sql, params)
    if attendee_ids is not None and not who:
        found = _held_by(bind, found, meeting_id, set(attendee_ids))
    return [item_of(row) for row in found]


def _held_by(
    bind: Any, found: list[tuple[Any, ...]], meeting_id: int, wanted: set[int]
) -> list[tuple[Any, ...]]:
    """The rows of ``found`` whose holder (or remembered holder, or a pass's owner) is wanted:
    the filter of :data:`_WHO` applied to the rows (by code: codes are unique per meeting)."""
    codes = {
        code
        for aid, code in rows(
            bind, "SELECT id, code FROM attendee WHERE meeting_id = ?", (meeting_id,)
        )
        if aid in wanted
    }
    return [r for r in found if (r[9] or (r[5] if r[1] == _PASS else None)) in codes]


def reconciliation(
    session: Any,
    meeting: Any,
    attendee_ids: Collection[int] | None = None,
    *,
    counted: tuple[dict[str, dict[str, int]], int] | None = None,
) -> Reconciliation:
    """The reconciliation of a meeting: outstanding items grouped by who has them, and counts.

    Set-based: one statement for the items (its rows are the answer), counts from indexes, one
    read of the attendees for the groups.

    Args:
        session: a (read) session, or the ``sqlite3`` connection of :func:`direct.open_reader`.
        meeting: the meeting (anything with its ``id``: an ORM row or :func:`meeting_row`).
        attendee_ids: only these attendees' items (the counts stay the whole meeting's).
        counted: the meeting's :func:`census`, when the caller has it already.

    Returns:
        The reconciliation.
    """
    with bulk():
        return _reconciliation(session, meeting, attendee_ids, counted)


def _reconciliation(
    session: Any,
    meeting: Any,
    attendee_ids: Collection[int] | None,
    counted: tuple[dict[str, dict[str, int]], int] | None,
) -> Reconciliation:
    assert meeting.id is not None
    code, status = rows(session, "SELECT code, status FROM meeting WHERE id = ?", (meeting.id,))[0]
    by_state, unbound = _by_state(*(counted or census(session, meeting.id)))
    items = out_items(session, meeting.id, attendee_ids=attendee_ids)
    params: list[Any] = [meeting.id]
    who = ""
    if attendee_ids is not None and len(attendee_ids) <= _FILTER_IN_SQL:
        who = f" AND id IN ({marks(len(attendee_ids))})"
        params += list(attendee_ids)
    people = rows(session, _PEOPLE.format(who=who), params)
    if attendee_ids is not None and not who:
        wanted = set(attendee_ids)
        people = [p for p in people if p[0] in wanted]
    held: dict[str, list[OutItem]] = {}
    couriers: dict[str, list[OutItem]] = {}
    nobody: list[OutItem] = []
    for it in items:
        if it.consignment:
            couriers.setdefault(it.consignment, []).append(it)
        elif it.attendee_code:
            held.setdefault(it.attendee_code, []).append(it)
        else:
            nobody.append(it)
    title = messages.TEXT["group_attendee"]
    everyone = tuple(
        Group(
            f"a:{code}",
            title.format(code=code, name=name),
            tuple(held.get(code, ())),
            attendee_code=code,
            name=name,
            unit=unit,
            pledge_on=day(pledge_on),
        )
        for _, code, name, unit, pledge_on in people
    )
    groups = [g for g in everyone if g.items]
    groups += [
        Group(f"c:{n}", messages.text("group_consignment", number=n), tuple(v))
        for n, v in sorted(couriers.items())
    ]
    if nobody:
        groups.append(Group("none", messages.text("group_unassigned"), tuple(nobody)))
    disposed = sum(by_state.get(s, 0) for s in DISPOSED)
    return Reconciliation(
        code=code,
        status=MeetingStatus(status),
        total=sum(by_state.values()) - by_state.get(State.WITHDRAWN, 0),
        outstanding=outstanding_count(by_state),
        lost=by_state.get(State.LOST, 0),
        in_transit=by_state.get(State.IN_TRANSIT, 0),
        recovered=by_state.get(State.RECOVERED, 0) + disposed,
        collected=by_state.get(State.COLLECTED, 0),
        delivered=by_state.get(State.DELIVERED, 0),
        never_issued=by_state.get(State.REGISTERED, 0),
        withdrawn=by_state.get(State.WITHDRAWN, 0),
        disposed=disposed,
        unbound=unbound,
        items=tuple(items),
        groups=tuple(groups),
        everyone=everyone,
        unpledged=unpledged_pass_holders(session, meeting.id),
    )


@dataclass(frozen=True)
class FoundLater:
    """A carrier that was lost when its meeting closed and was found afterwards (the meeting
    stayed closed; the find is a ledger event after the close)."""

    carrier_id: int
    kind: CarrierKind
    label: str
    document: str | None
    copy: int | None
    pass_number: str | None
    attendee_code: str | None
    """Who had it before it was lost (the holder the find event names)."""
    found_at: datetime
    seq: int
    operator: str
    note: str


_CLOSE_SEQ = (
    "SELECT seq FROM event WHERE meeting_id = ? AND action = ? AND verdict = ?"
    f" AND {ADMIN_EVENTS_WHERE}"
)  # not min(seq): SQLite would answer that by walking the (meeting_id, seq) index


def close_seq(session: Any, meeting: Any) -> int | None:
    """The seq of the meeting's close event (None while it is not closed)."""
    found = rows(session, _CLOSE_SEQ, (meeting.id, Action.CLOSE.value, Verdict.ACCEPTED.value))
    return min((int(seq) for (seq,) in found), default=None)


_FOUND_AFTER = (
    "SELECT c.id, c.kind, d.number, c.copy_number, o.pass_number, o.code, o.name, p.code,"
    " e.at, e.seq, e.operator, e.note"
    " FROM event e"
    " JOIN carrier c ON c.id = e.carrier_id"
    " LEFT JOIN document d ON d.id = c.document_id"
    " LEFT JOIN attendee o ON o.id = c.owner_id"
    " LEFT JOIN attendee p ON p.id = e.attendee_id"
    " WHERE e.meeting_id = ? AND e.seq > ? AND e.action = ? AND e.verdict = ?"
    " ORDER BY e.seq"
)


def found_after_close(session: Any, meeting: Any) -> tuple[FoundLater, ...]:
    """Lost items found after the meeting closed, in the order they were found."""
    closed = close_seq(session, meeting)
    if closed is None:
        return ()
    found = rows(
        session,
        _FOUND_AFTER,
        (meeting.id, closed, Action.FOUND.value, Verdict.ACCEPTED.value),
    )
    out = []
    for cid, kind, doc, copy_no, pass_no, owner_code, owner_name, who, at, seq, op, note in found:
        is_pass = kind == _PASS
        out.append(
            FoundLater(
                carrier_id=cid,
                kind=CarrierKind(kind),
                label=_label(is_pass, doc, copy_no, pass_no, owner_code, owner_name),
                document=doc,
                copy=copy_no,
                pass_number=(pass_no or owner_code) if is_pass else None,
                attendee_code=who or (owner_code if is_pass else None),
                found_at=when(at),  # type: ignore[arg-type]
                seq=seq,
                operator=op,
                note=note,
            )
        )
    return tuple(out)


_RELEASED = (
    "SELECT kind, count(*) FROM carrier WHERE meeting_id = ? AND tag_released = ? GROUP BY kind"
)


def released_tags(session: Any, meeting: Any) -> dict[str, int]:
    """How many of the meeting's tags were released for reuse, per kind (``pass``, ``copy``)."""
    out = {k.value: 0 for k in CarrierKind}
    for kind, n in rows(session, _RELEASED, (meeting.id, True)):
        out[kind] = n
    return out


# --- status: the read model as ``status --json`` shows it ----------------------------------------

_LATE = (
    "SELECT attendee_id FROM event WHERE meeting_id = ? AND action = ? AND verdict = ?"
    f" AND {ADMIN_EVENTS_WHERE}"
)
_SUBSTITUTES = (
    "SELECT s.id, s.code, s.name, a.id, a.code, a.name FROM attendee s"
    " JOIN attendee a ON a.id = s.substitute_for_id"
    " WHERE s.substitute_for_id IS NOT NULL AND s.meeting_id = ? AND a.meeting_id = s.meeting_id"
)


def attendee_marks(bind: Any, meeting_id: int) -> dict[int, str]:
    """How the register marks people changed during the meeting: ``{attendee id: mark}`` —
    "会中增补" for a late attendee, "代 A003 王五 参会" for a substitute and "缺席，由 A010 赵六
    代会" for the delegate they stand in for."""
    late = rows(bind, _LATE, (meeting_id, Action.ATTENDEE_ADD.value, Verdict.ACCEPTED.value))
    out = {a: messages.text("mark_late") for (a,) in late if a is not None}
    for sub_id, sub_code, sub_name, absent_id, absent_code, absent_name in rows(
        bind, _SUBSTITUTES, (meeting_id,)
    ):
        out[sub_id] = messages.text("mark_substitute", code=absent_code, name=absent_name)
        out[absent_id] = messages.text("mark_absent", code=sub_code, name=sub_name)
    return out


def marked_people(bind: Any, meeting_id: int) -> list[dict[str, str]]:
    """People changed during the meeting (late, 代会 and the absent delegate), by code."""
    found = attendee_marks(bind, meeting_id)
    if not found:
        return []
    people = rows(
        bind,
        f"SELECT id, code, name, unit FROM attendee WHERE id IN ({marks(len(found))})"
        " ORDER BY code",
        list(found),
    )
    return [{"code": c, "name": n, "unit": u, "mark": found[i]} for i, c, n, u in people]


def iso(at: datetime | None) -> str | None:
    """A time as ISO 8601 UTC with ``Z`` (``2026-12-08T01:02:03.456789Z``); None for none. A
    naive time is UTC (as SQLite's columns hold it)."""
    if at is None:
        return None
    if at.tzinfo is None:
        return at.isoformat() + "Z"
    return at.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


_VALUE = {member: member.value for member in (*State, *CarrierKind)}


def _item_json(it: OutItem) -> dict[str, Any]:
    return {
        "kind": _VALUE[it.kind],
        "label": it.label,
        "document": it.document,
        "copy": it.copy,
        "pass": it.pass_number,
        "state": _VALUE[it.state],
        "since": iso(it.since),
    }


def status_data(bind: Any, meeting_code: str) -> dict[str, Any]:
    """The JSON-ready status of a meeting (shape documented in the README), from the read model.

    Args:
        bind: a read session, or the ``sqlite3`` connection of :func:`direct.open_reader`.
        meeting_code: the meeting (any letter case).

    Raises:
        NotFoundError: no such meeting.
    """
    with bulk():
        return _status_data(bind, meeting_code)


def _status_data(bind: Any, meeting_code: str) -> dict[str, Any]:
    meeting = meeting_row(bind, meeting_code)
    counted = census(bind, meeting.id)
    recon = _reconciliation(bind, meeting, None, counted)
    attendees, in_transit, unassigned = [], [], []
    for group in recon.groups:
        if group.attendee_code is not None:
            attendees.append(
                {
                    "code": group.attendee_code,
                    "name": group.name,
                    "unit": group.unit,
                    "items": [_item_json(it) for it in group.items],
                }
            )
        elif group.key == "none":
            unassigned = [_item_json(it) for it in group.items]
        else:
            in_transit += [{**_item_json(it), "consignment": it.consignment} for it in group.items]
    return {
        "meeting": {
            "code": meeting.code,
            "title": meeting.title,
            "level": meeting.level,
            "status": meeting.status,
            "requires_passes": meeting.requires_passes,
            "closed_at": iso(meeting.closed_at),
        },
        "totals": counted[0],
        "counts": recon.counts(),
        "all_back": recon.all_back,
        "unbound": recon.unbound,
        "outstanding": recon.outstanding,
        "lost": recon.lost,
        "attendees": attendees,
        "in_transit": in_transit,
        "unassigned": unassigned,
        "unpledged": [{"code": c, "name": n} for c, n in recon.unpledged],
        "marked": marked_people(bind, meeting.id),
    }
