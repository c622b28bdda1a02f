"""The 保密办 workbook: register, passes, outstanding, courier, carry lists, audit log (DESIGN §10).

Every sheet is the printed document it stands for (:mod:`carrier_tracker.paper.layout`): a title
block, a ruled table whose rows stream to disk (a 100,000-copy meeting never sits in memory as
cells), a signature block; 汇总 adds the counts, the meeting's story, the exceptions in words, the
ledger's anchor and a chart. Deterministic apart from the export time: every sheet is sorted by
stable keys.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, tzinfo
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from carrier_tracker import messages
from carrier_tracker.custody.service import find_attendee, find_meeting
from carrier_tracker.enums import OUTSTANDING, Action, CarrierKind, Level, State, Verdict
from carrier_tracker.ledger import ChainReport, ChainVerifier
from carrier_tracker.ledger.audit import AuditReport, Expected, audit_meeting_at, finish_audit
from carrier_tracker.ledger.keyring import event_rows
from carrier_tracker.meeting.changes import attendee_marks, voided_seqs
from carrier_tracker.meeting.distribution import plan_view
from carrier_tracker.meeting.lifecycle import totals
from carrier_tracker.messages import ACTION_LABEL, MEETING_STATUS_LABEL, STATE_LABEL, VERDICT_LABEL
from carrier_tracker.paper.heading import Local, meeting_facts
from carrier_tracker.paper.history import CarrierHistory, History, read_history
from carrier_tracker.paper.layout import EXCEL_CELL_MAX, Column, PrintedBook, PrintedSheet
from carrier_tracker.paper.layout import printed_book as printed_book
from carrier_tracker.paper.output import check_file_name as check_file_name
from carrier_tracker.paper.output import check_output_path as check_output_path
from carrier_tracker.paper.output import save_atomically as save_atomically
from carrier_tracker.paper.summary import ChartData, write_summary
from carrier_tracker.storage.models import (
    Attendee,
    Carrier,
    Consignment,
    Document,
    LedgerHead,
    Meeting,
    Operator,
    utcnow,
)
from carrier_tracker.storage.readmodel import found_after_close, reconciliation

__all__ = ["EXCEL_CELL_MAX", "Local", "check_file_name", "check_output_path", "save_atomically"]

PARALLEL_VERIFY_MIN = 20_000  # events: longer chains are verified in a child process
NAMES_MAX = 40
"""Names listed in one cell of 分发情况 before "等 N 人" (a national meeting has thousands)."""


def _cols(spec: Sequence[tuple[str, float, str]]) -> list[Column]:
    return [Column(header, width, kind) for header, width, kind in spec]


T, C, N, TM, D, M = "text", "center", "num", "time", "date", "mono"
REGISTER_COLUMNS = _cols(
    [("序号", 7, C), ("文件编号", 12, C), ("文件名称", 34, T), ("密级", 6, C), ("份号", 6, C),
     ("领取人", 10, C), ("单位", 28, T), ("发放时间", 17.5, TM), ("发放经办人", 10, C),
     ("休会收回次数", 8, N), ("回收时间", 17.5, TM), ("回收经办人", 10, C), ("当前状态", 10, C),
     ("机要编号", 14, C), ("备注", 24, T)]
)  # fmt: skip
PASS_COLUMNS = _cols(
    [("序号", 7, C), ("会议证号", 10, C), ("持证人", 10, C), ("人员编号", 10, C), ("单位", 28, T),
     ("标签UID", 16, C), ("发放时间", 17.5, TM), ("发放经办人", 10, C), ("回收时间", 17.5, TM),
     ("回收经办人", 10, C), ("当前状态", 10, C), ("备注", 24, T)]
)  # fmt: skip
OUTSTANDING_COLUMNS = _cols(
    [("序号", 7, C), ("人员编号", 10, C), ("姓名", 14, C), ("单位", 28, T), ("类别", 8, C),
     ("文件编号", 12, C), ("份号/证号", 10, C), ("当前状态", 10, C), ("自何时", 17.5, TM)]
)  # fmt: skip
COURIER_COLUMNS = _cols(
    [("序号", 7, C), ("机要编号", 14, C), ("所属代表", 14, C), ("接收单位", 22, T),
     ("接收人", 10, C), ("文件编号", 12, C), ("文件名称", 32, T), ("密级", 6, C), ("份号", 6, C),
     ("交寄人", 14, C), ("发出时间", 17.5, TM), ("签收时间", 17.5, TM), ("回执日期", 17.5, TM),
     ("当前状态", 10, C)]
)  # fmt: skip
PLAN_COLUMNS = _cols(
    [("序号", 7, C), ("文件编号", 12, C), ("文件名称", 26, T), ("分发范围", 26, T),
     ("应发人数", 8, N), ("已发人数", 8, N), ("未领取人数", 8, N), ("未领取人员", 40, T),
     ("范围外领取（经批准）", 24, T), ("在外份数", 8, N), ("已收回份数", 8, N)]
)  # fmt: skip
CARRY_COLUMNS = _cols(
    [("序号", 7, C), ("人员编号", 10, C), ("姓名", 10, C), ("单位", 28, T), ("文件编号", 12, C),
     ("文件名称", 34, T), ("密级", 6, C), ("份号", 6, C), ("带离时间", 17.5, TM),
     ("批准人", 10, C), ("当前状态", 10, C)]
)  # fmt: skip
# The columns plus 标签UID (unknown tags have no carrier), 批准人 (the officer who
# approved a step at a custodian's desk) and 说明 (loss reports, import digest). States and
# consignments are on the register and courier sheets, not repeated here.
LOG_COLUMNS = _cols(
    [("序号", 7, C), ("时间", 17.5, TM), ("工作台", 12, C), ("操作员", 10, C), ("批准人", 10, C),
     ("操作", 10, C), ("载体", 22, T), ("标签UID", 13, M), ("人员", 10, C), ("结果", 10, C),
     ("原因", 28, T), ("说明", 28, T), ("哈希", 30, M)]
)  # fmt: skip
PLEDGE_COLUMNS = _cols(
    [("序号", 7, C), ("人员编号", 10, C), ("姓名", 10, C), ("单位", 28, T), ("会议证号", 10, C),
     ("承诺书签署日期", 12, D), ("保密教育日期", 12, D), ("登记人", 10, C),
     ("登记时间", 17.5, TM), ("会议证状态", 10, C), ("提示", 24, T)]
)  # fmt: skip
FILING_COLUMNS = _cols([("项目", 22, T), ("内容", 60, T)])
CHECK_COLUMNS = _cols(
    [("检查表", 14, C), ("序号", 6, C), ("项目编号", 12, C), ("项目", 14, T), ("检查内容", 40, T),
     ("结果", 10, C), ("备注", 24, T), ("作答人", 10, C), ("作答时间", 17.5, TM),
     ("接受人", 10, C), ("接受说明", 24, T), ("接受时间", 17.5, TM)]
)  # fmt: skip
SWEEP_COLUMNS = _cols(
    [("序号", 7, C), ("时间", 17.5, TM), ("地点", 16, T), ("载体", 26, T), ("原持有人", 10, C),
     ("操作员", 10, C), ("结果", 8, C), ("原因", 36, T)]
)  # fmt: skip


def _headers(columns: Sequence[Column]) -> list[str]:
    return [c.header for c in columns]


REGISTER_HEADERS = _headers(REGISTER_COLUMNS)
PASS_HEADERS = _headers(PASS_COLUMNS)
OUTSTANDING_HEADERS = _headers(OUTSTANDING_COLUMNS)
COURIER_HEADERS = _headers(COURIER_COLUMNS)
PLAN_HEADERS = _headers(PLAN_COLUMNS)
CARRY_HEADERS = _headers(CARRY_COLUMNS)
LOG_HEADERS = _headers(LOG_COLUMNS)
PLEDGE_HEADERS = _headers(PLEDGE_COLUMNS)

SUMMARY_SHEET, REGISTER_SHEET, PASS_SHEET, OUTSTANDING_SHEET = (
    "汇总",
    "文件发放回收登记表",
    "会议证发放回收",
    "未收回清单",
)
COURIER_SHEET, CARRY_SHEET, LOG_SHEET = "机要递送登记", "带离文件目录", "操作日志"
PLAN_SHEET = "分发情况"
PLEDGE_SHEET = "保密承诺书登记"


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    rows: dict[str, int]
    chain: ChainReport
    audit: AuditReport
    """The chain and the tables checked against it; a workbook written from a database that
    does not match its ledger says "校验未通过" on 汇总 and in every page header."""


@dataclass(frozen=True)
class Reference:
    """A meeting and its reference rows, by id."""

    meeting: Meeting
    people: dict[int | None, Attendee]
    docs: dict[int | None, Document]
    cons: dict[int | None, Consignment]


def _base(session: Session, meeting_code: str) -> Reference:
    meeting = find_meeting(session, meeting_code)

    def by_id(model: Any) -> dict[int | None, Any]:
        return {
            r.id: r for r in session.exec(select(model).where(model.meeting_id == meeting.id)).all()
        }

    return Reference(meeting, by_id(Attendee), by_id(Document), by_id(Consignment))


def officer_names(session: Session) -> frozenset[str]:
    """Operators who are officers now (a close by an officer records no approver)."""
    rows = session.exec(select(Operator.name).where(Operator.role == "officer")).all()
    return frozenset(rows)


def close_approver(history: History, officers: frozenset[str]) -> str:
    """Who approved the close: the close event's approver, else its operator if an officer."""
    step = history.closed
    if step is None:
        return ""
    return step.approver or (step.operator if step.operator in officers else "")


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
    force: bool = True,
) -> ExportResult:
    """Write the 保密办 workbook for one meeting.

    Args:
        session: an open session (read only).
        key: the ledger key, to verify the chain at export time.
        meeting_code: the meeting.
        path: the .xlsx to write (written to a temporary name, then renamed).
        operator: who exports (shown in the title block and as 经办人).
        tz: the local time zone for dates (default: the machine's).
        now: the export time (default: now).
        progress: called with a line of progress now and then.
        parallel_verify_min: chains at least this long (on a file or server database) are
            verified in a child process, on the other core, while the workbook is written.
        force: replace an existing file (the CLI asks for ``--force``).

    Returns:
        Rows written per sheet and the chain report.

    Raises:
        NotFoundError: no such meeting.
        OutputError: the path is unusable or the file cannot be written.
        ConflictError: the file exists and ``force`` is false.
    """
    say = progress or (lambda _m: None)
    local = Local(tz)
    ref = _base(session, meeting_code)
    meeting = ref.meeting
    head = session.get(LedgerHead, meeting.id)
    snapshot = meeting.status != "closed"
    facts = [
        *meeting_facts(meeting, local),
        messages.text(
            "paper_fact_export",
            nature=messages.text("paper_nature_snapshot" if snapshot else "paper_nature_final"),
            at=local.stamp(now or utcnow()),
            operator=operator or messages.text("paper_none"),
        ),
    ]
    # The output is checked and created before any work; a failure removes it and stops the
    # child process verifying the chain.
    with (
        printed_book(path, force=force) as book,
        _verification(session, key, meeting, head, parallel_verify_min) as background,
    ):
        w = _Workbook(book, ref, facts, local)
        counts: dict[str, int] = {}
        # Sheets are created in their printed order and may be filled in any order: the log is
        # filled first, 汇总 last (it reports the chain verified during the log pass).
        summary = w.sheet(
            SUMMARY_SHEET, "paper_title_summary", _summary_columns(), header=False, landscape=False
        )
        register = w.sheet(REGISTER_SHEET, "paper_title_register", REGISTER_COLUMNS)
        passes = w.sheet(PASS_SHEET, "paper_title_passes", PASS_COLUMNS)
        out_sheet = w.sheet(OUTSTANDING_SHEET, "paper_title_outstanding", OUTSTANDING_COLUMNS)
        plan_sheet = w.sheet(PLAN_SHEET, "paper_title_plan", PLAN_COLUMNS)
        courier = w.sheet(COURIER_SHEET, "paper_title_courier", COURIER_COLUMNS)
        carry = w.sheet(CARRY_SHEET, "paper_title_carry", CARRY_COLUMNS)
        filing = w.sheet(messages.text("sheet_filing"), "paper_title_filing", FILING_COLUMNS)
        checks = w.sheet(messages.text("sheet_checks"), "paper_title_checks", CHECK_COLUMNS)
        sweep = w.sheet(messages.text("sheet_sweep"), "paper_title_sweep", SWEEP_COLUMNS)
        pledge_sheet = w.sheet(PLEDGE_SHEET, "paper_title_pledges", PLEDGE_COLUMNS)
        # A log row is two lines tall (its hash takes two): the sheet's default, no row records.
        log = w.sheet(LOG_SHEET, "paper_title_log", LOG_COLUMNS, min_lines=2.0)

        verifier, expected = ChainVerifier(key, meeting.code), Expected()
        counts[LOG_SHEET] = _write_log(
            log, session, ref, local, None if background else (verifier, expected)
        )
        if background is None:
            audit = finish_audit(session, meeting, verifier, expected, head)
        else:
            pool, future = background
            audit = future.result()
            pool.shutdown()
        verdict = messages.text("audit_ok") if audit.ok else messages.text("audit_not_ok")
        say(f"操作日志：{log.rows} 条；台账校验：{verdict}")

        history = read_history(session, meeting)
        officers = officer_names(session)
        approver = close_approver(history, officers)
        recon = reconciliation(session, meeting)
        found_later = found_after_close(session, meeting)  # lost at the close, found since
        chart = ChartData()
        carried: list[list[Any]] = []
        counts[REGISTER_SHEET] = _write_register(
            register, session, ref, history, found_later, local, chart, carried
        )
        say(f"登记表：{register.rows} 份")
        counts[PASS_SHEET] = _write_passes(passes, session, ref, history, found_later, local)
        counts[PLEDGE_SHEET] = _write_pledges(
            pledge_sheet, session, ref, history, {c for c, _n in recon.unpledged}, local
        )
        counts[OUTSTANDING_SHEET] = _write_outstanding(out_sheet, ref, recon, found_later, local)
        counts[PLAN_SHEET] = _write_plan(plan_sheet, session, meeting)
        counts[COURIER_SHEET] = _write_courier(courier, session, ref, history, local)
        counts[CARRY_SHEET] = write_carry_rows(carry, carried, local, empty="paper_empty_carry")
        counts.update(_PolicySheets(filing, checks, sweep).fill(session, meeting, local, history))

        clerk = messages.text("paper_sign_exporter", name=operator) if operator else ""
        signers = {sheet.name: [clerk, _approved(approver)] for sheet in w.sheets}
        signers[carry.name][1] = _approved("、".join(sorted({r[8] for r in carried if r[8]})))
        if meeting.filed_by:
            signers[filing.name][1] = messages.text("paper_sign_filed", name=meeting.filed_by)
        signers[checks.name][1] = _approved(_acceptors(session, meeting))
        counts[SUMMARY_SHEET] = write_summary(
            summary,
            session=session,
            meeting=meeting,
            history=history,
            recon=recon,
            found_later=found_later,
            totals=totals(session, meeting),
            chart=chart,
            audit=audit,
            approver=approver,
            local=local,
        )
        for sheet in w.sheets:
            clerk_note, officer_note = signers[sheet.name]
            sheet.signatures(
                [
                    (messages.text("paper_role_clerk"), clerk_note),
                    (messages.text("paper_role_officer"), officer_note),
                ]
            )
            sheet.finish(failed=not audit.ok)
    return ExportResult(path, counts, audit.chain, audit)


