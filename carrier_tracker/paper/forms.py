"""The signed forms the 保密办 audits against, one sheet each, ready to print on A4.

Every sheet is marked like the 保密办 export (classification in each page's header and footer,
the sheet's title and the meeting's code) and set up the same way (A4, fit to width, the header
row repeated on every page) — :func:`carrier_tracker.paper.export.marked_sheet` does both. The
workbook is written like the export too: checked path, 0600 temporary file, atomic rename.

A sheet is one writer function and one entry of :data:`FORMS`: the writer gets the meeting's
reference rows (:class:`FormData`) and the sheet, appends its rows and returns how many it
wrote. Signature and date columns are left empty: people fill them in by hand. The checklist
forms (会场保密检查表, 会后清场检查表) read the meeting's answers through ``data.session``: one
row per item of the active checklists (built-in and the site's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from openpyxl.worksheet.pagebreak import Break
from sqlmodel import Session, col, select

from carrier_tracker import messages
from carrier_tracker.custody.service import find_meeting
from carrier_tracker.enums import Action, CarrierKind, Level, Verdict
from carrier_tracker.paper.export import Local, MarkedSheet, finish_sheet, marked_sheet, workbook_at
from carrier_tracker.storage.models import Attendee, Carrier, Consignment, Document, Event, Meeting


@dataclass
class FormData:
    """What every form reads: the meeting and its reference rows, by id, and local time."""

    session: Session
    meeting: Meeting
    people: dict[int, Attendee]
    docs: dict[int, Document]
    consignments: dict[int, Consignment]
    local: Callable[[datetime | None], datetime | None]

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

    def carriers(self, kind: CarrierKind) -> dict[int, Carrier]:
        """The meeting's carriers of one kind, by id."""
        rows = self.session.exec(
            select(Carrier).where(Carrier.meeting_id == self.meeting.id, Carrier.kind == kind.value)
        ).all()
        return {c.id: c for c in rows if c.id is not None}


Writer = Callable[[FormData, MarkedSheet], int]


@dataclass(frozen=True)
class Form:
    """One printed form: its sheet title, columns, column widths, orientation and writer."""

    title: str
    headers: tuple[str, ...]
    widths: tuple[int, ...]
    write: Writer
    orientation: str = "landscape"


SIGN, DAY = messages.text("forms_sign"), messages.text("forms_date")
RECEIPT_SHEET, PASS_REGISTER_SHEET, COURIER_RECEIPT_SHEET = (
    "文件签收单",
    "会议证登记表",
    "机要递送回执",
)
VENUE_CHECK_SHEET, SWEEP_CHECK_SHEET = "会场保密检查表", "会后清场检查表"
CHECK_HEADERS = ("序号", "检查项目", "结果", "说明", "检查人", "检查时间", "接受（保密负责人）")


def _break_after(sheet: MarkedSheet) -> None:
    """Start a new page after the rows written so far (row 1 is the header)."""
    sheet.ws.row_breaks.append(Break(id=sheet.rows + 1))


def _nothing(sheet: MarkedSheet) -> int:
    sheet.row(["", messages.text("forms_nothing")])
    return 0


def _copy_blocks(
    data: FormData,
    sheet: MarkedSheet,
    blocks: list[tuple[list[Any], dict[int, datetime]]],
) -> int:
    """Rows of copies in blocks (an attendee's receipts, a consignment's receipt), a page each:
    ``[n, *lead, 文件编号, 文件名称, 密级, 份号, time, 签名, 日期]``, copies in document order."""
    copies = data.carriers(CarrierKind.COPY)

    def order(cid: int) -> tuple[str, int]:
        c = copies[cid]
        return data.docs[c.document_id or 0].number, c.copy_number or 0

    n = 0
    for b, (lead, when) in enumerate(blocks):
        for cid in sorted(when, key=order):
            c = copies[cid]
            doc = data.docs[c.document_id or 0]
            n += 1
            sheet.row(
                [
                    n,
                    *lead,
                    doc.number,
                    doc.title,
                    doc.level,
                    f"{c.copy_number or 0:03d}",
                    data.local(when[cid]),
                    None,  # signature and date: filled in by hand
                    None,
                ]
            )
        if b < len(blocks) - 1:
            _break_after(sheet)
    return n or _nothing(sheet)


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


def write_receipts(data: FormData, sheet: MarkedSheet) -> int:
    """文件签收单: per attendee, every copy they received (issued or reissued to them, once
    each), with empty 签名 and 日期; a page per attendee."""
    received = _first_times(
        data.firsts((Action.ISSUE, Action.REISSUE), CarrierKind.COPY), per_consignment=False
    )
    people = sorted(received, key=lambda a: data.people[a].code)
    return _copy_blocks(
        data,
        sheet,
        [
            ([data.people[a].code, data.people[a].name, data.people[a].unit], received[a])
            for a in people
        ],
    )


def write_pass_register(data: FormData, sheet: MarkedSheet) -> int:
    """会议证登记表: one row per pass, with the pledge day on record and empty 签名 and 日期."""
    issued: dict[int, datetime] = {}
    for carrier_id, _a, _k, at in data.firsts((Action.ISSUE,), CarrierKind.PASS):
        issued.setdefault(carrier_id, at)
    passes = sorted(
        data.carriers(CarrierKind.PASS).values(), key=lambda c: data.people[c.owner_id or 0].code
    )
    for n, card in enumerate(passes, start=1):
        person = data.people[card.owner_id or 0]
        sheet.row(
            [
                n,
                person.pass_number or person.code,
                person.name,
                person.code,
                person.unit,
                person.title,
                person.pledge_on or messages.text("pledge_missing"),
                data.local(issued.get(card.id or 0)),
                None,
                None,
            ]
        )
    return len(passes) or _nothing(sheet)


