"""The custody rules as data (docs/architecture.md §3): one transition table, a pure ``decide`` and a pure
``apply`` over typed, frozen values.

``decide(facts, tap)`` reads the facts a loader gathered for one tap and returns a
:class:`Decision`; ``apply(custody, change)`` folds one ledger event into a carrier's custody
state. Neither touches a database, a clock or a screen, so ``record_tap`` is load → decide →
apply → append, and a ledger can be replayed with ``apply`` alone.

Each row of :data:`TABLE` names, for one mode and carrier kind, the states it starts from,
the state it leads to, the states in which the tap is a harmless "already", the guards that
must hold (each a small predicate with one message) and its effect on holder, remembered
holder and consignment. ``docs/custody.md`` is generated from this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from functools import lru_cache

from carrier_tracker import messages
from carrier_tracker.custody.frozen import quick
from carrier_tracker.custody.plan import EVERYONE, Plan
from carrier_tracker.enums import (
    DISPOSED,
    MODE_ACTION,
    Action,
    CarrierKind,
    Level,
    MeetingStatus,
    Mode,
    State,
    Verdict,
    requires_filing,
)
from carrier_tracker.messages import MODE_LABEL, STATE_LABEL

# --- facts: what the loader reads for one tap -------------------------------------------------


@quick
@dataclass(frozen=True)
class Person:
    """An attendee as the rules see them."""

    id: int
    code: str
    name: str
    unit: str
    clearance: Level
    out_of_town: bool
    pass_issued: bool = False
    holding: tuple[Held, ...] = ()
    """Copies this person holds now (issued or carried out), and those reported lost while they
    held them (a lost copy stays with its holder)."""
    stands_for: tuple[str, str] | None = None
    """(code, unit) of the absent delegate a substitute (代会) replaces: the substitute inherits
    that delegate's distribution plan."""
    pledged: bool = True
    """A 保密承诺书 is on record (the loader reads it; neutral default: no warning)."""
    replaced_by: str = ""
    """``CODE 姓名`` of the substitute (代会) taking this absent delegate's place, if any."""


@quick
@dataclass(frozen=True)
class Held:
    """One copy a person holds."""

    carrier_id: int
    document_id: int
    label: str
    state: State


@dataclass(frozen=True)
class DocumentFacts:
    """The document a copy belongs to."""

    id: int
    number: str
    level: Level
    may_take_away: bool
    collect_at_breaks: bool
    plan: Plan = EVERYONE
    """Who should receive it (分发范围); the default is everyone."""


@dataclass(frozen=True)
class Custody:
    """A carrier's custody state: what ``apply`` folds events into."""

    state: State = State.REGISTERED
    holder_id: int | None = None
    remembered_id: int | None = None
    consignment_id: int | None = None


@dataclass(frozen=True)
class ConsignmentFacts:
    """A courier consignment (机要件)."""

    id: int
    number: str
    unit: str
    attendee_id: int | None = None
    """The delegate it belongs to (None: the unit)."""


@quick
@dataclass(frozen=True)
class CarrierFacts:
    """The tapped carrier with the people and consignment its custody names."""

    id: int
    kind: CarrierKind
    item: str
    custody: Custody
    document: DocumentFacts | None = None
    owner: Person | None = None
    holder: Person | None = None
    remembered: Person | None = None
    consignment: ConsignmentFacts | None = None


@dataclass(frozen=True)
class MeetingFacts:
    """The meeting the desk works on."""

    id: int
    code: str
    status: MeetingStatus
    requires_passes: bool
    level: Level = Level.NEIBU
    venue_open_items: tuple[str, ...] = ()
    """Labels of the venue check's items not yet settled (unanswered, or 不符合 not accepted);
    read only while the meeting has not opened."""
    trip: bool = False
    """Documents carried to an outside meeting (外出携带): only :data:`TRIP_MODES` apply."""


@quick
@dataclass(frozen=True)
class Facts:
    """Everything that decides one tap's outcome."""

    meeting: MeetingFacts
    uid: str
    carrier: CarrierFacts | None
    other_meeting: str | None = None
    """The code of the meeting the tag is bound in, when it is not this one."""
    released_by: str | None = None
    """The code of the closed meeting that released the tag, when it is bound nowhere now."""
    target: Person | None = None
    """The attendee chosen at the desk (issue, reissue)."""
    consignment: ConsignmentFacts | None = None
    """The consignment chosen at the desk (dispatch, deliver)."""
    operator_is_officer: bool = False
    admissions: int = 0
    """Accepted entrance checks of this pass so far."""
    retired_for: str | None = None
    """For an unknown tag that a retag took off its carrier: the UID that replaced it."""


