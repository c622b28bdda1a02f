"""The 保密办 workbook: register, passes, outstanding, courier, carry lists, audit log (docs/architecture.md §10).

Every sheet is the printed document it stands for (:mod:`carrier_tracker.paper.layout`): a title
block, a ruled table whose rows stream to disk (a 100,000-copy meeting never sits in memory as
cells), a signature block; 汇总 adds the counts, the meeting's story, the exceptions in words, the
ledger's anchor and a chart. Deterministic apart from the export time: every sheet is sorted by
stable keys.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from carrier_tracker import messages
from carrier_tracker.custody.service import find_attendee
from carrier_tracker.enums import Level
from carrier_tracker.ledger import ChainReport, codec
from carrier_tracker.ledger.audit import AuditReport, MeetingAudit, audit_system
from carrier_tracker.ledger.fold import MeetingWorld
from carrier_tracker.meeting.lifecycle import totals
from carrier_tracker.paper.columns import (
    CARRY_COLUMNS,
    CARRY_SHEET,
    CHECK_COLUMNS,
    COURIER_COLUMNS,
    COURIER_SHEET,
    FILING_COLUMNS,
    LOG_COLUMNS,
    LOG_SHEET,
    OUTSTANDING_COLUMNS,
    OUTSTANDING_SHEET,
    PASS_COLUMNS,
    PASS_SHEET,
    PLAN_COLUMNS,
    PLAN_SHEET,
    PLEDGE_COLUMNS,
    PLEDGE_SHEET,
    REGISTER_COLUMNS,
    REGISTER_SHEET,
    SUMMARY_SHEET,
    SWEEP_COLUMNS,
)
from carrier_tracker.paper.columns import CARRY_HEADERS as CARRY_HEADERS
from carrier_tracker.paper.columns import COURIER_HEADERS as COURIER_HEADERS
from carrier_tracker.paper.columns import LOG_HEADERS as LOG_HEADERS
from carrier_tracker.paper.columns import OUTSTANDING_HEADERS as OUTSTANDING_HEADERS
from carrier_tracker.paper.columns import PASS_HEADERS as PASS_HEADERS
from carrier_tracker.paper.columns import PLAN_HEADERS as PLAN_HEADERS
from carrier_tracker.paper.columns import PLEDGE_HEADERS as PLEDGE_HEADERS
from carrier_tracker.paper.columns import REGISTER_HEADERS as REGISTER_HEADERS
from carrier_tracker.paper.disposal_sheet import DISPOSAL_COLUMNS, DISPOSAL_SHEET, write_disposals
from carrier_tracker.paper.heading import Local, meeting_facts
from carrier_tracker.paper.history import History, new_story, read_history
from carrier_tracker.paper.layout import EXCEL_CELL_MAX, Column, PrintedBook, PrintedSheet
from carrier_tracker.paper.layout import printed_book as printed_book
from carrier_tracker.paper.output import check_file_name as check_file_name
from carrier_tracker.paper.output import check_output_path as check_output_path
from carrier_tracker.paper.output import save_atomically as save_atomically
from carrier_tracker.paper.sheets import (
    PolicySheets,
    Reference,
    acceptors,
    carried_by,
    reference,
    write_carry_rows,
    write_courier,
    write_log,
    write_outstanding,
    write_passes,
    write_plan,
    write_pledges,
    write_register,
)
from carrier_tracker.paper.summary import ChartData, write_summary
from carrier_tracker.paper.verification import PARALLEL_VERIFY_MIN as PARALLEL_VERIFY_MIN
from carrier_tracker.paper.verification import verification
from carrier_tracker.storage.models import (
    LedgerHead,
    Operator,
    utcnow,
)
from carrier_tracker.storage.readmodel import found_after_close, reconciliation

__all__ = [
    "EXCEL_CELL_MAX",
    "LOG_SHEET",
    "REGISTER_SHEET",
    "Local",
    "check_file_name",
    "check_output_path",
    "save_atomically",
]


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    rows: dict[str, int]
    chain: ChainReport
    audit: AuditReport
    """The chain and the tables checked against it; a workbook written from a database that
    does not match its ledger says "校验未通过" on 汇总 and in every page header."""


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
    advance: Callable[[int, int], None] | None = None,
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
        advance: called with (steps done, steps in all) every 1,000 events of the log pass and
            after each sheet (a progress bar).

    Returns:
        Rows written per sheet and the chain report.

    Raises:
        NotFoundError: no such meeting.
        OutputError: the path is unusable or the file cannot be written.
        ConflictError: the file exists and ``force`` is false.
    """
    say = progress or (lambda _m: None)
    local = Local(tz)
    ref = reference(session, meeting_code)
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
        verification(session, key, meeting, head, parallel_verify_min) as background,
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
        disposal = w.sheet(DISPOSAL_SHEET, "paper_title_disposals", DISPOSAL_COLUMNS)
        # A log row is two lines tall (its hash takes two): the sheet's default, no row records.
        log = w.sheet(LOG_SHEET, "paper_title_log", LOG_COLUMNS, min_lines=2.0)

        # One pass over the events: the log, the paper's history (the ledger's fold) and, unless a
        # child process does it, the chain's verification.
        history = new_story(session, meeting)
        auditor: MeetingAudit | None = None
        feed: Callable[[Any], object]
        if background is None:
            auditor = MeetingAudit(key, meeting, audit_system(session, key), story=history)
            feed = auditor.feed
        else:
            world = MeetingWorld(story=history)

            def fold_only(row: Any) -> object:
                world.apply(codec.decode(row))
                return None

            feed = fold_only

        events = head.seq if head is not None else 0
        total = events + len(w.sheets)
        tick = advance or (lambda _done, _total: None)
        fed = [0]

        def feed_counted(row: Any) -> object:
            fed[0] += 1
            if fed[0] % 1000 == 0:
                tick(fed[0], total)
            return feed(row)

        counts[LOG_SHEET] = write_log(log, session, ref, local, feed_counted)
        tick(events, total)
        say(messages.text("paper_progress_log", rows=log.rows))

        officers = officer_names(session)
        approver = close_approver(history, officers)
        recon = reconciliation(session, meeting)
        found_later = found_after_close(session, meeting)  # lost at the close, found since
        chart = ChartData()
        carried: list[list[Any]] = []
        counts[REGISTER_SHEET] = write_register(
            register, session, ref, history, found_later, local, chart, carried
        )
        say(messages.text("paper_progress_register", rows=register.rows))
        counts[PASS_SHEET] = write_passes(passes, session, ref, history, found_later, local)
        counts[PLEDGE_SHEET] = write_pledges(
            pledge_sheet, session, ref, history, {c for c, _n in recon.unpledged}, local
        )
        counts[OUTSTANDING_SHEET] = write_outstanding(out_sheet, ref, recon, found_later, local)
        counts[PLAN_SHEET] = write_plan(plan_sheet, session, meeting)
        counts[COURIER_SHEET] = write_courier(courier, session, ref, history, local)
        counts[CARRY_SHEET] = write_carry_rows(carry, carried, local, empty="paper_empty_carry")
        counts.update(PolicySheets(filing, checks, sweep).fill(session, meeting, local, history))
        counts[DISPOSAL_SHEET] = write_disposals(disposal, session, meeting, local)

        # Only 汇总 and the page headers need the verification: a child process verifying a long
        # chain has had every sheet's time to finish.
        if auditor is not None:
            audit = auditor.report(session)
        else:
            assert background is not None
            pool, future = background
            audit = future.result()
            pool.shutdown()
        verdict = messages.text("audit_ok") if audit.ok else messages.text("audit_not_ok")
        say(messages.text("paper_progress_verified", verdict=verdict))

        clerk = messages.text("paper_sign_exporter", name=operator) if operator else ""
        signers = {sheet.name: [clerk, _approved(approver)] for sheet in w.sheets}
        signers[carry.name][1] = _approved("、".join(sorted({r[8] for r in carried if r[8]})))
        if meeting.filed_by:
            signers[filing.name][1] = messages.text("paper_sign_filed", name=meeting.filed_by)
        signers[checks.name][1] = _approved(acceptors(session, meeting))
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
        for n, sheet in enumerate(w.sheets, start=1):
            clerk_note, officer_note = signers[sheet.name]
            sheet.signatures(
                [
                    (messages.text("paper_role_clerk"), clerk_note),
                    (messages.text("paper_role_officer"), officer_note),
                ]
            )
            sheet.finish(failed=not audit.ok)
            tick(events + n, total)
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
    ref = reference(session, meeting_code)
    meeting = ref.meeting
    person = find_attendee(session, meeting, attendee_code)
    history = read_history(session, meeting)
    carried = carried_by(session, ref, history, person.id)
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
