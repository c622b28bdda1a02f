"""Re-deciding a meeting's history: for each accepted event, would the rules accept it with the
world as the ledger stood just before it? (docs/architecture.md, "How a verify travels".)

A tap is asked of :func:`carrier_tracker.custody.rules.decide` with facts built from the fold,
exactly as the tap service builds them from the tables; the meeting's other commands are asked
the checks their services make (an officer where one is needed, the meeting's state, nothing
outstanding at a close, …). Who was an officer, and which PIN hashes were genuine, comes from
the system chain at the moment the event records (its ``system_seq``).

Nothing here reads a database or a clock: :func:`problems` takes the world before the event,
the system world, and the event, and returns what is wrong in the words a refusal uses.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from functools import lru_cache

from carrier_tracker import messages
from carrier_tracker.custody import checklists, rules
from carrier_tracker.custody.plan import Plan
from carrier_tracker.enums import (
    MODE_ACTION,
    OUTSTANDING,
    Action,
    CarrierKind,
    DestroyMethod,
    Disposal,
    Level,
    MeetingKind,
    MeetingStatus,
    Mode,
    PlaceKind,
    Role,
    State,
    Verdict,
    requires_filing,
)
from carrier_tracker.ledger import events as ev
from carrier_tracker.ledger.fold import (
    AttendeeState,
    CarrierState,
    DocumentState,
    MeetingWorld,
    SystemWorld,
)

ACTION_MODE = {action: mode for mode, action in MODE_ACTION.items()}
RETAG_REFUSED = frozenset({State.LOST, State.DELIVERED, State.IN_TRANSIT, State.WITHDRAWN})
"""Carriers that are not at hand to be re-tagged (the retag service refuses them)."""
RETAG_NEEDS_OFFICER = frozenset({State.ISSUED, State.CARRIED_OUT})
"""Out of custody: re-tagging needs an officer."""
CUSTODY_ACTIONS = frozenset(MODE_ACTION.values()) | {Action.WITHDRAW}
"""Events that move a carrier's custody: a later one on the same carrier blocks a void."""


def officer_needed(mode: Mode, override: bool) -> bool:
    """True when a tap in this mode needs an officer: the operator, or an approving officer.
    The tap service asks the same question (``custody.service.needs_officer``)."""
    return mode in (Mode.CARRY_OUT, Mode.LOST) or override


@lru_cache(maxsize=512)
def _plan(stored: str) -> Plan:
    return Plan.loads(stored)