@dataclass(frozen=True)
class Tap:
    """What the custodian asked for."""

    mode: Mode
    operator: str = ""
    note: str = ""
    override: bool = False
    room: str = ""
    """Where a copy was found (巡检)."""


# --- the decision ---------------------------------------------------------------------------


@quick
@dataclass(frozen=True)
class Decision:
    """The outcome of one tap, before it is written."""

    verdict: Verdict
    message: str
    reason: str = ""
    to_state: State | None = None
    person: Person | None = None
    """The one person the event concerns (never the desk's current attendee by default)."""
    consignment: ConsignmentFacts | None = None
    warning: str = ""
    """Accepted, but worth a yellow remark (a repeated admission)."""

    @property
    def accepted(self) -> bool:
        """True when the tap changes custody (or admits)."""
        return self.verdict is Verdict.ACCEPTED


class Effect(Enum):
    """What an accepted tap does to holder, remembered holder and consignment."""

    GIVE = "交给领取人"
    COLLECT = "收回，记住持有人"
    TO_CUSTODY = "回到保管"
    TO_COURIER = "交机要件"
    KEEP = "持有人不变"


class Concerns(Enum):
    """Whom the ledger event names."""

    RECIPIENT = "领取人"
    HOLDER = "持有人"
    HOLDER_OR_REMEMBERED = "持有人（或休会前持有人）"
    OWNER = "持证人"
    NOBODY = "—"


class Arrow(Enum):
    """Which way the carrier moved, for the result line."""

    TO = "→"
    FROM = "←"
    NONE = ""


@quick
@dataclass(frozen=True)
class Ctx:
    """What a guard looks at: the facts, the tap, the carrier and its recipient."""

    facts: Facts
    tap: Tap
    carrier: CarrierFacts
    recipient: Person | None

    @property
    def state(self) -> State:
        """The carrier's current state."""
        return self.carrier.custody.state

    @property
    def officer_override(self) -> bool:
        """An exception approved by an officer at the desk."""
        return self.tap.override and self.facts.operator_is_officer


Refusal = tuple[str, dict[str, object]]


@dataclass(frozen=True)
class Guard:
    """A named predicate with the one message it refuses with."""

    name: str
    """Shown in docs/custody.md."""
    check: Callable[[Ctx], Refusal | None]


def _guard(name: str) -> Callable[[Callable[[Ctx], Refusal | None]], Guard]:
    def wrap(fn: Callable[[Ctx], Refusal | None]) -> Guard:
        return Guard(name, fn)

    return wrap


def _labels(held: tuple[Held, ...]) -> str:
    return "、".join(h.label for h in held)


@_guard("领取人已选定")
def RECIPIENT_CHOSEN(c: Ctx) -> Refusal | None:
    return None if c.recipient is not None else ("attendee_required", {})


@_guard("会议证只发给本人")
def PASS_TO_OWNER(c: Ctx) -> Refusal | None:
    owner, target = c.carrier.owner, c.facts.target
    if owner is not None and target is not None and target.id != owner.id:
        return ("pass_owner", {"owner": owner.name, "name": target.name})
    return None


@_guard("改发他人需保密负责人 --override")
def REMEMBERED_HOLDER(c: Ctx) -> Refusal | None:
    remembered = c.carrier.remembered
    if (
        c.state is State.COLLECTED
        and remembered is not None
        and c.recipient is not None
        and c.recipient.id != remembered.id
        and not c.officer_override
    ):
        return ("reissue_other", {"item": c.carrier.item, "holder": remembered.name})
    return None


@_guard("领取人未由他人代会（缺席代表不再领取）")
def NOT_REPLACED(c: Ctx) -> Refusal | None:
    person = c.recipient
    if person is not None and person.replaced_by:
        return ("replaced_by_substitute", {"name": person.name, "substitute": person.replaced_by})
    return None


@_guard("知悉范围 ≥ 文件密级")
def CLEARANCE(c: Ctx) -> Refusal | None:
    doc, person = c.carrier.document, c.recipient
    if doc is not None and person is not None and person.clearance.rank < doc.level.rank:
        return (
            "clearance",
            {"name": person.name, "clearance": person.clearance.value, "level": doc.level.value},
        )
    return None


@_guard("已领会议证（会议要求会议证时）")
def PASS_ISSUED(c: Ctx) -> Refusal | None:
    person = c.recipient
    if (
        c.carrier.document is not None
        and c.facts.meeting.requires_passes
        and person is not None
        and not person.pass_issued
    ):
        return ("pass_required", {"name": person.name})
    return None


