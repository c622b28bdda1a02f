"""The office's period figures: every meeting and trip of a period read through the ledger's one
fold while its chain is verified (``MeetingAudit``), one meeting at a time.

A meeting's figures come from its events alone (a voided tap counts for nothing); its
verification says whether they can be trusted: a meeting that does not verify is reported as
such and left out of every total (:mod:`carrier_tracker.paper.report`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache

from sqlmodel import Session, select

from carrier_tracker import messages
from carrier_tracker.enums import DISPOSED, OUTSTANDING, Action, CarrierKind, Level, State
from carrier_tracker.ledger import events as ev
from carrier_tracker.ledger.audit import MeetingAudit, SystemAudit, audit_system, event_rows
from carrier_tracker.ledger.fold import MeetingWorld
from carrier_tracker.storage.models import Meeting

OUT_ACTIONS = frozenset({Action.ISSUE, Action.REISSUE, Action.DISPATCH, Action.CARRY_OUT})
"""Accepted taps after which a copy has been out of the custodians' hands."""
BACK = frozenset({State.RECOVERED}) | DISPOSED
"""A copy back in custody (or disposed of after it came back)."""


@dataclass
class MeetingFigures:
    """One meeting's row of the period report."""

    code: str
    title: str
    kind: str
    level: str
    starts: date | None
    ends: date | None
    status: str
    attendees: int = 0
    copies: int = 0
    issued: int = 0
    recovered: int = 0
    lost: int = 0
    found: int = 0
    overrides: int = 0
    override_approvers: tuple[str, ...] = ()
    closed_with_exceptions: bool = False
    close_approver: str = ""
    refusals: Counter[str] = field(default_factory=Counter)
    """Refused steps by reason (the reason's wording with its particulars left out)."""
    hours_to_recovery: float | None = None
    """Hours from the meeting's end to the moment nothing was out any more (None: no end
    recorded, or never all back)."""
    disposed: int = 0
    waiting: int = 0
    """Recovered copies not yet disposed of."""
    verified: bool = True
    findings: int = 0
    month: str = ""
    """``YYYY-MM`` of the meeting's date (what the monthly totals group by)."""


def meeting_date(meeting: Meeting, tz: tzinfo | None) -> date:
    """The day a meeting counts in a period: the day it starts, else the day it was entered."""
    at = meeting.starts_at or meeting.created_at
    return _local(at, tz).date()


def _local(at: datetime, tz: tzinfo | None) -> datetime:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(tz)


def meetings_in(
    session: Session, start: date, end: date, tz: tzinfo | None = None
) -> list[Meeting]:
    """The meetings and trips whose day (:func:`meeting_date`) falls in ``start``..``end``,
    in date order then by code."""
    rows = session.exec(select(Meeting)).all()
    chosen = [m for m in rows if start <= meeting_date(m, tz) <= end]
    return sorted(chosen, key=lambda m: (meeting_date(m, tz), m.code))


@lru_cache(maxsize=1)
def _reason_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each refusal's wording as a pattern, with its particulars as ``…``: the longest (most
    specific) first."""
    keys = sorted(messages.TEXT, key=lambda k: -len(messages.TEXT[k]))
    out = []
    for key in keys:
        template = messages.TEXT[key]
        if "{" not in template or len(template) < 4:
            continue
        parts = re.split(r"\{[^}]*\}", template)
        pattern = "(?s)^" + ".+?".join(re.escape(p) for p in parts) + "$"
        shown = re.sub(r"\{[^}]*\}", "…", template)
        out.append((re.compile(pattern), shown))
    return tuple(out)


def reason_kind(reason: str) -> str:
    """A refusal's reason without its particulars (``知悉范围不足：…为…，文件为…``), so refusals
    can be counted by reason; a reason of no known wording is kept as it is."""
    text = reason.split("\n", 1)[0].strip()
    if not text:
        return messages.text("report_reason_none")
    for pattern, shown in _reason_patterns():
        if pattern.match(text):
            return shown
    return text


class Tally:
    """Counts one meeting's figures as its events are fed (after the fold applied each)."""

    def __init__(self) -> None:
        self.states: dict[int, State] = {}
        self.out = 0
        self.clear_at: datetime | None = None
        self.went_out: dict[int, set[int]] = {}
        """seq → copies that left custody by it."""
        self.lost: dict[int, int] = {}
        self.found: dict[int, int] = {}
        self.overrides: dict[int, str] = {}
        self.refusals: Counter[str] = Counter()

    def feed(self, world: MeetingWorld, event: ev.MeetingEvent) -> None:
        """One event, already folded into ``world``."""
        stamp = event.stamp
        if isinstance(event, ev.Tapped | ev.Declined) and stamp.verdict.value == "refused":
            self.refusals[reason_kind(stamp.reason)] += 1
        if isinstance(event, ev.Tapped) and stamp.accepted and event.carrier_id is not None:
            cid, action = event.carrier_id, event.tap_action
            c = world.carriers.get(cid)
            if action in OUT_ACTIONS and c is not None and c.kind == CarrierKind.COPY:
                self.went_out[stamp.seq] = {cid}
            if action is Action.REPORT_LOST:
                self.lost[stamp.seq] = cid
            if action in (Action.FOUND, Action.SWEEP) and event.from_state == State.LOST.value:
                self.found[stamp.seq] = cid
            if event.override:
                self.overrides[stamp.seq] = stamp.approver or stamp.operator
        for cid in _touched(world, event):
            c = world.carriers.get(cid)
            if c is None:
                continue
            new = c.custody.state
            old = self.states.get(cid, State.REGISTERED)
            self.states[cid] = new
            was, now = old in OUTSTANDING, new in OUTSTANDING
            if was != now:
                self.out += 1 if now else -1
                if not now and self.out == 0:
                    self.clear_at = stamp.at