def _approved(names: str) -> str:
    """The note after the officer's signature line: who the ledger says approved."""
    return messages.text("paper_sign_approver", name=names) if names else ""


def _summary_columns() -> list[Column]:
    return [
        Column("", 20, "text", fit=False),
        Column("", 18, "center", fit=False),
        Column("", 14, "center", fit=False),
        Column("", 14, "center", fit=False),
        Column("", 34, "text", fit=False),
    ]


class _Workbook:
    """The export's book and the title block every sheet shares."""

    def __init__(self, book: PrintedBook, ref: Reference, facts: list[str], local: Local) -> None:
        self.book, self.ref, self.facts, self.local = book, ref, facts, local
        self.marking = Level(ref.meeting.level).marking
        self.sheets: list[PrintedSheet] = []

    def sheet(self, name: str, title: str, columns: Sequence[Column], **kw: Any) -> PrintedSheet:
        sheet = PrintedSheet(
            self.book,
            name,
            title=messages.text(title),
            facts=self.facts,
            columns=columns,
            marking=self.marking,
            code=self.ref.meeting.code,
            header=kw.pop("header", True),
            landscape=kw.pop("landscape", True),
            min_lines=kw.pop("min_lines", 1.0),
        )
        self.sheets.append(sheet)
        return sheet