@_guard("同一文件每人一份（保密负责人 --override 例外）")
def ONE_COPY_EACH(c: Ctx) -> Refusal | None:
    doc, person = c.carrier.document, c.recipient
    if doc is None or person is None or c.officer_override:
        return None
    same = tuple(
        h
        for h in person.holding
        if h.document_id == doc.id and h.carrier_id != c.carrier.id and h.state is not State.LOST
    )
    if same:
        return ("duplicate_copy", {"name": person.name, "items": _labels(same)})
    return None


@_guard("在分发范围内（保密负责人 --override 例外）")
def IN_PLAN(c: Ctx) -> Refusal | None:
    doc, person = c.carrier.document, c.recipient
    if doc is None or person is None or c.officer_override:
        return None
    remembered = c.carrier.remembered
    if c.state is State.COLLECTED and remembered is not None and remembered.id == person.id:
        return None  # back to the holder before the break: the hand-over was decided then
    if doc.plan.includes(person.code, person.unit, person.stands_for):
        return None
    return ("plan_outside", {"name": person.name, "doc": doc.number})


@_guard("持有人交寄时：交入本人（或本单位）的机要件")
def HANDED_IN_TO_OWN(c: Ctx) -> Refusal | None:
    chosen, holder = c.facts.consignment, c.carrier.holder
    if c.state is not State.ISSUED or chosen is None or holder is None:
        return None
    if chosen.attendee_id == holder.id:
        return None
    if chosen.attendee_id is None and chosen.unit == holder.unit:
        return None
    return (
        "dispatch_not_own",
        {"item": c.carrier.item, "holder": holder.name, "number": chosen.number},
    )


@_guard("文件允许带离")
def MAY_TAKE_AWAY(c: Ctx) -> Refusal | None:
    doc = c.carrier.document
    if doc is not None and not doc.may_take_away:
        return ("not_take_away", {"item": c.carrier.item})
    return None


@_guard("文件允许带离（机要寄出；保密负责人 --override 例外）")
def MAY_LEAVE_BY_COURIER(c: Ctx) -> Refusal | None:
    doc = c.carrier.document
    if doc is not None and not doc.may_take_away and not c.officer_override:
        return ("courier_not_take_away", {"item": c.carrier.item})
    return None


@_guard("持有人为外地代表")
def OUT_OF_TOWN(c: Ctx) -> Refusal | None:
    holder = c.carrier.holder
    if holder is None or not holder.out_of_town:
        return ("not_out_of_town", {"name": holder.name if holder else "（无）"})
    return None


@_guard("保密负责人操作")
def OFFICER(c: Ctx) -> Refusal | None:
    if not c.facts.operator_is_officer:
        return ("officer_required", {"operator": c.tap.operator or "未填写"})
    return None


@_guard("填写说明")
def NOTE(c: Ctx) -> Refusal | None:
    return None if c.tap.note.strip() else ("note_required", {})


@_guard("已选机要件")
def CONSIGNMENT_CHOSEN(c: Ctx) -> Refusal | None:
    return None if c.facts.consignment is not None else ("consignment_required", {})


@_guard("与所选机要件一致")
def SAME_CONSIGNMENT(c: Ctx) -> Refusal | None:
    chosen, current = c.facts.consignment, c.carrier.consignment
    in_courier = c.state in (State.IN_TRANSIT, State.DELIVERED)
    if chosen is not None and in_courier and (current is None or current.id != chosen.id):
        return (
            "consignment_other",
            {"item": c.carrier.item, "number": current.number if current else "（无）"},
        )
    return None


@_guard("持有人即领取人")
def HELD_BY_RECIPIENT(c: Ctx) -> Refusal | None:
    holder, person = c.carrier.holder, c.recipient
    if holder is not None and person is not None and holder.id != person.id:
        return ("held_by_other", {"item": c.carrier.item, "holder": holder.name})
    return None


@_guard("未被接收单位签收")
def NOT_DELIVERED(c: Ctx) -> Refusal | None:
    return ("delivered_final", {"item": c.carrier.item}) if c.state is State.DELIVERED else None


@_guard("持证人已交回全部文件（保密负责人 --override 例外）")
def OWNER_RETURNED_COPIES(c: Ctx) -> Refusal | None:
    owner = c.carrier.owner
    if owner is None or c.officer_override:
        return None
    out = tuple(h for h in owner.holding if h.state is State.ISSUED)
    if out:
        return ("pass_holder_has_copies", {"name": owner.name, "items": _labels(out)})
    return None