def _touched(world: MeetingWorld, event: ev.MeetingEvent) -> Iterator[int]:
    """The carriers whose custody an event may have moved."""
    if not event.stamp.accepted:
        return
    match event:
        case ev.Tapped() | ev.Withdrawn() | ev.Voided():
            if event.carrier_id is not None:
                yield event.carrier_id
        case ev.Disposed() | ev.DisposalVoided():
            yield from event.carriers
        case ev.ReceiptRecorded():
            if event.carriers:
                yield from event.carriers
            elif event.consignment_id is not None:
                yield from sorted(world.in_consignment.get(event.consignment_id, ()))


def figures(
    session: Session,
    key: bytes,
    meeting: Meeting,
    system: SystemAudit,
    tz: tzinfo | None = None,
) -> MeetingFigures:
    """One meeting's figures: its chain verified, re-decided and folded in one pass."""
    assert meeting.id is not None
    audit = MeetingAudit(key, meeting, system)
    tally = Tally()
    for row in event_rows(session, meeting.id):
        event = audit.feed(row)
        tally.feed(audit.world, event)
    report = audit.report(session)
    world = audit.world
    voided = set(world.voided)
    m = world.meeting
    copies = [c for c in world.carriers.values() if c.kind == CarrierKind.COPY]
    went_out = {cid for seq, ids in tally.went_out.items() if seq not in voided for cid in ids}
    states = {c.id: c.custody.state for c in copies}
    starts = _local(meeting.starts_at, tz).date() if meeting.starts_at else None
    ends = _local(meeting.ends_at, tz).date() if meeting.ends_at else meeting.due_on
    hours = None
    if tally.out == 0 and tally.clear_at is not None and meeting.ends_at is not None:
        end = meeting.ends_at if meeting.ends_at.tzinfo else meeting.ends_at.replace(tzinfo=UTC)
        hours = max(0.0, (tally.clear_at - end).total_seconds() / 3600)
    approvers = sorted({a for s, a in tally.overrides.items() if s not in voided and a})
    day = meeting_date(meeting, tz)
    return MeetingFigures(
        code=meeting.code,
        title=meeting.title,
        kind=meeting.kind,
        level=meeting.level,
        starts=starts,
        ends=ends,
        status=m.status.value,
        attendees=len(world.attendees),
        copies=sum(1 for c in copies if c.custody.state is not State.WITHDRAWN),
        issued=len(went_out),
        recovered=sum(1 for cid in went_out if states.get(cid) in BACK),
        lost=len({c for s, c in tally.lost.items() if s not in voided}),
        found=len({c for s, c in tally.found.items() if s not in voided}),
        overrides=sum(1 for s in tally.overrides if s not in voided),
        override_approvers=tuple(approvers),
        closed_with_exceptions=m.closed_with_exceptions,
        close_approver=(m.close_approver or m.closed_by or "") if m.closed_with_exceptions else "",
        refusals=tally.refusals,
        hours_to_recovery=hours,
        disposed=len(world.dispositions),
        waiting=sum(1 for s in states.values() if s is State.RECOVERED),
        verified=report.ok,
        findings=0 if report.ok else max(1, len(report.findings())),
        month=f"{day.year:04d}-{day.month:02d}",
    )


@dataclass
class Period:
    """Every meeting's figures of a period, and the system chain's verdict."""

    start: date
    end: date
    meetings: list[MeetingFigures]
    system_ok: bool

    @property
    def counted(self) -> list[MeetingFigures]:
        """The meetings that verify: the only ones in the totals."""
        return [m for m in self.meetings if m.verified]

    @property
    def marking(self) -> str:
        """The highest level the report contains (its marking)."""
        levels = [Level(m.level) for m in self.meetings if m.level]
        return max(levels, key=lambda lv: lv.rank).marking if levels else Level.NEIBU.marking


def read_period(
    session: Session,
    key: bytes,
    start: date,
    end: date,
    *,
    tz: tzinfo | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Period:
    """Every meeting and trip of the period, each verified and folded (one at a time: memory
    stays that of the largest meeting)."""
    system = audit_system(session, key)
    chosen = meetings_in(session, start, end, tz)
    out = []
    for n, meeting in enumerate(chosen, start=1):
        out.append(figures(session, key, meeting, system, tz))
        if progress is not None:
            progress(n, len(chosen))
    return Period(start, end, out, system.ok)
