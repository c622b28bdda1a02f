"""What the wall shows, read in one snapshot: the read model's counts and who holds what.

No Textual here: :func:`read_board` runs on the poll thread and returns plain frozen data. The
counts come from :func:`~carrier_tracker.storage.readmodel.reconciliation` and the per-document
figures from :func:`~carrier_tracker.meeting.distribution.plan_view`; this module only orders
and labels them for the room (the longest-held first).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from sqlmodel import Session

from carrier_tracker.enums import CarrierKind, Level, MeetingStatus, State
from carrier_tracker.meeting.distribution import plan_view
from carrier_tracker.messages import STATE_LABEL
from carrier_tracker.storage.models import Meeting
from carrier_tracker.storage.queries import newest_seq
from carrier_tracker.storage.readmodel import OutItem, Reconciliation, census, reconciliation

from ..texts import t


class Headline(Enum):
    """What the banner says, if anything."""

    OUT = "out"
    """Items are still out: no banner, the holders fill the screen."""
    ALL_BACK = "all_back"
    """Open, nothing outstanding: the meeting can close."""
    CLOSED = "closed"
    CLOSED_LOST = "closed_lost"
    """Closed by an officer with lost items (带例外结束)."""
    NOT_OPEN = "not_open"
    """Nothing was ever handed out (draft or filed)."""


@dataclass(frozen=True)
class HolderRow:
    """One holder of outstanding items: an attendee, a courier consignment, or nobody."""

    who: str
    unit: str
    items: tuple[str, ...]
    """Labels, the longest-held first (``HY-01 第001份``, ``HY-02 第001份（已带离）``)."""
    since: datetime | None
    """When the longest-held item left custody."""
    lost: int


@dataclass(frozen=True)
class DocumentRow:
    """One document (or the passes): how many are out, back, handed out, and who holds them."""

    number: str
    title: str
    out: int
    recovered: int
    issued: int
    """Attendees who received a copy; on the passes row, passes ever handed out."""
    planned: int
    """Attendees the plan gives a copy; on the passes row, the tagged passes."""
    holders: tuple[str, ...]
    """``001 赵娟``, the longest-held first."""
    since: datetime | None
    lost: int


@dataclass(frozen=True)
class Board:
    """Everything on the wall as of ledger seq ``seq``."""

    seq: int
    code: str
    title: str
    marking: str
    status: MeetingStatus
    closed_at: datetime | None
    recon: Reconciliation
    holders: tuple[HolderRow, ...]
    documents: tuple[DocumentRow, ...] | None
    """Only with ``--by-document``."""

    @property
    def headline(self) -> Headline:
        """The banner: closed, never opened, all back, or none while items are out."""
        if self.status is MeetingStatus.CLOSED:
            return Headline.CLOSED_LOST if self.recon.lost else Headline.CLOSED
        if self.status.before_open:
            return Headline.NOT_OPEN
        return Headline.ALL_BACK if self.recon.all_back else Headline.OUT


def _utc(at: datetime | None) -> datetime | None:
    if at is not None and at.tzinfo is None:  # SQLite gives naive UTC
        return at.replace(tzinfo=UTC)
    return at


def _oldest_first(at: datetime | None) -> tuple[bool, datetime]:
    """A sort key: the oldest time first, unknown times last."""
    at = _utc(at)
    return (at is None, at or datetime.max.replace(tzinfo=UTC))


def _state_note(item: OutItem) -> str:
    """``（已带离）`` for anything but a plain hand-out (issued is what outstanding means) or a
    copy with the courier (its row or holder names the consignment already)."""
    if item.state in (State.ISSUED, State.IN_TRANSIT):
        return ""
    return t("wall_state_note", state=STATE_LABEL[item.state])


def _item_label(item: OutItem) -> str:
    """A pass by its number only (its row already names the person); a copy as the read model
    labels it."""
    if item.kind is CarrierKind.PASS:
        return t("wall_pass", number=item.pass_number or "") + _state_note(item)
    return item.label + _state_note(item)


def _holder_rows(recon: Reconciliation) -> tuple[HolderRow, ...]:
    rows = []
    for group in recon.groups:
        items = sorted(group.items, key=lambda it: _oldest_first(it.since))
        courier = group.key.startswith("c:")
        rows.append(
            HolderRow(
                who=t("wall_by_courier", number=group.key[2:]) if courier else group.title,
                unit=group.unit,
                items=tuple(_item_label(it) for it in items),
                since=_utc(items[0].since) if items else None,
                lost=sum(it.state is State.LOST for it in items),
            )
        )
    return tuple(sorted(rows, key=lambda r: _oldest_first(r.since)))


def _holder_of(item: OutItem, names: dict[str, str]) -> str:
    """Who has one copy, as the by-document row names them: ``001 赵娟``."""
    number = f"{item.copy:03d}" if item.copy is not None else (item.pass_number or "")
    if item.consignment:
        who = t("wall_by_courier", number=item.consignment)
    elif item.attendee_code:
        who = names.get(item.attendee_code, item.attendee_code)
    else:
        who = t("wall_nobody_holds")
    return f"{number} {who}{_state_note(item)}"


def _passes_row(items: list[OutItem], passes: dict[str, int], names: dict[str, str]) -> DocumentRow:
    """The 会议证 row: the passes out (``items``, the longest-held first), back and handed out,
    from the census of tagged passes by state (``passes``)."""
    tagged = sum(passes.values())
    return DocumentRow(
        number=t("wall_passes"),
        title="",
        out=len(items),
        recovered=passes.get(State.RECOVERED.value, 0),
        issued=tagged - passes.get(State.REGISTERED.value, 0),
        planned=tagged,
        holders=tuple(_holder_of(it, names) for it in items),
        since=_utc(items[0].since) if items else None,
        lost=sum(it.state is State.LOST for it in items),
    )


def _document_rows(
    session: Session, recon: Reconciliation, passes: dict[str, int], requires_passes: bool
) -> tuple[DocumentRow, ...]:
    """One row per document, and the 会议证 row whenever the meeting uses passes (it requires
    them, or one was ever handed out): there while none is out too, so the layout stays put."""
    view = plan_view(session, recon.code)
    names = {g.attendee_code: g.name for g in recon.everyone if g.attendee_code}
    by_doc: dict[str | None, list[OutItem]] = {}
    for it in recon.items:
        key = it.document if it.kind is CarrierKind.COPY else None
        by_doc.setdefault(key, []).append(it)
    rows = []
    for doc in view.documents:
        items = sorted(by_doc.get(doc.number, []), key=lambda it: _oldest_first(it.since))
        rows.append(
            DocumentRow(
                number=doc.number,
                title=doc.title,
                out=doc.out,
                recovered=doc.recovered,
                issued=len(doc.issued),
                planned=len(doc.planned),
                holders=tuple(_holder_of(it, names) for it in items),
                since=_utc(items[0].since) if items else None,
                lost=sum(it.state is State.LOST for it in items),
            )
        )
    cards = _passes_row(
        sorted(by_doc.get(None, []), key=lambda it: _oldest_first(it.since)), passes, names
    )
    if requires_passes or cards.issued:
        rows.append(cards)
    # Documents with copies out, the longest-held first; then the rest in number order.
    out = sorted((r for r in rows if r.out), key=lambda r: _oldest_first(r.since))
    return tuple(out + [r for r in rows if not r.out])


def read_board(session: Session, meeting: Meeting, *, by_document: bool = False) -> Board:
    """Read the wall's board in one snapshot (the caller's read transaction).

    Args:
        session: a read session.
        meeting: the meeting (its id; the row is read again here).
        by_document: also read the per-document view.

    Returns:
        The board as of the newest ledger seq.
    """
    seq = newest_seq(session, meeting)
    assert meeting.id is not None
    counted = census(session, meeting.id)
    recon = reconciliation(session, meeting, counted=counted)
    fresh = session.get(Meeting, meeting.id) or meeting
    passes = counted[0][CarrierKind.PASS.value]
    return Board(
        seq=seq,
        code=fresh.code,
        title=fresh.title,
        marking=Level(fresh.level).marking,
        status=recon.status,
        closed_at=_utc(fresh.closed_at),
        recon=recon,
        holders=_holder_rows(recon),
        documents=_document_rows(session, recon, passes, fresh.requires_passes)
        if by_document
        else None,
    )
