"""The signed forms the 保密办 audits against, one sheet each, ready to print on A4.

Every form is laid out like the export (:mod:`carrier_tracker.paper.layout`): a title block,
a ruled table with the header row repeated on every page, 签名 and 日期 cells tall enough to
sign in, the marking in each page's header and footer; it ends with a signature block and the
ledger's anchor (``台账锚点 COUNT:HASH`` and the verification at printing time), so the signed
paper anchors the chain. The workbook is written like the export too: checked path, 0600
temporary file, atomic rename.

A sheet is one writer function and one entry of :data:`FORMS`: the writer gets the meeting's
reference rows (:class:`FormData`) and the form's :class:`Pages`, appends its rows and returns
how many it wrote. A form that keeps a page per attendee (or consignment) goes on to a second
sheet when one sheet holds as many page breaks as Excel keeps. The checklist forms
(会场保密检查表, 会后清场检查表) read the meeting's answers through ``data.session``: one row per
item of the active checklists (built-in and the site's). After the forms, a 载体遗失报告 sheet
per carrier ever lost in the meeting (:mod:`carrier_tracker.paper.lost_report`); a meeting with
no loss has none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from carrier_tracker import messages
from carrier_tracker.custody.service import find_meeting
from carrier_tracker.enums import Action, CarrierKind, Level, Verdict
from carrier_tracker.paper.heading import Local, meeting_facts
from carrier_tracker.paper.history import ever_lost, read_trails
from carrier_tracker.paper.layout import SIGN_LINES, Column, PrintedBook, PrintedSheet, printed_book
from carrier_tracker.paper.lost_report import (
    LOST_COLUMNS,
    LOST_REPORT_SHEET,
    lost_items,
    write_lost_report,
)
from carrier_tracker.paper.summary import verified_line
from carrier_tracker.paper.verification import verified_later
from carrier_tracker.storage.models import (
    Attendee,
    Carrier,
    Consignment,
    Document,
    Event,
    Meeting,
    utcnow,
)


@dataclass
class FormData:
    """What every form reads: the meeting and its reference rows, by id, and local time."""

    session: Session
    meeting: Meeting
    people: dict[int, Attendee]
    docs: dict[int, Document]
    consignments: dict[int, Consignment]
    local: Local
    approvers: dict[str, str] = field(default_factory=dict)
    """Per form title: the officers the ledger names for its signature block (a writer adds
    them, e.g. who accepted a failed checklist item)."""

    def firsts(
        self, actions: tuple[Action, ...], kind: CarrierKind
    ) -> list[tuple[int, int | None, int | None, datetime]]:
        """Accepted events of these actions on carriers of one kind, in ledger order: (carrier,
        attendee, consignment, time) — the ledger, not the carrier's current state, says who
        received what."""
        rows = self.session.exec(
            select(Event.carrier_id, Event.attendee_id, Event.consignment_id, Event.at)
            .join(Carrier, col(Carrier.id) == Event.carrier_id)
            .where(
                Carrier.kind == kind.value,
                Event.meeting_id == self.meeting.id,
                Event.verdict == Verdict.ACCEPTED.value,
                col(Event.action).in_([a.value for a in actions]),
                col(Event.carrier_id).is_not(None),
            )
            .order_by(col(Event.seq))
        ).all()
        return [(c, a, k, at) for c, a, k, at in rows if c is not None]

    def copies(self) -> dict[int, tuple[int, int]]:
        """The meeting's copies: id → (document id, copy number)."""
        rows = self.session.exec(
            select(Carrier.id, Carrier.document_id, Carrier.copy_number).where(
                Carrier.meeting_id == self.meeting.id, Carrier.kind == CarrierKind.COPY.value
            )
        ).all()
        return {c: (d, n) for c, d, n in rows if c is not None and d is not None and n is not None}

    def passes(self) -> list[tuple[int, int]]:
        """The meeting's passes: (carrier id, owner id)."""
        rows = self.session.exec(
            select(Carrier.id, Carrier.owner_id).where(
                Carrier.meeting_id == self.meeting.id, Carrier.kind == CarrierKind.PASS.value
            )
        ).all()
        return [(c, o) for c, o in rows if c is not None and o is not None]


