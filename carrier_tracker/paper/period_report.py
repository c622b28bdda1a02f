"""The office's period report (定期评估): every meeting that started in a period, one row each,
totals by level and by month with their charts; each chain verified as it is read, a meeting that
does not verify shown in red and left out of every total."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from carrier_tracker import messages
from carrier_tracker.enums import Level
from carrier_tracker.ledger.audit import audit_system
from carrier_tracker.paper.export import officer_names
from carrier_tracker.paper.heading import Local
from carrier_tracker.paper.layout import (
    LINE,
    PAD,
    Column,
    PrintedBook,
    PrintedSheet,
    printed_book,
)
from carrier_tracker.paper.period_lines import MeetingLine, read_line
from carrier_tracker.storage.models import Meeting, table_of, utcnow

MEETINGS_SHEET, TOTALS_SHEET = "会议一览", "统计合计"

MEETING_COLUMNS = (
    Column("序号", 6, "center"),
    Column("会议代号", 14, "center"),
    Column("会议名称", 20, "text"),
    Column("类型", 9, "center"),
    Column("密级", 6, "center"),
    Column("开始日期", 10.5, "date"),
    Column("结束日期", 10.5, "date"),
    Column("参会人数", 7, "num"),
    Column("文件份数", 8, "num"),
    Column("已发放", 8, "num"),
    Column("已收回", 8, "num"),
    Column("遗失", 6, "num"),
    Column("找回", 6, "num"),
    Column("例外批准\n（批准人）", 12, "center"),
    Column("带例外结束\n（批准人）", 12, "center"),
    Column("拒绝\n（按原因）", 22, "text"),
    Column("全部收回\n用时（小时）", 10, "num"),
    Column("已处置", 7, "num"),
    Column("待处置", 7, "num"),
    Column("校验结果", 18, "text"),
)
VERIFY_COLUMN = len(MEETING_COLUMNS) - 1

COUNTED = (
    "会议数",
    "参会人数",
    "文件份数",
    "已发放",
    "已收回",
    "遗失",
    "找回",
    "例外批准",
    "带例外结束",
    "拒绝",
    "已处置",
    "待处置",
)
TOTAL_COLUMNS = (Column("", 24, "center", fit=False), *(Column(h, 9, "num") for h in COUNTED))
CHART_WIDTH, CHART_HEIGHT = 480, 300
"""Each chart's size in pixels; the two stand side by side."""


@dataclass
class Totals:
    """The sums of the meetings that verified."""

    counts: list[int] = field(default_factory=lambda: [0] * len(COUNTED))

    def add(self, line: MeetingLine) -> None:
        """Add one verified meeting."""
        for i, n in enumerate(
            (
                1,
                line.attendees,
                line.copies,
                line.issued,
                line.recovered,
                line.lost,
                line.found,
                line.overrides,
                int(line.closed_with_exceptions),
                sum(line.refusals.values()),
                line.disposed,
                line.waiting,
            )
        ):
            self.counts[i] += n


@dataclass(frozen=True)
class ReportResult:
    """What a period report wrote."""

    path: Path
    lines: list[MeetingLine]
    unverified: list[str]
    """Codes of the meetings that did not verify (in the rows, in red; in no total)."""
    marking: str


def parse_day(text: str, flag: str) -> date:
    """A ``--from``/``--to`` date (YYYY-MM-DD).

    Raises:
        CarrierTrackerError: not such a date.
    """
    from carrier_tracker.errors import CarrierTrackerError

    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise CarrierTrackerError(
            messages.text("report_bad_date", flag=flag, text=text[:40])
        ) from None


def meetings_in(session: Session, first: date, last: date, local: Local) -> list[Meeting]:
    """The meetings that started (local date) in the period; one without a start by the day it
    was imported. In order of start, then code."""
    m = table_of(Meeting)
    rows = session.connection().execute(
        select(m.c.id, m.c.starts_at, m.c.created_at, m.c.code).order_by(m.c.code)
    )
    picked: list[tuple[datetime, str, int]] = []
    for mid, starts, created, code in rows:
        when = local(starts or created)
        if when is not None and first <= when.date() <= last:
            picked.append((when, code, mid))
    picked.sort()
    out = []
    for _when, _code, mid in picked:
        meeting = session.get(Meeting, mid)
        assert meeting is not None
        out.append(meeting)
    return out


