"""审计台账: this meeting's ledger, newest first, filterable, with the chain verified at the top."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label

from carrier_tracker import messages
from carrier_tracker.enums import Action, Verdict
from carrier_tracker.ledger.audit import AuditReport, audit_meeting
from carrier_tracker.meeting.changes import voided_seqs
from carrier_tracker.messages import ACTION_LABEL, VERDICT_LABEL, local_time
from carrier_tracker.readers import TagTap
from carrier_tracker.storage.models import Consignment, Event, Meeting
from carrier_tracker.storage.queries import AuditRow, audit_log

from ..app import CarrierTrackerApp
from ..messages import LedgerAdvanced
from ..taking import TakesTaps
from ..texts import t
from ..widgets.entry import Entry
from ..widgets.fit_table import FitTable
from ..wording import desk_words

COLUMNS = ("seq", "at", "operator", "approver", "action", "verdict", "item", "note")


def voided_mark(by: int) -> str:
    """已撤销（第 N 条）."""
    return messages.text("voided_mark", by=by)


def note_of(row: AuditRow, consignment: str = "") -> str:
    """The last column: the refusal's reason, else who it concerned, the consignment (机要) and
    the event's note."""
    parts = [row.reason] if row.reason else []
    if row.person:
        parts.append(t("audit_person", name=row.person))
    if consignment:
        parts.append(messages.text("audit_consignment", number=consignment))
    if row.note:
        parts.append(row.note)
    return desk_words("；".join(parts))


@dataclass(frozen=True)
class Found:
    """One read of the screen: the rows, which were voided (seq → by), their consignments."""

    rows: list[AuditRow]
    voided: dict[int, int]
    consignments: dict[int, str]


def consignments_of(session: Session, meeting: Meeting, rows: list[AuditRow]) -> dict[int, str]:
    """seq → the consignment number of the rows' events that name one (机要发出, 签收, 退回)."""
    if not rows:
        return {}
    seqs = [r.seq for r in rows]
    found = session.exec(
        select(Event.seq, Consignment.number)
        .join(Consignment, col(Consignment.id) == Event.consignment_id)
        .where(Event.meeting_id == meeting.id, col(Event.seq).between(min(seqs), max(seqs)))
    )
    return {seq: number for seq, number in found}


class AuditScreen(TakesTaps, Screen[None]):
    """The ledger; filter by copy, pass, attendee, action, operator or UID (or tap a tag)."""

    app = getters.app(CarrierTrackerApp)

    NAME = "audit"
    AUTO_FOCUS = "#search"
    BINDINGS = [Binding("escape", "app.show('desk')", t("key_back"))]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, AuditRow] = {}
        self.voided: dict[int, int] = {}
        self.consignments: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(t("audit_checking"), id="verify", markup=False)
        yield Entry(placeholder=t("audit_search"), id="search")
        yield FitTable(id="events")
        yield Label("", id="detail", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._verify()
        self._load("")

    def _verify(self) -> None:
        ctx = self.app.ctx

        def run(s: Session) -> AuditReport:
            return audit_meeting(s, ctx.key, ctx.chosen_meeting)

        self.app.service.read(self, run, self._verified, key="audit-verify")

    def _verified(self, report: AuditReport) -> None:
        """The chain and the replay of it against the tables (the same check as ``verify``)."""
        label = self.query_one("#verify", Label)
        label.set_class(report.ok, "verify-ok")
        label.set_class(not report.ok, "verify-bad")
        chain = report.chain
        if report.ok:
            label.update(t("audit_ok", count=chain.count, head=chain.head_hash))
        elif not chain.ok:
            label.update(t("audit_bad", seq=chain.broken_seq, problem=chain.problem))
        else:  # forbidden steps, registry findings, table differences, the system chain
            found = report.findings()
            label.update(t("audit_differs", count=len(found), first=found[0]))

    def _load(self, search: str) -> None:
        meeting = self.app.ctx.chosen_meeting

        def run(s: Session) -> Found:
            rows = audit_log(s, meeting, search)
            return Found(rows, voided_seqs(s, meeting), consignments_of(s, meeting, rows))

        self.app.service.read(self, run, self._show, key="audit")

    def verdict(self, r: AuditRow) -> str:
        """成功 / 拒绝 …, and for a voided event which void undid it."""
        label = VERDICT_LABEL[Verdict(r.verdict)]
        by = self.voided.get(r.seq)
        return label if by is None else f"{label}，{voided_mark(by)}"

    def _show(self, found: Found) -> None:
        rows, self.voided, self.consignments = found.rows, found.voided, found.consignments
        self.rows = {str(r.seq): r for r in rows}
        self.query_one(FitTable).set_data(
            [t(f"audit_col_{c}") for c in COLUMNS],
            [
                (
                    str(r.seq),
                    [
                        str(r.seq),
                        local_time(r.at),
                        r.operator,
                        r.approver,
                        ACTION_LABEL[Action(r.action)],
                        self.verdict(r),
                        r.item,
                        note_of(r, self.consignments.get(r.seq, "")),
                    ],
                )
                for r in rows
            ],
        )
        self._detail(next(iter(self.rows), None))

    def _detail(self, key: str | None) -> None:
        r = self.rows.get(key or "")
        text = (
            ""
            if r is None
            else t(
                "audit_detail",
                seq=r.seq,
                at=local_time(r.at),
                station=r.station,
                operator=r.operator,
                approver=t("audit_detail_approver", name=r.approver) if r.approver else "",
                action=ACTION_LABEL[Action(r.action)],
                verdict=self.verdict(r),
                item=r.item,
                note=note_of(r, self.consignments.get(r.seq, "")),
            )
        )
        self.query_one("#detail", Label).update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail(event.row_key.value if event.row_key else None)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._load(event.value.strip())

    def take_tap(self, tap: TagTap) -> None:
        """Nothing is recorded here: the tag's events are shown."""
        self.query_one("#search", Input).value = tap.uid

    def on_ledger_advanced(self, _message: LedgerAdvanced) -> None:
        self._verify()
        self._load(self.query_one("#search", Input).value.strip())