class Pages:
    """A form's sheets: one, and a continuation sheet whenever one sheet holds as many page
    breaks as Excel keeps."""

    def __init__(self, make: Callable[[int], PrintedSheet]) -> None:
        self._make = make
        self.sheets = [make(1)]
        self.rows = 0

    @property
    def sheet(self) -> PrintedSheet:
        """The sheet being written."""
        return self.sheets[-1]

    def row(self, values: list[Any]) -> None:
        """One row of the form's table."""
        self.sheet.row(values)
        self.rows += 1

    def page_break(self) -> None:
        """What follows starts a new printed page (on a new sheet if this one is full)."""
        if not self.sheet.page_break():
            self.sheets.append(self._make(len(self.sheets) + 1))

    def empty(self, key: str) -> int:
        """Say the form has nothing to list; returns 0 rows."""
        self.sheet.empty(messages.text(key))
        return 0


Writer = Callable[[FormData, Pages], int]


@dataclass(frozen=True)
class Form:
    """One printed form: its sheet name, document title, columns, writer and orientation."""

    title: str
    heading: str
    """The catalogue key of the document's title printed in its title block."""
    columns: tuple[Column, ...]
    write: Writer
    landscape: bool = True
    signers: tuple[str, ...] = ()
    """Catalogue keys of further roles signing the block, between 经办人 and 保密负责人 (the
    witnesses of a destruction, the archive's keeper)."""

    @property
    def headers(self) -> tuple[str, ...]:
        """The table's column headers."""
        return tuple(c.header for c in self.columns)

    @property
    def signed(self) -> bool:
        """Whether people sign in its rows (its rows are then tall enough to sign in)."""
        return any(c.kind == "sign" for c in self.columns)


SIGN, DAY = messages.text("forms_sign"), messages.text("forms_date")
RECEIPT_SHEET, PASS_REGISTER_SHEET, COURIER_RECEIPT_SHEET = (
    "文件签收单",
    "会议证登记表",
    "机要递送回执",
)
VENUE_CHECK_SHEET, SWEEP_CHECK_SHEET = "会场保密检查表", "会后清场检查表"


def _c(header: str, width: float, kind: str = "center") -> Column:
    return Column(header, width, kind)


_SIGNATURES = (_c(SIGN, 14, "sign"), _c(DAY, 12, "sign"))
CHECK_COLUMNS = (
    _c("序号", 6),
    _c("检查项目", 40, "text"),
    _c("结果", 8),
    _c("说明", 30, "text"),
    _c("检查人", 10),
    _c("检查时间", 17.5, "time"),
    _c("接受（保密负责人）", 24, "text"),
    *_SIGNATURES,
)
CHECK_HEADERS = tuple(c.header for c in CHECK_COLUMNS[:7])


def _copy_blocks(
    data: FormData,
    pages: Pages,
    blocks: list[tuple[list[Any], dict[int, datetime]]],
    empty: str,
) -> int:
    """Rows of copies in blocks (an attendee's receipts, a consignment's receipt), a page each:
    ``[n, *lead, 文件编号, 文件名称, 密级, 份号, time, 签名, 日期]``, copies in document order."""
    copies = data.copies()

    def order(cid: int) -> tuple[str, int]:
        doc_id, copy_no = copies[cid]
        return data.docs[doc_id].number, copy_no

    n = 0
    for b, (lead, when) in enumerate(blocks):
        if b:
            pages.page_break()
        for cid in sorted(when, key=order):
            doc_id, copy_no = copies[cid]
            doc = data.docs[doc_id]
            n += 1
            pages.row(
                [
                    n,
                    *lead,
                    doc.number,
                    doc.title,
                    doc.level,
                    f"{copy_no:03d}",
                    data.local(when[cid]),
                    None,  # signature and date: filled in by hand
                    None,
                ]
            )
    return n or pages.empty(empty)