class Judge:
    """Asks the rules about each accepted event of one meeting, against the system chain."""

    def __init__(self, system: SystemWorld) -> None:
        self.system = system
        self._labels: dict[tuple[str, int], str] = {}
        """A held copy's label (``HY-01 第001份``) by (document number, copy number): made once,
        not on every tap that lists its holder's copies (it was a third of verify's time)."""
        self._people: dict[int, tuple[tuple[object, ...], rules.Person]] = {}
        """Attendee id → (what their ``Person`` was made from, that ``Person`` without
        holdings). Reused only while every input is equal again (checked on each use, not
        invalidated by events), so no event that changes an attendee can leave it stale."""
        self._documents: dict[int, tuple[tuple[object, ...], rules.DocumentFacts]] = {}
        """Document id → (its row's fields, its facts), reused the same way."""
        self._meeting: tuple[tuple[object, ...], rules.MeetingFacts] | None = None
        self._taps: dict[tuple[Mode, str, str, bool, str], rules.Tap] = {}

    # --- people and roles ---------------------------------------------------------------------

    def _officer(self, name: str, seq: int | None) -> bool:
        if not name or seq is None:
            return False
        standing = self.system.at(name, seq)
        return standing is not None and standing.role == Role.OFFICER and not standing.disabled

    def approved(self, stamp: ev.Stamp) -> bool:
        """The operator is an officer, or the approver is, at the event's system seq. An event
        from before events recorded one (legacy) is taken as approved: nothing says otherwise."""
        if stamp.system_seq is None:
            return True
        return self._officer(stamp.operator, stamp.system_seq) or self._officer(
            stamp.approver, stamp.system_seq
        )

    def pin_problems(self, stamp: ev.Stamp) -> list[str]:
        """PIN hashes that authenticated the event's people but that the system chain never set
        (a hash swapped in the table), and registered people whose PIN the event did not record
        (their row was missing or renamed when it was written)."""
        if stamp.system_seq is None:
            return []
        out = []
        for who, digest in (
            (stamp.operator, stamp.operator_pin),
            (stamp.approver, stamp.approver_pin),
        ):
            if not who:
                continue
            standing = self.system.at(who, stamp.system_seq)
            if digest and (standing is None or digest not in standing.pins):
                out.append(messages.text("replay_pin_unknown", name=who))
            elif not digest and standing is not None:
                out.append(messages.text("replay_pin_missing", name=who))
        return out

    # --- the verdict on one event ---------------------------------------------------------------

    def problems(self, world: MeetingWorld, event: ev.MeetingEvent) -> list[str]:
        """What is wrong with this event, given the world just before it (empty: nothing)."""
        stamp = event.stamp
        if isinstance(event, ev.Unreadable):
            return [
                messages.text("replay_unreadable", action=event.raw_action, problem=event.problem)
            ]
        out = self.pin_problems(stamp)
        if not stamp.accepted:
            return out
        if (
            stamp.approver
            and stamp.system_seq is not None
            and not self._officer(stamp.approver, stamp.system_seq)
        ):
            out.append(messages.text("replay_approver_not_officer", name=stamp.approver))
        why = self._refusal(world, event)
        if why:
            out.append(why)
        return out

    def _refusal(self, world: MeetingWorld, event: ev.MeetingEvent) -> str:
        m, stamp = world.meeting, event.stamp
        closed = m.status is MeetingStatus.CLOSED
        who = stamp.operator or messages.text("not_filled")
        match event:
            case ev.Tapped():
                return self._tap(world, event)
            case ev.Imported():
                return self._trip_opened(event, who)
            case ev.Filed():
                if not m.status.before_open:
                    status = messages.MEETING_STATUS_LABEL[m.status]
                    return messages.text("file_after_open", code=m.code, status=status)
                if not self.approved(stamp):
                    return messages.text("file_officer", operator=who)
            case ev.CheckAccepted():
                if closed:
                    return messages.text("checklist_closed", code=m.code)
                if not self.approved(stamp):
                    return messages.text("checklist_accept_officer", operator=who)
            case ev.Checked() | ev.Pledged() | ev.CopiesAdded() | ev.ConsignmentOpened():
                if closed:
                    return messages.text("meeting_closed")
            case ev.PlanSet():
                if closed:
                    return messages.text("plan_closed")
                if not self.approved(stamp):
                    return messages.text("plan_officer", operator=who)
            case ev.AttendeeAdded():
                if closed:
                    return messages.text("change_closed")
                if not self.approved(stamp):
                    return _officer_change("what_attendee_add", who)
            case ev.Substituted():
                return self._substituted(world, event, who)
            case ev.Withdrawn():
                c = world.carriers.get(event.carrier_id)
                state = c.custody.state if c is not None else None
                if closed:
                    return messages.text("change_closed")
                if state is not State.REGISTERED:
                    return messages.text(
                        "withdraw_state", item=_item(world, c), state=_state_label(state)
                    )
                if not stamp.note.strip():
                    return messages.text("change_note", what=messages.text("what_withdraw"))
                if not self.approved(stamp):
                    return _officer_change("what_withdraw", who)
            case ev.Retagged():
                c = world.carriers.get(event.carrier_id)
                state = c.custody.state if c is not None else None
                if closed:
                    return messages.text("change_closed")
                if state in RETAG_REFUSED:
                    return messages.text(
                        "retag_state", item=_item(world, c), state=_state_label(state)
                    )
                if state in RETAG_NEEDS_OFFICER and not self.approved(stamp):
                    return _officer_change("what_retag", who)
            case ev.Voided():
                return self._voided(world, event, who)
            case ev.ReceiptRecorded():
                if closed:
                    return messages.text("meeting_closed")
            case ev.Bound():
                if closed:
                    return messages.text("meeting_closed")
            case ev.Closed():
                return self._closed(world, event, who)
            case ev.Disposed():
                return self._disposed(world, event, who)
            case ev.DisposalVoided():
                return self._disposal_voided(world, event, who)
        return ""

    # --- trips (外出携带) -----------------------------------------------------------------------

    def _trip_opened(self, event: ev.Imported, who: str) -> str:
        """A trip is opened only with an officer's approval (涉密载体外出审批) and a due date."""
        r = event.meeting
        if r is None or r.kind == MeetingKind.MEETING:
            return ""
        if r.kind != MeetingKind.TRIP:
            return messages.text("trip_kind_unknown", kind=r.kind)
        if not r.due_on:
            return messages.text("trip_needs_due")
        if not self.approved(event.stamp):
            return messages.text("trip_officer", operator=who)
        return ""

    # --- dispositions ----------------------------------------------------------------------------

    def _disposed(self, world: MeetingWorld, event: ev.Disposed, who: str) -> str:
        """The checks ``meeting.disposition.dispose`` makes, with the ledger as it stood."""
        _stamp, seq = event.stamp, event.stamp.system_seq
        try:
            kind = Disposal(event.kind)
        except ValueError:
            return messages.text("dispose_kind_unknown", kind=event.kind)
        if not event.carriers or len(set(event.carriers)) != len(event.carriers):
            return messages.text("replay_dispose_carriers")
        if kind is Disposal.DESTROY:
            why = self._witnesses(event, who)
            if why:
                return why
        for cid in event.carriers:
            c = world.carriers.get(cid)
            state = c.custody.state if c is not None else None
            if c is None or c.kind != CarrierKind.COPY:
                return messages.text("replay_dispose_carriers")
            if state is not State.RECOVERED:
                return messages.text(
                    "dispose_state", item=_item(world, c), state=_state_label(state)
                )
        if kind is Disposal.ARCHIVE and not self.system.place_known(
            PlaceKind.ARCHIVE, event.location, seq
        ):
            return messages.text("dispose_location_unknown", location=event.location)
        if (
            kind is Disposal.RETURN
            and event.unit != world.meeting.organizer
            and not self.system.place_known(PlaceKind.UNIT, event.unit, seq)
        ):
            return messages.text("dispose_unit_unknown", unit=event.unit)
        for cid, uid in event.released:
            c = world.carriers.get(cid)
            if cid not in event.carriers or c is None or c.tag_uid != uid or c.tag_released:
                return messages.text("replay_dispose_released", uid=uid)
        return ""

    def _witnesses(self, event: ev.Disposed, who: str) -> str:
        """Destruction: a method, at least one witness, each a different registered operator in
        use whose PIN was checked, and an officer among the operator and the witnesses."""
        stamp, seq = event.stamp, event.stamp.system_seq
        if event.method not in {m.value for m in DestroyMethod}:
            return messages.text("dispose_method_unknown", method=event.method)
        if not event.witnesses:
            return messages.text("dispose_witness_missing")
        names = [w.name for w in event.witnesses]
        if len(set(names)) != len(names):
            return messages.text("dispose_witness_twice")
        for w in event.witnesses:
            if w.name == stamp.operator:
                return messages.text("dispose_witness_is_operator", name=w.name)
            standing = self.system.at(w.name, seq) if seq is not None else None
            if standing is None or standing.disabled:
                return messages.text("dispose_witness_unknown", name=w.name)
            if not w.pin or w.pin not in standing.pins:
                return messages.text("replay_witness_pin", name=w.name)
        if not any(self._officer(name, seq) for name in (stamp.operator, *names)):
            return messages.text("dispose_officer", operator=who, witnesses="、".join(names))
        return ""

    def _disposal_voided(self, world: MeetingWorld, event: ev.DisposalVoided, who: str) -> str:
        seq = event.target_seq
        made = world.disposals.get(seq)
        if made is None:
            if seq in world.voided:
                return messages.text("void_already", seq=seq, by=world.voided[seq])
            return messages.text("replay_void_target", seq=seq)
        if made.carriers != event.carriers:
            return messages.text("replay_void_restore", seq=seq)
        if not event.stamp.note.strip():
            return messages.text("change_note", what=messages.text("what_void"))
        if not self.approved(event.stamp):
            return _officer_change("what_void", who)
        return ""

    def _substituted(self, world: MeetingWorld, event: ev.Substituted, who: str) -> str:
        if world.meeting.status is MeetingStatus.CLOSED:
            return messages.text("change_closed")
        absent = world.person(event.absent_id)
        if absent is not None:
            if absent.substitute_for_id is not None:
                return messages.text("substitute_of_substitute", code=absent.code, name=absent.name)
            taken = world.person(world.substitute_of.get(absent.id))
            if taken is not None:
                return messages.text(
                    "substitute_taken",
                    code=absent.code,
                    name=absent.name,
                    sub_code=taken.code,
                    sub_name=taken.name,
                )
            out = world.held_by[absent.id] | world.lost_by[absent.id]  # the service: OUTSTANDING
            held = [_item(world, world.carriers[c]) for c in sorted(out)]
            if world.pass_issued(absent.id):
                held.append(_item(world, world.carriers[world.pass_of[absent.id]]))
            if held:
                return messages.text(
                    "substitute_absent_holds",
                    code=absent.code,
                    name=absent.name,
                    items="、".join(held),
                )
        if not self.approved(event.stamp):
            return _officer_change("what_substitute", who)
        return ""

    def _voided(self, world: MeetingWorld, event: ev.Voided, who: str) -> str:
        seq = event.target_seq
        if world.meeting.status is MeetingStatus.CLOSED:
            return messages.text("change_closed")
        if seq in world.voided:
            return messages.text("void_already", seq=seq, by=world.voided[seq])
        moved = world.tap_custody.get(seq)
        if moved is None or moved[0] != event.carrier_id:
            return messages.text("replay_void_target", seq=seq)
        later = [
            s
            for s in world.later_moves.get(event.carrier_id, ())
            if s > seq and s not in world.voided
        ]
        if later:
            return messages.text(
                "void_conflict",
                seq=seq,
                later="、".join(messages.text("replay_seq", seq=s) for s in later),
            )
        if moved[1] != event.restore:
            return messages.text("replay_void_restore", seq=seq)
        if not event.stamp.note.strip():
            return messages.text("change_note", what=messages.text("what_void"))
        if not self.approved(event.stamp):
            return _officer_change("what_void", who)
        return ""

    def _closed(self, world: MeetingWorld, event: ev.Closed, who: str) -> str:
        m, stamp = world.meeting, event.stamp
        if m.status is MeetingStatus.CLOSED:
            return messages.text("replay_closed_twice", code=m.code)
        if m.status.before_open:
            if event.detailed and not event.never_opened:
                return messages.text("close_never_opened", code=m.code)
            if not self.approved(stamp):
                return messages.text("close_never_opened_officer", operator=who)
            return ""
        pending = [c for c in world.carriers.values() if c.custody.state in PENDING]
        lost = [c for c in world.carriers.values() if c.custody.state is State.LOST]
        if pending:
            items = "、".join(_item(world, c) for c in sorted(pending, key=lambda c: c.id)[:10])
            return messages.text("replay_close_outstanding", count=len(pending), items=items)
        if lost:
            if event.detailed and (
                not event.with_exceptions or not (event.close_note or "").strip()
            ):
                return messages.text("close_lost", count=len(lost))
            if not self.approved(stamp):
                return messages.text("close_officer", operator=who)
        return ""

    # --- taps ----------------------------------------------------------------------------------

    def _tap(self, world: MeetingWorld, event: ev.Tapped) -> str:
        mode = ACTION_MODE.get(event.tap_action)
        if mode is None or event.carrier_id is None:
            return messages.text("replay_tap_no_carrier")
        legacy = event.stamp.system_seq is None
        asked = (
            mode,
            event.stamp.operator,
            event.stamp.note,
            event.override or legacy,
            event.room or ("?" if mode is Mode.SWEEP and legacy else ""),
        )
        tap = self._taps.get(asked)
        if tap is None:  # a frozen Tap per distinct request, not per event
            if len(self._taps) > 4096:
                self._taps.clear()
            tap = self._taps[asked] = rules.Tap(*asked)
        approved = self.approved(event.stamp) if officer_needed(mode, tap.override) else False
        try:
            facts = self.facts(world, event, mode, tap, approved)
        except (ValueError, KeyError) as e:
            return messages.text("replay_tap_facts", problem=str(e))
        decision = rules.decide(facts, tap, words=False)
        if decision.verdict is Verdict.REFUSED:
            return decision.reason
        if decision.verdict is not Verdict.ACCEPTED:
            return messages.text(
                "replay_tap_already",
                state=_state_label(facts.carrier.custody.state if facts.carrier else None),
            )
        want = decision.to_state.value if decision.to_state else None
        have_person = event.attendee_id
        want_person = decision.person.id if decision.person else None
        if want != event.to_state or (want_person != have_person and mode is not Mode.ENTRANCE):
            return messages.text("replay_tap_other")
        return ""

    def _person(
        self,
        world: MeetingWorld,
        a: AttendeeState | None,
        *,
        holdings: bool,
        passes: bool,
        document_id: int | None = None,
    ) -> rules.Person | None:
        """The attendee as the rules see them; with ``holdings`` the copies they hold — of
        ``document_id`` only when given, as the tap service reads them for a copy's hand-over
        (the one guard that reads a recipient's copies, ONE_COPY_EACH, asks only about those)."""
        if a is None:
            return None
        issued = passes and world.pass_issued(a.id)
        made_of = (a.code, a.name, a.unit, a.clearance, a.out_of_town, a.pledge_on, issued)
        cached = self._people.get(a.id)
        if cached is not None and cached[0] == made_of:
            person = cached[1]
        else:
            person = rules.Person(
                id=a.id,
                code=a.code,
                name=a.name,
                unit=a.unit,
                clearance=_level(a.clearance),
                out_of_town=a.out_of_town,
                pass_issued=issued,
                pledged=a.pledge_on is not None,
            )
            self._people[a.id] = (made_of, person)
        if not holdings:
            return person
        ids: Collection[int] = (
            world.held_by.get(a.id, set()) | world.lost_by.get(a.id, set())  # as the tap service
            if document_id is None
            else world.held_of.get((a.id, document_id), ())  # (ONE_COPY_EACH skips lost ones)
        )
        if not ids:
            return person
        held = []
        labels = self._labels
        for cid in ids:
            c = world.carriers[cid]
            doc = world.documents.get(c.document_id or -1)
            number, copy = (doc.number if doc else "?"), c.copy_number or 0
            label = labels.get((number, copy))
            if label is None:
                label = labels[number, copy] = messages.text("copy_item", doc=number, copy=copy)
            held.append(
                (
                    doc.number if doc else "",
                    copy,
                    rules.Held(cid, c.document_id or 0, label, c.custody.state),
                )
            )
        holding = tuple(h for _n, _k, h in sorted(held, key=lambda t: (t[0], t[1])))
        return replace(person, holding=holding)

    def _replaced(self, world: MeetingWorld, person: rules.Person | None) -> rules.Person | None:
        if person is None:
            return None
        sub = world.person(world.substitute_of.get(person.id))
        return replace(person, replaced_by=f"{sub.code} {sub.name}") if sub is not None else person

    def facts(
        self,
        world: MeetingWorld,
        event: ev.Tapped,
        mode: Mode,
        tap: rules.Tap,
        approved: bool,
    ) -> rules.Facts:
        """The facts the tap service would have read for this tap, from the world before it
        (``custody.service.load_facts`` reads the same things from the tables)."""
        meeting = self._meeting_facts(world, event)
        c = world.carriers[event.carrier_id or -1]
        is_copy = c.kind == CarrierKind.COPY
        takes_attendee = mode in (Mode.ISSUE, Mode.REISSUE)
        target_row = world.person(event.attendee_id) if takes_attendee and is_copy else None
        if takes_attendee and not is_copy:
            target_row = world.person(c.owner_id)
        custody = c.custody
        loads = (is_copy and takes_attendee) or (not is_copy and mode is Mode.RECALL)
        passes = loads and is_copy and meeting.requires_passes

        of_document = c.document_id if is_copy else None

        def person(a: AttendeeState | None) -> rules.Person | None:
            return self._person(world, a, holdings=loads, passes=passes, document_id=of_document)

        doc = world.documents.get(c.document_id or -1) if is_copy else None
        doc_facts = self._document_facts(doc) if doc is not None else None
        target = person(target_row)
        if (
            target is not None
            and target_row is not None
            and doc_facts is not None
            and not doc_facts.plan.everyone
            and target_row.substitute_for_id is not None
        ):
            absent = world.person(target_row.substitute_for_id)
            if absent is not None:
                target = replace(target, stands_for=(absent.code, absent.unit))
        owner = person(world.person(c.owner_id))
        if takes_attendee:
            target = self._replaced(world, target)
            owner = self._replaced(world, owner)
        current = world.consignments.get(custody.consignment_id or -1)
        chosen = (
            world.consignments.get(event.consignment_id or -1)
            if mode in (Mode.DISPATCH, Mode.DELIVER)
            else None
        )
        carrier = rules.CarrierFacts(
            id=c.id,
            kind=_kind(c.kind),
            item=self._item(world, c),
            custody=custody,
            document=doc_facts,
            owner=owner,
            holder=person(world.person(custody.holder_id)),
            remembered=person(world.person(custody.remembered_id)),
            consignment=_consignment(current),
        )
        return rules.Facts(
            meeting=meeting,
            uid=event.uid or "",
            carrier=carrier,
            target=target if takes_attendee else None,
            consignment=_consignment(chosen),
            operator_is_officer=approved,
            admissions=world.admissions.get(c.id, 0) if mode is Mode.ENTRANCE else 0,
        )

    def _meeting_facts(self, world: MeetingWorld, event: ev.Tapped) -> rules.MeetingFacts:
        """The meeting's facts, made again only when one of their inputs changed."""
        m = world.meeting
        level = _level(m.level) if m.level else Level.NEIBU
        venue_open: tuple[str, ...] = ()
        trip = m.kind == MeetingKind.TRIP
        if m.status.before_open and requires_filing(level) and not trip:
            venue_open = self._venue_open(world, event)
        made_of = (m.code, m.status, m.requires_passes, level, venue_open, trip)
        if self._meeting is not None and self._meeting[0] == made_of:
            return self._meeting[1]
        facts = rules.MeetingFacts(
            id=0,
            code=m.code,
            status=m.status,
            requires_passes=m.requires_passes,
            level=level,
            venue_open_items=venue_open,
            trip=trip,
        )
        self._meeting = (made_of, facts)
        return facts

    def _document_facts(self, doc: DocumentState) -> rules.DocumentFacts:
        """A document's facts, made again only when its row changed (a plan set, …)."""
        made_of = (doc.number, doc.level, doc.may_take_away, doc.collect_at_breaks, doc.plan)
        cached = self._documents.get(doc.id)
        if cached is not None and cached[0] == made_of:
            return cached[1]
        facts = rules.DocumentFacts(
            id=doc.id,
            number=doc.number,
            level=_level(doc.level),
            may_take_away=doc.may_take_away,
            collect_at_breaks=doc.collect_at_breaks,
            plan=_plan(doc.plan),
        )
        self._documents[doc.id] = (made_of, facts)
        return facts

    def _item(self, world: MeetingWorld, c: CarrierState) -> str:
        """:func:`_item`, a copy's label made once per (document number, copy number)."""
        if c.kind == CarrierKind.PASS:
            return _item(world, c)
        doc = world.documents.get(c.document_id or -1)
        number, copy = (doc.number if doc else "?"), c.copy_number or 0
        label = self._labels.get((number, copy))
        if label is None:
            label = self._labels[number, copy] = messages.text("copy_item", doc=number, copy=copy)
        return label

    def _venue_open(self, world: MeetingWorld, event: ev.Tapped) -> tuple[str, ...]:
        venue = checklists.active()[checklists.VENUE]
        if event.venue is not None:  # the items in force when the tap opened the meeting
            wanted = {i.lower() for i in event.venue}
            items = tuple(it for it in venue.items if it.id.lower() in wanted)
            known = {it.id.lower() for it in items}
            items += tuple(
                checklists.Item(i, i, i, "") for i in event.venue if i.lower() not in known
            )
            venue = replace(venue, items=items)
        answers = {
            k[1]: (a.answer, bool(a.accepted_by))
            for k, a in world.answers.items()
            if k[0] == checklists.VENUE
        }
        return tuple(it.label for it in checklists.unsettled(venue, answers))


