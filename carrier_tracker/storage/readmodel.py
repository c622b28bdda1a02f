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

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

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
from carrier_tracker.storage.models import (
    Attendee,
    Carrier,
    Consignment,
    Document,
    Event,
    Meeting,
    table_of,
)


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


def state_counts(session: Session, meeting_id: int) -> tuple[dict[str, int], int]:
    """Tagged carriers by state, and the number of untagged ones."""
    rows = session.exec(
        select(Carrier.state, col(Carrier.tag_uid).is_(None), func.count())
        .where(Carrier.meeting_id == meeting_id)
        .group_by(col(Carrier.state), col(Carrier.tag_uid).is_(None))
    ).all()
    by_state: dict[str, int] = {}
    unbound = 0
    for state, untagged, n in rows:
        if untagged and state != State.WITHDRAWN:  # a withdrawn copy needs no tag
            unbound += n
        else:
            by_state[state] = by_state.get(state, 0) + n
    return by_state, unbound


def unpledged_pass_holders(session: Session, meeting_id: int) -> tuple[tuple[str, str], ...]:
    """Attendees whose pass left custody (ever issued) with no 保密承诺书 on record, by code."""
    rows = session.exec(
        select(Attendee.code, Attendee.name)
        .join(Carrier, col(Carrier.owner_id) == Attendee.id)
        .where(
            Attendee.meeting_id == meeting_id,
            Carrier.kind == CarrierKind.PASS.value,
            Carrier.state != State.REGISTERED.value,
            col(Attendee.pledge_on).is_(None),
        )
        .order_by(col(Attendee.code))
    ).all()
    return tuple((code, name) for code, name in rows)


def outstanding_count(by_state: dict[str, int]) -> int:
    """How many carriers are outstanding, from counts by state."""
    return sum(by_state.get(s.value, 0) for s in OUTSTANDING)