def _first_times(
    events: list[tuple[int, int | None, int | None, datetime]], *, per_consignment: bool
) -> dict[int, dict[int, datetime]]:
    """Per attendee (or per consignment): each carrier's first event time."""
    out: dict[int, dict[int, datetime]] = {}
    for carrier_id, attendee_id, consignment_id, at in events:
        owner = consignment_id if per_consignment else attendee_id
        if owner is not None:
            out.setdefault(owner, {}).setdefault(carrier_id, at)
    return out


def write_receipts(data: FormData, pages: Pages) -> int:
    """文件签收单: per attendee, every copy they received (issued or reissued to them, once
    each), with empty 签名 and 日期; a page per attendee."""
    received = _first_times(
        data.firsts((Action.ISSUE, Action.REISSUE), CarrierKind.COPY), per_consignment=False
    )
    people = sorted(received, key=lambda a: data.people[a].code)
    return _copy_blocks(
        data,
        pages,
        [
            ([data.people[a].code, data.people[a].name, data.people[a].unit], received[a])
            for a in people
        ],
        "paper_empty_receipts",
    )


def write_pass_register(data: FormData, pages: Pages) -> int:
    """会议证登记表: one row per pass, with the pledge day on record and empty 签名 and 日期."""
    issued: dict[int, datetime] = {}
    for carrier_id, _a, _k, at in data.firsts((Action.ISSUE,), CarrierKind.PASS):
        issued.setdefault(carrier_id, at)
    passes = sorted(data.passes(), key=lambda p: data.people[p[1]].code)
    for n, (card, owner) in enumerate(passes, start=1):
        person = data.people[owner]
        pages.row(
            [
                n,
                person.pass_number or person.code,
                person.name,
                person.code,
                person.unit,
                person.title,
                person.pledge_on or messages.text("pledge_missing"),
                data.local(issued.get(card)),
                None,
                None,
            ]
        )
    return len(passes) or pages.empty("paper_empty_passes")


def write_courier_receipts(data: FormData, pages: Pages) -> int:
    """机要递送回执: per consignment, every copy dispatched in it, for the recipient to sign;
    a page per consignment."""
    sent = _first_times(data.firsts((Action.DISPATCH,), CarrierKind.COPY), per_consignment=True)
    numbers = sorted(
        (k for k in sent if k in data.consignments), key=lambda k: data.consignments[k].number
    )
    cons = data.consignments
    return _copy_blocks(
        data,
        pages,
        [([cons[k].number, cons[k].unit, cons[k].recipient], sent[k]) for k in numbers],
        "paper_empty_courier_receipts",
    )


def _checklist_rows(data: FormData, pages: Pages, name: str, title: str) -> int:
    """One row per item of a checklist (the built-in and the site's items, in order) with the
    meeting's answer, for the checker and the officer to sign."""
    from carrier_tracker.custody import checklists
    from carrier_tracker.meeting.policy import checklist_status

    statuses = checklist_status(data.session, data.meeting, checklists.active()[name])
    officers = sorted({st.accepted_by for st in statuses if st.accepted_by})
    data.approvers[title] = "、".join(officers)
    for n, st in enumerate(statuses, start=1):
        answer = (
            messages.ANSWER_LABEL[st.answer] if st.answer else messages.text("checklist_unanswered")
        )
        accepted = (
            messages.text("checklist_accepted_by", by=st.accepted_by, note=st.accept_note or "")
            if st.accepted_by
            else ""
        )
        when = data.local(st.answered_at)
        pages.row([n, st.item.label, answer, st.note, st.operator, when, accepted, None, None])
    return len(statuses) or pages.empty("paper_empty_checklist")


