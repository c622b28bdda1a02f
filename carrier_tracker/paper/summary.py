"""汇总, the export's cover sheet: counts as a small table, the meeting's story (filing, start,
close: when, by whom, approved by whom), the exceptions in words, the ledger's anchor and
verification, and a chart of copies issued and recovered."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from carrier_tracker import messages
from carrier_tracker.enums import DISPOSED, CarrierKind, State
from carrier_tracker.ledger.audit import AuditReport
from carrier_tracker.messages import MEETING_STATUS_LABEL, STATE_LABEL
from carrier_tracker.paper.heading import Local
from carrier_tracker.paper.history import History, Step
from carrier_tracker.paper.layout import LINE, PAD, PrintedSheet
from carrier_tracker.storage.models import Meeting

DOCUMENTS_CHARTED = 30
"""Up to this many documents the chart shows each one; beyond, the meeting's time."""
EXCEPTIONS_LISTED = 30
"""Exceptions put in words on 汇总; the rest are on 未收回清单."""
DIFFERENCES_LISTED = 200
STEPS = (1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)
"""Minutes per point of the time chart: the smallest giving at most 24 points."""


@dataclass
class ChartData:
    """The chart's numbers: per document (issued ever, recovered, outstanding), and the
    meeting's issues and recoveries per minute."""

    documents: dict[str, list[int]] = field(default_factory=dict)
    issues: Counter[datetime] = field(default_factory=Counter)
    returns: Counter[datetime] = field(default_factory=Counter)

    def count(self, number: str, *, issued: bool, state: str, out: set[str]) -> None:
        """One copy of document ``number``."""
        row = self.documents.get(number)
        if row is None:
            row = self.documents[number] = [0, 0, 0]
        row[0] += issued
        row[1] += state == State.RECOVERED
        row[2] += state in out

    def timeline(self, history: History) -> None:
        """Take the meeting's issues and recoveries per minute from its history."""
        self.issues, self.returns = history.issues, history.returns

    def rows(self, local: Local) -> tuple[str, list[list[Any]]]:
        """The chart's table: (kind, rows of [label, a, b, c]); kind ``documents`` or ``time``."""
        if len(self.documents) <= DOCUMENTS_CHARTED:
            return "documents", [[k, *v] for k, v in sorted(self.documents.items())]
        minutes = sorted(set(self.issues) | set(self.returns))
        if not minutes:
            return "time", []
        first, last = minutes[0], minutes[-1]
        span = (last - first).total_seconds() / 60
        step = next((s for s in STEPS if span / s <= 24), STEPS[-1])
        out: list[list[Any]] = []
        issued = returned = 0
        at = first
        while True:
            end = at + timedelta(minutes=step)
            issued += sum(n for m, n in self.issues.items() if at <= m < end)
            returned += sum(n for m, n in self.returns.items() if at <= m < end)
            out.append([local.stamp(at), issued, returned, None])
            if end > last:
                return "time", out
            at = end


def write_summary(
    sheet: PrintedSheet,
    *,
    session: Session,
    meeting: Meeting,
    history: History,
    recon: Any,
    found_later: Sequence[Any],
    totals: dict[str, dict[str, int]],
    chart: ChartData,
    audit: AuditReport,
    approver: str,
    local: Local,
) -> int:
    """Write 汇总 (up to its signature block); returns the rows written."""
    t = messages.text
    none = t("paper_none")
    start = sheet.next_row

    sheet.section(t("paper_section_counts"))
    sheet.cells(t("paper_counts_heads").split("|"), ["head"] * 3)
    sums = [0, 0]
    for state in State:
        copies, passes = totals[CarrierKind.COPY][state], totals[CarrierKind.PASS][state]
        if (state is State.WITHDRAWN or state in DISPOSED) and not copies:
            continue  # a row only when copies were withdrawn, or disposed of after the meeting
        sheet.cells([STATE_LABEL[state], copies, passes], ["text", "num", "num"])
        sums[0] += copies
        sums[1] += passes
    sheet.cells([t("paper_counts_total"), *sums], ["head", "num", "num"])
    sheet.line(
        t(
            "paper_outstanding_total",
            count=len(recon.items),
            unpledged=len(recon.unpledged),
        )
    )

    sheet.skip()
    sheet.section(t("paper_section_story"))
    sheet.pair("会议状态", MEETING_STATUS_LABEL[meeting.status])  # type: ignore[index]
    sheet.pair("保密负责人", meeting.officer or none)
    sheet.pair("实行会议证", t("paper_yes") if meeting.requires_passes else t("paper_no"))
    sheet.cells(t("paper_story_heads").split("|"), ["head"] * 5)

    def step(label: str, s: Step | None, approver: str, note: str, missing: str) -> None:
        if s is None:
            sheet.cells(
                [label, missing, "", "", ""], ["text", "center", "center", "center", "text"]
            )
        else:
            sheet.cells(
                [label, local(s.at), s.operator, approver, note],
                ["text", "time", "center", "center", "text"],
            )

    filed_note = meeting.filed_ref or ""
    step(
        t("paper_story_filed"),
        history.filed,
        meeting.filed_by or "",
        filed_note,
        t("paper_story_never"),
    )
    step(t("paper_story_opened"), history.opened, "", "", t("paper_story_never"))
    closed = history.closed
    step(
        t("paper_story_closed"),
        closed,
        approver,
        (closed.note if closed else "") or (meeting.close_note or ""),
        t("paper_story_not_yet"),
    )

    sheet.skip()
    sheet.section(t("paper_section_exceptions"))
    for line in exceptions(history, recon, found_later, local, meeting.close_note or ""):
        sheet.line(line)

    sheet.skip()
    sheet.section(t("paper_section_ledger"))
    chain = audit.chain
    sheet.pair("台账事件数", chain.count)
    sheet.pair("台账头哈希", chain.head_hash, "hash")
    sheet.pair("导出时校验结果", verdict_text(audit))
    if audit.differences:
        sheet.line(t("paper_differences"))
        for d in audit.differences[:DIFFERENCES_LISTED]:
            sheet.line(f"  {d}")
    if not audit.snapshot:
        sheet.line(t("audit_no_snapshot"))
    sheet.anchor(chain.count, chain.head_hash, verified_line(audit))

    sheet.skip()
    sheet.section(t("paper_section_chart"))
    _chart(sheet, chart, local)
    return sheet.next_row - start


