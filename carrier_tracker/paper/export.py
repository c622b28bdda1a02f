"""The 保密办 workbook: register, passes, outstanding, courier, carry lists, audit log (DESIGN §10).

Streams rows with openpyxl's write-only mode so a 50,000-copy meeting never sits in memory as
cells. Deterministic apart from the export timestamp: every sheet is sorted by stable keys.
"""

from __future__ import annotations

import errno
import json
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlmodel import Session, col, select

from carrier_tracker import messages
from carrier_tracker.custody.service import find_attendee, find_meeting
from carrier_tracker.enums import Action, CarrierKind, Level, State, Verdict
from carrier_tracker.errors import OutputError, os_reason
from carrier_tracker.ledger import ChainReport
from carrier_tracker.ledger.audit import AuditReport, MeetingAudit, audit_meeting_at, audit_system
from carrier_tracker.ledger.keyring import event_rows
from carrier_tracker.meeting.changes import attendee_marks, voided_seqs
from carrier_tracker.meeting.distribution import plan_view
from carrier_tracker.meeting.lifecycle import totals
from carrier_tracker.messages import ACTION_LABEL, MEETING_STATUS_LABEL, STATE_LABEL, VERDICT_LABEL
from carrier_tracker.storage.models import (
    Attendee,
    Carrier,
    Consignment,
    Document,
    Event,
    LedgerHead,
    Meeting,
    utcnow,
)
from carrier_tracker.storage.readmodel import found_after_close, reconciliation
from carrier_tracker.text_fields import printable

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(vertical="top", wrap_text=True)
PARALLEL_VERIFY_MIN = 20_000  # events: longer chains are verified in a child process

REGISTER_HEADERS = [
    "序号",
    "文件编号",
    "文件名称",
    "密级",
    "份号",
    "领取人",
    "单位",
    "发放时间",
    "发放经办人",
    "休会收回次数",
    "回收时间",
    "回收经办人",
    "当前状态",
    "机要编号",
    "备注",
]
PASS_HEADERS = [
    "序号",
    "会议证号",
    "持证人",
    "人员编号",
    "单位",
    "标签UID",
    "发放时间",
    "发放经办人",
    "回收时间",
    "回收经办人",
    "当前状态",
    "备注",
]
OUTSTANDING_HEADERS = [
    "序号",
    "人员编号",
    "姓名",
    "单位",
    "类别",
    "文件编号",
    "份号/证号",
    "当前状态",
    "自何时",
]
COURIER_HEADERS = [
    "序号",
    "机要编号",
    "所属代表",
    "接收单位",
    "接收人",
    "文件编号",
    "文件名称",
    "密级",
    "份号",
    "交寄人",
    "发出时间",
    "签收时间",
    "回执日期",
    "当前状态",
]
PLAN_HEADERS = [
    "序号",
    "文件编号",
    "文件名称",
    "分发范围",
    "应发人数",
    "已发人数",
    "未领取人数",
    "未领取人员",
    "范围外领取（经批准）",
    "在外份数",
    "已收回份数",
]
CARRY_HEADERS = [
    "序号",
    "人员编号",
    "姓名",
    "单位",
    "文件编号",
    "文件名称",
    "密级",
    "份号",
    "带离时间",
    "批准人",
    "当前状态",
]
# The issue's columns plus 标签UID (unknown tags have no carrier) and 说明 (loss reports, import
# digest). States and consignments are on the register and courier sheets, not repeated here.
LOG_HEADERS = [
    "序号",
    "时间",
    "工作台",
    "操作员",
    "操作",
    "载体",
    "标签UID",
    "人员",
    "结果",
    "原因",
    "说明",
    "哈希",
]
SUMMARY_SHEET, REGISTER_SHEET, PASS_SHEET, OUTSTANDING_SHEET = (
    "汇总",
    "文件发放回收登记表",
    "会议证发放回收",
    "未收回清单",
)
COURIER_SHEET, CARRY_SHEET, LOG_SHEET = "机要递送登记", "带离文件目录", "操作日志"
PLAN_SHEET = "分发情况"
PLEDGE_SHEET = "保密承诺书登记"
PLEDGE_HEADERS = [
    "序号",
    "人员编号",
    "姓名",
    "单位",
    "会议证号",
    "承诺书签署日期",
    "保密教育日期",
    "登记人",
    "登记时间",
    "会议证状态",
    "提示",
]


