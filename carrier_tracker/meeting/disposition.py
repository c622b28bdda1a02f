"""Disposition (处置) of recovered copies after the meeting: archived with where they are kept,
destroyed by a method before witnesses (两人以上监销), or returned to the issuing unit.

Each disposition is one ``dispose`` event of the meeting (also after the close): its copies go
to a final state (已归档, 已销毁, 已退回发文单位), their tags are released and a ``disposition``
row is written for each. Only a recovered copy can be disposed of; a refusal is recorded as a
refused event naming what was wrong. A mistaken disposition is undone by ``void`` (an officer,
with a note): :func:`void_disposal`. ``verify`` re-decides each one (``ledger/replay.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from carrier_tracker import ledger, messages
from carrier_tracker import text_fields as tf
from carrier_tracker.custody.service import NewEvent, approval, find_meeting
from carrier_tracker.enums import (
    Action,
    CarrierKind,
    DestroyMethod,
    Disposal,
    PlaceKind,
    State,
    Verdict,
)
from carrier_tracker.errors import CarrierTrackerError, NotFoundError
from carrier_tracker.ledger import codec
from carrier_tracker.ledger import events as ev
from carrier_tracker.ledger.audit import event_rows
from carrier_tracker.ledger.fold import MeetingWorld
from carrier_tracker.meeting.distribution import find_document
from carrier_tracker.meeting.places import place_names
from carrier_tracker.storage.models import (
    Carrier,
    Disposition,
    Document,
    Event,
    Meeting,
    Operator,
    table_of,
    utcnow,
)
from carrier_tracker.storage.tap_store import TapStore
from carrier_tracker.uids import normalize_uid

SHOWN = 6
"""Copies named in a line before ``等``."""
BATCH = 5000


@dataclass(frozen=True)
class DisposeOutcome:
    """What one disposition did: accepted (its copies) or refused (recorded) with the reason."""

    accepted: bool
    message: str
    seq: int | None = None
    count: int = 0
    """Copies disposed of."""
    items: tuple[str, ...] = ()
    """The copies disposed of, as named to people."""
    left: tuple[str, ...] = ()
    """Copies of the document asked for that were not disposed of (not recovered), with their
    state (``--document``)."""
    reason_key: str = ""

    @property
    def refused(self) -> bool:
        """True when the disposition was refused (and recorded as such)."""
        return not self.accepted


class _Refused(Exception):
    def __init__(self, key: str, carrier: Any = None, *, hint: str = "", **fields: object) -> None:
        super().__init__(messages.text(key, **fields) + hint)
        self.key = key
        self.carrier = carrier


@dataclass(frozen=True)
class _Copy:
    """A copy as the disposition reads it."""

    id: int
    item: str
    state: State
    tag_uid: str | None
    tag_released: bool
    holder_id: int | None
    remembered_id: int | None
    consignment_id: int | None
    since: datetime | None


def _copy_rows(session: Session, meeting: Meeting, where: Any) -> list[_Copy]:
    c, d = table_of(Carrier), table_of(Document)
    rows = session.connection().execute(
        core_select(
            c.c.id,
            d.c.number,
            c.c.copy_number,
            c.c.state,
            c.c.tag_uid,
            c.c.tag_released,
            c.c.holder_id,
            c.c.remembered_holder_id,
            c.c.consignment_id,
            c.c.state_since,
        )
        .select_from(c)
        .join(d, d.c.id == c.c.document_id)
        .where(c.c.meeting_id == meeting.id, c.c.kind == CarrierKind.COPY.value, where)
        .order_by(d.c.number, c.c.copy_number)
    )
    return [
        _Copy(
            cid,
            messages.text("copy_item", doc=number, copy=copy_no),
            State(state),
            uid,
            bool(released),
            holder,
            remembered,
            consignment,
            since,
        )
        for cid, number, copy_no, state, uid, released, holder, remembered, consignment, since in (
            rows
        )
    ]


def _by_uid(session: Session, meeting: Meeting, uid: str) -> _Copy:
    """The meeting's copy with this tag (bound before released), or bad input."""
    c = table_of(Carrier)
    found = (
        session.connection()
        .execute(
            core_select(c.c.id, c.c.kind)
            .where(c.c.meeting_id == meeting.id, c.c.tag_uid == uid)
            .order_by(c.c.tag_released, c.c.id.desc())
        )
        .first()
    )
    if found is None:
        raise NotFoundError(messages.text("dispose_no_tag", meeting=meeting.code, uid=uid))
    if found.kind != CarrierKind.COPY.value:
        raise CarrierTrackerError(messages.text("dispose_pass", uid=uid))
    return _copy_rows(session, meeting, c.c.id == found.id)[0]