def verdict_text(audit: AuditReport) -> str:
    """The export-time verification in words (完整, or where it failed)."""
    chain = audit.chain
    if audit.ok:
        return messages.text("audit_ok")
    if not chain.ok:
        return messages.text("paper_verify_broken", seq=chain.broken_seq, problem=chain.problem)
    failed = messages.text("audit_failed", count=len(audit.differences))
    return messages.text("paper_verify_differs", failed=failed)


def verified_line(audit: AuditReport) -> str:
    """The line printed under the anchor."""
    if audit.ok:
        return messages.text("paper_verified")
    return messages.text("paper_verify_failed", problem=verdict_text(audit))


def exceptions(
    history: History, recon: Any, found_later: Sequence[Any], local: Local, close_note: str
) -> list[str]:
    """The exceptions in words: what is lost or still out, what was found after the close,
    passes handed out with no pledge, the close note."""
    t = messages.text
    lines: list[str] = []
    lost = t("paper_note_lost", note="")
    items = sorted(recon.items, key=lambda it: (it.state != State.LOST, it.label))
    for it in items[:EXCEPTIONS_LISTED]:
        if it.state == State.LOST:
            notes = [
                n.removeprefix(lost) for n in history.of(it.carrier_id).notes if n.startswith(lost)
            ]
            lines.append(
                t("paper_exception_lost", item=it.label, note=notes[-1])
                if notes
                else t("paper_exception_lost_bare", item=it.label)
            )
        else:
            consignment = t("audit_consignment", number=it.consignment) if it.consignment else ""
            who = it.attendee_code or consignment
            lines.append(
                t(
                    "paper_exception_out",
                    item=it.label,
                    state=STATE_LABEL[State(it.state)],
                    who=who or t("paper_none"),
                    since=local.stamp(it.since),
                )
            )
    if len(items) > EXCEPTIONS_LISTED:
        lines.append(t("paper_exceptions_more", count=len(items) - EXCEPTIONS_LISTED))
    for f in found_later:
        lines.append(t("paper_exception_found", item=f.label, at=local.stamp(f.found_at)))
    if recon.unpledged:
        names = "、".join(f"{code} {name}" for code, name in recon.unpledged[:EXCEPTIONS_LISTED])
        lines.append(t("paper_exception_unpledged", names=names))
    if close_note:
        lines.append(t("paper_exception_close_note", note=close_note))
    return lines or [t("paper_exception_none")]


def _chart(sheet: PrintedSheet, data: ChartData, local: Local) -> None:
    """The chart's table and, under it, the chart drawn from it."""
    t = messages.text
    kind, rows = data.rows(local)
    if not rows or not any(r[1] for r in rows):
        sheet.line(t("paper_chart_none"))
        return
    heads = t("paper_chart_heads" if kind == "documents" else "paper_chart_time_heads").split("|")
    sheet.cells(
        heads[: 4 if kind == "documents" else 3], ["head"] * (4 if kind == "documents" else 3)
    )
    first = sheet.next_row
    for r in rows:
        if kind == "documents":
            sheet.cells(r, ["center", "num", "num", "num"])
        else:
            sheet.cells(r[:3], ["center", "num", "num"])
    last = sheet.next_row - 1
    wb, name = sheet.book.wb, sheet.name
    chart = wb.add_chart({"type": "column" if kind == "documents" else "line"})
    for col, series in ((1, heads[1]), (2, heads[2])):
        chart.add_series(
            {
                "name": series,
                "categories": [name, first, 0, last, 0],
                "values": [name, first, col, last, col],
                "data_labels": {"value": kind == "documents"},
            }
        )
    chart.set_title(
        {
            "name": t("paper_chart_title" if kind == "documents" else "paper_chart_time_title"),
            "name_font": {"size": 11, "bold": True},
        }
    )
    chart.set_legend({"position": "bottom"})
    top = max(max(r[1] or 0, r[2] or 0) for r in rows)
    chart.set_y_axis({"min": 0, "num_format": "0", "major_unit": max(1, math.ceil(top / 5))})
    chart.set_size({"width": 640, "height": 300})
    sheet.skip()
    sheet.ws.insert_chart(sheet.next_row, 0, chart)
    sheet.skip(math.ceil(300 / ((LINE + PAD) * 4 / 3)) + 1)  # points to pixels