def _carrier_labels(session: Session, ref: Reference) -> dict[int, str]:
    out: dict[int, str] = {}
    for c_id, kind, doc_id, copy_no, owner_id in session.exec(
        select(  # type: ignore[call-overload]
            Carrier.id, Carrier.kind, Carrier.document_id, Carrier.copy_number, Carrier.owner_id
        ).where(Carrier.meeting_id == ref.meeting.id)
    ):
        if kind == CarrierKind.PASS:
            owner = ref.people[owner_id]
            out[c_id] = f"会议证 {owner.pass_number or owner.code}（{owner.name}）"
        else:
            out[c_id] = f"{ref.docs[doc_id].number} 第{copy_no:03d}份"
    return out


def _write_log(
    log: PrintedSheet,
    session: Session,
    ref: Reference,
    local: Local,
    checks: tuple[ChainVerifier, Expected] | None,
) -> int:
    """操作日志: every event, refusals included, with its approver and hash; one pass over the
    events also verifies the chain (unless a child process does)."""
    labels = _carrier_labels(session, ref)
    people, cons = ref.people, ref.cons
    action_label = {a.value: ACTION_LABEL[a] for a in Action}
    verdict_label = {v.value: VERDICT_LABEL[v] for v in Verdict}
    voided = voided_seqs(session, ref.meeting)  # a voided tap stays in the log, marked
    closed = False  # past the close event: a find is recorded after the meeting closed
    found_later = messages.text("found_after_close_log")
    for ev in event_rows(session, ref.meeting):
        if checks is not None:
            checks[0].feed(ev)
            checks[1].feed(ev)
        void_by = voided.get(ev.seq)
        person = people.get(ev.attendee_id or 0)
        result = verdict_label[ev.verdict]
        if void_by is not None:
            result = f"{result}，{messages.text('voided_mark', by=void_by)}"
        accepted = ev.verdict == "accepted"
        closed = closed or (accepted and ev.action == "close")
        log.row(
            [
                ev.seq,
                local(ev.at),
                ev.station,
                ev.operator,
                ev.approver,
                found_later
                if closed and accepted and ev.action == "found"
                else action_label.get(ev.action, ev.action),
                labels.get(ev.carrier_id or 0, "")
                or (
                    messages.text("audit_consignment", number=cons[ev.consignment_id].number)
                    if ev.consignment_id in cons
                    else ""
                ),
                ev.tag_uid,
                person.name if person else "",
                result,
                ev.reason,
                ev.note,
                ev.hash,
            ]
        )
    return log.rows


