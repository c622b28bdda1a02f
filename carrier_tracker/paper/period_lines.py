"""One meeting's line of the office's period report, read through the one fold while its chain
is verified (``ledger.audit.MeetingAudit``): counts, exceptions and their approvers, refusals by
reason, the time to full recovery, dispositions and the verify result."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlmodel import Session

from carrier_tracker import messages
from carrier_tracker.enums import DISPOSED, Action, CarrierKind, Level, MeetingKind, State, Verdict
from carrier_tracker.ledger import events as ev
from carrier_tracker.ledger.audit import AuditReport, MeetingAudit, SystemAudit, event_rows
from carrier_tracker.ledger.fold import RECOVERED_BY, MeetingWorld
from carrier_tracker.paper.history import new_story
from carrier_tracker.storage.models import Meeting

OUTSTANDING = frozenset({State.ISSUED, State.CARRIED_OUT, State.IN_TRANSIT, State.LOST})
"""A copy not back (collected is at the desk; delivered passed to its recipient with a receipt)."""
BACK = frozenset({State.RECOVERED, *DISPOSED})
"""A copy back in the office's custody (or disposed of since)."""


@dataclass
class MeetingLine:
    """What the report prints for one meeting (and adds to its totals when it verifies)."""

    code: str
    title: str
    kind: str
    level: str
    starts_at: datetime | None
    ends_at: datetime | None
    attendees: int = 0
    copies: int = 0
    issued: int = 0
    """Copies ever handed out (issued or reissued; a voided tap does not count)."""
    recovered: int = 0
    """Copies handed out that are back now (recovered, or disposed of since)."""
    lost: int = 0
    """Carriers (copies and passes) ever reported lost (a voided report does not count)."""
    found: int = 0
    """Of those, brought back after their last report of the loss."""
    overrides: int = 0
    """Accepted taps with an officer's exception on record (reissue to another, outside the
    plan, a pass back while a copy is out, …): its approver, or an officer tapping."""
    override_approvers: set[str] = field(default_factory=set)
    closed_with_exceptions: bool = False
    close_approver: str = ""
    refusals: Counter[str] = field(default_factory=Counter)
    """Refused taps and commands by the kind of reason."""
    hours_to_recovery: float | None = None
    """From the meeting's scheduled end to its last copy back (0 when all was back before the
    end); None while a copy is out or lost, or when none was handed out."""
    disposed: int = 0
    waiting: int = 0
    """Recovered copies waiting for a disposition."""
    verified: bool = False
    verdict: str = ""

    @property
    def rank(self) -> int:
        """The level's rank (-1 for a level the enum does not know)."""
        try:
            return Level(self.level).rank
        except ValueError:
            return -1


def meeting_kind(world: MeetingWorld) -> str:
    """The meeting's kind as the ledger says it (a meeting whose opening records none is a
    涉密会议); the kinds' values are their Chinese labels (外出携带 for a trip)."""
    return world.meeting.kind or MeetingKind.MEETING.value


@cache
def _templates() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Every catalogue text as a pattern (its fields as wildcards) with the label of its kind,
    the texts with the most fixed words first (the most specific match wins)."""
    out = []
    for template in messages.TEXT.values():
        fixed = re.sub(r"\{[^}]*\}", "", template)
        if not fixed.strip() or "\n" in template:
            continue
        parts = re.split(r"\{[^}]*\}", template)
        pattern = re.compile("(?s)" + ".+?".join(re.escape(p) for p in parts) + r"\Z")
        out.append((len(fixed), pattern, _label(template)))
    out.sort(key=lambda x: -x[0])
    return tuple((p, label) for _n, p, label in out)


def _label(template: str) -> str:
    """A reason's kind as words: its template up to the first colon, fields dropped."""
    head = re.sub(r"（[^）]*）", "", template.split("：", 1)[0])
    words = re.sub(r"\s*\{[^}]*\}\s*", "…", head).strip(" ，,")
    return words if words.strip("…") else template


@cache
def reason_kind(reason: str) -> str:
    """The kind of a refusal's reason (``知悉范围不足`` for ``知悉范围不足：熊勇 为秘密…``): the
    catalogue text it was made from, without its fields; unknown words stand as they are."""
    for pattern, label in _templates():
        if pattern.match(reason):
            return label
    return reason.split("：", 1)[0] or messages.text("paper_none")


