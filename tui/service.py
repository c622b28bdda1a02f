"""The desk service: every screen records taps, asks for an officer's approval and reads or writes
the database through it, never through another screen.

A tap becomes a :class:`TapRequest` (everything it needs, fixed when the tag was tapped), runs on
the write lane, and comes back as a :class:`TapResult` that is posted to every screen on the stack
(:class:`tui.messages.TapDone`): the screen it was tapped on shows it big, the desk logs it,
whichever screen it came from. A step that needs an officer is not recorded until one approves
in the dialog (:meth:`DeskService.tap`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import TYPE_CHECKING, TypeVar

from sqlmodel import Session, select
from textual.message_pump import MessagePump

from carrier_tracker.custody.service import Outcome, record_tap
from carrier_tracker.enums import CarrierKind, Mode, Verdict
from carrier_tracker.messages import MODE_LABEL, text
from carrier_tracker.readers import TagTap
from carrier_tracker.storage.models import Attendee, Carrier, Document
from carrier_tracker.storage.tap_store import Bind, TapStore

from .context import DeskContext
from .lanes import Job, Lane
from .messages import TapDone
from .texts import t

if TYPE_CHECKING:
    from .app import CarrierTrackerApp

T = TypeVar("T")

ATTENDEE_MODES = frozenset({Mode.ISSUE})
"""Only these modes hand a copy to a person, so only they send the current attendee to the ledger;
every other event names the person it concerns (the holder), never the desk's choice."""
CONSIGNMENT_MODES = frozenset({Mode.DISPATCH, Mode.DELIVER})
CLOSED_MODES = frozenset({Mode.FOUND})
"""What a closed meeting still records: a lost item found after the close."""


@dataclass(frozen=True)
class TapRequest:
    """A tap and everything it needs, read at tap time (a later mode change or sign-in does not
    change it): the mode, the chosen attendee, the consignment, the note, who operates, and the
    screen it was tapped on."""

    tap: TagTap
    mode: Mode
    operator: str
    screen: str = "desk"
    choice: int = 0
    chosen: str | None = None
    consignment: str | None = None
    note: str = ""
    room: str = ""
    override: bool = False


@dataclass(frozen=True)
class TapResult:
    """What became of one tap: recorded (``outcome``), waiting for or declined by an officer, or
    not recorded at all (``error``: the database failed, or the desk refused before recording)."""

    request: TapRequest
    outcome: Outcome | None = None
    unknown_tag: bool = False
    attendee: Attendee | None = None
    """The owner of a pass just issued (becomes the current attendee)."""
    approver: str = ""
    """The officer who approved it at this desk."""
    error: str = ""
    asking: bool = False
    """Nothing recorded yet: the approval dialog is open."""
    cancelled: bool = False
    """Nothing recorded: the approval was cancelled."""
    offers_exception: bool = False
    """Refused, and Ctrl+Y would retry it as an officer's exception (the desk's panel says so)."""

    @property
    def recorded(self) -> bool:
        """True when the ledger has an event for this tap."""
        return self.outcome is not None and not (self.asking or self.cancelled or self.error)

    @property
    def verdict(self) -> Verdict:
        """How the result is coloured: a tap not recorded for an error is a refusal."""
        if self.outcome is None or self.error:
            return Verdict.REFUSED
        if self.asking or self.cancelled:
            return Verdict.ALREADY
        return self.outcome.verdict

    @property
    def line(self) -> str:
        """The result as one line (the log's text, the panel's after its verdict)."""
        if self.error or self.outcome is None:
            return self.error
        outcome = self.outcome
        what = text(
            "approval_what",
            mode=MODE_LABEL[self.request.mode],
            item=outcome.item or outcome.uid,
        )
        if self.asking:
            return text("approval_waiting", what=what)
        if self.cancelled:
            return text("approval_cancelled", what=what)
        line = outcome.line
        if self.approver and not outcome.refused:
            line += text("approved_by", name=self.approver)
        if self.unknown_tag:
            line = t("enroll_offer", message=line)
        return line


@dataclass(frozen=True)
class ApprovalSubject:
    """What an officer is asked to approve, in words: the step, the item, the person, the rule."""

    action: str
    item: str
    person: str
    rule: str
    refusal: str
    """What the tap service said without an officer (the step is not recorded)."""


@dataclass
class DeskState:
    """The desk's mode and what goes with it; the 清点 screen taps in the same mode."""

    mode: Mode = Mode.ISSUE
    attendee: Attendee | None = None
    choice: int = 0
    """Bumped when the custodian chooses (or clears) the attendee: a pass issued by an earlier,
    still queued tap no longer makes its owner the attendee of later taps."""
    consignment: str = ""
    note: str = ""
    room: str = ""