def joined(items: Sequence[str]) -> str:
    """The first :data:`SHOWN` items, then 等."""
    shown = "、".join(items[:SHOWN])
    return messages.text("dispose_items_more", items=shown) if len(items) > SHOWN else shown


@dataclass(frozen=True)
class Ask:
    """What to dispose of, and how (checked as bad input before anything is locked)."""

    kind: Disposal
    uids: tuple[str, ...] = ()
    document: str | None = None
    all_recovered: bool = False
    location: str = ""
    method: str = ""
    unit: str = ""
    witnesses: tuple[str, ...] = ()


def check_ask(ask: Ask) -> Ask:
    """The request with its UIDs and texts normalised.

    Raises:
        CarrierTrackerError: not exactly one choice of copies, a malformed UID, an unknown
            destruction method, too many witnesses, or a text too long or malformed.
    """
    chosen = sum((bool(ask.uids), ask.document is not None, ask.all_recovered))
    if chosen != 1:
        raise CarrierTrackerError(messages.text("dispose_choose"))
    uids = tuple(dict.fromkeys(normalize_uid(u) for u in ask.uids))
    location = unit = method = ""
    if ask.kind is Disposal.ARCHIVE:
        location = tf.check_text(
            messages.text("arg_location"), ask.location, tf.ARCHIVE, required=True
        )
    elif ask.kind is Disposal.RETURN:
        unit = tf.check_text(messages.text("arg_return_to"), ask.unit, tf.UNIT, required=True)
    else:
        method = ask.method.strip()
        if method not in {m.value for m in DestroyMethod}:
            raise CarrierTrackerError(
                messages.text("dispose_method_unknown", method=tf.printable(ask.method, 40))
            )
    witnesses = tuple(
        tf.check_text(messages.text("arg_witness"), w, tf.OPERATOR, required=True)
        for w in ask.witnesses
    )
    if len(witnesses) > tf.MAX_WITNESSES:
        raise CarrierTrackerError(messages.text("dispose_witness_many", most=tf.MAX_WITNESSES))
    if witnesses and ask.kind is not Disposal.DESTROY:
        raise CarrierTrackerError(messages.text("dispose_witness_only_destroy"))
    return replace(ask, uids=uids, location=location, unit=unit, method=method, witnesses=witnesses)