class LineReader:
    """Feeds one meeting's rows to its audit and notes what the fold does not keep (overrides,
    refusals, losses and finds), then makes its :class:`MeetingLine`."""

    def __init__(self, audit: MeetingAudit, skip: frozenset[int], officers: frozenset[str]):
        self.audit, self.skip, self.officers = audit, skip, officers
        self.overrides = 0
        self.approvers: set[str] = set()
        self.refusals: Counter[str] = Counter()
        self.lost: set[int] = set()
        self.found: set[int] = set()

    def feed(self, row: Any) -> None:
        """One event row, in seq order."""
        event = self.audit.feed(row)
        stamp = event.stamp
        if stamp.verdict is Verdict.REFUSED:
            self.refusals[reason_kind(stamp.reason or messages.text("paper_none"))] += 1
            return
        if not stamp.accepted or stamp.seq in self.skip:
            return
        if isinstance(event, ev.Tapped):
            if event.override:
                # An exception asked for where none was needed was approved by nobody: only an
                # approver on record (or an officer tapping) makes it one.
                who = stamp.approver or (stamp.operator if stamp.operator in self.officers else "")
                if who:
                    self.overrides += 1
                    self.approvers.add(who)
            cid = event.carrier_id
            if cid is None:
                return
            if event.tap_action is Action.REPORT_LOST:
                self.lost.add(cid)
                self.found.discard(cid)
            elif event.tap_action in RECOVERED_BY and cid in self.lost:
                self.found.add(cid)

    def line(self, session: Session, meeting: Meeting, local: Any) -> MeetingLine:
        """The meeting's line, with the verdict of its audit (the tables compared now)."""
        report: AuditReport = self.audit.report(session)
        world = self.audit.world
        story = world.story
        assert story is not None
        m = world.meeting
        line = MeetingLine(
            code=m.code or meeting.code,
            title=m.title or meeting.title,
            kind=meeting_kind(world),
            level=m.level or meeting.level,
            starts_at=local(_when(m.starts_at)),
            ends_at=local(_when(m.ends_at)),
            attendees=len(world.attendees),
            lost=len(self.lost),
            found=len(self.found),
            overrides=self.overrides,
            override_approvers=self.approvers,
            closed_with_exceptions=m.closed_with_exceptions,
            close_approver=m.close_approver
            or (m.closed_by or "" if m.closed_by in self.officers else ""),
            refusals=self.refusals,
            disposed=len(world.dispositions),
            verified=report.ok,
            verdict=_verdict(report),
        )
        last_back: datetime | None = None
        out = 0
        for cid, c in world.carriers.items():
            if c.kind != CarrierKind.COPY:
                continue
            line.copies += 1
            state = c.custody.state
            line.waiting += state is State.RECOVERED
            h = story.carriers.get(cid)
            if h is None or h.issued_at is None:
                continue
            line.issued += 1
            if state in BACK:
                line.recovered += 1
                if h.recovered_at is not None and (last_back is None or h.recovered_at > last_back):
                    last_back = h.recovered_at
            out += state in OUTSTANDING
        end = _when(m.ends_at)
        if line.issued and not out and last_back is not None and end is not None:
            line.hours_to_recovery = round(max(0.0, (last_back - end).total_seconds() / 3600), 1)
        return line


def _when(text: str | None) -> datetime | None:
    """A time the fold keeps as UTC ISO text (the import's payload)."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _verdict(report: AuditReport) -> str:
    if report.ok:
        return messages.text("audit_ok")
    findings = report.findings()
    chain = report.chain
    first = (
        messages.text("paper_verify_broken", seq=chain.broken_seq, problem=chain.problem)
        if not chain.ok
        else (findings[0] if findings else "")
    )
    return messages.text("report_not_verified", first=first)


def read_line(
    session: Session,
    key: bytes,
    meeting: Meeting,
    system: SystemAudit,
    officers: frozenset[str],
    local: Any,
) -> MeetingLine:
    """Verify a meeting's chain and read its line in the same pass (one fold)."""
    assert meeting.id is not None
    story = new_story(session, meeting)
    audit = MeetingAudit(key, meeting, system, story=story)
    reader = LineReader(audit, story.skip, officers)
    for row in event_rows(session, meeting.id):
        reader.feed(row)
    return reader.line(session, meeting, local)