@dataclass
class DeskService:
    """The one way from a screen to the database and the ledger (see the module docstring)."""

    app: CarrierTrackerApp
    ctx: DeskContext
    writes: Lane
    reads: Lane
    desk: DeskState = field(default_factory=DeskState)
    pending: int = 0
    """Taps sent to the write lane whose result has not come back."""
    exception: TapRequest | None = None
    """The last refusal an officer's exception would lift (Ctrl+Y on the screen that showed it
    retries it; gone when the desk locks: it was the signed-in operator's)."""
    last_unknown: str | None = None
    """The UID of the last tap of a tag bound nowhere (the 绑定 screen offers to bind it)."""
    _lane_pass: tuple[int, str] | None = None
    """(choice, attendee code) of the last pass issued on the write lane (only touched there)."""

    # -- the lanes -----------------------------------------------------------------------------

    def read(
        self,
        owner: MessagePump,
        run: Callable[[Session], T],
        done: Callable[[T], None],
        key: str | None = None,
    ) -> None:
        """Run ``run`` on a read snapshot on the read lane; ``done`` gets its value on the event
        loop (while ``owner`` is attached). A queued job with the same ``key`` is replaced."""
        self.reads.submit(Job(run, done, owner, None, key))

    def write(
        self,
        owner: MessagePump,
        run: Callable[[Session], T],
        done: Callable[[T], None],
        failed: Callable[[str], None] | None = None,
    ) -> None:
        """Run ``run`` in one write transaction on the write lane; ``done``/``failed`` come back
        on the event loop. An auditor's (or a signed-out desk's) writes never reach the lane:
        they are refused here (``failed``, or a notice)."""
        if not self._may_write(failed):
            return
        self.writes.submit(Job(run, done, owner, failed))

    def _may_write(self, failed: Callable[[str], None] | None) -> bool:
        if not self.ctx.is_auditor and self.ctx.role is not None:
            return True
        error = text("auditor_read_only", name=self.ctx.operator)
        if failed is not None:
            failed(error)
        else:
            self.app.notify(error, severity="error", timeout=8)
        self.app.bell()
        return False

    # -- the desk's mode and attendee -----------------------------------------------------------

    def choose(self, attendee: Attendee | None) -> None:
        """The custodian chose (or cleared) the attendee: it applies to the taps from now on."""
        self.desk.choice += 1
        self.desk.attendee = attendee

    def meeting_closed(self) -> None:
        """The meeting closed (here or at another desk): taps are finds (找回) from now on."""
        if self.desk.mode not in CLOSED_MODES:
            self.desk.mode = Mode.FOUND
        self.choose(None)

    def desk_request(self, tap: TagTap, screen: str = "desk") -> TapRequest:
        """A tap in the desk's mode, with the desk's attendee, consignment, note and room."""
        d = self.desk
        return TapRequest(
            tap=tap,
            mode=d.mode,
            operator=self.ctx.operator,
            screen=screen,
            choice=d.choice,
            chosen=d.attendee.code if d.attendee is not None else None,
            consignment=d.consignment.strip() or None,
            note=d.note.strip() if d.mode is Mode.LOST else "",
            room=d.room.strip() if d.mode is Mode.SWEEP else "",
        )

    # -- taps -------------------------------------------------------------------------------------

    def tap(self, request: TapRequest, approver: str = "") -> None:
        """Record a tap on the write lane; its :class:`TapResult` is posted to every screen.

        A step that needs an officer, tapped by a custodian, that an officer's approval would let
        through, is not recorded: the desk asks an officer first (:meth:`approve`) and records it
        with the approver, or (cancel) records nothing at all. A loss report without its note is
        refused here, unrecorded, naming the note.
        """
        if request.mode is Mode.LOST and not request.note:
            self.app.bell()
            self._post(TapResult(request, error=text("tui_lost_note_required")))
            return
        if not self._may_write(lambda error: self._post(TapResult(request, error=error))):
            return
        self.pending += 1
        self.writes.submit(
            Job(
                lambda conn: self._record(conn, request, approver),
                self._recorded,
                self.app,
                lambda error: self._failed(request, error),
                bare=True,
            )
        )

    def _record(self, conn: Bind, request: TapRequest, approver: str) -> TapResult:
        """On the write lane: the tap, in the tap's own transaction."""
        ctx, meeting, mode = self.ctx, self.ctx.chosen_meeting, request.mode
        store = TapStore(conn)
        info = store.tag_info(request.tap.uid, meeting.id)
        own_pass = info is not None and info.kind == "pass" and info.meeting_id == meeting.id
        attendee = request.chosen
        if self._lane_pass is not None and self._lane_pass[0] == request.choice:
            attendee = self._lane_pass[1]  # a pass tapped earlier (maybe still queued then)
        if mode not in ATTENDEE_MODES:
            attendee = None
        outcome = record_tap(
            session=conn,
            key=ctx.key,
            meeting_code=ctx.code,
            uid=request.tap.uid,
            mode=mode,
            attendee_code=None if own_pass else attendee,
            consignment_no=request.consignment if mode in CONSIGNMENT_MODES else None,
            station=ctx.station,
            operator=request.operator,
            note=request.note,
            room=request.room,
            override=request.override,
            approver=approver,
            ask_approval=not approver,
        )
        person = None
        if own_pass and mode is Mode.ISSUE and not outcome.refused and info and info.owner_code:
            row = store.attendee(SimpleNamespace(id=meeting.id, code=meeting.code), info.owner_code)
            person = Attendee.model_validate(vars(row))
            self._lane_pass = (request.choice, info.owner_code)
        return TapResult(request, outcome, info is None, person, approver)

    def _recorded(self, result: TapResult) -> None:
        self.pending -= 1
        outcome = result.outcome
        assert outcome is not None
        if outcome.approval_needed:
            self._post(replace(result, asking=True))
            self._ask_officer(result)
            return
        request = result.request
        retry = outcome.exception_lifts and not request.override
        if request.screen != "courier":  # the courier's own refusals are not the desk's to lift
            self.exception = request if retry else None
        result = replace(result, offers_exception=retry)
        if request.screen != "courier":
            self.last_unknown = outcome.uid if result.unknown_tag else None
        if result.attendee is not None and request.choice == self.desk.choice:
            self.desk.attendee = result.attendee
        if outcome.refused:
            self.app.bell()
        self._post(result)
        self.app.poll_ledger()

    def _failed(self, request: TapRequest, error: str) -> None:
        self.pending -= 1
        self.app.bell()
        self._post(TapResult(request, error=error))

    def _post(self, result: TapResult) -> None:
        for screen in self.app.screen_stack:
            screen.post_message(TapDone(result))

    def offers_exception(self, screen: str) -> bool:
        """Whether Ctrl+Y on ``screen`` has a refusal to lift: the last one was tapped there."""
        return self.exception is not None and self.exception.screen == screen

    def retry_exception(self, screen: str) -> None:
        """Ctrl+Y on ``screen``: the last refused tap again, as an officer's exception (an officer
        approves) — only where it was tapped and shown."""
        if not self.offers_exception(screen):
            return
        request, self.exception = self.exception, None
        assert request is not None
        self.tap(replace(request, override=True, operator=self.ctx.operator))

    # -- approvals ------------------------------------------------------------------------------

    def _ask_officer(self, result: TapResult) -> None:
        """Read what the step concerns, then ask an officer; record it with the approver, or
        (cancel) record nothing."""
        meeting = self.ctx.chosen_meeting
        outcome, request = result.outcome, result.request
        assert outcome is not None

        def subject(s: Session) -> ApprovalSubject:
            return approval_subject(s, meeting.id or 0, request, outcome)

        def answered(approver: str | None) -> None:
            if approver is None:
                self._post(replace(result, asking=False, cancelled=True))
                return
            self.tap(request, approver)

        def ask(what: ApprovalSubject) -> None:
            self.approve(what, answered)

        self.read(self.app, subject, ask)

    def approve(self, subject: ApprovalSubject, answered: Callable[[str | None], None]) -> None:
        """Ask an officer to approve ``subject`` (name and PIN, or their card); ``answered`` gets
        the approving officer's name, or None when cancelled."""
        from .screens.approval import ApprovalDialog

        self.app.push_screen(ApprovalDialog(subject), callback=answered)