@_guard("持证人无挂失未找回的文件（保密负责人 --override 例外）")
def OWNER_LOST_NOTHING(c: Ctx) -> Refusal | None:
    owner = c.carrier.owner
    if owner is None or c.officer_override:
        return None
    lost = tuple(h for h in owner.holding if h.state is State.LOST)
    if lost:
        return ("pass_holder_has_lost", {"name": owner.name, "items": _labels(lost)})
    return None


@_guard("已选检查地点")
def ROOM_CHOSEN(c: Ctx) -> Refusal | None:
    return None if c.tap.room.strip() else ("room_required", {})


# --- before the meeting opens: its own guards, on the meeting alone -------------------------


@dataclass(frozen=True)
class MeetingGuard:
    """A named predicate on the meeting, checked for every tap until the meeting opens."""

    name: str
    check: Callable[[MeetingFacts], Refusal | None]


def _needs_filing(m: MeetingFacts) -> bool:
    return requires_filing(m.level) and m.status.before_open


def _filed(m: MeetingFacts) -> Refusal | None:
    if _needs_filing(m) and m.status is MeetingStatus.DRAFT:
        return ("not_filed", {"code": m.code, "level": m.level.value})
    return None


def _venue_checked(m: MeetingFacts) -> Refusal | None:
    if _needs_filing(m) and m.venue_open_items:
        return (
            "venue_unsettled",
            {"code": m.code, "items": "、".join(m.venue_open_items)},
        )
    return None


TRIP_MODES = frozenset({Mode.ISSUE, Mode.RECALL, Mode.LOST, Mode.FOUND})
"""The taps of a trip (外出携带): taken out (发放), handed back (会后清退), and a loss and its find.
It has no passes, venue check, breaks or sweep, and every copy leaves with its holder (no
带离 step); its officer approved the trip when it was opened (涉密载体外出审批), which stands in
for the 备案 and the venue check."""


def trip_refusal(meeting: MeetingFacts, mode: Mode, kind: CarrierKind | None) -> Refusal | None:
    """Why this tap makes no sense on a trip (None: it does, or the meeting is not a trip)."""
    if not meeting.trip:
        return None
    if mode not in TRIP_MODES:
        return ("trip_mode", {"mode": MODE_LABEL[mode]})
    if kind is CarrierKind.PASS:
        return ("trip_no_pass", {})
    return None


OPENING_GUARDS: tuple[MeetingGuard, ...] = (
    MeetingGuard("秘密及以上会议已备案", _filed),
    MeetingGuard("会场保密检查各项符合/不适用（不符合须保密负责人接受）", _venue_checked),
)
"""Checked, in order, for every tap while the meeting is draft or filed (a 内部 meeting passes)."""


@dataclass(frozen=True)
class Warn:
    """A named predicate that accepts the tap but adds a yellow remark (one message each)."""

    name: str
    """Shown in docs/custody.md."""
    check: Callable[[Ctx], Refusal | None]


def _warn(name: str) -> Callable[[Callable[[Ctx], Refusal | None]], Warn]:
    def wrap(fn: Callable[[Ctx], Refusal | None]) -> Warn:
        return Warn(name, fn)

    return wrap


@_warn("持证人已签保密承诺书")
def PLEDGE_SIGNED(c: Ctx) -> Refusal | None:
    owner = c.carrier.owner
    if owner is not None and not owner.pledged:
        return ("no_pledge", {"name": owner.name})
    return None


# --- the table --------------------------------------------------------------------------------

ANY_STATE = frozenset(State) - {State.WITHDRAWN} - DISPOSED
"""Every state a tap can start from: a withdrawn copy (destroyed, never issued) and a disposed
one (archived, destroyed or returned after the meeting) refuse them all."""


@dataclass(frozen=True)
class Rule:
    """One row of the transition table."""

    mode: Mode
    kind: CarrierKind
    sources: frozenset[State]
    target: State | None
    """None: the tap changes no state (entrance)."""
    effect: Effect
    concerns: Concerns
    arrow: Arrow = Arrow.NONE
    already: frozenset[State] = frozenset()
    first: tuple[Guard, ...] = ()
    """Checked before anything else (what the desk must have chosen)."""
    already_unless: tuple[Guard, ...] = ()
    """In an "already" state, these turn the no-op into a refusal."""
    guards: tuple[Guard, ...] = ()
    """Checked, in order, before an accepted transition."""
    wrong_state: str = "wrong_state"
    """Message key when the carrier is in none of the source states."""
    recipient_from_remembered: bool = False
    """The recipient defaults to the remembered holder (reissue, issue after a break)."""
    warns: tuple[Warn, ...] = ()
    """Checked on an accepted tap: each that fails adds its remark (the tap is not refused)."""
    after_close: frozenset[State] = frozenset()
    """States from which the step may still be recorded once the meeting has closed (a lost
    item found later); the meeting stays closed. Anything else after close is refused."""


