"""The office's period report (定期评估): ``carrier-tracker report --from … --to … -o FILE.xlsx``.

One workbook across every meeting and trip of the period (:mod:`carrier_tracker.paper.period`
reads each through the ledger's fold and verifies its chain): 汇总 with totals by level and by
month and two charts (meetings per month, copies out and back), 会议明细 with one row per
meeting, 拒绝原因 with the refusals by reason. Marked with the highest level it contains; a
meeting that does not verify is listed as such and left out of every total.

The layout is the paper's (:mod:`carrier_tracker.paper.layout`): each sheet is one function
below, so it moves with the printed sheets' helpers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

from sqlmodel import Session

from carrier_tracker import messages
from carrier_tracker.enums import Level
from carrier_tracker.errors import CarrierTrackerError
from carrier_tracker.paper.heading import Local
from carrier_tracker.paper.layout import LINE, PAD, Column, PrintedBook, PrintedSheet, printed_book
from carrier_tracker.paper.period import MeetingFigures, Period, read_period
from carrier_tracker.storage.models import utcnow

SUMMARY_SHEET, MEETINGS_SHEET, REASONS_SHEET = "汇总", "会议明细", "拒绝原因"
LEVELS = (Level.JUEMI, Level.JIMI, Level.MIMI, Level.NEIBU)
MAX_DAYS = 3660
"""The longest period a report covers (ten years)."""

T, C, N, D = "text", "center", "num", "date"
MEETING_COLUMNS = [
    Column("序号", 6, C),
    Column("会议代号", 14, C),
    Column("名称", 26, T),
    Column("类型", 8, C),
    Column("密级", 6, C),
    Column("开始", 10, D),
    Column("结束/应交回", 10, D),
    Column("人数", 6, N),
    Column("份数", 7, N),
    Column("发出", 7, N),
    Column("收回", 7, N),
    Column("挂失", 6, N),
    Column("找回", 6, N),
    Column("例外批准（批准人）", 16, T),
    Column("带例外结束（批准人）", 14, T),
    Column("拒绝（按原因）", 30, T),
    Column("结束至全部收回（小时）", 10, N),
    Column("已处置", 7, N),
    Column("待处置", 7, N),
    Column("校验", 12, C),
]
TOTAL_HEADS = ("发出", "收回", "挂失", "找回", "例外批准", "带例外结束", "已处置", "待处置")
REASON_COLUMNS = [
    Column("序号", 6, C),
    Column("拒绝原因", 60, T),
    Column("次数", 8, N),
    Column("涉及会议", 40, T),
]


@dataclass(frozen=True)
class ReportResult:
    """What :func:`write_report` wrote."""

    path: Path
    meetings: int
    counted: int
    """Meetings in the totals (those that verify)."""
    marking: str


def check_period(start: date, end: date) -> None:
    """Refuse a period that ends before it starts or spans more than ten years.

    Raises:
        CarrierTrackerError: naming what is wrong.
    """
    if end < start:
        raise CarrierTrackerError(
            messages.text("report_period_reversed", start=start.isoformat(), end=end.isoformat())
        )
    if (end - start).days > MAX_DAYS:
        raise CarrierTrackerError(messages.text("report_period_long", days=MAX_DAYS))


def write_report(
    *,
    session: Session,
    key: bytes,
    start: date,
    end: date,
    path: Path,
    operator: str = "",
    tz: tzinfo | None = None,
    now: datetime | None = None,
    force: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> ReportResult:
    """Write the period report of every meeting and trip whose day falls in ``start``..``end``.

    Raises:
        CarrierTrackerError: a reversed or too long period.
        OutputError: the path is unusable or the file cannot be written.
        ConflictError: the file exists and ``force`` is false.
    """
    check_period(start, end)
    period = read_period(session, key, start, end, tz=tz, progress=progress)
    local = Local(tz)
    facts = [
        messages.text("report_fact_period", start=start.isoformat(), end=end.isoformat()),
        messages.text(
            "report_fact_made",
            at=local.stamp(now or utcnow()),
            operator=operator or messages.text("paper_none"),
        ),
        messages.text(
            "report_fact_verified",
            total=len(period.meetings),
            ok=len(period.counted),
            failed=len(period.meetings) - len(period.counted),
        ),
    ]
    marking = period.marking
    with printed_book(path, force=force) as book:
        summary = _sheet(book, SUMMARY_SHEET, "report_title", facts, _summary_columns(), marking)
        rows = _sheet(
            book, MEETINGS_SHEET, "report_title_meetings", facts, MEETING_COLUMNS, marking
        )
        reasons = _sheet(
            book, REASONS_SHEET, "report_title_reasons", facts, REASON_COLUMNS, marking
        )
        write_summary(summary, period)
        write_meetings(rows, period)
        write_reasons(reasons, period)
        failed = not period.system_ok or len(period.counted) < len(period.meetings)
        for sheet in (summary, rows, reasons):
            sheet.signatures(
                [
                    (
                        messages.text("paper_role_clerk"),
                        messages.text("paper_sign_exporter", name=operator) if operator else "",
                    ),
                    (messages.text("paper_role_officer"), ""),
                ]
            )
            sheet.finish(failed=failed)
    return ReportResult(path, len(period.meetings), len(period.counted), marking)


def _sheet(
    book: PrintedBook,
    name: str,
    title: str,
    facts: list[str],
    columns: Sequence[Column],
    marking: str,
) -> PrintedSheet:
    return book.sheet(
        name,
        title=messages.text(title),
        facts=facts,
        columns=columns,
        marking=marking,
        code=messages.text("report_code"),
        header=name != SUMMARY_SHEET,
        landscape=True,
    )


def _summary_columns() -> list[Column]:
    return [Column("", 12, "center", fit=False)] + [
        Column("", 10, "center", fit=False) for _ in range(len(TOTAL_HEADS) + 2)
    ]


# --- 汇总 --------------------------------------------------------------------------------------


def _totals(meetings: Sequence[MeetingFigures]) -> list[int]:
    """[meetings, copies, issued, recovered, lost, found, overrides, exception closes,
    disposed, waiting]."""
    return [
        len(meetings),
        sum(m.copies for m in meetings),
        sum(m.issued for m in meetings),
        sum(m.recovered for m in meetings),
        sum(m.lost for m in meetings),
        sum(m.found for m in meetings),
        sum(m.overrides for m in meetings),
        sum(1 for m in meetings if m.closed_with_exceptions),
        sum(m.disposed for m in meetings),
        sum(m.waiting for m in meetings),
    ]


def write_summary(sheet: PrintedSheet, period: Period) -> None:
    """Totals by level and by month (meetings that verify only), the two charts, and the
    meetings left out because they do not verify."""
    t = messages.text
    counted = period.counted
    heads = [t("report_head_meetings"), t("report_head_copies"), *TOTAL_HEADS]
    kinds = ["num"] * len(heads)
    sheet.section(t("report_section_levels"))
    sheet.cells([t("report_head_level"), *heads], ["head"] * (len(heads) + 1))
    for level in LEVELS:
        rows = [m for m in counted if m.level == level.value]
        if rows:
            sheet.cells([level.value, *_totals(rows)], ["center", *kinds])
    sheet.cells([t("report_total"), *_totals(counted)], ["head", *kinds])

    sheet.skip()
    sheet.section(t("report_section_months"))
    months = sorted({m.month for m in counted})
    sheet.cells([t("report_head_month"), *heads], ["head"] * (len(heads) + 1))
    first = sheet.next_row
    for month in months:
        rows = [m for m in counted if m.month == month]
        sheet.cells([month, *_totals(rows)], ["center", *kinds])
    last = sheet.next_row - 1
    if months:
        _charts(sheet, first, last)
    else:
        sheet.line(t("report_none"))

    sheet.skip()
    sheet.section(t("report_section_unverified"))
    failed = [m for m in period.meetings if not m.verified]
    if not period.system_ok:
        sheet.line(t("report_system_failed"))
    if not failed:
        sheet.line(t("report_all_verified"))
    for m in failed:
        sheet.line(t("report_unverified_line", code=m.code, title=m.title, findings=m.findings))


def _charts(sheet: PrintedSheet, first: int, last: int) -> None:
    """Meetings per month, and copies out and back per month, from the month table's cells."""
    t = messages.text
    wb, name = sheet.book.wb, sheet.name
    meetings = wb.add_chart({"type": "column"})
    meetings.add_series(
        {
            "name": t("report_head_meetings"),
            "categories": [name, first, 0, last, 0],
            "values": [name, first, 1, last, 1],
            "data_labels": {"value": True},
        }
    )
    meetings.set_title({"name": t("report_chart_meetings"), "name_font": {"size": 11}})
    meetings.set_legend({"none": True})
    meetings.set_y_axis({"min": 0, "num_format": "0"})
    meetings.set_size({"width": 480, "height": 280})
    flow = wb.add_chart({"type": "column"})
    for col, head in ((3, TOTAL_HEADS[0]), (4, TOTAL_HEADS[1])):
        flow.add_series(
            {
                "name": head,
                "categories": [name, first, 0, last, 0],
                "values": [name, first, col, last, col],
                "data_labels": {"value": True},
            }
        )
    flow.set_title({"name": t("report_chart_flow"), "name_font": {"size": 11}})
    flow.set_legend({"position": "bottom"})
    flow.set_y_axis({"min": 0, "num_format": "0"})
    flow.set_size({"width": 480, "height": 280})
    sheet.skip()
    sheet.ws.insert_chart(sheet.next_row, 0, meetings)
    sheet.ws.insert_chart(sheet.next_row, 6, flow)
    sheet.skip(math.ceil(280 / ((LINE + PAD) * 4 / 3)) + 1)  # points to pixels