def approval_subject(
    session: Session, meeting_id: int, request: TapRequest, outcome: Outcome
) -> ApprovalSubject:
    """The words of an approval: ``带离``; ``HY-02 第001份《…》 机密``; ``袁丽 · 某单位 · 外地代表``;
    the rule that asks for an officer (for an exception, the refusal it lifts)."""
    item = outcome.item or outcome.uid
    carrier = session.exec(
        select(Carrier).where(Carrier.tag_uid == outcome.uid, Carrier.meeting_id == meeting_id)
    ).first()
    if carrier is not None and carrier.kind == CarrierKind.COPY and carrier.document_id:
        doc = session.get(Document, carrier.document_id)
        if doc is not None:
            item = text("approval_item", item=item, title=doc.title, level=doc.level)
    person = text("approval_nobody")
    who = session.get(Attendee, outcome.attendee_id) if outcome.attendee_id else None
    if who is not None:
        parts = [who.name, who.unit] + ([text("approval_out_of_town")] if who.out_of_town else [])
        person = " · ".join(p for p in parts if p)
    action = MODE_LABEL[request.mode]
    if request.override:
        action = text("approval_exception", reason=action)
        rule = text("approval_rule_exception")
    else:
        rule = text(f"approval_rule_{request.mode.value.replace('-', '_')}")
    return ApprovalSubject(action, item, person, rule, outcome.message)