COPY, PASS = CarrierKind.COPY, CarrierKind.PASS
ISSUABLE = frozenset({State.REGISTERED, State.COLLECTED, State.RECOVERED})
RECIPIENT_RULES = (
    REMEMBERED_HOLDER,
    NOT_REPLACED,
    CLEARANCE,
    IN_PLAN,
    PASS_ISSUED,
    ONE_COPY_EACH,
)


def _s(*states: State) -> frozenset[State]:
    return frozenset(states)


TABLE: tuple[Rule, ...] = (
    Rule(
        Mode.ISSUE,
        COPY,
        ISSUABLE,
        State.ISSUED,
        Effect.GIVE,
        Concerns.RECIPIENT,
        Arrow.TO,
        already=_s(State.ISSUED),
        first=(RECIPIENT_CHOSEN,),
        already_unless=(HELD_BY_RECIPIENT,),
        guards=RECIPIENT_RULES,
        recipient_from_remembered=True,
    ),
    Rule(
        Mode.ISSUE,
        PASS,
        ISSUABLE,
        State.ISSUED,
        Effect.GIVE,
        Concerns.RECIPIENT,
        Arrow.TO,
        already=_s(State.ISSUED),
        first=(PASS_TO_OWNER,),
        guards=(NOT_REPLACED,),
        warns=(PLEDGE_SIGNED,),
    ),
    Rule(
        Mode.COLLECT,
        COPY,
        _s(State.ISSUED),
        State.COLLECTED,
        Effect.COLLECT,
        Concerns.HOLDER_OR_REMEMBERED,
        Arrow.FROM,
        already=_s(State.COLLECTED),
    ),
    Rule(
        Mode.REISSUE,
        COPY,
        _s(State.COLLECTED),
        State.ISSUED,
        Effect.GIVE,
        Concerns.RECIPIENT,
        Arrow.TO,
        already=_s(State.ISSUED),
        already_unless=(HELD_BY_RECIPIENT,),
        guards=(RECIPIENT_CHOSEN, *RECIPIENT_RULES),
        recipient_from_remembered=True,
    ),
    Rule(
        Mode.RECALL,
        COPY,
        _s(State.ISSUED, State.COLLECTED, State.CARRIED_OUT),
        State.RECOVERED,
        Effect.TO_CUSTODY,
        Concerns.HOLDER_OR_REMEMBERED,
        Arrow.FROM,
        already=_s(State.RECOVERED, State.REGISTERED),
    ),
    Rule(
        Mode.RECALL,
        PASS,
        _s(State.ISSUED),
        State.RECOVERED,
        Effect.TO_CUSTODY,
        Concerns.HOLDER,
        Arrow.FROM,
        already=_s(State.RECOVERED, State.REGISTERED),
        guards=(OWNER_RETURNED_COPIES, OWNER_LOST_NOTHING),
    ),
    Rule(
        Mode.CARRY_OUT,
        COPY,
        _s(State.ISSUED),
        State.CARRIED_OUT,
        Effect.KEEP,
        Concerns.HOLDER,
        Arrow.TO,
        already=_s(State.CARRIED_OUT),
        guards=(MAY_TAKE_AWAY, OUT_OF_TOWN, OFFICER),
    ),
    Rule(
        Mode.DISPATCH,
        COPY,
        _s(State.REGISTERED, State.ISSUED, State.COLLECTED, State.RECOVERED),
        State.IN_TRANSIT,
        Effect.TO_COURIER,
        Concerns.HOLDER,
        Arrow.TO,
        already=_s(State.IN_TRANSIT),
        first=(CONSIGNMENT_CHOSEN,),
        already_unless=(SAME_CONSIGNMENT,),
        guards=(MAY_LEAVE_BY_COURIER, HANDED_IN_TO_OWN),
    ),
    Rule(
        Mode.DELIVER,
        COPY,
        _s(State.IN_TRANSIT),
        State.DELIVERED,
        Effect.KEEP,
        Concerns.NOBODY,
        Arrow.TO,
        already=_s(State.DELIVERED),
        first=(SAME_CONSIGNMENT,),
    ),
    Rule(
        Mode.RETURN,
        COPY,
        _s(State.IN_TRANSIT, State.DELIVERED, State.CARRIED_OUT),
        State.RECOVERED,
        Effect.TO_CUSTODY,
        Concerns.HOLDER,
        Arrow.FROM,
        already=_s(State.RECOVERED),
    ),
    Rule(
        Mode.LOST,
        COPY,
        ANY_STATE - {State.LOST},
        State.LOST,
        Effect.KEEP,
        Concerns.HOLDER_OR_REMEMBERED,
        already=_s(State.LOST),
        guards=(NOT_DELIVERED, OFFICER, NOTE),
    ),
    Rule(
        Mode.LOST,
        PASS,
        ANY_STATE - {State.LOST},
        State.LOST,
        Effect.KEEP,
        Concerns.HOLDER_OR_REMEMBERED,
        already=_s(State.LOST),
        guards=(OFFICER, NOTE),
    ),
    Rule(
        Mode.FOUND,
        COPY,
        _s(State.LOST),
        State.RECOVERED,
        Effect.TO_CUSTODY,
        Concerns.HOLDER_OR_REMEMBERED,
        Arrow.FROM,
        already=_s(State.RECOVERED),
        after_close=_s(State.LOST),
    ),
    Rule(
        Mode.FOUND,
        PASS,
        _s(State.LOST),
        State.RECOVERED,
        Effect.TO_CUSTODY,
        Concerns.HOLDER_OR_REMEMBERED,
        Arrow.FROM,
        already=_s(State.RECOVERED),
        after_close=_s(State.LOST),
    ),
    Rule(
        Mode.SWEEP,
        COPY,
        _s(State.ISSUED, State.COLLECTED, State.LOST),  # not carried out: it left the venue
        State.RECOVERED,
        Effect.TO_CUSTODY,
        Concerns.HOLDER_OR_REMEMBERED,
        Arrow.FROM,
        already=_s(State.RECOVERED, State.REGISTERED),
        first=(ROOM_CHOSEN,),
    ),
    Rule(
        Mode.SWEEP,
        PASS,
        _s(State.ISSUED, State.LOST),
        State.RECOVERED,
        Effect.TO_CUSTODY,
        Concerns.HOLDER_OR_REMEMBERED,
        Arrow.FROM,
        already=_s(State.RECOVERED, State.REGISTERED),
        first=(ROOM_CHOSEN,),
    ),
    Rule(
        Mode.ENTRANCE,
        PASS,
        _s(State.ISSUED),
        None,
        Effect.KEEP,
        Concerns.OWNER,
        wrong_state="pass_not_issued",
        warns=(PLEDGE_SIGNED,),
    ),
)

