"""Read-only queries for the desk UI (lists, lookups, incremental changes). No UI imports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from carrier_tracker import messages
from carrier_tracker.enums import Action, CarrierKind, State, Verdict
from carrier_tracker.storage.models import Attendee, Carrier, Consignment, Document, Event, Meeting

PEOPLE_ACTIONS = (Action.IMPORT, Action.ATTENDEE_ADD, Action.SUBSTITUTE, Action.PLEDGE)
"""Events that change a meeting's attendees (who they are, what the desk shows of them)."""


def people_changed_since(session: Session, meeting: Meeting, seq: int) -> bool:
    """True when an event after ``seq`` changed the meeting's attendees."""
    found = session.exec(
        select(Event.id).where(
            Event.meeting_id == meeting.id,
            col(Event.seq) > seq,
            col(Event.action).in_([a.value for a in PEOPLE_ACTIONS]),
            Event.verdict == Verdict.ACCEPTED.value,
        )
    ).first()
    return found is not None


def attendees(session: Session, meeting: Meeting) -> list[Attendee]:
    """Every attendee of a meeting, by code."""
    return list(
        session.exec(
            select(Attendee).where(Attendee.meeting_id == meeting.id).order_by(col(Attendee.code))
        ).all()
    )


def holdings(session: Session, attendee_id: int) -> int:
    """How many carriers the attendee holds now (issued or carried out)."""
    return int(
        session.exec(
            select(func.count())
            .select_from(Carrier)
            .where(
                Carrier.holder_id == attendee_id,
                col(Carrier.state).in_([State.ISSUED, State.CARRIED_OUT]),
            )
        ).one()
    )


def newest_seq(session: Session, meeting: Meeting) -> int:
    """The newest ledger sequence number of a meeting (0 when empty)."""
    return int(
        session.exec(
            select(func.coalesce(func.max(Event.seq), 0)).where(Event.meeting_id == meeting.id)
        ).one()
    )


def changed_since(session: Session, meeting: Meeting, seq: int) -> tuple[int, set[int], set[int]]:
    """Events after ``seq``: the newest seq, the carriers they touched, the attendees named."""
    rows = session.exec(
        select(Event.seq, Event.carrier_id, Event.attendee_id).where(
            Event.meeting_id == meeting.id, Event.seq > seq
        )
    ).all()
    newest = max((r[0] for r in rows), default=seq)
    return newest, {r[1] for r in rows if r[1]}, {r[2] for r in rows if r[2]}


def holders_of(session: Session, carrier_ids: set[int]) -> set[int]:
    """Current (or remembered) holders of these carriers."""
    if not carrier_ids:
        return set()
    rows = session.exec(
        select(Carrier.holder_id, Carrier.remembered_holder_id).where(
            col(Carrier.id).in_(list(carrier_ids))
        )
    ).all()
    return {x for r in rows for x in r if x}


def documents(session: Session, meeting: Meeting) -> list[Document]:
    """Documents of a meeting by number."""
    return list(
        session.exec(
            select(Document).where(Document.meeting_id == meeting.id).order_by(col(Document.number))
        ).all()
    )


def next_unbound_copy(session: Session, document: Document) -> int | None:
    """The lowest copy number of a document without a tag."""
    return session.exec(
        select(func.min(Carrier.copy_number)).where(
            Carrier.document_id == document.id, col(Carrier.tag_uid).is_(None)
        )
    ).one()


def bound_count(session: Session, document: Document) -> int:
    """How many copies of a document have tags."""
    return int(
        session.exec(
            select(func.count())
            .select_from(Carrier)
            .where(Carrier.document_id == document.id, col(Carrier.tag_uid).is_not(None))
        ).one()
    )


def unbound_passes(session: Session, meeting: Meeting) -> list[Attendee]:
    """Attendees whose pass has no tag yet."""
    return list(
        session.exec(
            select(Attendee)
            .join(Carrier, col(Carrier.owner_id) == Attendee.id)
            .where(Attendee.meeting_id == meeting.id, col(Carrier.tag_uid).is_(None))
            .order_by(col(Attendee.code))
        ).all()
    )


@dataclass(frozen=True)
class CarrierRow:
    """One carrier as the 载体 screen lists it: a copy (``number``, ``copy``, ``title``, ``level``)
    or a pass (``pass_number``, its owner's ``owner_code`` and ``owner_name``)."""

    kind: CarrierKind
    number: str | None
    copy: int | None
    title: str | None
    level: str | None
    pass_number: str | None
    owner_code: str | None
    owner_name: str | None
    state: State
    holder_name: str | None
    holder_code: str | None
    since: datetime | None
    uid: str | None


