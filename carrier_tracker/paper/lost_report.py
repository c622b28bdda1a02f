"""载体遗失报告: a page per carrier ever lost in the meeting, read from the ledger's fold.

Each report names the item (document, title, copy, level — or the pass), who held it last and
their unit, the loss (when, where, who reported it, who approved it, the note) and the find (or
未找回), every accepted event of the carrier (a voided tap leaves no trace), and the rooms the
会后清场检查 checked with their answers. The forms workbook (:mod:`carrier_tracker.paper.forms`)
adds the signature block and the ledger's anchor under each, as under every form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carrier_tracker import messages
from carrier_tracker.enums import Action, Answer, CarrierKind
from carrier_tracker.ledger.fold import RECOVERED_BY, AttendeeState, MeetingWorld, Trace
from carrier_tracker.paper.heading import Local
from carrier_tracker.paper.layout import Column, PrintedSheet

LOST_REPORT_SHEET = messages.text("sheet_lost_report")
"""The sheet name's stem: the reports are 载体遗失报告1, 载体遗失报告2, … in order of loss."""

LOST_COLUMNS = (
    Column("", 17, "text", fit=False),
    Column("", 12, "center", fit=False),
    Column("", 17, "center", fit=False),
    Column("", 10, "center", fit=False),
    Column("", 10, "center", fit=False),
    Column("", 14, "center", fit=False),
    Column("", 30, "text", fit=False),
)
"""Seven columns: labels and their values above, the events' and the sweep's tables below."""

_EVENT_KINDS = ["time", "center", "center", "center", "center", "center", "text"]
_SWEEP_KINDS = ["text", "center", "time", "center", "center", "text", "text"]


@dataclass(frozen=True)
class LostItem:
    """One lost carrier as its report states it (what a test or a screen can read too)."""

    carrier_id: int
    label: str
    holder: AttendeeState | None
    lost: Trace
    """The last accepted report of the loss."""
    found: Trace | None
    """What brought it back after that report (找回, 会后巡检, 清退收回), or None: 未找回."""
    trail: tuple[Trace, ...]

    @property
    def approver(self) -> str:
        """Who approved the loss: the report's approver, or its operator when the operator was
        the officer (then no approver is recorded)."""
        return self.lost.approver or self.lost.operator


def lost_items(world: MeetingWorld, carrier_ids: list[int]) -> list[LostItem]:
    """The lost carriers' reports from a world folded with their trails (see
    :func:`carrier_tracker.paper.history.read_trails`); a carrier whose reports were all voided
    has none."""
    assert world.story is not None
    out = []
    for cid in carrier_ids:
        trail = tuple(world.story.trails.get(cid, ()))
        losses = [i for i, t in enumerate(trail) if t.action is Action.REPORT_LOST]
        if not losses:
            continue
        last = losses[-1]
        found = next((t for t in trail[last + 1 :] if t.action in RECOVERED_BY), None)
        holder = _holder(world, cid, trail, last)
        out.append(LostItem(cid, _label(world, cid), holder, trail[last], found, trail))
    return out


def _label(world: MeetingWorld, cid: int) -> str:
    c = world.carriers[cid]
    if c.kind == CarrierKind.PASS:
        owner = world.person(c.owner_id)
        name = owner.name if owner else ""
        number = (owner.pass_number or owner.code) if owner else str(cid)
        return messages.text("pass_item", number=number, name=name)
    doc = world.documents.get(c.document_id or -1)
    return messages.text("copy_item", doc=doc.number if doc else "?", copy=c.copy_number or 0)


def _holder(
    world: MeetingWorld, cid: int, trail: tuple[Trace, ...], last: int
) -> AttendeeState | None:
    """Who held it last: the person the report of the loss names, else the last person an
    event before it named, else a pass's owner."""
    for t in reversed(trail[: last + 1]):
        if t.attendee_id is not None:
            return world.person(t.attendee_id)
    return world.person(world.carriers[cid].owner_id)