def write_venue_check(data: FormData, pages: Pages) -> int:
    """会场保密检查表: the venue check as answered, for signing."""
    from carrier_tracker.custody.checklists import VENUE

    return _checklist_rows(data, pages, VENUE, VENUE_CHECK_SHEET)


def write_sweep_check(data: FormData, pages: Pages) -> int:
    """会后清场检查表: the post-meeting sweep as answered, for signing."""
    from carrier_tracker.custody.checklists import SWEEP

    return _checklist_rows(data, pages, SWEEP, SWEEP_CHECK_SHEET)


_COPY_COLUMNS = (
    _c("文件编号", 12),
    _c("文件名称", 34, "text"),
    _c("密级", 6),
    _c("份号", 6),
)
FORMS: list[Form] = [
    Form(
        RECEIPT_SHEET,
        "paper_title_receipts",
        (
            _c("序号", 6),
            _c("人员编号", 10),
            _c("姓名", 10),
            _c("单位", 28, "text"),
            *_COPY_COLUMNS,
            _c("领取时间", 17.5, "time"),
            *_SIGNATURES,
        ),
        write_receipts,
    ),
    Form(
        PASS_REGISTER_SHEET,
        "paper_title_pass_register",
        (
            _c("序号", 6),
            _c("会议证号", 10),
            _c("姓名", 10),
            _c("人员编号", 10),
            _c("单位", 28, "text"),
            _c("职务", 12),
            _c("保密承诺书", 12, "date"),
            _c("发证时间", 17.5, "time"),
            *_SIGNATURES,
        ),
        write_pass_register,
    ),
    Form(
        COURIER_RECEIPT_SHEET,
        "paper_title_courier_receipts",
        (
            _c("序号", 6),
            _c("机要编号", 14),
            _c("接收单位", 24, "text"),
            _c("接收人", 10),
            *_COPY_COLUMNS,
            _c("发出时间", 17.5, "time"),
            _c("签收人" + SIGN, 14, "sign"),
            _c("签收" + DAY, 12, "sign"),
        ),
        write_courier_receipts,
    ),
    Form(VENUE_CHECK_SHEET, "paper_title_venue_check", CHECK_COLUMNS, write_venue_check),
    Form(SWEEP_CHECK_SHEET, "paper_title_sweep_check", CHECK_COLUMNS, write_sweep_check),
]
"""The forms in printed order. Another form is one more entry here and its writer."""


@dataclass(frozen=True)
class FormsResult:
    """What :func:`write_forms` wrote: rows per sheet (0 when the sheet says the list is empty)."""

    path: Path
    rows: dict[str, int]
    count: int = 0
    """The ledger's event count printed in each form's anchor."""
    head_hash: str = ""
    ok: bool = True
    """Whether the ledger verified when the forms were printed."""
    lost: int = 0
    """载体遗失报告 sheets written (one per carrier ever lost)."""

    def sheets_line(self) -> str:
        """What was written, for the summary line: rows per sheet, and that no 载体遗失报告 was
        needed when nothing was lost."""
        parts = [messages.text("forms_sheet_rows", sheet=s, rows=n) for s, n in self.rows.items()]
        if not self.lost:
            parts.append(messages.text("forms_no_lost"))
        return "，".join(parts)