def carriers_table(session: Session, meeting: Meeting) -> list[CarrierRow]:
    """Every carrier of a meeting with state, holder and the time of its state: the copies by
    document and copy number, then the passes by their owner's code. Unfiltered: the screen
    searches what it shows (a national meeting's 110,000 rows are read once per ledger change,
    not at each key)."""
    holder = Attendee.__table__.alias("holder")  # type: ignore[attr-defined]
    owner = Attendee.__table__.alias("owner")  # type: ignore[attr-defined]
    stmt = (
        select(
            col(Carrier.kind).label("kind"),
            col(Document.number).label("number"),
            col(Carrier.copy_number).label("copy"),
            col(Document.title).label("title"),
            col(Document.level).label("level"),
            owner.c.pass_number.label("pass_number"),  # type: ignore[call-overload]
            owner.c.code.label("owner_code"),
            owner.c.name.label("owner_name"),
            col(Carrier.state).label("state"),
            holder.c.name.label("holder_name"),
            holder.c.code.label("holder_code"),
            col(Carrier.state_since).label("since"),
            col(Carrier.tag_uid).label("uid"),
        )
        .select_from(Carrier)
        .join(Document, col(Document.id) == Carrier.document_id, isouter=True)
        .join(owner, owner.c.id == Carrier.owner_id, isouter=True)
        .join(
            holder,
            holder.c.id == func.coalesce(Carrier.holder_id, Carrier.remembered_holder_id),
            isouter=True,
        )
        .where(Carrier.meeting_id == meeting.id)
        .order_by(col(Carrier.kind), col(Document.number), col(Carrier.copy_number), owner.c.code)
    )
    return [
        CarrierRow(**{**r._mapping, "kind": CarrierKind(r.kind), "state": State(r.state)})
        for r in session.exec(stmt).all()
    ]


def audit_events(
    session: Session, meeting: Meeting, search: str = "", limit: int = 500
) -> list[tuple[Any, ...]]:
    """Newest events first; filtered by copy label, attendee, action or operator text."""
    holder = Attendee.__table__.alias("who")  # type: ignore[attr-defined]
    stmt = (
        select(
            Event.seq,
            Event.at,
            Event.station,
            Event.operator,
            Event.action,
            Event.verdict,
            Event.reason,  # type: ignore[call-overload]
            Document.number,
            Carrier.copy_number,
            holder.c.name,
            Event.tag_uid,
        )
        .select_from(Event)
        .join(Carrier, col(Carrier.id) == Event.carrier_id, isouter=True)
        .join(Document, col(Document.id) == Carrier.document_id, isouter=True)
        .join(holder, holder.c.id == Event.attendee_id, isouter=True)
        .where(Event.meeting_id == meeting.id)
        .order_by(col(Event.seq).desc())
    )
    if search:
        like = f"%{search}%"
        action_codes = [a for a, label in messages.ACTION_LABEL.items() if search in label]
        cond = (
            col(Document.number).ilike(like)
            | holder.c.name.ilike(like)
            | holder.c.code.ilike(like)
            | col(Event.operator).ilike(like)
            | col(Event.action).ilike(like)
            | col(Event.tag_uid).ilike(like)
        )
        if action_codes:
            cond = cond | col(Event.action).in_([a.value for a in action_codes])
        stmt = stmt.where(cond)
    return [tuple(r) for r in session.exec(stmt.limit(limit)).all()]


def consignments(session: Session, meeting: Meeting) -> list[tuple[Consignment, int, int]]:
    """Consignments with (copies in transit, copies delivered)."""
    out = []
    for c in session.exec(
        select(Consignment)
        .where(Consignment.meeting_id == meeting.id)
        .order_by(col(Consignment.number))
    ).all():
        states = session.exec(select(Carrier.state).where(Carrier.consignment_id == c.id)).all()
        out.append(
            (
                c,
                sum(1 for s in states if s == State.IN_TRANSIT),
                sum(1 for s in states if s == State.DELIVERED),
            )
        )
    return out


