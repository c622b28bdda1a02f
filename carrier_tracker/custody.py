"""Custody rules: one call per tap, one transaction, one ``Outcome`` (DESIGN §5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlmodel import Session, select

from . import ledger, messages
from .enums import (
    MODE_ACTION,
    Action,
    CarrierKind,
    Level,
    MeetingStatus,
    Mode,
    State,
    Verdict,
)
from .errors import NotFoundError
from .messages import MODE_LABEL, STATE_LABEL
from .models import Attendee, Carrier, Meeting, utcnow
from .tap_store import TapStore as _Store
from .uids import normalize_uid

# Modes a pass takes part in; a pass tapped in any other mode is refused.
PASS_MODES = frozenset({Mode.ISSUE, Mode.RECALL, Mode.ENTRANCE, Mode.LOST, Mode.FOUND})
ISSUABLE = frozenset({State.REGISTERED, State.COLLECTED, State.RECOVERED})
DISPATCHABLE = frozenset({State.REGISTERED, State.COLLECTED, State.RECOVERED})
RECALLABLE = frozenset({State.ISSUED, State.COLLECTED, State.CARRIED_OUT})
RETURNABLE = frozenset({State.IN_TRANSIT, State.DELIVERED, State.CARRIED_OUT})


@dataclass(frozen=True)
class Outcome:
    """What one tap did. ``message`` is the line shown to the custodian."""

    verdict: Verdict
    message: str
    uid: str
    mode: Mode
    reason: str = ""
    seq: int | None = None
    carrier_id: int | None = None
    kind: CarrierKind | None = None
    item: str = ""
    state: State | None = None
    attendee_id: int | None = None
    attendee_name: str = ""
    at: datetime | None = None

    @property
    def refused(self) -> bool:
        """True when the tap was refused."""
        return self.verdict is Verdict.REFUSED


@dataclass
class _Decision:
    verdict: Verdict
    reason: str = ""
    to_state: State | None = None
    holder: Any = None  # new holder (accepted) or the person involved (event)
    set_holder: bool = False  # the carrier goes to ``holder``
    clear_holder: bool = False  # back in custody (remembering ``remembered``, if any)
    remembered: Any = None
    consignment: Any = None
    set_consignment: bool = False  # the carrier joins ``consignment``
    message: str = ""  # replaces the standard accepted line


@dataclass
class _Context:
    store: _Store
    meeting: Any
    carrier: Any
    document: Any
    owner: Any
    holder: Any
    remembered: Any
    attendee: Any
    consignment: Any
    mode: Mode
    operator: str
    note: str
    override: bool
    item: str

    @property
    def state(self) -> State:
        return State(self.carrier.state)

    def refuse(self, key: str, **fields: object) -> _Decision:
        return _Decision(Verdict.REFUSED, messages.text(key, **fields))

    def wrong_state(self) -> _Decision:
        return self.refuse(
            "wrong_state", item=self.item, state=STATE_LABEL[self.state], mode=MODE_LABEL[self.mode]
        )

    def already(self) -> _Decision:
        return _Decision(Verdict.ALREADY, holder=self.holder)


def item_label(carrier: Any, document: Any, owner: Any) -> str:
    """How a carrier is named to people: ``J-01 第003份`` or ``会议证 P001（张三）``."""
    if carrier.kind == CarrierKind.PASS:
        assert owner is not None
        return messages.text("pass_item", number=owner.pass_number or owner.code, name=owner.name)
    assert document is not None and carrier.copy_number is not None
    return messages.text("copy_item", doc=document.number, copy=carrier.copy_number)


def is_officer(session: Session, meeting: Meeting, operator: str) -> bool:
    """True when ``operator`` may approve: the meeting's 保密负责人 or a registered officer."""
    return _Store(session).is_officer(meeting, operator)