def _width(text: str) -> int:
    """Display width of text: CJK characters count twice."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


@dataclass
class _Sheet:
    """A write-only sheet with a header row, print setup, and column widths that fit."""

    ws: Any
    headers: Sequence[str]
    widths: list[int] = field(default_factory=list)
    rows: int = 0

    def row(self, values: Sequence[Any]) -> None:
        # Plain values: openpyxl gives datetimes a date number format by itself, and a
        # WriteOnlyCell per value would double the time of a 200,000-row log; only text that
        # needs care (see text_cell) gets its own cell. An empty string becomes no cell at all
        # (None), as Excel itself saves a blank.
        # The test inlined here is text_cell's fast path (a function call per value would cost
        # 0.5 s on a 200,000-row log; this costs 0.15 s).
        self.ws.append(
            [
                v
                if type(v) is not str
                or (v and v[0] not in _TRIGGERS and v.isprintable() and len(v) <= EXCEL_CELL_MAX)
                else text_cell(self.ws, v)
                for v in values
            ]
        )
        self.rows += 1


# Text a spreadsheet could take for a formula or DDE call (OWASP "CSV injection": a leading
# = + - @, tab or CR; full-width ＝＋－＠ too, which some spreadsheet programs accept), and the
# control characters an .xlsx cannot hold.
_NEEDS_CARE = re.compile("^[=+\\-@\t\r\n\uff1d\uff0b\uff0d\uff20]|[\x00-\x08\x0b\x0c\x0e-\x1f]")
_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_XLSX_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
EXCEL_CELL_MAX = 32_767


def text_cell(ws: Any, value: str) -> Any:
    """A text value as it must go into the 保密办 workbook: never a formula.

    Text that starts like a formula becomes an explicit string cell with Excel's quote prefix
    (the cell shows exactly what was typed, and stays text even when someone edits it), as
    OWASP advises for spreadsheet exports. Control characters an .xlsx cannot hold are shown
    as ``\\x01``; text beyond Excel's 32,767 characters is cut with a visible mark (entry
    limits keep new data far below it). Anything else stays a plain value (fast path).

    Args:
        ws: the write-only sheet the cell is for.
        value: the text.

    Returns:
        None for an empty string, the text itself, or a string cell.
    """
    if not value:
        return None
    if len(value) <= EXCEL_CELL_MAX and _NEEDS_CARE.search(value) is None:
        return value
    value = _XLSX_ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    if len(value) > EXCEL_CELL_MAX:
        mark = messages.text("text_shortened", head="", length=len(value))
        value = value[: EXCEL_CELL_MAX - len(mark)] + mark
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"  # openpyxl makes "=…" a formula; this cell is text whatever it says
    cell.quotePrefix = True
    return cell


class _Local:
    """Converts stored UTC times to naive local datetimes, as Excel wants.

    The UTC offset is looked up once per hour of UTC time (offsets change on the hour), which
    matters for a 200,000-event log.
    """

    def __init__(self, tz: tzinfo | None) -> None:
        self.tz = tz
        self._offsets: dict[tuple[int, int, int, int], timedelta] = {}

    def __call__(self, at: datetime | None) -> datetime | None:
        if at is None:
            return None
        utc = (
            at.replace(tzinfo=None)
            if at.tzinfo is None
            else at.astimezone(UTC).replace(tzinfo=None)
        )
        hour = (utc.year, utc.month, utc.day, utc.hour)
        offset = self._offsets.get(hour)
        if offset is None:
            probe = utc.replace(minute=0, second=0, microsecond=0, tzinfo=UTC).astimezone(self.tz)
            offset = self._offsets[hour] = probe.utcoffset() or timedelta(0)
        return (utc + offset).replace(microsecond=0)


def _new_sheet(
    wb: Workbook,
    title: str,
    headers: Sequence[str],
    marking: str,
    meeting_code: str,
    widths: Sequence[int] | None = None,
    *,
    orientation: str = "landscape",
) -> _Sheet:
    ws = wb.create_sheet(title)
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    for hf in (ws.oddHeader, ws.evenHeader, ws.firstHeader):
        hf.left.text = marking
        hf.left.font = "SimSun,Bold"
        hf.center.text = title
        hf.right.text = f"会议代号 {meeting_code.replace('&', '&&')}"  # "&" starts a header code
    for hf in (ws.oddFooter, ws.evenFooter, ws.firstFooter):
        hf.center.text = "第 &P 页 共 &N 页"
        hf.left.text = marking
    ws.print_title_rows = "1:1"
    ws.freeze_panes = "A2"
    sheet = _Sheet(ws, headers, list(widths) if widths else [_width(h) + 4 for h in headers])
    # Write-only sheets write <cols> with the first row: widths (sized for Chinese text per
    # sheet kind) are fixed here, before any row is streamed.
    for i, w in enumerate(sheet.widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=h)
        cell.font, cell.fill, cell.border, cell.alignment = (
            _HEADER_FONT,
            _HEADER_FILL,
            _BORDER,
            _WRAP,
        )
        header_cells.append(cell)
    ws.append(header_cells)
    return sheet


@dataclass
class _History:
    """What the ledger says of one carrier."""

    issued_at: datetime | None = None
    issued_by: str = ""
    issued_to: int | None = None
    collects: int = 0
    recovered_at: datetime | None = None
    recovered_by: str = ""
    carried_at: datetime | None = None
    carried_by: str = ""
    carried_to: int | None = None
    notes: list[str] = field(default_factory=list)


class _HistoryFold:
    """Folds accepted events, in seq order, into each carrier's history and courier times."""

    def __init__(self) -> None:
        self.histories: dict[int, _History] = defaultdict(_History)
        self.dispatch_times: dict[int, tuple[datetime | None, datetime | None]] = {}
        self.handed_in_by: dict[int, int] = {}
        """Copies a delegate handed in to the courier: carrier id → attendee id."""

    def feed(
        self,
        carrier_id: int,
        action: str,
        at: datetime,
        operator: str,
        attendee_id: int | None,
        note: str,
    ) -> None:
        h = self.histories[carrier_id]
        if action in (Action.ISSUE, Action.REISSUE):
            h.issued_at, h.issued_by, h.issued_to = at, operator, attendee_id
        elif action == Action.COLLECT:
            h.collects += 1
        elif action in (Action.RECALL, Action.RETURN, Action.FOUND, Action.SWEEP):
            h.recovered_at, h.recovered_by = at, operator
            if action == Action.SWEEP:
                h.notes.append(messages.text("sweep_found_note"))
        elif action == Action.CARRY_OUT:
            h.carried_at, h.carried_by, h.carried_to = at, operator, attendee_id
        elif action == Action.DISPATCH:
            self.dispatch_times[carrier_id] = (at, None)
            if attendee_id is not None:
                self.handed_in_by[carrier_id] = attendee_id
            else:
                self.handed_in_by.pop(carrier_id, None)
        elif action == Action.DELIVER:
            self.dispatch_times[carrier_id] = (
                self.dispatch_times.get(carrier_id, (None, None))[0],
                at,
            )
        if action == Action.REPORT_LOST and note:
            h.notes.append(f"挂失：{note}")
        elif action == Action.WITHDRAW:
            h.notes.append(f"{ACTION_LABEL[Action.WITHDRAW]}：{note}")

    def receive(self, carrier_ids: Iterable[int], at: datetime) -> None:
        """A consignment's receipt (回执) delivered these copies."""
        for carrier_id in carrier_ids:
            sent = self.dispatch_times.get(carrier_id, (None, None))[0]
            self.dispatch_times[carrier_id] = (sent, at)