def tray_items(session: Session, meeting: Meeting) -> list[tuple[str, str]]:
    """Labels and UIDs of every tagged carrier (the demo's virtual tag tray): passes first."""
    out = []
    for code, name, uid in session.exec(
        select(Attendee.code, Attendee.name, Carrier.tag_uid)
        .join(Carrier, col(Carrier.owner_id) == Attendee.id)
        .where(Attendee.meeting_id == meeting.id, col(Carrier.tag_uid).is_not(None))
        .order_by(col(Attendee.code))
    ):
        out.append((messages.text("tray_pass_item", code=code, name=name), uid))
    for number, copy_no, uid in session.exec(
        select(Document.number, Carrier.copy_number, Carrier.tag_uid)
        .join(Carrier, col(Carrier.document_id) == Document.id)
        .where(Document.meeting_id == meeting.id, col(Carrier.tag_uid).is_not(None))
        .order_by(col(Document.number), col(Carrier.copy_number))
    ):
        out.append((messages.text("copy_item", doc=number, copy=copy_no), uid))
    return out  # type: ignore[return-value]


# -- desk TUI (issue 13): the audit screen's rows, passes named like copies --------------------------


@dataclass(frozen=True)
class AuditRow:
    """One ledger event as the audit screen shows it."""

    seq: int
    at: datetime
    station: str
    operator: str
    action: str
    verdict: str
    item: str  # HY-01 第001份 / 会议证 P003（梁洋） / the UID of a tag bound to nothing / ""
    person: str  # the attendee the event names
    reason: str
    note: str
    approver: str = ""  # the officer who approved (carry-out, loss, exception, late attendee)


def audit_log(
    session: Session, meeting: Meeting, search: str = "", limit: int = 500
) -> list[AuditRow]:
    """Newest events first; filtered by document, pass, person, action, operator, approver,
    station or UID."""
    who = Attendee.__table__.alias("who")  # type: ignore[attr-defined]
    owner = Attendee.__table__.alias("owner")  # type: ignore[attr-defined]
    stmt = (
        select(
            Event.seq,
            Event.at,
            Event.station,
            Event.operator,
            Event.action,
            Event.verdict,  # type: ignore[call-overload]
            Event.reason,
            Event.note,
            Event.approver,
            Carrier.kind,
            Document.number,
            Carrier.copy_number,
            owner.c.pass_number,
            owner.c.code,
            owner.c.name,
            who.c.name,
            Event.tag_uid,
        )
        .select_from(Event)
        .join(Carrier, col(Carrier.id) == Event.carrier_id, isouter=True)
        .join(Document, col(Document.id) == Carrier.document_id, isouter=True)
        .join(owner, owner.c.id == Carrier.owner_id, isouter=True)
        .join(who, who.c.id == Event.attendee_id, isouter=True)
        .where(Event.meeting_id == meeting.id)
        .order_by(col(Event.seq).desc())
    )
    if search:
        like = f"%{search}%"
        actions = [a.value for a, label in messages.ACTION_LABEL.items() if search in label]
        cond = (
            col(Document.number).ilike(like)
            | owner.c.pass_number.ilike(like)
            | owner.c.code.ilike(like)
            | owner.c.name.ilike(like)
            | who.c.name.ilike(like)
            | who.c.code.ilike(like)
            | col(Event.operator).ilike(like)
            | col(Event.approver).ilike(like)
            | col(Event.station).ilike(like)
            | col(Event.tag_uid).ilike(like)
        )
        if actions:
            cond = cond | col(Event.action).in_(actions)
        stmt = stmt.where(cond)
    out = []
    for (
        seq,
        at,
        station,
        operator,
        action,
        verdict,
        reason,
        note,
        approver,
        kind,
        doc,
        copy_no,
        pass_no,
        owner_code,
        owner_name,
        person,
        uid,
    ) in session.exec(stmt.limit(limit)):
        if kind == CarrierKind.PASS:
            item = messages.text("pass_item", number=pass_no or owner_code, name=owner_name)
        elif doc:
            item = messages.text("copy_item", doc=doc, copy=copy_no)
        else:
            item = uid or ""
        out.append(
            AuditRow(
                seq,
                at,
                station,
                operator,
                action,
                verdict,
                item,
                person or "",
                reason,
                note,
                approver or "",
            )
        )
    return out


def voided_seqs(session: Session, meeting_id: int) -> dict[int, int]:
    """Which events of a meeting were voided, and by which: ``{voided seq: void seq}``."""
    from carrier_tracker.ledger import codec
    from carrier_tracker.ledger import events as ev

    rows = session.exec(
        select(Event).where(
            Event.meeting_id == meeting_id,
            Event.action == Action.VOID.value,
            Event.verdict == Verdict.ACCEPTED.value,
        )
    ).all()
    voids = (codec.decode(row) for row in rows)
    return {
        v.target_seq: v.stamp.seq
        for v in voids
        if isinstance(v, ev.Voided | ev.DisposalVoided)  # a tap's or a disposition's
    }
