"""Meeting-level services: list, status (outstanding per attendee), consignments, close."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from . import messages
from .custody import append_admin_event, find_meeting, is_officer
from .enums import OUTSTANDING, Action, CarrierKind, MeetingStatus, State
from .errors import ConflictError
from .ledger import as_utc
from .models import Attendee, Carrier, Consignment, Document, Meeting, utcnow
from .tap_store import TapStore


def _iso(at: datetime | None) -> str | None:
    return as_utc(at).isoformat().replace("+00:00", "Z") if at else None


def list_meetings(session: Session) -> list[dict[str, Any]]:
    """Every meeting with its headline numbers, newest first."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"carriers": 0, "outstanding": 0})
    rows = session.exec(
        select(Carrier.meeting_id, Carrier.state, func.count()).group_by(
            col(Carrier.meeting_id), col(Carrier.state)
        )
    ).all()
    for meeting_id, state, n in rows:
        counts[meeting_id]["carriers"] += n
        if state in OUTSTANDING:
            counts[meeting_id]["outstanding"] += n
    out = []
    for m in session.exec(select(Meeting).order_by(col(Meeting.id).desc())).all():
        assert m.id is not None
        out.append(
            {
                "code": m.code,
                "title": m.title,
                "level": m.level,
                "status": m.status,
                "venue": m.venue,
                "starts_at": _iso(m.starts_at),
                "carriers": counts[m.id]["carriers"],
                "outstanding": counts[m.id]["outstanding"],
            }
        )
    return out


@dataclass(frozen=True)
class OutstandingItem:
    """One carrier not back in custody."""

    kind: str
    document: str | None
    copy: int | None
    pass_number: str | None
    state: str
    since: datetime | None
    attendee_code: str | None
    consignment: str | None


def outstanding_items(session: Session, meeting: Meeting) -> list[OutstandingItem]:
    """Every outstanding carrier of the meeting, with who holds it (one query)."""
    holder = Attendee.__table__.alias("holder")  # type: ignore[attr-defined]
    owner = Attendee.__table__.alias("owner")  # type: ignore[attr-defined]
    stmt = (
        select(  # type: ignore[call-overload]
            Carrier.kind,
            Document.number,
            Carrier.copy_number,
            owner.c.pass_number,
            owner.c.code,
            Carrier.state,
            Carrier.state_since,
            holder.c.code,
            Consignment.number,
        )
        .select_from(Carrier)
        .join(Document, col(Document.id) == Carrier.document_id, isouter=True)
        .join(owner, owner.c.id == Carrier.owner_id, isouter=True)
        .join(
            holder,
            holder.c.id == func.coalesce(Carrier.holder_id, Carrier.remembered_holder_id),
            isouter=True,
        )
        .join(Consignment, col(Consignment.id) == Carrier.consignment_id, isouter=True)
        .where(Carrier.meeting_id == meeting.id, col(Carrier.state).in_(list(OUTSTANDING)))
        .order_by(col(Document.number), col(Carrier.copy_number), owner.c.code)
    )
    items = []
    for kind, doc, copy_no, pass_no, owner_code, state, since, holder_code, cons in session.exec(stmt):
        is_pass = kind == CarrierKind.PASS
        items.append(
            OutstandingItem(
                kind=kind,
                document=doc,
                copy=copy_no,
                pass_number=(pass_no or owner_code) if is_pass else None,
                state=state,
                since=since,
                attendee_code=holder_code or (owner_code if is_pass else None),
                consignment=cons if state in (State.IN_TRANSIT, State.DELIVERED) else None,
            )
        )
    return items


def totals(session: Session, meeting: Meeting) -> dict[str, dict[str, int]]:
    """Counts by kind and state, every state present (zeros included)."""
    out = {k.value: {s.value: 0 for s in State} for k in CarrierKind}
    rows = session.exec(
        select(Carrier.kind, Carrier.state, func.count())
        .where(Carrier.meeting_id == meeting.id, col(Carrier.tag_uid).is_not(None))
        .group_by(col(Carrier.kind), col(Carrier.state))
    ).all()
    for kind, state, n in rows:
        out[kind][state] = n
    return out