def dispose(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    ask: Ask,
    operator: str = "",
    station: str = "",
    now: datetime | None = None,
) -> DisposeOutcome:
    """Dispose of recovered copies of a meeting: one ``dispose`` event, in the caller's
    transaction. A refusal appends a refused event instead and changes nothing else.

    Args:
        session: the open session (the caller commits).
        key: the ledger key.
        meeting_code: the meeting (open or closed).
        ask: what and how (see :class:`Ask`); the witnesses are names the caller authenticated
            with their PINs.
        operator: who records it (authenticated by the caller).
        station: the desk.
        now: the time (default: now).

    Returns:
        The outcome.

    Raises:
        NotFoundError: no such meeting, document or tag (nothing recorded).
        CarrierTrackerError: bad input (see :func:`check_ask`), or a pass's tag.
    """
    tf.check_who(station=station, operator=operator)
    ask = check_ask(ask)
    now = ledger.as_utc(now or utcnow())
    meeting = find_meeting(session, meeting_code)
    assert meeting.id is not None
    store = TapStore(session)
    head = store.lock_head(meeting.id)
    session.refresh(meeting)
    chosen, left, doc = _chosen(session, meeting, ask)
    note = ""
    try:
        witnesses = _check(session, key, meeting, ask, operator, chosen, doc)
    except _Refused as refusal:
        c = refusal.carrier
        event = NewEvent.of(
            meeting.id,
            ev.Declined(
                _stamp(now, operator, station, note, Verdict.REFUSED, str(refusal)),
                refused_action=Action.DISPOSE,
                carrier_id=c.id if c is not None else None,
                uid=c.tag_uid if c is not None else None,
                from_state=c.state.value if c is not None else None,
                to_state=c.state.value if c is not None else None,
            ),
        )
        store.append(key, head, event)
        return DisposeOutcome(False, str(refusal), event.seq, reason_key=refusal.key)
    to = ask.kind.state
    released = tuple(
        (c.id, c.tag_uid) for c in chosen if c.tag_uid is not None and not c.tag_released
    )
    items = tuple(c.item for c in chosen)
    message = _message(ask, items, witnesses, len(released))
    _write(session, meeting, chosen, ask, to, now, operator, witnesses, head.seq + 1)
    event = NewEvent.of(
        meeting.id,
        ev.Disposed(
            _stamp(now, operator, station, message, Verdict.ACCEPTED, ""),
            kind=ask.kind.value,
            carriers=tuple(c.id for c in chosen),
            location=ask.location,
            method=ask.method,
            unit=ask.unit,
            witnesses=witnesses,
            released=released,
            uid=ask.uids[0] if len(ask.uids) == 1 else None,
        ),
    )
    store.append(key, head, event)
    return DisposeOutcome(
        True,
        message,
        event.seq,
        len(chosen),
        items,
        tuple(
            messages.text("dispose_left_item", item=c.item, state=messages.STATE_LABEL[c.state])
            for c in left
        ),
    )


def _stamp(
    now: datetime, operator: str, station: str, note: str, verdict: Verdict, reason: str
) -> ev.Stamp:
    return ev.Stamp(
        seq=0, at=now, verdict=verdict, station=station, operator=operator, note=note, reason=reason
    )


def check_chosen(*, session: Session, meeting_code: str, ask: Ask) -> None:
    """The meeting and the copies a disposal names, checked before anyone authenticates (the
    command line asks this before the operator's or a witness's PIN): an unknown tag, a pass, an
    unknown document. Records nothing; :func:`dispose` reads them again under the lock.

    Raises:
        NotFoundError: no such meeting, tag or document.
        CarrierTrackerError: a tag of a pass.
    """
    _chosen(session, find_meeting(session, meeting_code), ask)


def _chosen(
    session: Session, meeting: Meeting, ask: Ask
) -> tuple[list[_Copy], list[_Copy], Document | None]:
    """The copies asked for (bad input raised here, before anything is recorded), the document's
    copies left out, and the document asked for."""
    c = table_of(Carrier)
    if ask.uids:
        return [_by_uid(session, meeting, uid) for uid in ask.uids], [], None
    if ask.document is not None:
        doc = find_document(session, meeting, ask.document)
        rows = _copy_rows(session, meeting, c.c.document_id == doc.id)
        recovered = [r for r in rows if r.state is State.RECOVERED]
        left = [r for r in rows if r.state is not State.RECOVERED and r.state not in _FINAL]
        return recovered, left, doc
    return _copy_rows(session, meeting, c.c.state == State.RECOVERED.value), [], None


_FINAL = frozenset({State.ARCHIVED, State.DESTROYED, State.SENT_BACK, State.WITHDRAWN})