def _histories(session: Session, meeting: Meeting) -> dict[int, _History]:
    """The accepted events of a meeting, folded per carrier (for a carry list on its own)."""
    fold = _HistoryFold()
    rows = session.exec(
        select(
            Event.seq,
            Event.carrier_id,
            Event.action,
            Event.at,
            Event.operator,
            Event.attendee_id,
            Event.note,
        )  # type: ignore[call-overload]
        .where(
            Event.meeting_id == meeting.id,
            Event.verdict == Verdict.ACCEPTED,
            col(Event.carrier_id).is_not(None),
        )
        .order_by(col(Event.seq))
    ).yield_per(5000)
    voided = voided_seqs(session, meeting)
    for seq, *row in rows:
        if seq not in voided and row[1] != Action.VOID:
            fold.feed(*row)
    return fold.histories


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    rows: dict[str, int]
    chain: ChainReport
    audit: AuditReport
    """The chain and the tables checked against it; a workbook written from a database that
    does not match its ledger says "校验未通过" on 汇总 and in every page header."""


def _base(
    session: Session, meeting_code: str
) -> tuple[
    Meeting, dict[int | None, Attendee], dict[int | None, Document], dict[int | None, Consignment]
]:
    meeting = find_meeting(session, meeting_code)
    people = {
        a.id: a
        for a in session.exec(select(Attendee).where(Attendee.meeting_id == meeting.id)).all()
    }
    docs = {
        d.id: d
        for d in session.exec(select(Document).where(Document.meeting_id == meeting.id)).all()
    }
    cons = {
        c.id: c
        for c in session.exec(select(Consignment).where(Consignment.meeting_id == meeting.id)).all()
    }
    return meeting, people, docs, cons