RULES: dict[tuple[Mode, CarrierKind], Rule] = {(r.mode, r.kind): r for r in TABLE}

# apply() needs only the action: the effect of an action is the same for copies and passes.
EFFECT: dict[Action, Effect] = {MODE_ACTION[r.mode]: r.effect for r in TABLE}
assert all(EFFECT[MODE_ACTION[r.mode]] is r.effect for r in TABLE), "one effect per action"
# Changes during a meeting that move custody without a tap: a withdrawn copy has no holder.
# (A void carries the exact custody it restores: see ``Change.restore``.)
EFFECT[Action.WITHDRAW] = Effect.TO_CUSTODY


# --- decide -----------------------------------------------------------------------------------


def _refuse(key: str, fields: dict[str, object], person: Person | None = None) -> Decision:
    reason = messages.text(key, **fields)
    return Decision(Verdict.REFUSED, reason, reason=reason, person=person)


def _recipient(rule: Rule, facts: Facts, carrier: CarrierFacts) -> Person | None:
    if carrier.kind is PASS and rule.effect is Effect.GIVE:
        return carrier.owner
    if facts.target is not None:
        return facts.target
    if rule.recipient_from_remembered and carrier.custody.state is State.COLLECTED:
        return carrier.remembered
    return None


def _concerned(rule: Rule, carrier: CarrierFacts, recipient: Person | None) -> Person | None:
    if rule.concerns is Concerns.RECIPIENT:
        return recipient
    if rule.concerns is Concerns.HOLDER:
        return carrier.holder
    if rule.concerns is Concerns.OWNER:
        return carrier.owner
    if rule.concerns is Concerns.HOLDER_OR_REMEMBERED:
        return carrier.holder or carrier.remembered
    return None


def _event_consignment(rule: Rule, facts: Facts, carrier: CarrierFacts) -> ConsignmentFacts | None:
    if rule.effect is Effect.TO_COURIER:
        return facts.consignment
    if carrier.custody.state in (State.IN_TRANSIT, State.DELIVERED):
        return carrier.consignment
    return None


