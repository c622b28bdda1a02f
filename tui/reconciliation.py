"""The 清点 screen's and the close dialog's reads, in one place: the read model's reconciliation,
whole, or only for the attendees the newest events touched (a meeting of thousands refreshes in
milliseconds), merged into what the screen holds. Runs on the read lane."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlmodel import Session, col, select

from carrier_tracker.enums import OUTSTANDING
from carrier_tracker.storage.models import Attendee, Carrier, Meeting
from carrier_tracker.storage.queries import changed_since, holders_of, newest_seq
from carrier_tracker.storage.readmodel import Reconciliation, reconciliation


@dataclass(frozen=True)
class Refresh:
    """A reconciliation as of ledger ``seq``: whole, or (``codes``) only those attendees' groups."""

    seq: int
    recon: Reconciliation
    codes: frozenset[str] | None = None


def whole(session: Session, meeting: Meeting) -> Refresh:
    """The whole reconciliation (the close dialog always asks for this one)."""
    return Refresh(newest_seq(session, meeting), reconciliation(session, meeting))


def changes(session: Session, meeting: Meeting, seen: int, shown_in: dict[int, str]) -> Refresh:
    """What changed since ledger seq ``seen``, given where each carrier is shown now
    (``shown_in``: carrier id → group key, ``a:CODE``, ``c:NUMBER`` or ``none``).

    Only the attendees the new events name, hold the changed carriers, or showed them are read
    again; anything else (a consignment's or nobody's group, an admin event such as a close) is
    read whole.
    """
    newest, carriers, named = changed_since(session, meeting, seen)
    if not carriers or any(not shown_in.get(c, "a:").startswith("a:") for c in carriers):
        return Refresh(newest, reconciliation(session, meeting))
    codes = {shown_in[c][2:] for c in carriers if c in shown_in}
    ids = named | holders_of(session, carriers)
    if codes:
        ids |= {
            i
            for i in session.exec(
                select(Attendee.id).where(
                    Attendee.meeting_id == meeting.id, col(Attendee.code).in_(codes)
                )
            )
            if i is not None
        }
    part = reconciliation(session, meeting, attendee_ids=ids)
    missing = carriers - {it.carrier_id for it in part.items}
    if missing and any(
        state in OUTSTANDING
        for state in session.exec(select(Carrier.state).where(col(Carrier.id).in_(missing)))
    ):
        return Refresh(
            newest, reconciliation(session, meeting)
        )  # out, but not with those attendees
    return Refresh(
        newest, part, frozenset(g.attendee_code for g in part.everyone if g.attendee_code)
    )


def merge(old: Reconciliation, fresh: Refresh) -> Reconciliation:
    """The screen's reconciliation with ``fresh`` applied (its counts are the whole meeting's)."""
    if fresh.codes is None:
        return fresh.recon
    new = {g.attendee_code: g for g in fresh.recon.everyone}
    everyone = tuple(new.get(g.attendee_code, g) for g in old.everyone)
    groups = tuple(
        [g for g in everyone if g.items] + [g for g in old.groups if not g.key.startswith("a:")]
    )
    return replace(
        fresh.recon,
        items=tuple(it for g in groups for it in g.items),
        groups=groups,
        everyone=everyone,
    )