def write_lost_report(
    sheet: PrintedSheet, world: MeetingWorld, item: LostItem, local: Local
) -> int:
    """One report (up to its signature block); returns the events listed."""
    t = messages.text
    none = t("paper_none")
    c = world.carriers[item.carrier_id]

    sheet.section(t("paper_lost_section_item"))
    sheet.pair(t("paper_lost_item"), item.label)
    if c.kind == CarrierKind.PASS:
        owner = world.person(c.owner_id)
        sheet.pair(t("paper_lost_pass"), (owner.pass_number or owner.code) if owner else none)
    else:
        doc = world.documents.get(c.document_id or -1)
        sheet.pair(t("paper_lost_doc_number"), doc.number if doc else none)
        sheet.pair(t("paper_lost_doc_title"), doc.title if doc else none)
        sheet.pair(t("paper_lost_copy"), f"{c.copy_number or 0:03d}")
        sheet.pair(t("paper_lost_level"), doc.level if doc else none)
    holder = item.holder
    sheet.pair(t("paper_lost_holder"), f"{holder.code} {holder.name}" if holder else none)
    sheet.pair(t("paper_lost_unit"), (holder.unit or none) if holder else none)
    sheet.pair(t("paper_lost_state"), messages.STATE_LABEL[c.custody.state])

    sheet.skip()
    sheet.section(t("paper_lost_section_loss"))
    lost = item.lost
    sheet.pair(t("paper_lost_at"), local(lost.at), "time")
    sheet.pair(t("paper_lost_station"), lost.station or none)
    sheet.pair(t("paper_lost_reported_by"), lost.operator or none)
    sheet.pair(t("paper_lost_approved_by"), item.approver or none)
    sheet.pair(t("paper_lost_note"), lost.note or none)
    found = item.found
    if found is None:
        sheet.pair(t("paper_lost_found"), t("paper_lost_not_found"))
    else:
        how = messages.ACTION_LABEL[found.action]
        if found.room:
            how = t("paper_lost_found_room", how=how, room=found.room)
        sheet.pair(t("paper_lost_found"), t("paper_lost_found_yes", how=how))
        sheet.pair(t("paper_lost_found_at"), local(found.at), "time")
        sheet.pair(t("paper_lost_found_by"), found.operator or none)
        sheet.pair(t("paper_lost_found_station"), found.station or none)

    sheet.skip()
    sheet.section(t("paper_lost_section_events"))
    sheet.cells(t("paper_lost_events_heads").split("|"), ["head"] * len(LOST_COLUMNS))
    for step in item.trail:
        person = world.person(step.attendee_id)
        where = f"{person.code} {person.name}" if person else ""
        if step.room:
            where = f"{where} {step.room}".strip()
        sheet.cells(
            [
                local(step.at),
                messages.ACTION_LABEL[step.action],
                step.station,
                step.operator,
                step.approver,
                where,
                step.note,
            ],
            _EVENT_KINDS,
        )

    sheet.skip()
    sheet.section(t("paper_lost_section_sweep"))
    sheet.cells(t("paper_lost_sweep_heads").split("|"), ["head"] * len(LOST_COLUMNS))
    _sweep_rows(sheet, world, local)
    return len(item.trail)


def _sweep_rows(sheet: PrintedSheet, world: MeetingWorld, local: Local) -> None:
    """The 会后清场检查's places (the built-in and the site's) with the answers the ledger holds."""
    from carrier_tracker.custody import checklists

    sweep = checklists.active()[checklists.SWEEP]
    for it in sweep.items:
        a = world.answers.get((checklists.SWEEP, it.id.lower()))
        rest: list[Any]
        if a is None:
            answer, rest = messages.text("checklist_unanswered"), ["", "", "", "", ""]
        else:
            answer = messages.ANSWER_LABEL[Answer(a.answer)]
            accepted = [a.accepted_by or "", a.accept_note or ""]
            rest = [local(a.answered_at), a.operator, *accepted, a.note]
        sheet.cells([it.label, answer, *rest], _SWEEP_KINDS)