def decide(facts: Facts, tap: Tap, *, words: bool = True) -> Decision:
    """The outcome of one tap, from the facts alone (pure).

    Args:
        facts: what the loader read (meeting, carrier, people, consignment, officer).
        tap: the mode and what the custodian typed.
        words: False when only the verdict, the new state, the person and the consignment are
            wanted (the replay of ``verify``): an accepted step's message and warnings are left
            empty (formatting them was ~0.3 s of verify's 9 at 200,000 events). A refusal keeps
            its reason.

    Returns:
        Accepted (with the new state and the person concerned), already, or refused with a
        reason a person understands.
    """
    takes_attendee = tap.mode in (Mode.ISSUE, Mode.REISSUE)
    asked = facts.target if takes_attendee else None
    carrier = facts.carrier
    rule = RULES.get((tap.mode, carrier.kind)) if carrier is not None else None
    if facts.meeting.status is MeetingStatus.CLOSED and (
        carrier is None or rule is None or carrier.custody.state not in rule.after_close
    ):
        return _refuse("meeting_closed", {}, asked)
    if (
        why := trip_refusal(facts.meeting, tap.mode, carrier.kind if carrier else None)
    ) is not None:
        return _refuse(*why, asked)
    if facts.meeting.status.before_open and not facts.meeting.trip:
        for opening in OPENING_GUARDS:
            if (why := opening.check(facts.meeting)) is not None:
                return _refuse(*why, asked)
    if carrier is None:
        if facts.other_meeting is not None:
            return _refuse("other_meeting", {"meeting": facts.other_meeting}, asked)
        if facts.retired_for is not None:
            return _refuse("tag_retired", {"new": facts.retired_for}, asked)
        if facts.released_by is not None:
            return _refuse("tag_released", {"uid": facts.uid, "meeting": facts.released_by}, asked)
        return _refuse("unknown_tag", {"uid": facts.uid}, asked)
    if rule is None:
        if carrier.kind is PASS:
            return _refuse("not_for_pass", {"mode": MODE_LABEL[tap.mode]}, asked)
        return _refuse("only_for_pass", {"item": carrier.item}, asked)

    recipient = _recipient(rule, facts, carrier)
    ctx = Ctx(facts, tap, carrier, recipient)
    refused_person = recipient if takes_attendee else None
    for guard in rule.first:
        if (why := guard.check(ctx)) is not None:
            return _refuse(*why, refused_person)
    state = carrier.custody.state
    if state in rule.already:
        for guard in rule.already_unless:
            if (why := guard.check(ctx)) is not None:
                return _refuse(*why, refused_person)
        return Decision(
            Verdict.ALREADY,
            messages.text("already", item=carrier.item, state=STATE_LABEL[state]),
            to_state=state,
            person=_concerned(rule, carrier, recipient or carrier.holder),
            consignment=_event_consignment(rule, facts, carrier),
        )
    if state not in rule.sources:
        return _refuse(
            rule.wrong_state,
            {"item": carrier.item, "state": STATE_LABEL[state], "mode": MODE_LABEL[tap.mode]},
            refused_person,
        )
    for guard in rule.guards:
        if (why := guard.check(ctx)) is not None:
            return _refuse(*why, refused_person)
    return _accept(rule, facts, tap, ctx, words)


def _accept(rule: Rule, facts: Facts, tap: Tap, ctx: Ctx, words: bool) -> Decision:
    carrier = ctx.carrier
    person = _concerned(rule, carrier, ctx.recipient)
    consignment = _event_consignment(rule, facts, carrier)
    to_state = rule.target or carrier.custody.state
    if not words:
        return Decision(
            Verdict.ACCEPTED, "", to_state=to_state, person=person, consignment=consignment
        )
    remarks = [
        messages.text(why[0], **why[1]) for w in rule.warns if (why := w.check(ctx)) is not None
    ]
    if tap.mode is Mode.ENTRANCE:
        assert person is not None
        message = messages.text("admitted", name=person.name, unit=person.unit)
        if facts.admissions:
            again = messages.text("admitted_again", n=facts.admissions + 1)
            remarks.insert(0, again)
            message = f"{message}　{again}"
        warning = "；".join(remarks)
        return Decision(
            Verdict.ACCEPTED, message, to_state=to_state, person=person, warning=warning
        )
    counterpart = person.name if person else (consignment.unit if consignment else "")
    if rule.effect is Effect.TO_COURIER and consignment is not None:
        counterpart = consignment.unit  # a delegate handing a copy in is named after it
    if rule.arrow is Arrow.NONE or not counterpart:
        message = messages.text("accepted_plain", mode=MODE_LABEL[tap.mode], item=carrier.item)
        if person is not None and carrier.kind is not PASS:  # a pass's label names its holder
            message = messages.text(
                "accepted_about", mode=MODE_LABEL[tap.mode], item=carrier.item, holder=person.name
            )
    else:
        key = "accepted_to" if rule.arrow is Arrow.TO else "accepted_from"
        message = messages.text(
            key, mode=MODE_LABEL[tap.mode], item=carrier.item, holder=counterpart
        )
    if tap.mode is Mode.SWEEP:
        message += messages.text("swept_in", room=tap.room)
    if facts.meeting.status is MeetingStatus.CLOSED:  # a find recorded after the close
        remarks.append(messages.text("found_after_close", code=facts.meeting.code))
        message = f"{message}　{remarks[-1]}"
    if rule.effect is Effect.TO_COURIER and person is not None:
        message += messages.text("handed_in", name=person.name)
    document = carrier.document
    if tap.mode is Mode.COLLECT and document is not None and not document.collect_at_breaks:
        remarks.append(messages.text("break_not_flagged"))
        message = f"{message}　{remarks[-1]}"
    warning = "；".join(remarks)  # shown beside the message (desk, CLI), yellow
    return Decision(
        Verdict.ACCEPTED,
        message,
        to_state=to_state,
        person=person,
        consignment=consignment,
        warning=warning,
    )