def export_meeting(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    path: Path,
    operator: str = "",
    tz: tzinfo | None = None,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    parallel_verify_min: int = PARALLEL_VERIFY_MIN,
    advance: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """Write the 保密办 workbook for one meeting.

    Args:
        session: an open session (read only).
        key: the ledger key, to verify the chain at export time.
        meeting_code: the meeting.
        path: the .xlsx to write (written to a temporary name, then renamed).
        operator: who exports (shown in the summary).
        tz: the local time zone for dates (default: the machine's).
        now: the export time (default: now).
        progress: called with a line of progress now and then.
        parallel_verify_min: chains at least this long (on a file or server database) are
            verified in a child process, on the other core, while the workbook is written.
        advance: called with (rows written, rows in all) every 1,000 rows (a progress bar).

    Returns:
        Rows written per sheet and the chain report.

    Raises:
        NotFoundError: no such meeting.
    """
    say = progress or (lambda _m: None)
    local = _Local(tz)
    meeting, people, docs, cons = _base(session, meeting_code)
    head = session.get(LedgerHead, meeting.id)
    # The output is checked and created before any work; a failure removes it and stops the
    # child process verifying the chain.
    with (
        _workbook_at(path) as wb,
        _verification(session, key, meeting, head, parallel_verify_min) as background,
    ):
        marking = Level(meeting.level).marking
        counts: dict[str, int] = {}
        snapshot = meeting.status != "closed"
        exported_at = now or utcnow()

        # Sheets are created in their printed order; write-only sheets may be filled in any order:
        # the log is filled first, 汇总 last (it reports the chain verified during the log pass).
        summary = _new_sheet(wb, SUMMARY_SHEET, ["项目", "内容"], marking, meeting.code, [22, 90])
        recon = reconciliation(session, meeting)
        outstanding = recon.items
        found_later = found_after_close(session, meeting)  # lost at the close, found since
        found_note = {
            f.carrier_id: messages.text("found_after_close_state")
            + f" {messages.local_time(f.found_at)}"
            for f in found_later
        }
        register = _new_sheet(
            wb,
            REGISTER_SHEET,
            REGISTER_HEADERS,
            marking,
            meeting.code,
            [6, 12, 36, 8, 6, 10, 28, 19, 12, 8, 19, 12, 12, 14, 24],
        )
        passes = _new_sheet(
            wb,
            PASS_SHEET,
            PASS_HEADERS,
            marking,
            meeting.code,
            [6, 10, 10, 10, 28, 18, 19, 12, 19, 12, 12, 20],
        )
        out_sheet = _new_sheet(
            wb,
            OUTSTANDING_SHEET,
            OUTSTANDING_HEADERS,
            marking,
            meeting.code,
            [6, 10, 10, 28, 8, 12, 10, 12, 19],
        )
        plan_sheet = _new_sheet(
            wb,
            PLAN_SHEET,
            PLAN_HEADERS,
            marking,
            meeting.code,
            [6, 12, 36, 30, 8, 8, 8, 40, 24, 8, 8],
        )
        courier = _new_sheet(
            wb,
            COURIER_SHEET,
            COURIER_HEADERS,
            marking,
            meeting.code,
            [6, 14, 16, 28, 10, 12, 36, 8, 6, 16, 19, 19, 19, 12],
        )
        carry = _new_sheet(
            wb,
            CARRY_SHEET,
            CARRY_HEADERS,
            marking,
            meeting.code,
            [6, 10, 10, 28, 12, 36, 8, 6, 19, 12, 12],
        )
        policy = _PolicySheets(wb, marking, meeting.code)
        pledge_sheet = _new_sheet(
            wb,
            PLEDGE_SHEET,
            PLEDGE_HEADERS,
            marking,
            meeting.code,
            [6, 10, 10, 28, 10, 14, 14, 10, 19, 12, 28],
        )
        log = _new_sheet(
            wb,
            LOG_SHEET,
            LOG_HEADERS,
            marking,
            meeting.code,
            [7, 19, 12, 10, 10, 22, 16, 10, 8, 30, 30, 66],
        )

        # 操作日志 first (its sheet is last): one pass over the events writes the log, verifies the
        # chain (unless a child process does) and folds each carrier's history for the register.
        labels = {c_id: label for c_id, label in _carrier_labels(session, meeting, people, docs)}
        tick, total = advance or (lambda _d, _t: None), (head.seq if head else 0) + len(labels)
        events = event_rows(session, meeting)
        action_label = {a.value: ACTION_LABEL[a] for a in Action}
        verdict_label = {v.value: VERDICT_LABEL[v] for v in Verdict}
        auditor = MeetingAudit(key, meeting, audit_system(session, key))
        fold = _HistoryFold()
        recorded: dict[int, tuple[str, datetime]] = {}  # who recorded each attendee's pledge, when
        closed = False  # past the close event: a find is recorded after the meeting closed
        voided = voided_seqs(session, meeting)  # a voided tap stays in the log, marked
        for ev in events:
            if background is None:
                auditor.feed(ev)
            void_by = voided.get(ev.seq)
            if (
                ev.verdict == "accepted"
                and ev.carrier_id is not None
                and void_by is None
                and ev.action != Action.VOID
            ):
                fold.feed(ev.carrier_id, ev.action, ev.at, ev.operator, ev.attendee_id, ev.note)
            elif ev.verdict == "accepted" and ev.action == Action.RECEIPT and ev.payload:
                fold.receive(json.loads(ev.payload).get("carriers", ()), ev.at)
            elif ev.action == Action.PLEDGE and ev.attendee_id is not None:
                recorded[ev.attendee_id] = (ev.operator, ev.at)
            person = people.get(ev.attendee_id or 0)
            result = verdict_label[ev.verdict]
            if void_by is not None:
                result = f"{result}，{messages.text('voided_mark', by=void_by)}"
            accepted = ev.verdict == Verdict.ACCEPTED.value
            closed = closed or (accepted and ev.action == Action.CLOSE.value)
            after_close_find = closed and accepted and ev.action == Action.FOUND.value
            log.row(
                [
                    ev.seq,
                    local(ev.at),
                    ev.station,
                    ev.operator,
                    messages.text("found_after_close_log")
                    if after_close_find
                    else action_label.get(ev.action, ev.action),
                    labels.get(ev.carrier_id or 0, "")
                    or (
                        messages.text("audit_consignment", number=cons[ev.consignment_id].number)
                        if ev.consignment_id in cons
                        else ""
                    ),
                    ev.tag_uid or "",
                    person.name if person else "",
                    result,
                    ev.reason,
                    ev.note,
                    ev.hash,
                ]
            )
            if not log.rows % 1000:
                tick(log.rows, total)
        counts[LOG_SHEET] = log.rows
        histories, dispatch_times = fold.histories, fold.dispatch_times
        if background is None:
            audit = auditor.report(session)
        else:
            pool, future = background
            audit = future.result()
            pool.shutdown()
        chain = audit.chain
        say(
            f"操作日志：{log.rows} 条；台账校验：{messages.text('audit_ok') if audit.ok else messages.text('audit_not_ok')}"
        )

        # 文件发放回收登记表 — one row per copy, by document number then copy number.
        carrier_table = Carrier.__table__  # type: ignore[attr-defined]
        copies = (
            session.connection()
            .execute(
                select(carrier_table).where(
                    carrier_table.c.meeting_id == meeting.id,
                    carrier_table.c.kind == CarrierKind.COPY.value,
                )
            )
            .yield_per(5000)
        )
        copy_rows = sorted(
            ((docs[c.document_id].number, c.copy_number, c) for c in copies),
            key=lambda t: (t[0], t[1]),
        )
        for i, (doc_no, copy_no, c) in enumerate(copy_rows, start=1):
            doc = docs[c.document_id]
            h = histories.get(c.id or 0, _History())
            person = people.get(h.issued_to or c.holder_id or 0)
            notes = list(h.notes)
            if c.id in found_note:
                notes.append(found_note[c.id])
            if c.tag_uid is None and c.state != State.WITHDRAWN:
                notes.append("未绑定标签")
            register.row(
                [
                    i,
                    doc_no,
                    doc.title,
                    doc.level,
                    f"{copy_no:03d}",
                    person.name if person else "",
                    person.unit if person else "",
                    local(h.issued_at),
                    h.issued_by,
                    h.collects,
                    local(h.recovered_at),
                    h.recovered_by,
                    STATE_LABEL[State(c.state)],
                    cons[c.consignment_id].number if c.consignment_id in cons else "",
                    "；".join(notes),
                ]
            )
            if not i % 1000:
                tick(log.rows + i, total)
        counts[REGISTER_SHEET] = register.rows
        say(f"登记表：{register.rows} 份")

        # 会议证发放回收
        pass_rows = session.exec(
            select(Carrier).where(
                Carrier.meeting_id == meeting.id, Carrier.kind == CarrierKind.PASS
            )
        ).all()
        marks = attendee_marks(session, meeting)  # 代会 and late attendees, marked
        for i, card in enumerate(sorted(pass_rows, key=lambda p: people[p.owner_id].code), start=1):
            owner = people[card.owner_id]
            h = histories.get(card.id or 0, _History())
            mark = marks.get(card.owner_id or 0)
            passes.row(
                [
                    i,
                    owner.pass_number,
                    owner.name,
                    owner.code,
                    owner.unit,
                    card.tag_uid or "",
                    local(h.issued_at),
                    h.issued_by,
                    local(h.recovered_at),
                    h.recovered_by,
                    STATE_LABEL[State(card.state)],
                    "；".join(
                        [
                            *([mark] if mark else []),
                            *h.notes,
                            *([found_note[card.id]] if card.id in found_note else []),
                        ]
                    ),
                ]
            )
        counts[PASS_SHEET] = passes.rows
        counts[PLEDGE_SHEET] = _write_pledges(
            pledge_sheet, people, pass_rows, recorded, {c for c, _n in recon.unpledged}, local
        )

        # 未收回清单
        by_code = {a.code: a for a in people.values()}
        ordered = sorted(
            outstanding,
            key=lambda it: (
                it.attendee_code or "~",
                it.kind,
                it.document or "",
                it.copy or 0,
                it.pass_number or "",
            ),
        )
        for i, it in enumerate(ordered, start=1):
            person = by_code.get(it.attendee_code or "")
            out_sheet.row(
                [
                    i,
                    it.attendee_code or "",
                    person.name
                    if person
                    else (f"机要件 {it.consignment}" if it.consignment else ""),
                    person.unit if person else "",
                    messages.KIND_LABEL[CarrierKind(it.kind)],
                    it.document or "",
                    f"{it.copy:03d}" if it.copy else (it.pass_number or ""),
                    STATE_LABEL[State(it.state)],
                    local(it.since),
                ]
            )
        if not ordered:
            out_sheet.row(["", "", "全部收回，无未收回载体"])
        for f in found_later:  # lost at the close and found after it: the meeting stayed closed
            person = by_code.get(f.attendee_code or "")
            out_sheet.row(
                [
                    "",
                    f.attendee_code or "",
                    person.name if person else "",
                    person.unit if person else "",
                    messages.KIND_LABEL[f.kind],
                    f.document or "",
                    f"{f.copy:03d}" if f.copy else (f.pass_number or ""),
                    messages.text("found_after_close_state"),
                    local(f.found_at),
                ]
            )
        counts[OUTSTANDING_SHEET] = len(ordered)

        # 分发情况 — per document: plan, planned, issued, 未领取 (names), out, recovered.
        for i, d in enumerate(plan_view(session, meeting.code).documents, start=1):
            plan_sheet.row(
                [
                    i,
                    d.number,
                    d.title,
                    d.plan_text,
                    len(d.planned),
                    len(d.issued),
                    len(d.not_collected),
                    "、".join(f"{p.code} {p.name}" for p in d.not_collected),
                    "、".join(f"{p.code} {p.name}" for p in d.outside_plan),
                    d.out,
                    d.recovered,
                ]
            )
        counts[PLAN_SHEET] = plan_sheet.rows

        # 机要递送登记
        in_cons = [c for _d, _n, c in copy_rows if c.consignment_id in cons]
        n = 0
        for consignment in sorted(cons.values(), key=lambda c: c.number):
            members = [c for c in in_cons if c.consignment_id == consignment.id]
            delegate = people.get(consignment.attendee_id)
            head_cells = [
                consignment.number,
                f"{delegate.code} {delegate.name}" if delegate is not None else "",
                consignment.unit,
                consignment.recipient,
            ]
            if not members:
                n += 1
                courier.row([n, *head_cells, "", "", "", "", "", None, None, None, "尚未发出"])
            for c in members:
                n += 1
                doc = docs[c.document_id]
                sent, received = dispatch_times.get(c.id or 0, (None, None))
                handed = people.get(fold.handed_in_by.get(c.id or 0))
                courier.row(
                    [
                        n,
                        *head_cells,
                        doc.number,
                        doc.title,
                        doc.level,
                        f"{c.copy_number:03d}",
                        f"{handed.code} {handed.name}" if handed is not None else "",
                        local(sent),
                        local(received),
                        local(consignment.received_at),
                        STATE_LABEL[State(c.state)],
                    ]
                )
        counts[COURIER_SHEET] = n

        # 带离文件目录
        n = 0
        for row in carry_list_rows(session, meeting, people, docs, histories, None):
            n += 1
            carry.row([n, *row[:7], local(row[7]), *row[8:]])
        if n == 0:
            carry.row(["", "", "无带离文件"])
        counts[CARRY_SHEET] = n

        # 会议备案, 会前会后检查, 巡检发现
        counts.update(policy.fill(session, meeting, local))

        # 汇总 (now that the chain is known)
        facts: list[tuple[str, Any]] = [
            ("会议名称", meeting.title),
            ("会议代号", meeting.code),
            ("密级", marking),
            ("地点", meeting.venue),
            ("开始时间", local(meeting.starts_at)),
            ("结束时间", local(meeting.ends_at)),
            ("主办部门", meeting.organizer),
            ("保密负责人", meeting.officer),
            ("实行会议证", "是" if meeting.requires_passes else "否"),
            ("会议状态", MEETING_STATUS_LABEL[meeting.status]),  # type: ignore[index]
            ("结束时间（系统）", local(meeting.closed_at)),
            ("结束操作人", meeting.closed_by or ""),
            ("结束说明", meeting.close_note or ""),
            ("导出性质", "会议进行中的快照（非最终登记）" if snapshot else "会议已结束，最终登记"),
        ]
        tot = totals(session, meeting)
        for kind in (CarrierKind.COPY, CarrierKind.PASS):
            label = messages.KIND_LABEL[kind]
            for state in State:
                if state is State.WITHDRAWN and not tot[kind][state]:
                    continue  # a row only when copies were withdrawn
                facts.append((f"{label}·{STATE_LABEL[state]}", tot[kind][state]))
        facts += [
            ("未收回合计", len(outstanding)),
            (messages.text("export_unpledged"), len(recon.unpledged)),
            *(
                ((messages.text("found_after_close_state"), len(found_later)),)
                if found_later
                else ()
            ),
            ("台账事件数", chain.count),
            ("台账头哈希", chain.head_hash),
            (
                "导出时校验结果",
                "完整"
                if audit.ok
                else (
                    f"校验未通过：第 {chain.broken_seq} 条起被篡改：{chain.problem}"
                    if not chain.ok
                    else "校验未通过："
                    + messages.text("audit_failed", count=len(audit.differences))
                ),
            ),
            *(("校验差异", d) for d in audit.differences[:200]),
            *((("校验说明", messages.text("audit_no_snapshot")),) if not audit.snapshot else ()),
            ("导出时间", local(exported_at)),
            ("导出人", operator),
        ]
        for k, v in facts:
            summary.row([k, v])
        counts[SUMMARY_SHEET] = summary.rows
        tick(total, total)

        for sheet in (
            summary,
            register,
            passes,
            out_sheet,
            plan_sheet,
            courier,
            carry,
            *policy.sheets,
            pledge_sheet,
            log,
        ):
            _finish(sheet, failed=not audit.ok)
    return ExportResult(path, counts, chain, audit)


class _PolicySheets:
    """The 保密办 workbook's sheets for the policy around custody: the 备案, the checklists with
    every answer (who, when, an officer's acceptance) and the sweep's findings."""

    def __init__(self, wb: Workbook, marking: str, code: str) -> None:
        def sheet(name: str, headers: str, widths: list[int]) -> _Sheet:
            return _new_sheet(
                wb, messages.text(name), messages.text(headers).split("|"), marking, code, widths
            )

        self.filing = sheet("sheet_filing", "headers_filing", [22, 60])
        self.checks = sheet(
            "sheet_checks", "headers_checks", [14, 6, 12, 12, 50, 8, 30, 10, 19, 10, 30, 19]
        )
        self.sweep = sheet("sheet_sweep", "headers_sweep", [6, 19, 16, 28, 10, 10, 10, 36])
        self.sheets = (self.filing, self.checks, self.sweep)

    def fill(self, session: Session, meeting: Meeting, local: _Local) -> dict[str, int]:
        """Write the three sheets; returns rows per sheet."""
        from carrier_tracker.custody import checklists
        from carrier_tracker.enums import Answer, requires_filing
        from carrier_tracker.meeting.policy import checklist_status, sweep_findings

        level = Level(meeting.level)
        filed = session.exec(
            select(Event)
            .where(Event.meeting_id == meeting.id, Event.action == Action.FILE.value)
            .order_by(col(Event.seq).desc())
        ).first()
        rows: list[tuple[str, Any]] = [
            ("会议代号", meeting.code),
            ("密级", level.marking),
            ("会议状态", MEETING_STATUS_LABEL.get(meeting.status, meeting.status)),  # type: ignore[call-overload]
            (
                "备案要求",
                messages.text("filing_required" if requires_filing(level) else "filing_optional"),
            ),
            ("备案编号", meeting.filed_ref or messages.text("not_filed_short")),
            ("备案日期", meeting.filed_on.isoformat() if meeting.filed_on else ""),
            ("备案批准人", meeting.filed_by or ""),
            ("专项保密工作方案", meeting.plan_title or ""),
            ("记录时间", local(filed.at) if filed else None),
            ("记录人", filed.operator if filed else ""),
        ]
        for k, v in rows:
            self.filing.row([k, v])
        for checklist in checklists.active():
            for n, st in enumerate(checklist_status(session, meeting, checklist), start=1):
                answer = (
                    messages.ANSWER_LABEL[st.answer]
                    if st.answer
                    else messages.text("checklist_unanswered")
                )
                if st.answer is Answer.FAIL and not st.accepted_by:
                    answer += messages.text("not_accepted_short")
                self.checks.row(
                    [
                        checklist.title,
                        n,
                        st.item.id,
                        st.item.label,
                        st.item.text,
                        answer,
                        st.note,
                        st.operator,
                        local(st.answered_at),
                        st.accepted_by or "",
                        st.accept_note or "",
                        local(st.accepted_at),
                    ]
                )
        finds = sweep_findings(session, meeting)
        for n, f in enumerate(finds, start=1):
            self.sweep.row(
                [
                    n,
                    local(f.at),
                    f.room,
                    f.item,
                    f.holder,
                    f.operator,
                    VERDICT_LABEL[Verdict(f.verdict)],
                    f.message,
                ]
            )
        if not finds:
            self.sweep.row(["", "", messages.text("no_sweep_findings")])
        return {
            messages.text("sheet_filing"): self.filing.rows,
            messages.text("sheet_checks"): self.checks.rows,
            messages.text("sheet_sweep"): len(finds),
        }


def _write_pledges(
    sheet: _Sheet,
    people: dict[int | None, Attendee],
    pass_rows: Sequence[Carrier],
    recorded: dict[int, tuple[str, datetime]],
    unpledged: set[str],
    local: _Local,
) -> int:
    """保密承诺书登记: every attendee with the pledge and briefing days on record, who recorded
    them (the import, when the workbook carried them), and a remark for a pass handed out with
    no pledge (the read model's count)."""
    pass_state = {c.owner_id: c.state for c in pass_rows}
    n = 0
    for person in sorted((p for p in people.values()), key=lambda p: p.code):
        n += 1
        by, at = recorded.get(person.id or 0, ("", None))
        if not by and person.pledge_on is not None:
            by = messages.text("pledge_by_import")
        state = pass_state.get(person.id)
        sheet.row(
            [
                n,
                person.code,
                person.name,
                person.unit,
                person.pass_number,
                person.pledge_on,
                person.briefed_on,
                by,
                local(at),
                STATE_LABEL[State(state)] if state else "",
                messages.text("export_pledge_note") if person.code in unpledged else "",
            ]
        )
    return n


@contextmanager
def _verification(
    session: Session,
    key: bytes,
    meeting: Meeting,
    head: LedgerHead | None,
    minimum: int,
) -> Iterator[tuple[ProcessPoolExecutor, Future[AuditReport]] | None]:
    """:func:`_verify_in_background` for the length of a block, never outliving it."""
    background = _verify_in_background(session, key, meeting, head, minimum)
    try:
        yield background
    finally:
        if background is not None:
            background[0].shutdown(wait=False, cancel_futures=True)


def _verify_in_background(
    session: Session,
    key: bytes,
    meeting: Meeting,
    head: LedgerHead | None,
    minimum: int,
) -> tuple[ProcessPoolExecutor, Future[AuditReport]] | None:
    """Start verifying a long chain in a child process; None to verify inline instead.

    The hashing is pure CPU and independent of the workbook, so on two cores it costs no wall
    time. In-memory databases cannot be opened by another process, and short chains are not
    worth a process start.
    """
    url = session.get_bind().engine.url
    if (
        head is None
        or head.seq < minimum
        or (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))
    ):
        return None
    pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
    future = pool.submit(
        audit_meeting_at, url.render_as_string(hide_password=False), key, meeting.code
    )
    return pool, future