def _check_recipient(ctx: _Context, person: Any) -> _Decision | None:
    """Clearance and pass rules for handing a copy to ``person``; None when allowed."""
    if ctx.document is not None:
        if Level(person.clearance).rank < Level(ctx.document.level).rank:
            return ctx.refuse(
                "clearance", name=person.name, clearance=person.clearance, level=ctx.document.level
            )
        if ctx.meeting.requires_passes and not ctx.store.pass_issued(person.id):
            return ctx.refuse("pass_required", name=person.name)
    return None


def _issue(ctx: _Context) -> _Decision:
    target = ctx.attendee
    if ctx.carrier.kind == CarrierKind.PASS:
        assert ctx.owner is not None
        if target is not None and target.id != ctx.owner.id:
            return ctx.refuse("pass_owner", owner=ctx.owner.name, name=target.name)
        target = ctx.owner
    if target is None:
        return ctx.refuse("attendee_required")
    if ctx.state is State.ISSUED:
        if ctx.holder is not None and ctx.holder.id == target.id:
            return ctx.already()
        return ctx.refuse("held_by_other", item=ctx.item, holder=_name(ctx.holder))
    if ctx.state not in ISSUABLE:
        return ctx.wrong_state()
    refusal = _check_recipient(ctx, target)
    if refusal:
        return refusal
    return _Decision(Verdict.ACCEPTED, to_state=State.ISSUED, holder=target, set_holder=True)


def _collect(ctx: _Context) -> _Decision:
    if ctx.state is State.COLLECTED:
        return _Decision(Verdict.ALREADY, holder=ctx.remembered)
    if ctx.state is not State.ISSUED:
        return ctx.wrong_state()
    return _Decision(
        Verdict.ACCEPTED,
        to_state=State.COLLECTED,
        holder=ctx.holder,
        clear_holder=True,
        remembered=ctx.holder,
    )


def _reissue(ctx: _Context) -> _Decision:
    if ctx.state is State.ISSUED:
        if ctx.attendee is not None and ctx.holder is not None and ctx.attendee.id != ctx.holder.id:
            return ctx.refuse("held_by_other", item=ctx.item, holder=_name(ctx.holder))
        return ctx.already()
    if ctx.state is not State.COLLECTED:
        return ctx.wrong_state()
    target = ctx.remembered
    if ctx.attendee is not None and (target is None or ctx.attendee.id != target.id):
        if target is not None and not ctx.override:
            return ctx.refuse("reissue_other", item=ctx.item, holder=target.name)
        target = ctx.attendee
    if target is None:
        return ctx.refuse("attendee_required")
    refusal = _check_recipient(ctx, target)
    if refusal:
        return refusal
    return _Decision(Verdict.ACCEPTED, to_state=State.ISSUED, holder=target, set_holder=True)


def _recall(ctx: _Context) -> _Decision:
    if ctx.state in (State.RECOVERED, State.REGISTERED):
        return ctx.already()
    if ctx.state not in RECALLABLE:
        return ctx.wrong_state()
    return _Decision(
        Verdict.ACCEPTED,
        to_state=State.RECOVERED,
        holder=ctx.holder or ctx.remembered,
        clear_holder=True,
    )


def _carry_out(ctx: _Context) -> _Decision:
    if ctx.state is State.CARRIED_OUT:
        return ctx.already()
    if ctx.state is not State.ISSUED:
        return ctx.wrong_state()
    assert ctx.document is not None and ctx.holder is not None
    if not ctx.document.may_take_away:
        return ctx.refuse("not_take_away", item=ctx.item)
    if not ctx.holder.out_of_town:
        return ctx.refuse("not_out_of_town", name=ctx.holder.name)
    if not ctx.store.is_officer(ctx.meeting, ctx.operator):
        return ctx.refuse("officer_required", operator=ctx.operator or "未填写")
    return _Decision(Verdict.ACCEPTED, to_state=State.CARRIED_OUT, holder=ctx.holder)