# --- 会议明细 -----------------------------------------------------------------------------------


def _who(count: int, names: Sequence[str]) -> str:
    if not count:
        return ""
    return (
        messages.text("report_with_approvers", n=count, names="、".join(names))
        if names
        else str(count)
    )


def write_meetings(sheet: PrintedSheet, period: Period) -> int:
    """One row per meeting of the period, in date order."""
    t = messages.text
    if not period.meetings:
        sheet.empty(t("report_none"))
        return 0
    for n, m in enumerate(period.meetings, start=1):
        refusals = "；".join(f"{r} ×{k}" for r, k in m.refusals.most_common())
        closed = (
            t("report_closed_exceptions", name=m.close_approver or t("paper_none"))
            if m.closed_with_exceptions
            else ""
        )
        verdict = t("audit_ok") if m.verified else t("report_not_verified", findings=m.findings)
        sheet.row(
            [
                n,
                m.code,
                m.title,
                messages.MEETING_KIND_LABEL.get(m.kind, m.kind),
                m.level,
                m.starts,
                m.ends,
                m.attendees,
                m.copies,
                m.issued,
                m.recovered,
                m.lost,
                m.found,
                _who(m.overrides, m.override_approvers),
                closed,
                refusals,
                round(m.hours_to_recovery, 1) if m.hours_to_recovery is not None else None,
                m.disposed,
                m.waiting,
                verdict,
            ]
        )
    return len(period.meetings)


# --- 拒绝原因 -----------------------------------------------------------------------------------


def write_reasons(sheet: PrintedSheet, period: Period) -> int:
    """Refusals by reason across the meetings that verify, most frequent first."""
    counts: Counter[str] = Counter()
    where: dict[str, list[str]] = {}
    for m in period.counted:
        for reason, k in m.refusals.items():
            counts[reason] += k
            where.setdefault(reason, []).append(m.code)
    if not counts:
        sheet.empty(messages.text("report_no_refusals"))
        return 0
    for n, (reason, k) in enumerate(counts.most_common(), start=1):
        sheet.row([n, reason, k, "、".join(where[reason])])
    return len(counts)