NAME_MAX = 255  # bytes in one file name (Linux)


def check_file_name(path: Path) -> None:
    """Refuse a file name longer than the file system allows (it would fail deep inside).

    Raises:
        OutputError: the name is too long.
    """
    if len(os.fsencode(path.name)) > NAME_MAX:
        raise OutputError(
            messages.text("out_name_too_long", name=printable(path.name, 40), limit=NAME_MAX)
        )


def check_output_path(path: Path) -> None:
    """Refuse an output path that cannot work, before any work is done.

    Raises:
        OutputError: not ``.xlsx``, a directory, in a missing directory, or a name too long.
    """
    if path.suffix.lower() != ".xlsx":
        raise OutputError(messages.text("out_suffix", path=path))
    check_file_name(path)
    try:
        if path.is_dir():
            raise OutputError(messages.text("out_is_dir", path=path))
        if not path.parent.is_dir():
            raise OutputError(messages.text("out_dir_missing", dir=path.parent))
    except OSError as e:
        raise OutputError(messages.text("out_failed", path=path, reason=os_reason(e))) from e


def _io_reason(err: Exception) -> str:
    """Plain words for an OSError, or for lxml's ``SerialisationError('IO_ENOSPC')``."""
    if isinstance(err, OSError):
        return os_reason(err)
    number = getattr(errno, str(err).removeprefix("IO_"), None)
    return os_reason(OSError(number, str(err))) if isinstance(number, int) else str(err)


