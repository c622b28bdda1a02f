"""The forms of after the meeting: 销毁登记表 (each destruction, its copies, method and witnesses),
归档清单 (archived copies by where they are kept) and 载体遗失报告 (a page per carrier ever
reported lost: what it was, who held it last, its every event, the sweep, who reported and who
approved the loss, and the find or 未找回) — all read from the ledger.

Each is one writer and one :class:`~carrier_tracker.paper.forms.Form` in :data:`FORMS`, printed
after the forms of the meeting itself (``forms.write_forms`` appends them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select

from carrier_tracker import messages
from carrier_tracker.custody import checklists
from carrier_tracker.enums import Action, Answer, CarrierKind, Disposal, Verdict
from carrier_tracker.ledger import codec
from carrier_tracker.ledger import events as ev
from carrier_tracker.ledger.audit import event_rows
from carrier_tracker.ledger.fold import MeetingWorld
from carrier_tracker.ledger.replay import item_label
from carrier_tracker.paper.forms import DAY, SIGN, Form, FormData, Pages
from carrier_tracker.paper.layout import Column
from carrier_tracker.storage.models import Carrier, Disposition, Event, Operator

DESTRUCTION_SHEET, ARCHIVE_SHEET, LOSS_SHEET = "销毁登记表", "归档清单", "载体遗失报告"


def _c(header: str, width: float, kind: str = "center") -> Column:
    return Column(header, width, kind)


_COPY = (_c("文件编号", 12), _c("文件名称", 30, "text"), _c("密级", 6), _c("份号", 6))


def _rows_of(data: FormData, kind: Disposal) -> list[tuple[Disposition, Carrier]]:
    rows = data.session.exec(
        select(Disposition, Carrier)
        .join(Carrier, col(Carrier.id) == Disposition.carrier_id)
        .where(Disposition.meeting_id == data.meeting.id, Disposition.kind == kind.value)
    ).all()

    def order(pair: tuple[Disposition, Carrier]) -> tuple[Any, ...]:
        d, c = pair
        doc = data.docs.get(c.document_id or 0)
        return (d.location, d.unit, d.seq, doc.number if doc else "", c.copy_number or 0)

    return sorted(rows, key=order)


def _copy(data: FormData, c: Carrier) -> list[Any]:
    doc = data.docs.get(c.document_id or 0)
    if doc is None:
        return ["", "", "", f"{c.copy_number or 0:03d}"]
    return [doc.number, doc.title, doc.level, f"{c.copy_number or 0:03d}"]


def _officers(data: FormData, names: set[str]) -> list[str]:
    if not names:
        return []
    rows = data.session.exec(
        select(Operator.name).where(col(Operator.name).in_(names), Operator.role == "officer")
    ).all()
    return sorted(rows)


def write_destructions(data: FormData, pages: Pages) -> int:
    """销毁登记表: per destruction (one ``dispose`` event), each copy with the method, the
    operator and the witnesses (两人以上监销), a page each, for everyone to sign."""
    rows = _rows_of(data, Disposal.DESTROY)
    people: set[str] = set()
    n, last = 0, None
    for d, c in rows:
        if last is not None and d.seq != last:
            pages.page_break()
        last = d.seq
        people |= {d.operator, *filter(None, d.witnesses.split("、"))}
        n += 1
        pages.row(
            [
                n,
                d.seq,
                *_copy(data, c),
                data.local(d.at),
                d.method,
                d.operator,
                d.witnesses,
                None,
                None,
            ]
        )
    data.approvers[DESTRUCTION_SHEET] = "、".join(_officers(data, people))
    return n or pages.empty("paper_empty_destructions")


def write_archive(data: FormData, pages: Pages) -> int:
    """归档清单: archived copies by where they are kept, for the archive's keeper to sign."""
    rows = _rows_of(data, Disposal.ARCHIVE)
    for n, (d, c) in enumerate(rows, start=1):
        pages.row([n, d.location, *_copy(data, c), data.local(d.at), d.operator, None, None])
    return len(rows) or pages.empty("paper_empty_archive")