_LEVELS = {level.value: level for level in Level}
_KINDS = {kind.value: kind for kind in CarrierKind}


def _level(value: str) -> Level:
    """``Level(value)`` by a dict (an enum call per party per tap was a tenth of verify's
    time); anything else goes through ``Level`` itself, which raises its own ValueError."""
    try:
        found = _LEVELS.get(value)
    except TypeError:  # unhashable: not a member either
        found = None
    return found if found is not None else Level(value)


def _kind(value: str) -> CarrierKind:
    """``CarrierKind(value)`` by a dict, the same way."""
    try:
        found = _KINDS.get(value)
    except TypeError:  # unhashable: not a member either
        found = None
    return found if found is not None else CarrierKind(value)


PENDING = OUTSTANDING - {State.LOST}
"""Outstanding but not lost: a close waits for these."""


def _consignment(k: object) -> rules.ConsignmentFacts | None:
    if k is None:
        return None
    return rules.ConsignmentFacts(k.id, k.number, k.unit, k.attendee_id)  # type: ignore[attr-defined]


def _state_label(state: State | None) -> str:
    return messages.STATE_LABEL[state] if state is not None else messages.text("audit_empty")


def _item(world: MeetingWorld, c: CarrierState | None) -> str:
    """How a carrier is named to people, from the world (``J-01 第003份``, ``会议证 P001（张三）``)."""
    if c is None:
        return messages.text("audit_carrier_id", id="?")
    if c.kind == CarrierKind.PASS:
        owner = world.person(c.owner_id)
        number = (owner.pass_number or owner.code) if owner else "?"
        return messages.text("pass_item", number=number, name=owner.name if owner else "?")
    doc = world.documents.get(c.document_id or -1)
    return messages.text("copy_item", doc=doc.number if doc else "?", copy=c.copy_number or 0)


def item_label(world: MeetingWorld, carrier_id: int) -> str:
    """How the carrier with this id is named to people."""
    return _item(world, world.carriers.get(carrier_id))


def _officer_change(what: str, who: str) -> str:
    return messages.text("change_officer", what=messages.text(what), operator=who)