def _copies(session: Session, meeting: Meeting) -> Iterator[Any]:
    """The meeting's copies in register order (document number, copy number), streamed."""
    table = Carrier.__table__  # type: ignore[attr-defined]
    doc = Document.__table__  # type: ignore[attr-defined]
    return (
        session.connection()
        .execute(
            select(
                table.c.id,
                table.c.document_id,
                table.c.copy_number,
                table.c.state,
                table.c.holder_id,
                table.c.consignment_id,
                table.c.tag_uid,
            )
            .join(doc, doc.c.id == table.c.document_id)
            .where(table.c.meeting_id == meeting.id, table.c.kind == CarrierKind.COPY.value)
            .order_by(doc.c.number, table.c.copy_number)
        )
        .yield_per(5000)
    )


def _write_register(
    sheet: PrintedSheet,
    session: Session,
    ref: Reference,
    history: History,
    found_later: Sequence[Any],
    local: Local,
    chart: ChartData,
    carried: list[list[Any]],
) -> int:
    """文件发放回收登记表: one row per copy, by document number then copy number; collects the
    chart's per-document counts and the carry list's rows on the way."""
    found_note = _found_notes(found_later)
    docs, people, cons = ref.docs, ref.people, ref.cons
    state_label = {s.value: STATE_LABEL[s] for s in State}
    outstanding = {s.value for s in OUTSTANDING}
    untagged = messages.text("paper_untagged")
    for i, (c_id, doc_id, copy_no, state, holder_id, cons_id, tag_uid) in enumerate(
        _copies(session, ref.meeting), start=1
    ):
        doc = docs[doc_id]
        h = history.carriers.get(c_id) or _NO_HISTORY
        person = people.get(h.issued_to or holder_id or 0)
        notes = h.notes
        if c_id in found_note or (tag_uid is None and state != State.WITHDRAWN):
            notes = list(notes)
            if c_id in found_note:
                notes.append(found_note[c_id])
            if tag_uid is None and state != State.WITHDRAWN:
                notes.append(untagged)
        copy_label = f"{copy_no:03d}"
        sheet.row(
            [
                i,
                doc.number,
                doc.title,
                doc.level,
                copy_label,
                person.name if person else "",
                person.unit if person else "",
                local(h.issued_at),
                h.issued_by,
                h.collects,
                local(h.recovered_at),
                h.recovered_by,
                state_label[state],
                cons[cons_id].number if cons_id in cons else "",
                "；".join(notes),
            ]
        )
        chart.count(doc.number, issued=h.issued_at is not None, state=state, out=outstanding)
        if h.carried_at is not None and h.carried_to is not None:
            p = people[h.carried_to]
            carried.append(
                [p.code, p.name, p.unit, doc.number, doc.title, doc.level, copy_label,
                 h.carried_at, h.carried_approver, state_label[state]]
            )  # fmt: skip
    if not sheet.rows:
        sheet.empty(messages.text("paper_empty_register"))
    chart.timeline(history)
    return sheet.rows


