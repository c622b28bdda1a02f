"""What the ledger says happened to each carrier, as the paper prints it (issue, breaks,
recovery, carry-out and its approver, courier legs), and the meeting's story (filing, first tap,
close).

:func:`read_history` is the only place the paper reads a meeting's history: when the ledger's
fold can answer these questions, it replaces this module's body and nothing else changes.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from carrier_tracker import messages
from carrier_tracker.enums import MODE_ACTION, Action, Verdict
from carrier_tracker.meeting.changes import voided_seqs
from carrier_tracker.messages import ACTION_LABEL
from carrier_tracker.storage.models import Event, Meeting

RECOVERED_BY = frozenset({Action.RECALL, Action.RETURN, Action.FOUND, Action.SWEEP})
"""Accepted actions that bring a carrier back into custody."""
TAPS = frozenset(MODE_ACTION.values())


@dataclass(slots=True)
class CarrierHistory:
    """What the ledger says of one carrier (one per copy of a 100,000-copy meeting: slots)."""

    issued_at: datetime | None = None
    issued_by: str = ""
    issued_to: int | None = None
    collects: int = 0
    recovered_at: datetime | None = None
    recovered_by: str = ""
    carried_at: datetime | None = None
    carried_by: str = ""
    carried_approver: str = ""
    """The officer who approved the carry-out: the event's approver, or its operator when the
    operator was the officer (then no approver is recorded)."""
    carried_to: int | None = None
    dispatched_at: datetime | None = None
    delivered_at: datetime | None = None
    handed_in_by: int | None = None
    """The delegate who handed the copy to the courier (attendee id), if one did."""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One step of the meeting's story: when, who did it, who approved it, and a note."""

    at: datetime
    operator: str
    approver: str = ""
    note: str = ""


@dataclass
class History:
    """A meeting's history as the paper prints it."""

    carriers: dict[int, CarrierHistory] = field(default_factory=dict)
    pledges: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    """Who recorded each attendee's pledge, and when (attendee id → (operator, time))."""
    filed: Step | None = None
    opened: Step | None = None
    """The first accepted tap (it opens the meeting)."""
    closed: Step | None = None
    issues: Counter[datetime] = field(default_factory=Counter)
    """Accepted issues (and reissues) per minute."""
    returns: Counter[datetime] = field(default_factory=Counter)
    """Accepted recoveries per minute."""

    def of(self, carrier_id: int | None) -> CarrierHistory:
        """One carrier's history (empty if the ledger says nothing of it)."""
        return self.carriers.get(carrier_id or 0) or CarrierHistory()


def read_history(session: Session, meeting: Meeting) -> History:
    """Fold a meeting's accepted events, in ledger order, into what the paper prints.

    A voided tap (and the void itself) leaves no trace in a carrier's history: the void restored
    the custody before it.
    """
    out = History()
    voided = voided_seqs(session, meeting)
    rows = session.exec(
        select(  # type: ignore[call-overload]
            Event.seq,
            Event.carrier_id,
            Event.action,
            Event.at,
            Event.operator,
            Event.approver,
            Event.attendee_id,
            Event.note,
        )
        .where(Event.meeting_id == meeting.id, Event.verdict == Verdict.ACCEPTED.value)
        .order_by(col(Event.seq))
    ).yield_per(5000)
    carriers = out.carriers
    for seq, carrier_id, action, at, operator, approver, attendee_id, note in rows:
        if carrier_id is None:
            _meeting_step(out, action, at, operator, approver, attendee_id, note)
            continue
        if seq in voided or action == Action.VOID:
            continue
        h = carriers.get(carrier_id)
        if h is None:
            h = carriers[carrier_id] = CarrierHistory()
        if out.opened is None and action in TAPS:
            out.opened = Step(at, operator, approver)
        if action in (Action.ISSUE, Action.REISSUE):
            h.issued_at, h.issued_by, h.issued_to = at, operator, attendee_id
            out.issues[at.replace(second=0, microsecond=0)] += 1
        elif action == Action.COLLECT:
            h.collects += 1
        elif action in RECOVERED_BY:
            h.recovered_at, h.recovered_by = at, operator
            out.returns[at.replace(second=0, microsecond=0)] += 1
            if action == Action.SWEEP:
                h.notes += (messages.text("sweep_found_note"),)
        elif action == Action.CARRY_OUT:
            h.carried_at, h.carried_by, h.carried_to = at, operator, attendee_id
            h.carried_approver = approver or operator
        elif action == Action.DISPATCH:
            h.dispatched_at, h.delivered_at, h.handed_in_by = at, None, attendee_id
        elif action == Action.DELIVER:
            h.delivered_at = at
        if action == Action.REPORT_LOST and note:
            h.notes += (messages.text("paper_note_lost", note=note),)
        elif action == Action.WITHDRAW:
            h.notes += (f"{ACTION_LABEL[Action.WITHDRAW]}：{note}",)
    receipts = session.exec(
        select(Event.at, Event.payload).where(
            Event.meeting_id == meeting.id,
            Event.verdict == Verdict.ACCEPTED.value,
            Event.action == Action.RECEIPT.value,
        )
    ).all()
    for at, payload in receipts:  # a consignment's receipt (回执) delivered these copies
        for carrier_id in json.loads(payload or "{}").get("carriers", ()):
            carriers.setdefault(carrier_id, CarrierHistory()).delivered_at = at
    return out


def _meeting_step(
    out: History,
    action: str,
    at: datetime,
    operator: str,
    approver: str,
    attendee_id: int | None,
    note: str,
) -> None:
    """Events not about one carrier: the filing, pledges, the close."""
    if action == Action.OPEN and out.opened is None:
        out.opened = Step(at, operator, approver, note)
    elif action == Action.FILE:
        out.filed = Step(at, operator, approver, note)
    elif action == Action.PLEDGE and attendee_id is not None:
        out.pledges[attendee_id] = (operator, at)
    elif action == Action.CLOSE:
        out.closed = Step(at, operator, approver, note)