def _check(
    session: Session,
    key: bytes,
    meeting: Meeting,
    ask: Ask,
    operator: str,
    chosen: list[_Copy],
    doc: Document | None,
) -> tuple[ev.Witness, ...]:
    """The checks ``verify`` makes again (ledger/replay.py, in the same order); returns the
    witnesses with the digests of their PIN hashes.

    Raises:
        _Refused: the first check that fails.
    """
    witnesses: tuple[ev.Witness, ...] = ()
    if ask.kind is Disposal.DESTROY:
        witnesses = _witnesses(session, key, ask, operator)
    if not chosen:
        what = (
            messages.text("dispose_what_document", doc=doc.number)
            if doc is not None
            else messages.text("dispose_what_meeting", code=meeting.code)
        )
        raise _Refused("dispose_nothing", what=what)
    for c in chosen:
        if c.state is not State.RECOVERED:
            raise _Refused("dispose_state", c, item=c.item, state=messages.STATE_LABEL[c.state])
    if ask.kind is Disposal.ARCHIVE:
        known = place_names(session, PlaceKind.ARCHIVE)
        if ask.location not in known:
            raise _Refused(
                "dispose_location_unknown",
                location=ask.location,
                hint=messages.text("dispose_known_archives", known=_known(known)),
            )
    if ask.kind is Disposal.RETURN:
        known = place_names(session, PlaceKind.UNIT)
        if ask.unit != meeting.organizer and ask.unit not in known:
            raise _Refused(
                "dispose_unit_unknown",
                unit=ask.unit,
                hint=messages.text(
                    "dispose_known_units",
                    known=_known([*([meeting.organizer] if meeting.organizer else []), *known]),
                ),
            )
    return witnesses


def _known(names: Sequence[str]) -> str:
    return "、".join(names) if names else messages.text("none_word")


def _witnesses(session: Session, key: bytes, ask: Ask, operator: str) -> tuple[ev.Witness, ...]:
    if not ask.witnesses:
        raise _Refused("dispose_witness_missing")
    if len(set(ask.witnesses)) != len(ask.witnesses):
        raise _Refused("dispose_witness_twice")
    out = []
    for name in ask.witnesses:
        if name == operator:
            raise _Refused("dispose_witness_is_operator", name=name)
        row = session.exec(select(Operator).where(Operator.name == name)).first()
        if row is None or row.disabled or row.pin_hash is None:
            raise _Refused("dispose_witness_unknown", name=name)
        out.append(ev.Witness(name, ledger.pin_digest(key, bytes(row.pin_hash))))
    store = TapStore(session)
    if not store.is_officer(operator) and not any(store.is_officer(w) for w in ask.witnesses):
        raise _Refused(
            "dispose_officer",
            operator=operator or messages.text("not_filled"),
            witnesses="、".join(ask.witnesses),
        )
    return tuple(out)


def _message(
    ask: Ask, items: tuple[str, ...], witnesses: tuple[ev.Witness, ...], released: int
) -> str:
    fields: dict[str, object] = {"count": len(items), "items": joined(items)}
    if ask.kind is Disposal.ARCHIVE:
        line = messages.text("disposed_archive", location=ask.location, **fields)
    elif ask.kind is Disposal.DESTROY:
        names = "、".join(w.name for w in witnesses)
        line = messages.text("disposed_destroy", method=ask.method, witnesses=names, **fields)
    else:
        line = messages.text("disposed_return", unit=ask.unit, **fields)
    return line + (messages.text("disposed_released", n=released) if released else "")


def _write(
    session: Session,
    meeting: Meeting,
    chosen: list[_Copy],
    ask: Ask,
    to: State,
    now: datetime,
    operator: str,
    witnesses: tuple[ev.Witness, ...],
    seq: int,
) -> None:
    """The copies' new state (tags released) and their disposition rows, in bulk."""
    c = table_of(Carrier)
    conn = session.connection()
    stmt = (
        update(c)
        .where(c.c.id == bindparam("cid"))
        .values(
            state=to.value,
            state_since=now,
            version=c.c.version + 1,
            tag_released=bindparam("released"),
        )
    )
    rows = [{"cid": x.id, "released": x.tag_uid is not None or x.tag_released} for x in chosen]
    names = "、".join(w.name for w in witnesses)
    dispositions = [
        {
            "carrier_id": x.id,
            "meeting_id": meeting.id,
            "kind": ask.kind.value,
            "seq": seq,
            "at": now,
            "operator": operator,
            "witnesses": names,
            "method": ask.method,
            "location": ask.location,
            "unit": ask.unit,
        }
        for x in chosen
    ]
    for start in range(0, len(rows), BATCH):
        conn.execute(stmt, rows[start : start + BATCH])
        conn.execute(insert(table_of(Disposition)), dispositions[start : start + BATCH])