# --- 载体遗失报告 --------------------------------------------------------------------------------


@dataclass
class _Loss:
    """What the ledger says of one carrier ever reported lost."""

    carrier_id: int
    events: list[tuple[ev.MeetingEvent, str]] = field(default_factory=list)
    """Each event of the carrier, with how its person is named."""
    reported: ev.Tapped | None = None
    holder: int | None = None
    found: ev.Tapped | None = None


def _losses(data: FormData) -> tuple[list[_Loss], MeetingWorld]:
    """The carriers ever reported lost (by an accepted loss report not voided), each with its
    events, folded from the meeting's chain; and the world at the end."""
    lost_ids = set(
        data.session.exec(
            select(Event.carrier_id).where(
                Event.meeting_id == data.meeting.id,
                Event.action == Action.REPORT_LOST.value,
                Event.verdict == Verdict.ACCEPTED.value,
            )
        ).all()
    ) - {None}
    losses = {cid: _Loss(cid) for cid in lost_ids if cid is not None}
    world = MeetingWorld()
    assert data.meeting.id is not None
    for row in event_rows(data.session, data.meeting.id) if losses else ():
        event = codec.decode(row)
        world.apply(event)
        cid = getattr(event, "carrier_id", None)
        touched = set(getattr(event, "carriers", ()) or ()) | ({cid} if cid else set())
        for c in touched & losses.keys():
            who = getattr(event, "attendee_id", None)
            person = world.person(who)
            loss = losses[c]
            loss.events.append((event, f"{person.code} {person.name}" if person else ""))
            if isinstance(event, ev.Tapped) and event.stamp.accepted:
                if event.tap_action is Action.REPORT_LOST:
                    loss.reported, loss.holder, loss.found = event, event.attendee_id, None
                elif event.from_state == "lost" and event.tap_action in (
                    Action.FOUND,
                    Action.SWEEP,
                ):
                    loss.found = event
    for loss in losses.values():  # a voided report or find counts for nothing
        if loss.reported is not None and loss.reported.stamp.seq in world.voided:
            loss.reported = None
        if loss.found is not None and loss.found.stamp.seq in world.voided:
            loss.found = None
    kept = [x for x in losses.values() if x.reported is not None]
    return sorted(kept, key=lambda x: item_label(world, x.carrier_id)), world


def _action(event: ev.MeetingEvent) -> str:
    action = event.action
    return messages.ACTION_LABEL.get(action, action.value)


def write_loss_reports(data: FormData, pages: Pages) -> int:
    """载体遗失报告: a page per carrier ever reported lost, all from the ledger: the facts as
    labelled lines, then the carrier's every event (its own header row on its page)."""
    losses, world = _losses(data)
    sweep = checklists.active()[checklists.SWEEP]
    answers = {k[1]: a for k, a in world.answers.items() if k[0] == checklists.SWEEP}
    signers: set[str] = set()
    heads = [col.header for col in LOSS_COLUMNS]
    kinds = [
        "center",
        "center",
        "time",
        "center",
        "center",
        "center",
        "center",
        "center",
        "center",
        "text",
    ]
    for i, loss in enumerate(losses):
        if i:
            pages.page_break()
        sheet = pages.sheet
        reported = loss.reported
        assert reported is not None
        s = reported.stamp
        approver = s.approver or s.operator
        signers.add(approver)
        for label, value in _loss_facts(data, world, loss, sweep, answers):
            sheet.pair(label, value)
        sheet.skip()
        sheet.cells(heads, ["head"] * len(heads))
        for n, (event, person) in enumerate(loss.events, start=1):
            st = event.stamp
            sheet.cells(
                [
                    n,
                    st.seq,
                    data.local(st.at),
                    st.station,
                    st.operator,
                    st.approver,
                    _action(event),
                    messages.VERDICT_LABEL[st.verdict],
                    person,
                    st.reason or st.note,
                ],
                kinds,
            )
    data.approvers[LOSS_SHEET] = "、".join(sorted(signers))
    return len(losses) or pages.empty("paper_empty_losses")