def reconciliation(
    session: Session, meeting: Meeting, attendee_ids: Collection[int] | None = None
) -> Reconciliation:
    """The reconciliation of a meeting: outstanding items grouped by who has them, and counts.

    Args:
        session: a (read) session.
        meeting: the meeting.
        attendee_ids: only these attendees' items (the counts stay the whole meeting's).

    Returns:
        The reconciliation.
    """
    assert meeting.id is not None
    fresh = session.get(Meeting, meeting.id) or meeting
    by_state, unbound = state_counts(session, meeting.id)
    holder = Attendee.__table__.alias("holder")  # type: ignore[attr-defined]
    owner = Attendee.__table__.alias("owner")  # type: ignore[attr-defined]
    who = func.coalesce(Carrier.holder_id, Carrier.remembered_holder_id, owner.c.id)
    stmt = (
        select(  # type: ignore[call-overload]
            Carrier.id,
            Carrier.kind,
            Document.number,
            Carrier.copy_number,
            owner.c.pass_number,
            owner.c.code,
            owner.c.name,
            Carrier.state,
            Carrier.state_since,
            holder.c.id,
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
        .where(
            Carrier.meeting_id == meeting.id,
            col(Carrier.state).in_([s.value for s in OUTSTANDING]),
            col(Carrier.tag_uid).is_not(None),
        )
        .order_by(col(Document.number), col(Carrier.copy_number), owner.c.code)
    )
    if attendee_ids is not None:
        stmt = stmt.where(who.in_(list(attendee_ids)))
    items = []
    for (
        cid,
        kind,
        doc,
        copy_no,
        pass_no,
        owner_code,
        owner_name,
        state,
        since,
        _hid,
        holder_code,
        cons,
    ) in session.exec(stmt):
        is_pass = kind == CarrierKind.PASS
        state = State(state)
        label = _label(is_pass, doc, copy_no, pass_no, owner_code, owner_name)
        items.append(
            OutItem(
                carrier_id=cid,
                kind=CarrierKind(kind),
                label=label,
                document=doc,
                copy=copy_no,
                pass_number=(pass_no or owner_code) if is_pass else None,
                state=state,
                since=since,
                attendee_code=holder_code or (owner_code if is_pass else None),
                consignment=cons if state is State.IN_TRANSIT else None,
            )
        )
    # Columns, not entities: a large meeting's 2,000 ORM objects cost ~50 ms here.
    a = table_of(Attendee)
    people = session.execute(
        core_select(a.c.id, a.c.code, a.c.name, a.c.unit, a.c.pledge_on)
        .where(a.c.meeting_id == meeting.id)
        .order_by(a.c.code)
    ).all()
    if attendee_ids is not None:
        wanted = set(attendee_ids)
        people = [a for a in people if a[0] in wanted]
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
    everyone = tuple(
        Group(
            f"a:{code}",
            messages.text("group_attendee", code=code, name=name),
            tuple(held.get(code, ())),
            attendee_code=code,
            name=name,
            unit=unit,
            pledge_on=pledge_on,
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
        code=fresh.code,
        status=MeetingStatus(fresh.status),
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


def close_seq(session: Session, meeting: Meeting) -> int | None:
    """The seq of the meeting's close event (None while it is not closed)."""
    seq = session.exec(
        select(func.min(Event.seq)).where(
            Event.meeting_id == meeting.id,
            Event.action == Action.CLOSE.value,
            Event.verdict == Verdict.ACCEPTED.value,
        )
    ).first()
    return int(seq) if seq is not None else None


def found_after_close(session: Session, meeting: Meeting) -> tuple[FoundLater, ...]:
    """Lost items found after the meeting closed, in the order they were found."""
    closed = close_seq(session, meeting)
    if closed is None:
        return ()
    owner = Attendee.__table__.alias("owner")  # type: ignore[attr-defined]
    person = Attendee.__table__.alias("person")  # type: ignore[attr-defined]
    rows = session.exec(
        select(  # type: ignore[call-overload]
            Carrier.id,
            Carrier.kind,
            Document.number,
            Carrier.copy_number,
            owner.c.pass_number,
            owner.c.code,
            owner.c.name,
            person.c.code,
            Event.at,
            Event.seq,
            Event.operator,
            Event.note,
        )
        .select_from(Event)
        .join(Carrier, col(Carrier.id) == Event.carrier_id)
        .join(Document, col(Document.id) == Carrier.document_id, isouter=True)
        .join(owner, owner.c.id == Carrier.owner_id, isouter=True)
        .join(person, person.c.id == Event.attendee_id, isouter=True)
        .where(
            Event.meeting_id == meeting.id,
            Event.seq > closed,
            Event.action == Action.FOUND.value,
            Event.verdict == Verdict.ACCEPTED.value,
        )
        .order_by(col(Event.seq))
    ).all()
    out = []
    for cid, kind, doc, copy_no, pass_no, owner_code, owner_name, who, at, seq, op, note in rows:
        is_pass = kind == CarrierKind.PASS
        out.append(
            FoundLater(
                carrier_id=cid,
                kind=CarrierKind(kind),
                label=_label(is_pass, doc, copy_no, pass_no, owner_code, owner_name),
                document=doc,
                copy=copy_no,
                pass_number=(pass_no or owner_code) if is_pass else None,
                attendee_code=who or (owner_code if is_pass else None),
                found_at=at,
                seq=seq,
                operator=op,
                note=note,
            )
        )
    return tuple(out)


def released_tags(session: Session, meeting: Meeting) -> dict[str, int]:
    """How many of the meeting's tags were released for reuse, per kind (``pass``, ``copy``)."""
    out = {k.value: 0 for k in CarrierKind}
    for kind, n in session.exec(
        select(Carrier.kind, func.count())
        .where(Carrier.meeting_id == meeting.id, col(Carrier.tag_released).is_(True))
        .group_by(col(Carrier.kind))
    ).all():
        out[kind] = n
    return out