def write_period_report(
    *,
    session: Session,
    key: bytes,
    first: date,
    last: date,
    path: Path,
    operator: str = "",
    tz: tzinfo | None = None,
    now: datetime | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ReportResult:
    """Write the period report of every meeting that started from ``first`` to ``last``.

    Args:
        session: an open session (read only).
        key: the ledger key: every meeting's chain is verified as it is read.
        first: the period's first day (local).
        last: the period's last day (local), not before ``first``.
        path: the .xlsx to write (a temporary name, then renamed; nothing left on failure).
        operator: who made it (the title block).
        tz: the local time zone (default: the machine's).
        now: the time of the report (default: now).
        force: replace an existing file.
        progress: called with a line now and then (the CLI prints it on stderr).

    Raises:
        OutputError: the path is unusable or the file cannot be written.
        ConflictError: the file exists and ``force`` is false.
    """
    say = progress or (lambda _m: None)
    local = Local(tz)
    with printed_book(path, force=force) as book:
        meetings = meetings_in(session, first, last, local)
        say(messages.text("report_progress_found", n=len(meetings)))
        system = audit_system(session, key)
        officers = officer_names(session)
        lines: list[MeetingLine] = []
        for n, meeting in enumerate(meetings, start=1):
            line = read_line(session, key, meeting, system, officers, local)
            lines.append(line)
            say(
                messages.text(
                    "report_progress_meeting",
                    n=n,
                    total=len(meetings),
                    code=line.code,
                    verdict=messages.text("audit_ok" if line.verified else "audit_not_ok"),
                )
            )
            session.expunge_all()  # one meeting's rows at a time
        top = max((ln.rank for ln in lines), default=-1)
        marking = Level(_LEVELS[max(top, 0)]).marking
        unverified = [ln.code for ln in lines if not ln.verified]
        period = messages.text("report_period", first=first.isoformat(), last=last.isoformat())
        facts = [
            period,
            messages.text(
                "report_fact_made",
                at=local.stamp(now or utcnow()),
                operator=operator or messages.text("paper_none"),
            ),
            messages.text(
                "report_fact_count",
                n=len(lines),
                ok=len(lines) - len(unverified),
                bad=len(unverified),
            ),
        ]
        book_sheets = _Sheets(book, facts, marking, period)
        table = book_sheets.sheet(MEETINGS_SHEET, "report_title_meetings", MEETING_COLUMNS)
        totals = book_sheets.sheet(TOTALS_SHEET, "report_title_totals", TOTAL_COLUMNS, header=False)
        _write_rows(table, lines)
        _write_totals(totals, lines, unverified)
        for sheet in book_sheets.sheets:
            sheet.signatures(
                [
                    (messages.text("paper_role_clerk"), ""),
                    (messages.text("paper_role_officer"), ""),
                ]
            )
            sheet.finish(failed=bool(unverified))
            book_sheets.header(sheet, failed=bool(unverified))
    return ReportResult(path, lines, unverified, marking)


_LEVELS = {0: Level.NEIBU, 1: Level.MIMI, 2: Level.JIMI, 3: Level.JUEMI}


class _Sheets:
    """The report's sheets with the title block and marking they share."""

    def __init__(self, book: PrintedBook, facts: list[str], marking: str, period: str) -> None:
        self.book, self.facts, self.marking, self.period = book, facts, marking, period
        self.sheets: list[PrintedSheet] = []

    def sheet(
        self, name: str, title: str, columns: Sequence[Column], *, header: bool = True
    ) -> PrintedSheet:
        s = self.book.sheet(
            name,
            title=messages.text(title),
            facts=self.facts,
            columns=columns,
            marking=self.marking,
            code="",
            header=header,
            landscape=True,
        )
        self.sheets.append(s)
        return s

    def header(self, sheet: PrintedSheet, *, failed: bool) -> None:
        """The page header names the period where a meeting's export names its code."""
        mark = f'&"SimSun,Bold"{self.marking}'
        centre = sheet.name + (messages.text("paper_not_verified") if failed else "")
        sheet.ws.set_header(f"&L{mark}&C{centre}&R{self.period}".replace("&&", "&"))


def _row(n: int, line: MeetingLine) -> list[Any]:
    none = messages.text("paper_none")
    approvers = "、".join(sorted(line.override_approvers))
    overrides = (
        messages.text("report_overrides", n=line.overrides, who=approvers or none)
        if line.overrides
        else 0
    )
    closed = (
        messages.text("report_closed_exceptions", who=line.close_approver or none)
        if line.closed_with_exceptions
        else ""
    )
    refusals = "；".join(f"{k} {v}" for k, v in sorted(line.refusals.items(), key=_by_count))
    return [
        n,
        line.code,
        line.title,
        line.kind,
        line.level,
        line.starts_at,
        line.ends_at,
        line.attendees,
        line.copies,
        line.issued,
        line.recovered,
        line.lost,
        line.found,
        overrides,
        closed,
        refusals,
        line.hours_to_recovery if line.hours_to_recovery is not None else none,
        line.disposed,
        line.waiting,
        line.verdict,
    ]


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


def _write_rows(sheet: PrintedSheet, lines: list[MeetingLine]) -> None:
    first = sheet.next_row
    for n, line in enumerate(lines, start=1):
        sheet.row(_row(n, line))
    if not lines:
        sheet.empty(messages.text("report_empty"))
        return
    last = sheet.next_row - 1
    # A meeting that does not verify: its whole row in red, whatever Excel or LibreOffice shows.
    red = sheet.book.wb.add_format({"font_color": "#C00000", "bold": True, "bg_color": "#FDE9E9"})
    col = _column_letter(VERIFY_COLUMN)
    ok = messages.text("audit_ok").replace('"', '""')
    sheet.ws.conditional_format(
        first,
        0,
        last,
        VERIFY_COLUMN,
        {"type": "formula", "criteria": f'=${col}{first + 1}<>"{ok}"', "format": red},
    )


def _column_letter(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _write_totals(sheet: PrintedSheet, lines: list[MeetingLine], unverified: list[str]) -> None:
    t = messages.text
    counted = [ln for ln in lines if ln.verified]
    if unverified:
        sheet.line(t("report_unverified", n=len(unverified), codes="、".join(unverified)))
        sheet.skip()
    by_level: dict[str, Totals] = {}
    by_month: dict[str, Totals] = {}
    grand = Totals()
    refusals: Counter[str] = Counter()
    for ln in counted:
        by_level.setdefault(ln.level, Totals()).add(ln)
        month = ln.starts_at.strftime("%Y-%m") if ln.starts_at else t("paper_none")
        by_month.setdefault(month, Totals()).add(ln)
        grand.add(ln)
        refusals.update(ln.refusals)

    def table(title: str, head: str, groups: list[tuple[str, Totals]]) -> tuple[int, int]:
        sheet.section(title)
        sheet.cells([head, *COUNTED], ["head"] * len(TOTAL_COLUMNS))
        top = sheet.next_row
        for label, tot in groups:
            sheet.cells([label, *tot.counts], ["center", *["num"] * len(COUNTED)])
        bottom = sheet.next_row - 1
        sheet.cells([t("paper_counts_total"), *grand.counts], ["head", *["num"] * len(COUNTED)])
        return top, bottom

    levels = sorted(by_level.items(), key=lambda kv: _rank(kv[0]), reverse=True)
    table(t("report_section_levels"), "密级", levels)
    sheet.skip()
    months = sorted(by_month.items())
    m_top, m_bottom = table(t("report_section_months"), "月份", months)
    sheet.skip()
    sheet.section(t("report_section_refusals"))
    if refusals:
        rest = len(TOTAL_COLUMNS) - 2
        sheet.cells(
            [t("report_refusal_head"), "次数", *[""] * rest], ["head", "head", *["note"] * rest]
        )
        for kind, n in sorted(refusals.items(), key=_by_count):
            sheet.cells([kind, n, *[""] * rest], ["text", "num", *["note"] * rest])
    else:
        sheet.line(t("report_no_refusals"))
    sheet.skip()
    sheet.section(t("report_section_charts"))
    if not months:
        sheet.line(t("report_no_chart"))
        return
    _charts(sheet, m_top, m_bottom)


def _rank(level: str) -> int:
    try:
        return Level(level).rank
    except ValueError:
        return -1


def _charts(sheet: PrintedSheet, top: int, bottom: int) -> None:
    """Meetings per month, and copies handed out against copies back, from the month table."""
    t = messages.text
    wb, name = sheet.book.wb, sheet.name
    per_month = wb.add_chart({"type": "column"})
    per_month.add_series(
        {
            "name": COUNTED[0],
            "categories": [name, top, 0, bottom, 0],
            "values": [name, top, 1, bottom, 1],
            "data_labels": {"value": True},
        }
    )
    per_month.set_title({"name": t("report_chart_meetings"), "name_font": {"size": 11}})
    per_month.set_legend({"none": True})
    per_month.set_y_axis({"min": 0, "num_format": "0"})
    out_back = wb.add_chart({"type": "column"})
    for col in (4, 5):  # 已发放, 已收回
        out_back.add_series(
            {
                "name": [name, top - 1, col, top - 1, col],
                "categories": [name, top, 0, bottom, 0],
                "values": [name, top, col, bottom, col],
                "data_labels": {"value": True},
            }
        )
    out_back.set_title({"name": t("report_chart_copies"), "name_font": {"size": 11}})
    out_back.set_legend({"position": "bottom"})
    out_back.set_y_axis({"min": 0, "num_format": "0"})
    for chart in (per_month, out_back):
        chart.set_size({"width": CHART_WIDTH, "height": CHART_HEIGHT})
    sheet.skip()
    row = sheet.next_row
    sheet.ws.insert_chart(row, 0, per_month)
    sheet.ws.insert_chart(row, 0, out_back, {"x_offset": CHART_WIDTH + 20})
    sheet.skip(int(CHART_HEIGHT / ((LINE + PAD) * 4 / 3)) + 2)  # points to pixels