def open_output(path: Path) -> Path:
    """Create the temporary file an export is written to, beside ``path`` (0600, a short
    hidden name): permission problems show up before any work is done.

    Raises:
        OutputError: the file cannot be created.
    """
    check_output_path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ct-", suffix=".xlsx.tmp")
    except OSError as e:
        raise OutputError(messages.text("out_failed", path=path, reason=os_reason(e))) from e
    os.close(fd)
    return Path(tmp)


def discard(wb: Workbook, tmp: Path | None) -> None:
    """Drop a half-written workbook: close each write-only sheet's streams in order (so no
    "Exception ignored" noise when they are collected) and delete every temporary file."""
    for ws in wb.worksheets:
        writer = getattr(ws, "_writer", None)
        for stream in (getattr(ws, "_rows", None), getattr(writer, "xf", None)):
            try:
                if stream is not None:
                    stream.close()
            except Exception:  # best effort: the export has failed already
                pass
        out = getattr(writer, "out", None)
        if isinstance(out, str):
            Path(out).unlink(missing_ok=True)
    if tmp is not None:
        tmp.unlink(missing_ok=True)


def save_atomically(wb: Workbook, path: Path) -> None:
    """Save an ordinary (not write-only) workbook the way exports are saved: to a temporary
    name beside ``path``, then renamed; nothing is left behind on failure.

    Raises:
        OutputError: the path is unusable or the file cannot be written.
    """
    tmp = open_output(path)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(messages.text("out_failed", path=path, reason=os_reason(e))) from e
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def _workbook_at(path: Path) -> Iterator[Workbook]:
    """A write-only workbook saved to ``path`` when the block ends: written to a temporary
    name beside it, then renamed, so a failed export (permission, disk full, …) leaves no
    file behind and says so in one line.

    Raises:
        OutputError: the file cannot be written.
    """
    from lxml.etree import SerialisationError  # how lxml's incremental writer reports EFBIG/ENOSPC

    tmp = open_output(path)
    wb = Workbook(write_only=True)
    try:
        yield wb
        wb.save(tmp)
        os.replace(tmp, path)
    except (OSError, SerialisationError) as e:
        discard(wb, tmp)
        raise OutputError(messages.text("out_failed", path=path, reason=_io_reason(e))) from e
    except BaseException:
        discard(wb, tmp)
        raise