_NO_HISTORY = CarrierHistory()


def _found_notes(found_later: Sequence[Any]) -> dict[int, str]:
    return {
        f.carrier_id: messages.text("found_after_close_state")
        + f" {messages.local_time(f.found_at)}"
        for f in found_later
    }


def _write_passes(
    sheet: PrintedSheet,
    session: Session,
    ref: Reference,
    history: History,
    found_later: Sequence[Any],
    local: Local,
) -> int:
    """会议证发放回收: one row per pass, by attendee code; 代会 and late attendees marked."""
    found_note = _found_notes(found_later)
    people = ref.people
    rows = session.exec(
        select(Carrier.id, Carrier.owner_id, Carrier.tag_uid, Carrier.state).where(  # type: ignore[call-overload]
            Carrier.meeting_id == ref.meeting.id, Carrier.kind == CarrierKind.PASS.value
        )
    ).all()
    marks = attendee_marks(session, ref.meeting)  # 代会 and late attendees, marked
    for i, (c_id, owner_id, tag_uid, state) in enumerate(
        sorted(rows, key=lambda p: people[p[1]].code), start=1
    ):
        owner = people[owner_id]
        h = history.of(c_id)
        mark = marks.get(owner_id or 0)
        sheet.row(
            [
                i,
                owner.pass_number,
                owner.name,
                owner.code,
                owner.unit,
                tag_uid,
                local(h.issued_at),
                h.issued_by,
                local(h.recovered_at),
                h.recovered_by,
                STATE_LABEL[State(state)],
                "；".join(
                    [
                        *([mark] if mark else []),
                        *h.notes,
                        *([found_note[c_id]] if c_id in found_note else []),
                    ]
                ),
            ]
        )
    if not rows:
        sheet.empty(messages.text("paper_empty_passes"))
    return sheet.rows