# --- what is waiting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """One document's copies still waiting for a disposition (recovered, not disposed of)."""

    number: str
    title: str
    level: str
    copies: tuple[int, ...]


def waiting(session: Session, meeting: Meeting) -> list[Waiting]:
    """Every recovered copy of the meeting not yet disposed of, by document."""
    c, d = table_of(Carrier), table_of(Document)
    rows = session.connection().execute(
        core_select(d.c.number, d.c.title, d.c.level, c.c.copy_number)
        .select_from(c)
        .join(d, d.c.id == c.c.document_id)
        .where(
            c.c.meeting_id == meeting.id,
            c.c.kind == CarrierKind.COPY.value,
            c.c.state == State.RECOVERED.value,
        )
        .order_by(d.c.number, c.c.copy_number)
    )
    out: dict[str, tuple[str, str, list[int]]] = {}
    for number, title, level, copy_no in rows:
        out.setdefault(number, (title, level, []))[2].append(copy_no)
    return [Waiting(n, t, lv, tuple(cs)) for n, (t, lv, cs) in out.items()]


def waiting_counts(session: Session) -> dict[int, int]:
    """Meeting id → its copies waiting for a disposition (recovered, not disposed of)."""
    c = table_of(Carrier)
    rows = session.connection().execute(
        core_select(c.c.meeting_id, func.count())
        .where(c.c.kind == CarrierKind.COPY.value, c.c.state == State.RECOVERED.value)
        .group_by(c.c.meeting_id)
    )
    return {mid: int(n) for mid, n in rows}


def disposition_status(session: Session, meeting_code: str) -> dict[str, Any]:
    """The JSON-ready answer of ``status MEETING --disposition``: what waits, what was done.

    Raises:
        NotFoundError: no such meeting.
    """
    meeting = find_meeting(session, meeting_code)
    c = table_of(Carrier)
    by_state: dict[str, int] = dict(
        session.connection()
        .execute(
            core_select(c.c.state, func.count())
            .where(c.c.meeting_id == meeting.id, c.c.kind == CarrierKind.COPY.value)
            .group_by(c.c.state)
        )
        .all()
    )
    docs = waiting(session, meeting)
    out_states = (State.ISSUED, State.COLLECTED, State.CARRIED_OUT, State.IN_TRANSIT, State.LOST)
    return {
        "meeting": {
            "code": meeting.code,
            "title": meeting.title,
            "level": meeting.level,
            "status": meeting.status,
        },
        "waiting": [
            {
                "document": w.number,
                "title": w.title,
                "level": w.level,
                "copies": list(w.copies),
                "count": len(w.copies),
            }
            for w in docs
        ],
        "waiting_total": sum(len(w.copies) for w in docs),
        "disposed": {k.value: int(by_state.get(k.state.value, 0)) for k in Disposal},
        "not_back": sum(by_state.get(s.value, 0) for s in out_states),
    }


def dispositions(session: Session, meeting: Meeting) -> list[Disposition]:
    """The meeting's disposition rows, in ledger order."""
    return list(
        session.exec(
            select(Disposition)
            .where(Disposition.meeting_id == meeting.id)
            .order_by(col(Disposition.seq), col(Disposition.carrier_id))
        ).all()
    )


# --- a mistaken disposition undone ---------------------------------------------------------------


def is_disposition(session: Session, meeting_code: str, seq: int) -> bool:
    """True when event ``seq`` of the meeting is a disposition (what ``void`` then undoes)."""
    meeting = find_meeting(session, meeting_code)
    action = session.exec(
        select(Event.action).where(Event.meeting_id == meeting.id, Event.seq == seq)
    ).first()
    return action == Action.DISPOSE.value


def _unvoidable(
    target: Event, voided: bool, by: object, note: str
) -> tuple[str, dict[str, object]]:
    """Why disposition ``target`` cannot be voided whoever asks (the catalogue key and its
    fields), or ``("", {})``: ``voided`` when a void undid it before (event ``by``)."""
    if target.verdict != Verdict.ACCEPTED.value:
        label = messages.VERDICT_LABEL[Verdict(target.verdict)]
        return "void_not_accepted", {"seq": target.seq, "verdict": label}
    if voided:
        return "void_already", {"seq": target.seq, "by": by}
    if not note.strip():
        return "change_note", {"what": messages.text("what_void")}
    return "", {}