def _dispatch(ctx: _Context) -> _Decision:
    if ctx.consignment is None:
        return ctx.refuse("consignment_required")
    current = ctx.carrier.consignment_id
    if ctx.state is State.IN_TRANSIT:
        if current == ctx.consignment.id:
            return _Decision(Verdict.ALREADY, consignment=ctx.consignment)
        return ctx.refuse("consignment_other", item=ctx.item, number=_consignment_no(ctx, current))
    if ctx.state not in DISPATCHABLE:
        return ctx.wrong_state()
    return _Decision(
        Verdict.ACCEPTED,
        to_state=State.IN_TRANSIT,
        consignment=ctx.consignment,
        clear_holder=True,
        set_consignment=True,
    )


def _deliver(ctx: _Context) -> _Decision:
    current = ctx.carrier.consignment_id
    in_courier = ctx.state in (State.IN_TRANSIT, State.DELIVERED)
    if ctx.consignment is not None and in_courier and current != ctx.consignment.id:
        return ctx.refuse("consignment_other", item=ctx.item, number=_consignment_no(ctx, current))
    consignment = ctx.store.consignment(current)
    if ctx.state is State.DELIVERED:
        return _Decision(Verdict.ALREADY, consignment=consignment)
    if ctx.state is not State.IN_TRANSIT:
        return ctx.wrong_state()
    return _Decision(Verdict.ACCEPTED, to_state=State.DELIVERED, consignment=consignment)


def _return(ctx: _Context) -> _Decision:
    if ctx.state is State.RECOVERED:
        return ctx.already()
    if ctx.state not in RETURNABLE:
        return ctx.wrong_state()
    consignment = ctx.store.consignment(ctx.carrier.consignment_id)
    return _Decision(
        Verdict.ACCEPTED,
        to_state=State.RECOVERED,
        holder=ctx.holder,
        consignment=consignment if ctx.state is not State.CARRIED_OUT else None,
        clear_holder=True,
    )


def _report_lost(ctx: _Context) -> _Decision:
    if ctx.state is State.LOST:
        return ctx.already()
    if ctx.state is State.DELIVERED:
        return ctx.refuse("delivered_final", item=ctx.item)
    if not ctx.store.is_officer(ctx.meeting, ctx.operator):
        return ctx.refuse("officer_required", operator=ctx.operator or "未填写")
    if not ctx.note.strip():
        return ctx.refuse("note_required")
    return _Decision(Verdict.ACCEPTED, to_state=State.LOST, holder=ctx.holder or ctx.remembered)


def _found(ctx: _Context) -> _Decision:
    if ctx.state is State.RECOVERED:
        return ctx.already()
    if ctx.state is not State.LOST:
        return ctx.wrong_state()
    return _Decision(
        Verdict.ACCEPTED, to_state=State.RECOVERED, holder=ctx.holder, clear_holder=True
    )


def _entrance(ctx: _Context) -> _Decision:
    if ctx.carrier.kind != CarrierKind.PASS:
        return ctx.refuse("only_for_pass", item=ctx.item)
    assert ctx.owner is not None
    if ctx.state is not State.ISSUED:
        return ctx.refuse("pass_not_issued", item=ctx.item)
    return _Decision(
        Verdict.ACCEPTED,
        holder=ctx.owner,
        message=messages.text("admitted", name=ctx.owner.name, unit=ctx.owner.unit),
    )


_RULES = {
    Mode.ISSUE: _issue,
    Mode.COLLECT: _collect,
    Mode.REISSUE: _reissue,
    Mode.RECALL: _recall,
    Mode.CARRY_OUT: _carry_out,
    Mode.DISPATCH: _dispatch,
    Mode.DELIVER: _deliver,
    Mode.RETURN: _return,
    Mode.LOST: _report_lost,
    Mode.FOUND: _found,
    Mode.ENTRANCE: _entrance,
}


def _name(person: Attendee | None) -> str:
    return person.name if person is not None else "（未知）"


def _consignment_no(ctx: _Context, consignment_id: int | None) -> str:
    found = ctx.store.consignment(consignment_id)
    return str(found.number) if found else "（无）"


def find_meeting(session: Session, code: str) -> Meeting:
    """The meeting with this code.

    Raises:
        NotFoundError: there is none.
    """
    meeting = session.exec(select(Meeting).where(Meeting.code == code)).first()
    if meeting is None:
        raise NotFoundError(messages.text("no_meeting", code=code))
    return meeting