def status(session: Session, meeting_code: str) -> dict[str, Any]:
    """The JSON-ready status of a meeting (shape documented in the README).

    Raises:
        NotFoundError: no such meeting.
    """
    meeting = find_meeting(session, meeting_code)
    items = outstanding_items(session, meeting)
    attendees = {
        a.code: a
        for a in session.exec(select(Attendee).where(Attendee.meeting_id == meeting.id)).all()
    }
    per_attendee: dict[str, list[dict[str, Any]]] = defaultdict(list)
    in_transit: list[dict[str, Any]] = []
    unassigned: list[dict[str, Any]] = []
    for it in items:
        entry = {
            "kind": it.kind,
            "document": it.document,
            "copy": it.copy,
            "pass": it.pass_number,
            "state": it.state,
            "since": _iso(it.since),
        }
        if it.state == State.IN_TRANSIT:
            in_transit.append({**entry, "consignment": it.consignment})
        elif it.attendee_code:
            per_attendee[it.attendee_code].append(entry)
        else:
            unassigned.append(entry)
    unbound = session.exec(
        select(func.count()).where(Carrier.meeting_id == meeting.id, col(Carrier.tag_uid).is_(None))
    ).one()
    return {
        "meeting": {
            "code": meeting.code,
            "title": meeting.title,
            "level": meeting.level,
            "status": meeting.status,
            "requires_passes": meeting.requires_passes,
            "closed_at": _iso(meeting.closed_at),
        },
        "totals": totals(session, meeting),
        "unbound": unbound,
        "outstanding": len(items),
        "lost": sum(1 for it in items if it.state == State.LOST),
        "attendees": [
            {
                "code": code,
                "name": attendees[code].name,
                "unit": attendees[code].unit,
                "items": per_attendee[code],
            }
            for code in sorted(per_attendee)
        ],
        "in_transit": in_transit,
        "unassigned": unassigned,
    }


def open_consignment(
    *, session: Session, key: bytes, meeting_code: str, number: str, unit: str,
    recipient: str = "", operator: str = "", station: str = "", now: datetime | None = None,
) -> Consignment:
    """Open a courier consignment to which copies can then be dispatched.

    Raises:
        NotFoundError: no such meeting.
        ConflictError: the number is taken, or the meeting is closed.
    """
    meeting = find_meeting(session, meeting_code)
    if meeting.status == MeetingStatus.CLOSED:
        raise ConflictError(messages.text("meeting_closed"))
    exists = session.exec(
        select(Consignment).where(Consignment.meeting_id == meeting.id, Consignment.number == number)
    ).first()
    if exists is not None:
        raise ConflictError(messages.text("consignment_exists", number=number))
    consignment = Consignment(meeting_id=meeting.id, number=number, unit=unit, recipient=recipient)  # type: ignore[arg-type]
    session.add(consignment)
    try:
        session.flush()
    except IntegrityError as e:
        raise ConflictError(messages.text("consignment_exists", number=number)) from e
    append_admin_event(
        session=session, key=key, meeting=meeting, action=Action.CONSIGNMENT, operator=operator,
        station=station, note=f"{number} → {unit} {recipient}".strip(), now=now,
    )
    return consignment


def describe_outstanding(item: OutstandingItem, names: dict[str, str]) -> str:
    """One line naming an outstanding item for a refusal message."""
    label = messages.STATE_LABEL[State(item.state)]
    who = names.get(item.attendee_code or "", item.consignment or "")
    if item.kind == CarrierKind.PASS:
        return f"会议证 {item.pass_number}  {label}  {who}"
    return f"{item.document} 第{item.copy:03d}份  {label}  {who}"


def close_meeting(
    *, session: Session, key: bytes, meeting_code: str, with_exceptions: bool = False,
    note: str = "", operator: str = "", station: str = "",
) -> Meeting:
    """Close a meeting once everything is back (lost items only with exceptions by an officer).

    Raises:
        NotFoundError: no such meeting.
        ConflictError: items are outstanding (listed in the message), or lost items without
            ``with_exceptions``, an officer and a note; or the meeting is closed already.
    """
    meeting = find_meeting(session, meeting_code)
    assert meeting.id is not None
    TapStore(session).lock_head(meeting.id)  # no tap may slip in between the count and the close
    session.refresh(meeting)
    if meeting.status == MeetingStatus.CLOSED:
        raise ConflictError(
            messages.text("already_closed", code=meeting.code, at=_iso(meeting.closed_at))
        )
    items = outstanding_items(session, meeting)
    names = {
        a.code: a.name
        for a in session.exec(select(Attendee).where(Attendee.meeting_id == meeting.id)).all()
    }
    pending = [it for it in items if it.state != State.LOST]
    lost = [it for it in items if it.state == State.LOST]
    if pending:
        lines = [messages.text("close_outstanding", count=len(pending))]
        lines += ["  " + describe_outstanding(it, names) for it in pending]
        raise ConflictError("\n".join(lines))
    if lost:
        if not with_exceptions or not note.strip():
            lines = [messages.text("close_lost", count=len(lost))]
            lines += ["  " + describe_outstanding(it, names) for it in lost]
            raise ConflictError("\n".join(lines))
        if not is_officer(session, meeting, operator):
            raise ConflictError(messages.text("close_officer", operator=operator or "未填写"))
    now = utcnow()
    meeting.status = MeetingStatus.CLOSED
    meeting.closed_at = now
    meeting.closed_by = operator
    meeting.close_note = note or None
    session.add(meeting)
    append_admin_event(
        session=session, key=key, meeting=meeting, action=Action.CLOSE, operator=operator,
        station=station, note=note if not lost else f"带例外结束（挂失 {len(lost)} 件）：{note}",
        now=now,
    )
    return meeting