def check_void_disposal(*, session: Session, meeting: Meeting, target: Event, note: str) -> None:
    """Whether disposition ``target`` could be voided, read before anyone authenticates (see
    :func:`carrier_tracker.meeting.changes.check_void`); :func:`void_disposal` checks again under
    the meeting's head lock.

    Raises:
        Refused: it cannot be voided (the reason :func:`void_disposal` would record).
    """
    from carrier_tracker.meeting.changes import Refused
    from carrier_tracker.storage.queries import voided_seqs

    assert meeting.id is not None
    voided = voided_seqs(session, meeting.id)
    key_, fields = _unvoidable(target, target.seq in voided, voided.get(target.seq, "?"), note)
    if key_:
        raise Refused(messages.text(key_, **fields), key_)


def void_disposal(
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
) -> Any:
    """Undo disposition ``seq`` (an officer, with a note; also after the close): its copies are
    recovered again and their disposition rows removed; their tags stay released (bind again to
    tap them). Refused — and recorded — for a refused disposition, one voided before, no note
    or no officer.

    Returns:
        A :class:`carrier_tracker.meeting.changes.ChangeOutcome`.
    """
    from carrier_tracker.meeting.changes import ChangeOutcome

    tf.check_who(station=station, operator=operator, note=note)
    now = ledger.as_utc(now or utcnow())
    meeting = find_meeting(session, meeting_code)
    assert meeting.id is not None
    store = TapStore(session)
    head = store.lock_head(meeting.id)
    world = MeetingWorld()
    for row in event_rows(session, meeting.id):
        world.apply(codec.decode(row))
    target = session.exec(
        select(Event).where(Event.meeting_id == meeting.id, Event.seq == seq)
    ).one()
    made = world.disposals.get(seq)
    approved_by = ""
    key_, fields = _unvoidable(target, made is None, world.voided.get(seq, "?"), note)
    if not key_:
        ok, approved_by = approval(store, operator, approver)
        if not ok:
            key_, fields = (
                "change_officer",
                {
                    "what": messages.text("what_void"),
                    "operator": operator or messages.text("not_filled"),
                },
            )
    stamp = ev.Stamp(
        seq=0,
        at=now,
        station=station,
        operator=operator,
        approver=approved_by if not key_ else "",
        note=messages.text("void_note", seq=seq, note=note),
    )
    if key_:
        reason = messages.text(key_, **fields)
        event = NewEvent.of(
            meeting.id,
            ev.Declined(
                replace(stamp, verdict=Verdict.REFUSED, reason=reason), refused_action=Action.VOID
            ),
        )
        store.append(key, head, event)
        return ChangeOutcome(Action.VOID, False, reason, event.seq, reason_key=key_)
    assert made is not None
    c = table_of(Carrier)
    conn = session.connection()
    rows = [
        {"cid": cid, "since": since} for cid, since in zip(made.carriers, made.since, strict=True)
    ]
    stmt = (
        update(c)
        .where(c.c.id == bindparam("cid"))
        .values(
            state=State.RECOVERED.value, state_since=bindparam("since"), version=c.c.version + 1
        )
    )
    for start in range(0, len(rows), BATCH):
        conn.execute(stmt, rows[start : start + BATCH])
    conn.execute(
        delete(table_of(Disposition)).where(
            table_of(Disposition).c.meeting_id == meeting.id,
            table_of(Disposition).c.seq == seq,
        )
    )
    event = NewEvent.of(
        meeting.id, ev.DisposalVoided(stamp, target_seq=seq, carriers=made.carriers)
    )
    store.append(key, head, event)
    message = messages.text(
        "disposal_voided",
        seq=seq,
        kind=messages.DISPOSAL_LABEL[Disposal(made.kind)],
        count=len(made.carriers),
    )
    return ChangeOutcome(Action.VOID, True, message, event.seq)