# --- apply ------------------------------------------------------------------------------------


@quick
@dataclass(frozen=True)
class Change:
    """The parts of a ledger event that ``apply`` reads."""

    action: Action
    verdict: Verdict
    to_state: State | None
    attendee_id: int | None = None
    consignment_id: int | None = None
    restore: Custody | None = None
    """A void's compensation: the exact custody before the voided event."""


@lru_cache(maxsize=1 << 16)
def _custody(
    state: State, holder_id: int | None, remembered_id: int | None, consignment_id: int | None
) -> Custody:
    """One ``Custody`` per value (it is frozen): a fold of 200,000 taps keeps each carrier's
    custody before every tap (for voids), most of them alike (bench/README.md, export memory)."""
    return Custody(state, holder_id, remembered_id, consignment_id)


def apply(custody: Custody, change: Change) -> Custody:
    """A carrier's custody after one ledger event (pure and total over the event types).

    Refused and "already" events, and actions that are not custody steps (enroll, close, …),
    leave the custody as it was; an accepted void puts back the custody it carries.
    """
    if change.action is Action.VOID:
        ok = change.verdict is Verdict.ACCEPTED and change.restore is not None
        return change.restore if ok and change.restore is not None else custody
    effect = EFFECT.get(change.action)
    if change.verdict is not Verdict.ACCEPTED or effect is None or change.to_state is None:
        return custody
    to, consignment = change.to_state, custody.consignment_id
    if effect is Effect.GIVE:
        return _custody(to, change.attendee_id, None, consignment)
    if effect is Effect.COLLECT:
        return _custody(to, None, custody.holder_id, consignment)
    if effect is Effect.TO_CUSTODY:
        return _custody(to, None, None, consignment)
    if effect is Effect.TO_COURIER:
        return _custody(to, None, None, change.consignment_id)
    return replace(custody, state=to)


# --- the table as a document ----------------------------------------------------------------

_KIND_WORD = {COPY: "copy", PASS: "pass"}


def _states(states: frozenset[State]) -> str:
    order = list(State)
    return ", ".join(s.value for s in sorted(states, key=order.index)) or "—"


def table_markdown() -> str:
    """The transition table as Markdown (docs/custody.md embeds it; a test compares)."""
    lines = [
        "| mode | kind | from | to | already | needs (in order) | effect | ledger names |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in TABLE:
        needs = [g.name for g in (*r.first, *r.guards)]
        if r.already_unless:
            needs.append("already only if: " + "、".join(g.name for g in r.already_unless))
        if r.warns:
            needs.append("warns unless: " + "、".join(w.name for w in r.warns))
        if r.after_close:
            needs.append("also after close, from: " + _states(r.after_close))
        lines.append(
            f"| {r.mode.value} ({MODE_LABEL[r.mode]}) | {_KIND_WORD[r.kind]} | {_states(r.sources)} | "
            f"{r.target.value if r.target else '(no change)'} | {_states(r.already)} | "
            f"{'；'.join(needs) or '—'} | {r.effect.value} | {r.concerns.value} |"
        )
    lines += [
        "",
        "Before the meeting opens (draft or filed), every tap first passes, in order:",
        "",
    ]
    lines += [f"{i}. {g.name}" for i, g in enumerate(OPENING_GUARDS, start=1)]
    return "\n".join(lines) + "\n"