def _finish(sheet: _Sheet, *, failed: bool = False) -> None:
    if failed:  # headers are written when the workbook is saved: mark every printed page
        for hf in (sheet.ws.oddHeader, sheet.ws.evenHeader, sheet.ws.firstHeader):
            hf.center.text = f"{hf.center.text}（校验未通过）"
    last = get_column_letter(len(sheet.headers))
    sheet.ws.auto_filter.ref = f"A1:{last}{max(sheet.rows + 1, 2)}"


def _carrier_labels(
    session: Session,
    meeting: Meeting,
    people: dict[int | None, Attendee],
    docs: dict[int | None, Document],
) -> Iterator[tuple[int, str]]:
    for c_id, kind, doc_id, copy_no, owner_id in session.exec(
        select(
            Carrier.id, Carrier.kind, Carrier.document_id, Carrier.copy_number, Carrier.owner_id
        ).where(Carrier.meeting_id == meeting.id)  # type: ignore[call-overload]
    ):
        if kind == CarrierKind.PASS:
            owner = people[owner_id]
            yield c_id, f"会议证 {owner.pass_number or owner.code}（{owner.name}）"
        else:
            yield c_id, f"{docs[doc_id].number} 第{copy_no:03d}份"


def carry_list_rows(
    session: Session,
    meeting: Meeting,
    people: dict[int | None, Attendee],
    docs: dict[int | None, Document],
    histories: dict[int, _History],
    attendee: Attendee | None,
) -> Iterable[list[Any]]:
    """Rows of the carry list: every copy an out-of-town delegate took away (ever), sorted."""
    carriers = {
        c.id: c
        for c in session.exec(
            select(Carrier).where(
                Carrier.meeting_id == meeting.id, Carrier.kind == CarrierKind.COPY
            )
        ).all()
    }
    rows = []
    for c_id, h in histories.items():
        if h.carried_at is None or h.carried_to is None:
            continue
        if attendee is not None and h.carried_to != attendee.id:
            continue
        person = people[h.carried_to]
        c = carriers[c_id]
        doc = docs[c.document_id]
        rows.append(
            [
                person.code,
                person.name,
                person.unit,
                doc.number,
                doc.title,
                doc.level,
                f"{c.copy_number:03d}",
                h.carried_at,
                h.carried_by,
                STATE_LABEL[State(c.state)],
            ]
        )
    rows.sort(key=lambda r: (r[0], r[3], r[6]))
    return rows


