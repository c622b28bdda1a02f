"""The 保密办 workbook's sheets below 汇总, one writer each: the log, the register, passes,
pledges, outstanding, distribution, courier, carry-outs, and the policy sheets (备案, checks,
sweep). Each streams its rows into a :class:`~carrier_tracker.paper.layout.PrintedSheet` and
returns how many it wrote."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from carrier_tracker import messages
from carrier_tracker.custody.service import find_meeting
from carrier_tracker.enums import OUTSTANDING, Action, CarrierKind, Level, State, Verdict
from carrier_tracker.ledger.audit import event_rows
from carrier_tracker.meeting.changes import attendee_marks, voided_seqs
from carrier_tracker.meeting.distribution import plan_view
from carrier_tracker.messages import ACTION_LABEL, MEETING_STATUS_LABEL, STATE_LABEL, VERDICT_LABEL
from carrier_tracker.paper.heading import Local
from carrier_tracker.paper.history import CarrierHistory, History
from carrier_tracker.paper.layout import PrintedSheet
from carrier_tracker.paper.layout import printed_book as printed_book
from carrier_tracker.paper.output import check_file_name as check_file_name
from carrier_tracker.paper.output import check_output_path as check_output_path
from carrier_tracker.paper.output import save_atomically as save_atomically
from carrier_tracker.paper.summary import ChartData
from carrier_tracker.storage.models import (
    Attendee,
    Carrier,
    Consignment,
    Document,
    Meeting,
)

NAMES_MAX = 40
"""Names listed in one cell of 分发情况 before "等 N 人" (a national meeting has thousands)."""


@dataclass(frozen=True)
class Reference:
    """A meeting and its reference rows, by id."""

    meeting: Meeting
    people: dict[int | None, Attendee]
    docs: dict[int | None, Document]
    cons: dict[int | None, Consignment]


def reference(session: Session, meeting_code: str) -> Reference:
    meeting = find_meeting(session, meeting_code)

    def by_id(model: Any) -> dict[int | None, Any]:
        return {
            r.id: r for r in session.exec(select(model).where(model.meeting_id == meeting.id)).all()
        }

    return Reference(meeting, by_id(Attendee), by_id(Document), by_id(Consignment))


def carrier_labels(session: Session, ref: Reference) -> dict[int, str]:
    """Each carrier as the log names it (``HY-01 第001份``, ``会议证 P001（赵娟）``)."""
    table = Carrier.__table__  # type: ignore[attr-defined]
    out: dict[int, str] = {}
    rows = (
        session.connection()
        .execute(
            sa_select(
                table.c.id, table.c.kind, table.c.document_id, table.c.copy_number, table.c.owner_id
            ).where(table.c.meeting_id == ref.meeting.id)
        )
        .yield_per(5000)
    )
    for c_id, kind, doc_id, copy_no, owner_id in rows:
        if kind == CarrierKind.PASS:
            owner = ref.people[owner_id]
            out[c_id] = f"会议证 {owner.pass_number or owner.code}（{owner.name}）"
        else:
            out[c_id] = f"{ref.docs[doc_id].number} 第{copy_no:03d}份"
    return out


def write_log(
    log: PrintedSheet,
    session: Session,
    ref: Reference,
    local: Local,
    feed: Callable[[Any], object],
) -> int:
    """操作日志: every event, refusals included, with its approver and hash; the same pass over
    the events feeds each row to ``feed`` (the fold for the paper's history, and the chain's
    verification unless a child process does it)."""
    labels = carrier_labels(session, ref)
    people, cons = ref.people, ref.cons
    action_label = {a.value: ACTION_LABEL[a] for a in Action}
    verdict_label = {v.value: VERDICT_LABEL[v] for v in Verdict}
    voided = voided_seqs(session, ref.meeting)  # a voided tap stays in the log, marked
    closed = False  # past the close event: a find is recorded after the meeting closed
    found_later = messages.text("found_after_close_log")
    assert ref.meeting.id is not None
    for ev in event_rows(session, ref.meeting.id):
        feed(ev)
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
            sa_select(
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


def write_register(
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
        if c_id in found_note:
            notes += (found_note[c_id],)
        if tag_uid is None and state != State.WITHDRAWN:
            notes += (untagged,)
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


def write_passes(
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
        select(Carrier.id, Carrier.owner_id, Carrier.tag_uid, Carrier.state).where(
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


def write_pledges(
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
            select(Carrier.owner_id, Carrier.state).where(
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


def write_outstanding(
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
                person.name
                if person
                else (
                    messages.text("audit_consignment", number=it.consignment)
                    if it.consignment
                    else ""
                ),
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


def write_plan(sheet: PrintedSheet, session: Session, meeting: Meeting) -> int:
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


def write_courier(
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
            not_sent = messages.text("paper_not_dispatched")
            sheet.row([n, *head_cells, "", "", "", "", "", None, None, None, not_sent])
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


def acceptors(session: Session, meeting: Meeting) -> str:
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


class PolicySheets:
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


def carried_by(
    session: Session, ref: Reference, history: History, attendee_id: int | None
) -> list[list[Any]]:
    """The carry list's rows of one delegate: every copy they took away (ever)."""
    ids = [c for c, h in history.carriers.items() if h.carried_at and h.carried_to == attendee_id]
    if not ids:
        return []
    rows = session.exec(
        select(Carrier.id, Carrier.document_id, Carrier.copy_number, Carrier.state).where(
            col(Carrier.id).in_(ids)
        )
    ).all()
    person = ref.people[attendee_id]
    out = []
    for c_id, doc_id, copy_no, state in rows:
        doc, h = ref.docs[doc_id], history.of(c_id)
        out.append(
            [person.code, person.name, person.unit, doc.number, doc.title, doc.level,
             f"{copy_no:03d}", h.carried_at, h.carried_approver, STATE_LABEL[State(state)]]
        )  # fmt: skip
    return out