def _write_pledges(
    sheet: PrintedSheet,
    session: Session,
    ref: Reference,
    history: History,
    unpledged: set[str],
    local: Local,
) -> int:
    """保密承诺书登记: every attendee with the pledge and briefing days on record, who recorded
    them (the import, when the workbook carried them), and a remark for a pass handed out with
    no pledge (the read model's count)."""
    pass_state = dict(
        session.exec(
            select(Carrier.owner_id, Carrier.state).where(  # type: ignore[call-overload]
                Carrier.meeting_id == ref.meeting.id, Carrier.kind == CarrierKind.PASS.value
            )
        ).all()
    )
    people = [p for p in ref.people.values() if p is not None]
    for n, person in enumerate(sorted(people, key=lambda p: p.code), start=1):
        by, at = history.pledges.get(person.id or 0, ("", None))
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
    if not people:
        sheet.empty(messages.text("paper_empty_pledges"))
    return sheet.rows


def _write_outstanding(
    sheet: PrintedSheet, ref: Reference, recon: Any, found_later: Sequence[Any], local: Local
) -> int:
    """未收回清单: what is still out, by attendee; then what was lost at the close and found
    since (numbered on: every row of a register has its 序号)."""
    by_code = {a.code: a for a in ref.people.values()}
    ordered = sorted(
        recon.items,
        key=lambda it: (
            it.attendee_code or "~",
            it.kind,
            it.document or "",
            it.copy or 0,
            it.pass_number or "",
        ),
    )
    n = 0
    for it in ordered:
        person = by_code.get(it.attendee_code or "")
        n += 1
        sheet.row(
            [
                n,
                it.attendee_code or "",
                person.name if person else (f"机要件 {it.consignment}" if it.consignment else ""),
                person.unit if person else "",
                messages.KIND_LABEL[CarrierKind(it.kind)],
                it.document or "",
                f"{it.copy:03d}" if it.copy else (it.pass_number or ""),
                STATE_LABEL[State(it.state)],
                local(it.since),
            ]
        )
    if not ordered:
        sheet.empty(messages.text("paper_empty_outstanding"))
    for f in found_later:  # lost at the close and found after it: the meeting stayed closed
        person = by_code.get(f.attendee_code or "")
        n += 1
        sheet.row(
            [
                n,
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
    return len(ordered)


def _names(people: Sequence[Any]) -> str:
    shown = "、".join(f"{p.code} {p.name}" for p in people[:NAMES_MAX])
    if len(people) > NAMES_MAX:
        shown += messages.text("paper_names_more", count=len(people))
    return shown


def _write_plan(sheet: PrintedSheet, session: Session, meeting: Meeting) -> int:
    """分发情况 — per document: plan, planned, issued, 未领取 (names), out, recovered."""
    for i, d in enumerate(plan_view(session, meeting.code).documents, start=1):
        sheet.row(
            [
                i,
                d.number,
                d.title,
                d.plan_text,
                len(d.planned),
                len(d.issued),
                len(d.not_collected),
                _names(d.not_collected),
                _names(d.outside_plan),
                d.out,
                d.recovered,
            ]
        )
    if not sheet.rows:
        sheet.empty(messages.text("paper_empty_plan"))
    return sheet.rows


def _write_courier(
    sheet: PrintedSheet, session: Session, ref: Reference, history: History, local: Local
) -> int:
    """机要递送登记: per consignment, each copy in it with who handed it in and the legs' times."""
    docs, people, cons = ref.docs, ref.people, ref.cons
    members: dict[int, list[Any]] = defaultdict(list)
    for row in session.exec(
        select(  # type: ignore[call-overload]
            Carrier.id, Carrier.document_id, Carrier.copy_number, Carrier.state,
            Carrier.consignment_id,
        ).where(
            Carrier.meeting_id == ref.meeting.id,
            Carrier.kind == CarrierKind.COPY.value,
            col(Carrier.consignment_id).is_not(None),
        )
    ):  # fmt: skip
        members[row[4]].append(row)
    n = 0
    for consignment in sorted((c for c in cons.values() if c is not None), key=lambda c: c.number):
        delegate = people.get(consignment.attendee_id)
        head_cells = [
            consignment.number,
            f"{delegate.code} {delegate.name}" if delegate is not None else "",
            consignment.unit,
            consignment.recipient,
        ]
        copies = sorted(
            members.get(consignment.id or 0, []), key=lambda r: (docs[r[1]].number, r[2])
        )
        if not copies:
            n += 1
            sheet.row([n, *head_cells, "", "", "", "", "", None, None, None, "尚未发出"])
        for c_id, doc_id, copy_no, state, _k in copies:
            n += 1
            doc = docs[doc_id]
            h = history.of(c_id)
            handed = people.get(h.handed_in_by)
            sheet.row(
                [
                    n,
                    *head_cells,
                    doc.number,
                    doc.title,
                    doc.level,
                    f"{copy_no:03d}",
                    f"{handed.code} {handed.name}" if handed is not None else "",
                    local(h.dispatched_at),
                    local(h.delivered_at),
                    local(consignment.received_at),
                    STATE_LABEL[State(state)],
                ]
            )
    if not n:
        sheet.empty(messages.text("paper_empty_courier"))
    return n


def write_carry_rows(
    sheet: PrintedSheet, carried: list[list[Any]], local: Local, *, empty: str, **fields: Any
) -> int:
    """带离文件目录: the copies carried out (by attendee, document, copy), numbered; an empty
    list says so across the table."""
    carried.sort(key=lambda r: (r[0], r[3], r[6]))
    for n, row in enumerate(carried, start=1):
        sheet.row([n, *row[:7], local(row[7]), *row[8:]])
    if not carried:
        sheet.empty(messages.text(empty, **fields))
    return len(carried)


def _acceptors(session: Session, meeting: Meeting) -> str:
    """The officers who accepted a failed checklist item, for the checks' signature block."""
    from carrier_tracker.custody import checklists
    from carrier_tracker.meeting.policy import checklist_status

    names = {
        st.accepted_by
        for checklist in checklists.active()
        for st in checklist_status(session, meeting, checklist)
        if st.accepted_by
    }
    return "、".join(sorted(names))


class _PolicySheets:
    """The 保密办 workbook's sheets for the policy around custody: the 备案, the checklists with
    every answer (who, when, an officer's acceptance) and the sweep's findings."""

    def __init__(self, filing: PrintedSheet, checks: PrintedSheet, sweep: PrintedSheet) -> None:
        self.filing, self.checks, self.sweep = filing, checks, sweep

    def fill(
        self, session: Session, meeting: Meeting, local: Local, history: History
    ) -> dict[str, int]:
        """Write the three sheets; returns rows per sheet."""
        from carrier_tracker.custody import checklists
        from carrier_tracker.enums import Answer, requires_filing
        from carrier_tracker.meeting.policy import checklist_status, sweep_findings

        level = Level(meeting.level)
        filed = history.filed
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
            ("记录时间", local.stamp(filed.at) if filed else ""),
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
        if not self.checks.rows:
            self.checks.empty(messages.text("paper_empty_checks"))
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
            self.sweep.empty(messages.text("no_sweep_findings"))
        return {
            self.filing.name: self.filing.rows,
            self.checks.name: self.checks.rows,
            self.sweep.name: len(finds),
        }


def export_carry_list(
    *,
    session: Session,
    meeting_code: str,
    attendee_code: str,
    path: Path,
    tz: tzinfo | None = None,
    now: datetime | None = None,
    force: bool = True,
) -> int:
    """Write one delegate's carry list (带离文件目录), ready to print and mail to their unit.

    Returns:
        The number of copies on the list (0: the page says nothing was carried out).

    Raises:
        NotFoundError: no such meeting or attendee.
        OutputError: the path is unusable or the file cannot be written.
        ConflictError: the file exists and ``force`` is false.
    """
    local = Local(tz)
    ref = _base(session, meeting_code)
    meeting = ref.meeting
    person = find_attendee(session, meeting, attendee_code)
    history = read_history(session, meeting)
    carried = _carried_by(session, ref, history, person.id)
    facts = [
        *meeting_facts(meeting, local),
        messages.text("paper_fact_carry", unit=person.unit, code=person.code, name=person.name),
        messages.text("paper_fact_made", at=local.stamp(now or utcnow())),
    ]
    with printed_book(path, force=force) as book:
        sheet = book.sheet(
            CARRY_SHEET,
            title=messages.text("paper_title_carry"),
            facts=facts,
            columns=CARRY_COLUMNS,
            marking=Level(meeting.level).marking,
            code=meeting.code,
        )
        n = write_carry_rows(
            sheet,
            carried,
            local,
            empty="paper_empty_carry_person",
            code=person.code,
            name=person.name,
        )
        approvers = "、".join(sorted({r[8] for r in carried if r[8]}))
        sheet.signatures(
            [
                (messages.text("paper_role_clerk"), ""),
                (messages.text("paper_role_officer"), _approved(approvers)),
                (messages.text("paper_role_receiver"), ""),
            ]
        )
        sheet.finish()
    return n


def _carried_by(
    session: Session, ref: Reference, history: History, attendee_id: int | None
) -> list[list[Any]]:
    """The carry list's rows of one delegate: every copy they took away (ever)."""
    ids = [c for c, h in history.carriers.items() if h.carried_at and h.carried_to == attendee_id]
    if not ids:
        return []
    rows = session.exec(
        select(Carrier.id, Carrier.document_id, Carrier.copy_number, Carrier.state).where(  # type: ignore[call-overload]
            col(Carrier.id).in_(ids)
        )
    ).all()
    person = ref.people[attendee_id]
    out = []
    for c_id, doc_id, copy_no, state in rows:
        doc, h = ref.docs[doc_id], history.carriers[c_id]
        out.append(
            [person.code, person.name, person.unit, doc.number, doc.title, doc.level,
             f"{copy_no:03d}", h.carried_at, h.carried_approver, STATE_LABEL[State(state)]]
        )  # fmt: skip
    return out


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


@contextmanager
def verified_later(
    session: Session, key: bytes, meeting: Meeting, minimum: int = PARALLEL_VERIFY_MIN
) -> Iterator[Callable[[], AuditReport]]:
    """The meeting's chain and tables verified while the block runs (in a child process for
    long chains): what the forms print under their anchor. Call what it yields for the report."""
    from carrier_tracker.ledger.audit import audit_meeting

    head = session.get(LedgerHead, meeting.id)
    with _verification(session, key, meeting, head, minimum) as background:
        if background is None:
            yield lambda: audit_meeting(session, key, meeting)
        else:
            yield background[1].result