def export_carry_list(
    *,
    session: Session,
    meeting_code: str,
    attendee_code: str,
    path: Path,
    tz: tzinfo | None = None,
    now: datetime | None = None,
) -> int:
    """Write one delegate's carry list (带离文件目录), ready to print and mail to their unit.

    Returns:
        The number of copies on the list.

    Raises:
        NotFoundError: no such meeting or attendee.
    """
    local = _Local(tz)
    meeting, people, docs, _cons = _base(session, meeting_code)
    person = find_attendee(session, meeting, attendee_code)
    histories = _histories(session, meeting)
    marking = Level(meeting.level).marking
    with _workbook_at(path) as wb:
        sheet = _new_sheet(
            wb,
            CARRY_SHEET,
            CARRY_HEADERS,
            marking,
            meeting.code,
            [6, 10, 10, 28, 12, 36, 8, 6, 19, 12, 12],
        )
        n = 0
        for row in carry_list_rows(session, meeting, people, docs, histories, person):
            n += 1
            sheet.row([n, *row[:7], local(row[7]), *row[8:]])
        if n == 0:
            sheet.row(["", person.code, person.name, person.unit, "无带离文件"])
        sheet.row([])
        sheet.row(["", "会议", f"{meeting.title}（{meeting.code}）"])
        sheet.row(["", "寄送单位", person.unit])
        sheet.row(["", "制表时间", local(now or utcnow())])
        sheet.row(["", "经办人签字", ""])
        _finish(sheet)
    return n


# The marked, print-ready sheet (A4, fit to width, repeated header row, marking in every page's
# header and footer) and the 0600 workbook written atomically, as the signed forms use them.
marked_sheet = _new_sheet
workbook_at = _workbook_at
finish_sheet = _finish
Local = _Local
MarkedSheet = _Sheet