def write_forms(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    path: Path,
    tz: tzinfo | None = None,
    now: datetime | None = None,
    forms: list[Form] | None = None,
    force: bool = True,
    advance: Callable[[int, int], None] | None = None,
    lost_reports: bool = True,
) -> FormsResult:
    """Write the signed-forms workbook of a meeting.

    Args:
        session: a read session.
        key: the ledger key, to verify the chain whose head each form prints.
        meeting_code: the meeting.
        path: the .xlsx to write (checked first; written 0600 to a temporary name, then renamed).
        tz: the local time zone for times (default: the machine's).
        now: the time printed as 制表时间 (default: now).
        forms: the forms to write (default :data:`FORMS`).
        force: replace an existing file (the CLI asks for ``--force``).
        advance: called with (forms written, forms in all) after each form (a progress bar);
            the lost-item reports count as one.
        lost_reports: add a 载体遗失报告 per carrier ever lost (none when nothing was).

    Returns:
        Rows written per sheet, and the anchor printed.

    Raises:
        NotFoundError: no such meeting.
        OutputError: the path is unusable or the file cannot be written.
        ConflictError: the file exists and ``force`` is false.
    """
    meeting = find_meeting(session, meeting_code)

    def by_id(model: Any) -> dict[int, Any]:
        rows = session.exec(select(model).where(model.meeting_id == meeting.id)).all()
        return {r.id: r for r in rows}

    local = Local(tz)
    data = FormData(
        session=session,
        meeting=meeting,
        people=by_id(Attendee),
        docs=by_id(Document),
        consignments=by_id(Consignment),
        local=local,
    )
    facts = [
        *meeting_facts(meeting, local),
        messages.text("paper_fact_made", at=local.stamp(now or utcnow())),
    ]
    rows: dict[str, int] = {}
    lost_ids = ever_lost(session, meeting) if lost_reports else []
    with printed_book(path, force=force) as book, verified_later(session, key, meeting) as audit:
        chosen = forms or [*FORMS, *_after_forms()]
        total = len(chosen) + (1 if lost_ids else 0)
        # (approvers, further signers, sheets) per form
        written: list[tuple[str, tuple[str, ...], list[PrintedSheet]]] = []
        for n, form in enumerate(chosen, start=1):
            pages = _write_form(book, form, data, facts, rows)
            written.append((data.approvers.get(form.title, ""), form.signers, pages.sheets))
            if advance is not None:
                advance(n, total)
        lost = 0
        if lost_ids:
            world = read_trails(session, meeting, lost_ids)
            for n, item in enumerate(lost_items(world, lost_ids), start=1):
                name = f"{LOST_REPORT_SHEET}{n}"
                sheet = book.sheet(
                    name,
                    title=messages.text("paper_title_lost"),
                    facts=[*facts, messages.text("paper_fact_lost", item=item.label)],
                    columns=LOST_COLUMNS,
                    marking=Level(meeting.level).marking,
                    code=meeting.code,
                    header=False,
                    landscape=False,
                )
                rows[name] = write_lost_report(sheet, world, item, local)
                written.append((item.approver, (), [sheet]))
                lost = n
            if advance is not None:
                advance(total, total)
        report = audit()
        for names, signers, sheets in written:
            sheet = sheets[-1]
            sheet.signatures(
                [
                    (messages.text("paper_role_clerk"), ""),
                    *((messages.text(role), "") for role in signers),
                    (
                        messages.text("paper_role_officer"),
                        messages.text("paper_sign_approver", name=names) if names else "",
                    ),
                ]
            )
            sheet.anchor(report.chain.count, report.chain.head_hash, verified_line(report))
            for s in sheets:
                s.finish(failed=not report.ok)
    return FormsResult(path, rows, report.chain.count, report.chain.head_hash, report.ok, lost)


def _after_forms() -> list[Form]:
    """The forms of after the meeting (destruction, archive), printed after the meeting's own."""
    from carrier_tracker.paper.after_forms import FORMS as AFTER

    return AFTER


def _write_form(
    book: PrintedBook, form: Form, data: FormData, facts: list[str], rows: dict[str, int]
) -> Pages:
    marking = Level(data.meeting.level).marking

    def make(n: int) -> PrintedSheet:
        name = (
            form.title if n == 1 else messages.text("paper_sheet_continued", title=form.title, n=n)
        )
        return book.sheet(
            name,
            title=messages.text(form.heading),
            facts=facts,
            columns=form.columns,
            marking=marking,
            code=data.meeting.code,
            landscape=form.landscape,
            min_lines=SIGN_LINES if form.signed else 1.0,
        )

    pages = Pages(make)
    rows[form.title] = form.write(data, pages)
    return pages