def _loss_facts(
    data: FormData,
    world: MeetingWorld,
    loss: _Loss,
    sweep: checklists.Checklist,
    answers: dict[str, Any],
) -> list[tuple[str, str]]:
    """The report's labelled lines: what, last holder, the report, the sweep, the find."""
    t = messages.text
    c = world.carriers[loss.carrier_id]
    doc = world.documents.get(c.document_id or -1)
    holder = world.person(loss.holder)
    assert loss.reported is not None
    s = loss.reported.stamp
    what = item_label(world, loss.carrier_id)
    if doc is not None and c.kind == CarrierKind.COPY:
        what = t("loss_item_copy", item=what, title=doc.title, level=doc.level)
    rooms = "；".join(
        t(
            "loss_room",
            room=it.label,
            answer=_answer(a.answer),
            note=f"（{a.note}）" if a.note else "",
        )
        for it in sweep.items
        if (a := answers.get(it.id.lower())) is not None
    )
    found = loss.found
    return [
        (t("loss_label_item"), what),
        (
            t("loss_label_holder"),
            t("loss_holder", code=holder.code, name=holder.name, unit=holder.unit)
            if holder is not None
            else t("paper_none"),
        ),
        (
            t("loss_label_reported"),
            t(
                "loss_reported",
                at=data.local.stamp(s.at),
                station=s.station or t("paper_none"),
                operator=s.operator,
                approver=s.approver or s.operator,
                note=s.note,
            ),
        ),
        (t("loss_label_sweep"), rooms or t("loss_sweep_none")),
        (
            t("loss_label_found"),
            t(
                "loss_found",
                at=data.local.stamp(found.stamp.at),
                operator=found.stamp.operator,
                room=f"（{found.room}）" if found.room else "",
            )
            if found is not None
            else t("loss_not_found"),
        ),
    ]


def _answer(value: str) -> str:
    try:
        return messages.ANSWER_LABEL[Answer(value)]
    except ValueError:
        return value


LOSS_COLUMNS = (
    Column("项目 / 序号", 14, "center", fit=False),
    Column("台账序号", 8, "center", fit=False),
    Column("时间", 17.5, "time", fit=False),
    Column("工作台", 12, "center", fit=False),
    Column("操作员", 10, "center", fit=False),
    Column("批准人", 10, "center", fit=False),
    Column("操作", 10, "center", fit=False),
    Column("结果", 8, "center", fit=False),
    Column("人员", 14, "center", fit=False),
    Column("原因 / 说明", 36, "text", fit=False),
)


FORMS: list[Form] = [
    Form(
        DESTRUCTION_SHEET,
        "paper_title_destructions",
        (
            _c("序号", 6),
            _c("台账序号", 8),
            *_COPY,
            _c("销毁时间", 17.5, "time"),
            _c("销毁方式", 10),
            _c("经办人", 10),
            _c("监销人", 16, "text"),
            _c(SIGN, 14, "sign"),
            _c(DAY, 12, "sign"),
        ),
        write_destructions,
    ),
    Form(
        ARCHIVE_SHEET,
        "paper_title_archive",
        (
            _c("序号", 6),
            _c("存放地点", 18, "text"),
            *_COPY,
            _c("归档时间", 17.5, "time"),
            _c("经办人", 10),
            _c("接收人" + SIGN, 14, "sign"),
            _c(DAY, 12, "sign"),
        ),
        write_archive,
    ),
    Form(LOSS_SHEET, "paper_title_losses", LOSS_COLUMNS, write_loss_reports, header=False),
]
"""The forms of after the meeting, in printed order."""