def write_courier_receipts(data: FormData, sheet: MarkedSheet) -> int:
    """机要递送回执: per consignment, every copy dispatched in it, for the recipient to sign;
    a page per consignment."""
    sent = _first_times(data.firsts((Action.DISPATCH,), CarrierKind.COPY), per_consignment=True)
    numbers = sorted(
        (k for k in sent if k in data.consignments), key=lambda k: data.consignments[k].number
    )
    cons = data.consignments
    return _copy_blocks(
        data, sheet, [([cons[k].number, cons[k].unit, cons[k].recipient], sent[k]) for k in numbers]
    )


def _checklist_rows(data: FormData, sheet: MarkedSheet, name: str) -> int:
    """One row per item of a checklist (the built-in and the site's items, in order) with the
    meeting's answer, for the checker and the officer to sign."""
    from carrier_tracker.custody import checklists
    from carrier_tracker.meeting.policy import checklist_status

    statuses = checklist_status(data.session, data.meeting, checklists.active()[name])
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
        sheet.row([n, st.item.label, answer, st.note, st.operator, when, accepted, None, None])
    return len(statuses) or _nothing(sheet)


def write_venue_check(data: FormData, sheet: MarkedSheet) -> int:
    """会场保密检查表: the venue check as answered, for signing."""
    from carrier_tracker.custody.checklists import VENUE

    return _checklist_rows(data, sheet, VENUE)


def write_sweep_check(data: FormData, sheet: MarkedSheet) -> int:
    """会后清场检查表: the post-meeting sweep as answered, for signing."""
    from carrier_tracker.custody.checklists import SWEEP

    return _checklist_rows(data, sheet, SWEEP)


FORMS: list[Form] = [
    Form(
        RECEIPT_SHEET,
        (
            "序号",
            "人员编号",
            "姓名",
            "单位",
            "文件编号",
            "文件名称",
            "密级",
            "份号",
            "领取时间",
            SIGN,
            DAY,
        ),
        (6, 10, 10, 24, 12, 32, 8, 6, 17, 14, 12),
        write_receipts,
    ),
    Form(
        PASS_REGISTER_SHEET,
        (
            "序号",
            "会议证号",
            "姓名",
            "人员编号",
            "单位",
            "职务",
            "保密承诺书",
            "发证时间",
            SIGN,
            DAY,
        ),
        (6, 10, 10, 10, 24, 12, 12, 17, 14, 12),
        write_pass_register,
    ),
    Form(
        COURIER_RECEIPT_SHEET,
        (
            "序号",
            "机要编号",
            "接收单位",
            "接收人",
            "文件编号",
            "文件名称",
            "密级",
            "份号",
            "发出时间",
            "签收人" + SIGN,
            "签收" + DAY,
        ),
        (6, 14, 24, 10, 12, 32, 8, 6, 17, 14, 12),
        write_courier_receipts,
    ),
    Form(
        VENUE_CHECK_SHEET,
        (*CHECK_HEADERS, SIGN, DAY),
        (6, 40, 8, 30, 10, 17, 24, 14, 12),
        write_venue_check,
    ),
    Form(
        SWEEP_CHECK_SHEET,
        (*CHECK_HEADERS, SIGN, DAY),
        (6, 40, 8, 30, 10, 17, 24, 14, 12),
        write_sweep_check,
    ),
]
"""The forms in printed order. Another form is one more entry here and its writer."""


@dataclass(frozen=True)
class FormsResult:
    """What :func:`write_forms` wrote: rows per sheet (0 when the sheet says （无）)."""

    path: Path
    rows: dict[str, int]


def write_forms(
    *,
    session: Session,
    meeting_code: str,
    path: Path,
    tz: tzinfo | None = None,
    forms: list[Form] | None = None,
    advance: Callable[[int, int], None] | None = None,
) -> FormsResult:
    """Write the signed-forms workbook of a meeting.

    Args:
        session: a read session.
        meeting_code: the meeting.
        path: the .xlsx to write (checked first; written 0600 to a temporary name, then renamed).
        tz: the local time zone for times (default: the machine's).
        forms: the forms to write (default :data:`FORMS`).
        advance: called with (sheets written, sheets in all) after each sheet (a progress bar).

    Returns:
        Rows written per sheet.

    Raises:
        NotFoundError: no such meeting.
        OutputError: the path is unusable or the file cannot be written.
    """
    meeting = find_meeting(session, meeting_code)

    def by_id(model: Any) -> dict[int, Any]:
        rows = session.exec(select(model).where(model.meeting_id == meeting.id)).all()
        return {r.id: r for r in rows}

    data = FormData(
        session=session,
        meeting=meeting,
        people=by_id(Attendee),
        docs=by_id(Document),
        consignments=by_id(Consignment),
        local=Local(tz),
    )
    marking = Level(meeting.level).marking
    rows: dict[str, int] = {}
    chosen = forms or FORMS
    with workbook_at(path) as wb:
        for n, form in enumerate(chosen, start=1):
            sheet = marked_sheet(
                wb,
                form.title,
                form.headers,
                marking,
                meeting.code,
                form.widths,
                orientation=form.orientation,
            )
            rows[form.title] = form.write(data, sheet)
            finish_sheet(sheet)
            if advance is not None:
                advance(n, len(chosen))
    return FormsResult(path, rows)