def find_attendee(session: Session, meeting: Meeting, code: str) -> Attendee:
    """The attendee with this code in the meeting.

    Raises:
        NotFoundError: there is none.
    """
    found = session.exec(
        select(Attendee).where(Attendee.meeting_id == meeting.id, Attendee.code == code)
    ).first()
    if found is None:
        raise NotFoundError(messages.text("no_attendee", meeting=meeting.code, code=code))
    return found


def record_tap(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    uid: str,
    mode: Mode,
    attendee_code: str | None = None,
    consignment_no: str | None = None,
    station: str = "",
    operator: str = "",
    note: str = "",
    override: bool = False,
    now: datetime | None = None,
) -> Outcome:
    """Apply one tap: decide, change the carrier, append one ledger event.

    The caller owns the transaction (one per tap). Every tap — accepted, "already" or refused —
    appends exactly one event; a refusal changes nothing else.

    Args:
        session: the open session (its transaction is this tap's).
        key: the ledger key.
        meeting_code: the meeting the desk works on.
        uid: the tag UID as read (normalised here).
        mode: the desk's mode.
        attendee_code: the current attendee, when the mode needs one.
        consignment_no: the consignment, for dispatch (and to check deliveries).
        station: the desk's name.
        operator: who is at the desk.
        note: free text; required to report a loss.
        override: allow reissue to someone other than the remembered holder.
        now: the time of the tap (default: now, UTC).

    Returns:
        The outcome.

    Raises:
        NotFoundError: the meeting, attendee or consignment named does not exist.
        BadUid: the UID is malformed.
    """
    now = ledger.as_utc(now or utcnow())
    tag = normalize_uid(uid)
    store = _Store(session)
    meeting = store.meeting_by_code(meeting_code)
    if meeting is None:
        raise NotFoundError(messages.text("no_meeting", code=meeting_code))
    meeting_id = meeting.id
    head = store.lock_head(meeting_id)
    if not store.sqlite:
        # Re-read under the lock: another desk may have changed the meeting while we waited.
        # (SQLite took the database write lock at BEGIN IMMEDIATE, before the first read.)
        meeting = store.meeting_by_id(meeting_id)
    assert meeting is not None
    attendee = store.attendee(meeting, attendee_code) if attendee_code else None
    consignment = store.consignment_by_number(meeting, consignment_no) if consignment_no else None
    carrier, document, owner = store.carrier_by_uid(tag)
    event = SimpleNamespace(
        meeting_id=meeting_id, seq=0, carrier_id=None, tag_uid=tag, action=MODE_ACTION[mode].value,
        verdict=Verdict.REFUSED.value, from_state=None, to_state=None,
        attendee_id=attendee.id if attendee else None,
        consignment_id=consignment.id if consignment else None,
        station=station, operator=operator, at=now, note=note, reason="", prev_hash="", hash="",
    )

    def finish(outcome_message: str, decision_verdict: Verdict, reason: str = "", **kw: Any) -> Outcome:
        event.verdict = decision_verdict.value
        event.reason = reason
        store.append(key, head, event)
        return Outcome(
            verdict=decision_verdict,
            message=outcome_message,
            uid=tag,
            mode=mode,
            reason=reason,
            seq=event.seq,
            at=now,
            **kw,
        )

    if carrier is not None and carrier.meeting_id == meeting_id:
        event.carrier_id = carrier.id
        event.from_state = event.to_state = carrier.state
    if meeting.status == MeetingStatus.CLOSED:
        reason = messages.text("meeting_closed")
        return finish(reason, Verdict.REFUSED, reason)
    if carrier is None or carrier.meeting_id != meeting_id:
        if carrier is None:
            reason = messages.text("unknown_tag", uid=tag)
        else:
            other = store.meeting_by_id(carrier.meeting_id)
            reason = messages.text("other_meeting", meeting=other.code if other else "?")
        return finish(reason, Verdict.REFUSED, reason)

    holder = store.attendee_by_id(carrier.holder_id)
    remembered = store.attendee_by_id(carrier.remembered_holder_id)
    item = item_label(carrier, document, owner)
    ctx = _Context(
        store=store,
        meeting=meeting,
        carrier=carrier,
        document=document,
        owner=owner,
        holder=holder,
        remembered=remembered,
        attendee=attendee,
        consignment=consignment,
        mode=mode,
        operator=operator,
        note=note,
        override=override,
        item=item,
    )
    common = {"carrier_id": carrier.id, "kind": CarrierKind(carrier.kind), "item": item}

    if carrier.kind == CarrierKind.PASS and mode not in PASS_MODES:
        reason = messages.text("not_for_pass", mode=MODE_LABEL[mode])
        return finish(reason, Verdict.REFUSED, reason, state=ctx.state, **common)

    decision = _RULES[mode](ctx)
    person = decision.holder
    if person is not None:
        event.attendee_id = person.id
    if decision.consignment is not None:
        event.consignment_id = decision.consignment.id

    if decision.verdict is Verdict.REFUSED:
        return finish(decision.reason, Verdict.REFUSED, decision.reason, state=ctx.state, **common)
    if decision.verdict is Verdict.ALREADY:
        message = messages.text("already", item=item, state=STATE_LABEL[ctx.state])
        return finish(
            message,
            Verdict.ALREADY,
            state=ctx.state,
            attendee_id=person.id if person else None,
            attendee_name=person.name if person else "",
            **common,
        )

    # Accepted.
    new_state = State(carrier.state)
    if decision.to_state is not None and decision.to_state != carrier.state:
        new_state = decision.to_state
        values: dict[str, Any] = {"state": new_state.value, "state_since": now, "version": carrier.version + 1}
        if decision.set_holder:
            assert decision.holder is not None
            values["holder_id"] = decision.holder.id
            values["remembered_holder_id"] = None
        if decision.clear_holder:
            values["holder_id"] = None
            values["remembered_holder_id"] = decision.remembered.id if decision.remembered else None
        if decision.set_consignment and decision.consignment is not None:
            values["consignment_id"] = decision.consignment.id
        store.update_carrier(carrier, values)
        if decision.consignment is not None:
            store.refresh_consignment(decision.consignment, now)
    event.to_state = new_state.value
    if meeting.status == MeetingStatus.PLANNED:
        store.open_meeting(meeting_id)
    if decision.message:
        message = decision.message
    elif person is not None:
        message = messages.text("accepted", mode=MODE_LABEL[mode], item=item, holder=person.name)
    elif decision.consignment is not None:
        message = messages.text(
            "accepted", mode=MODE_LABEL[mode], item=item, holder=decision.consignment.unit
        )
    else:
        message = messages.text("accepted_plain", mode=MODE_LABEL[mode], item=item)
    return finish(
        message,
        Verdict.ACCEPTED,
        state=new_state,
        attendee_id=person.id if person else None,
        attendee_name=person.name if person else "",
        **common,
    )


def append_admin_event(
    *,
    session: Session,
    key: bytes,
    meeting: Meeting,
    action: Action,
    operator: str = "",
    station: str = "",
    note: str = "",
    carrier: Carrier | None = None,
    now: datetime | None = None,
) -> None:
    """Append a non-tap event (enrollment, consignment, close, import) to a meeting's chain.

    Same lock and append as a tap (TapStore), so every writer serialises on the one head.
    """
    assert meeting.id is not None
    store = _Store(session)
    head = store.lock_head(meeting.id)
    store.append(key, head, SimpleNamespace(
        meeting_id=meeting.id, seq=0, carrier_id=carrier.id if carrier else None,
        tag_uid=carrier.tag_uid if carrier else None, action=action.value,
        verdict=Verdict.ACCEPTED.value, from_state=None, to_state=carrier.state if carrier else None,
        attendee_id=None, consignment_id=None, station=station, operator=operator,
        at=ledger.as_utc(now or utcnow()), note=note, reason="", prev_hash="", hash="",
    ))
