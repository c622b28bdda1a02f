"""Hypothesis: random tap sequences against a tiny, independent model of the custody rules
(an if-chain written from docs/architecture.md §3 and the issues, not from ``rules.TABLE``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlmodel import Session, SQLModel, col, func, select

from carrier_tracker import messages
from carrier_tracker.custody.rules import Custody
from carrier_tracker.custody.service import record_tap
from carrier_tracker.enums import Mode, State, Verdict
from carrier_tracker.ledger import codec, keyring
from carrier_tracker.ledger.audit import audit_meeting
from carrier_tracker.ledger.fold import fold_meeting
from carrier_tracker.ledger.rebuild import rebuild
from carrier_tracker.meeting.distribution import set_plan
from carrier_tracker.meeting.lifecycle import open_consignment
from carrier_tracker.storage.db import make_engine
from carrier_tracker.storage.models import Carrier, Event
from tests.factories import World, make_world

KEY = b"k" * 32
PEOPLE = ["A001", "A002", "A003"]
CLEARANCE = {"A001": 2, "A002": 2, "A003": 1}
OUT_OF_TOWN = {"A002"}
DOCS = {"D1": (2, True), "D2": (1, False)}  # level rank, may take away


@dataclass
class M:
    """Model of one carrier."""

    state: State = State.REGISTERED
    holder: str | None = None
    remembered: str | None = None
    consignment: str | None = None


class CustodyMachine(RuleBasedStateMachine):
    """Random taps on a small meeting, each checked against the model above."""

    def __init__(self) -> None:
        super().__init__()
        self.engine = make_engine("sqlite://")
        SQLModel.metadata.create_all(self.engine)
        self.session = Session(self.engine, expire_on_commit=False)
        self.world: World | None = None
        self.model: dict[str, M] = {}
        self.targets: dict[str, str] = {}
        self.requires_passes = True
        self.taps = 0

    @initialize(requires_passes=st.booleans())
    def meeting(self, requires_passes: bool) -> None:
        """A meeting with passes (机密) or without (秘密-style: copies need no pass)."""
        self.requires_passes = requires_passes
        self.world = make_world(self.session, requires_passes=requires_passes, key=KEY)
        open_consignment(
            session=self.session,
            key=KEY,
            meeting_code="M1",
            number="K2",
            unit="上海某所",
            operator="小孙",
        )
        # D3 (untagged, never tapped) gets a plan: the history has a plan event to rebuild.
        set_plan(
            session=self.session,
            key=KEY,
            meeting_code="M1",
            doc_no="D3",
            to="A001",
            operator="赵官",
        )
        self.session.commit()
        self.taps = self.session.exec(select(func.count()).select_from(Event)).one()  # setup events
        for (doc, n), c in self.world.copies.items():
            if c.tag_uid:
                self.targets[f"{doc}/{n}"] = c.tag_uid
                self.model[f"{doc}/{n}"] = M()
        for code, c in self.world.passes.items():
            self.targets[f"pass:{code}"] = c.tag_uid or ""
            self.model[f"pass:{code}"] = M()

    def teardown(self) -> None:
        try:
            if self.world is not None:
                self.rebuilt_reads_the_same()
        finally:
            self.session.close()
            self.engine.dispose()

    def rebuilt_reads_the_same(self) -> None:
        """``rebuild`` of the history so far writes exactly the tables it was made from."""
        self.session.commit()
        self.session.close()
        new = make_engine("sqlite://")
        try:
            rebuild(old=self.engine, new=new, key=KEY)
            got, want = _tables(new), _tables(self.engine)
            for name in want:
                assert got[name] == want[name], (name, set(got[name]) ^ set(want[name]))
        finally:
            new.dispose()

    @rule(data=st.data())
    def one_field_edited_is_named(self, data: st.DataObject) -> None:
        """Any one field of any row the ledger decides, changed in the table, is a difference
        (then put back)."""
        if self.world is None:
            return
        self.session.commit()
        table_name, column = data.draw(st.sampled_from(EDITABLE))
        table = SQLModel.metadata.tables[table_name]
        conn = self.session.connection()
        keys = [r[0] for r in conn.execute(sa_select(table.c.id).order_by(table.c.id))]
        if not keys:
            return
        row_key = data.draw(st.sampled_from(keys))
        where = table.c.id == row_key
        old = conn.execute(sa_select(table.c[column]).where(where)).scalar()
        changed = _other(column, old)
        conn.execute(sa_update(table).where(where).values({column: changed}))
        self.session.commit()
        try:
            self.session.expire_all()
            report = audit_meeting(self.session, KEY, self.world.meeting)
            label = messages.COLUMN_LABEL.get(column, column)
            assert not report.ok, (table_name, column, old, changed)
            if column not in ("state", "holder_id", "remembered_holder_id"):
                assert any(label in d for d in report.findings()), (label, report.findings())
        finally:
            self.session.connection().execute(sa_update(table).where(where).values({column: old}))
            self.session.commit()
            self.session.expire_all()

    def holds(self, person: str) -> list[str]:
        return [
            t
            for t, m in self.model.items()
            if not t.startswith("pass:")
            and m.holder == person
            and m.state in (State.ISSUED, State.CARRIED_OUT)
        ]

    def lost_by(self, person: str) -> list[str]:
        """Copies reported lost while ``person`` held them (a lost copy keeps its holder)."""
        return [
            t
            for t, m in self.model.items()
            if not t.startswith("pass:") and m.holder == person and m.state == State.LOST
        ]

    def expect(
        self,
        target: str,
        mode: Mode,
        who: str | None,
        cons: str | None,
        officer: bool,
        override: bool,
        note: bool,
    ) -> tuple[Verdict, M, str | None]:
        """The model's verdict, the carrier's next model state and the person the event names."""
        m = self.model[target]
        new = M(m.state, m.holder, m.remembered, m.consignment)
        is_pass = target.startswith("pass:")
        owner = target[5:] if is_pass else None
        doc = None if is_pass else target.split("/")[0]
        s = m.state
        approved = override and officer
        asked = who if mode in (Mode.ISSUE, Mode.REISSUE) else None
        refused = (Verdict.REFUSED, m, None)

        def may_hold(person: str) -> bool:
            if is_pass:
                return True
            if CLEARANCE[person] < DOCS[doc][0]:  # type: ignore[index]
                return False
            if self.requires_passes and self.model[f"pass:{person}"].state != State.ISSUED:
                return False
            same_doc = [t for t in self.holds(person) if t.split("/")[0] == doc and t != target]
            return not same_doc or approved

        def refused_for(person: str | None) -> tuple[Verdict, M, str | None]:
            return (Verdict.REFUSED, m, person)

        if is_pass and mode not in (
            Mode.ISSUE,
            Mode.RECALL,
            Mode.LOST,
            Mode.FOUND,
            Mode.ENTRANCE,
            Mode.SWEEP,
        ):
            return refused_for(asked)
        if mode is Mode.ENTRANCE:
            return (Verdict.ACCEPTED, m, owner) if is_pass and s == State.ISSUED else refused
        if mode is Mode.ISSUE:
            if is_pass:
                if who is not None and who != owner:
                    return refused_for(owner)
                person = owner
            else:
                person = who or (m.remembered if s == State.COLLECTED else None)
            if person is None:
                return refused
            if s == State.ISSUED:
                return (Verdict.ALREADY, m, m.holder) if m.holder == person else refused_for(person)
            if s not in (State.REGISTERED, State.COLLECTED, State.RECOVERED):
                return refused_for(person)
            if s == State.COLLECTED and person != m.remembered and not approved:
                return refused_for(person)
            if not may_hold(person):
                return refused_for(person)
            new.state, new.holder, new.remembered = State.ISSUED, person, None
            return Verdict.ACCEPTED, new, person
        if mode is Mode.COLLECT:
            if s == State.COLLECTED:
                return Verdict.ALREADY, m, m.remembered
            if s != State.ISSUED:
                return refused
            new.state, new.holder, new.remembered = State.COLLECTED, None, m.holder
            return Verdict.ACCEPTED, new, m.holder
        if mode is Mode.REISSUE:
            if s == State.ISSUED:
                return (
                    refused_for(who)
                    if who is not None and who != m.holder
                    else (Verdict.ALREADY, m, m.holder)
                )
            person = who or m.remembered
            if s != State.COLLECTED:
                return refused_for(person)
            if person != m.remembered and not approved:
                return refused_for(person)
            if not may_hold(person):  # type: ignore[arg-type]
                return refused_for(person)
            new.state, new.holder, new.remembered = State.ISSUED, person, None
            return Verdict.ACCEPTED, new, person
        if mode is Mode.RECALL:
            if s in (State.RECOVERED, State.REGISTERED):
                return Verdict.ALREADY, m, None
            if s not in (State.ISSUED, State.COLLECTED, State.CARRIED_OUT):
                return refused
            if (
                is_pass
                and not approved
                and any(self.model[t].state == State.ISSUED for t in self.holds(owner or ""))
            ):
                return refused
            if is_pass and not approved and self.lost_by(owner or ""):  # an officer decides
                return refused
            new.state, new.holder, new.remembered = State.RECOVERED, None, None
            return Verdict.ACCEPTED, new, m.holder or m.remembered
        if mode is Mode.CARRY_OUT:
            if s == State.CARRIED_OUT:
                return Verdict.ALREADY, m, m.holder
            if s != State.ISSUED or not DOCS[doc][1] or m.holder not in OUT_OF_TOWN or not officer:  # type: ignore[index]
                return refused
            new.state = State.CARRIED_OUT
            return Verdict.ACCEPTED, new, m.holder
        if mode is Mode.DISPATCH:
            if cons is None:
                return refused
            if s == State.IN_TRANSIT:
                return (Verdict.ALREADY, m, None) if m.consignment == cons else refused
            if s not in (State.REGISTERED, State.COLLECTED, State.RECOVERED):
                return refused
            if not DOCS[doc][1] and not approved:  # type: ignore[index]  # may not leave
                return refused
            new.state, new.holder, new.remembered, new.consignment = (
                State.IN_TRANSIT,
                None,
                None,
                cons,
            )
            return Verdict.ACCEPTED, new, None
        if mode is Mode.DELIVER:
            if (
                cons is not None
                and s in (State.IN_TRANSIT, State.DELIVERED)
                and m.consignment != cons
            ):
                return refused
            if s == State.DELIVERED:
                return Verdict.ALREADY, m, None
            if s != State.IN_TRANSIT:
                return refused
            new.state = State.DELIVERED
            return Verdict.ACCEPTED, new, None
        if mode is Mode.RETURN:
            if s == State.RECOVERED:
                return Verdict.ALREADY, m, None
            if s not in (State.IN_TRANSIT, State.DELIVERED, State.CARRIED_OUT):
                return refused
            new.state, new.holder, new.remembered = State.RECOVERED, None, None
            return Verdict.ACCEPTED, new, m.holder
        if mode is Mode.LOST:
            if s == State.LOST:
                return Verdict.ALREADY, m, m.holder or m.remembered
            if s == State.DELIVERED or not officer or not note:
                return refused
            new.state = State.LOST
            return Verdict.ACCEPTED, new, m.holder or m.remembered
        if mode is Mode.SWEEP:  # ``note`` stands for "a room was chosen" here
            if not note:
                return refused
            if s in (State.RECOVERED, State.REGISTERED):
                return Verdict.ALREADY, m, None
            sources = (
                (State.ISSUED, State.LOST)
                if is_pass
                else (State.ISSUED, State.COLLECTED, State.LOST)  # not carried out: it left
            )
            if s not in sources:
                return refused
            new.state, new.holder, new.remembered = State.RECOVERED, None, None
            return Verdict.ACCEPTED, new, m.holder or m.remembered
        assert mode is Mode.FOUND
        if s == State.RECOVERED:
            return Verdict.ALREADY, m, None
        if s != State.LOST:
            return refused
        new.state, new.holder, new.remembered = State.RECOVERED, None, None
        return Verdict.ACCEPTED, new, m.holder or m.remembered

    def _tap(
        self,
        target: str,
        mode: Mode,
        who: str | None,
        cons: str | None,
        officer: bool,
        override: bool = False,
        note: bool = True,
    ) -> None:
        assert self.world is not None
        expected_verdict, expected, person = self.expect(
            target, mode, who, cons, officer, override, note
        )
        outcome = record_tap(
            session=self.session,
            key=KEY,
            meeting_code="M1",
            uid=self.targets[target],
            mode=mode,
            attendee_code=who,
            consignment_no=cons,
            operator="赵官" if officer else "小孙",
            note="说明" if note else "",
            override=override,
            room="会场" if note and mode is Mode.SWEEP else "",
        )
        self.session.commit()
        self.taps += 1
        assert outcome.verdict is expected_verdict, (
            target,
            mode,
            who,
            cons,
            officer,
            override,
            outcome.message,
        )
        event = self.session.exec(select(Event).where(Event.seq == outcome.seq)).one()
        names = {p.id: code for code, p in self.world.people.items()}
        assert names.get(event.attendee_id) == person, (
            target,
            mode,
            who,
            "event names the wrong person",
        )  # type: ignore[arg-type]
        self.model[target] = expected

    # Weighted choices: the common desk steps come up far more often than odd ones, so
    # multi-step setups (pass issued → copy issued → collected → reissued …) really happen.
    @rule(person=st.sampled_from(PEOPLE))
    def issue_pass(self, person: str) -> None:
        self._tap(f"pass:{person}", Mode.ISSUE, None, None, officer=False)

    @rule(
        carrier=st.sampled_from(["D1/1", "D1/2", "D2/1"]),
        mode=st.sampled_from(
            [Mode.ISSUE] * 3 + [Mode.COLLECT, Mode.REISSUE] * 2 + [Mode.RECALL, Mode.CARRY_OUT]
        ),
        who=st.sampled_from([None, *PEOPLE, "A001", "A002"]),
        officer=st.booleans(),
        override=st.sampled_from([False, False, True]),
    )
    def desk_step(
        self, carrier: str, mode: Mode, who: str | None, officer: bool, override: bool
    ) -> None:
        self._tap(carrier, mode, who, None, officer, override)

    @rule(
        carrier=st.sampled_from(["D1/1", "D1/2", "D2/1"]),
        mode=st.sampled_from([Mode.DISPATCH, Mode.DISPATCH, Mode.DELIVER, Mode.RETURN]),
        cons=st.sampled_from([None, "K1", "K1", "K2"]),
    )
    def courier_step(self, carrier: str, mode: Mode, cons: str | None) -> None:
        self._tap(carrier, mode, None, cons, officer=False)

    @rule(
        carrier=st.sampled_from(["D1/1", "D1/2", "D2/1", "pass:A001", "pass:A002", "pass:A003"]),
        mode=st.sampled_from(list(Mode)),
        who=st.sampled_from([None, *PEOPLE]),
        cons=st.sampled_from([None, "K1", "K2"]),
        officer=st.booleans(),
        override=st.booleans(),
        note=st.booleans(),
    )
    def any_tap(
        self,
        carrier: str,
        mode: Mode,
        who: str | None,
        cons: str | None,
        officer: bool,
        override: bool,
        note: bool,
    ) -> None:
        self._tap(carrier, mode, who, cons, officer, override, note)

    @invariant()
    def database_matches_model(self) -> None:
        if self.world is None:
            return
        people = {p.id: code for code, p in self.world.people.items()}
        self.session.expire_all()
        for target, uid in self.targets.items():
            c = self.session.exec(select(Carrier).where(Carrier.tag_uid == uid)).one()
            m = self.model[target]
            assert c.state == m.state, target
            if m.state in (State.ISSUED, State.CARRIED_OUT):
                assert people.get(c.holder_id) == m.holder, target  # type: ignore[arg-type]
            if m.state == State.COLLECTED:
                assert people.get(c.remembered_holder_id) == m.remembered, target  # type: ignore[arg-type]

    @invariant()
    def ledger_replays_to_the_tables(self) -> None:
        """The one fold over the meeting's events gives exactly each carrier's row."""
        if self.world is None:
            return
        rows = self.session.exec(select(Event).order_by(col(Event.seq))).all()
        folded = fold_meeting(codec.decode(row) for row in rows)
        for c in self.session.exec(select(Carrier).where(col(Carrier.tag_uid).is_not(None))).all():
            row = Custody(State(c.state), c.holder_id, c.remembered_holder_id, c.consignment_id)
            assert folded.carriers[c.id or 0].custody == row, c.tag_uid
        # And verify's own replay (reference data, meeting status, custody) finds no difference.
        report = audit_meeting(self.session, KEY, self.world.meeting)
        assert report.ok and report.snapshot, report.differences

    @invariant()
    def one_event_per_tap_and_chain_intact(self) -> None:
        if self.world is None:
            return
        assert self.session.exec(select(func.count()).select_from(Event)).one() == self.taps
        assert keyring.verify_meeting(self.session, KEY, self.world.meeting).ok


EDITABLE = (
    [
        ("meeting", c)
        for c in ("title", "level", "venue", "status", "requires_passes", "filed_ref", "plan_title")
    ]
    + [
        ("attendee", c)
        for c in ("code", "name", "unit", "out_of_town", "clearance", "pass_number", "pledge_on")
    ]
    + [
        ("document", c)
        for c in (
            "number",
            "title",
            "level",
            "copies",
            "collect_at_breaks",
            "may_take_away",
            "plan",
        )
    ]
    + [
        ("carrier", c)
        for c in (
            "kind",
            "copy_number",
            "tag_uid",
            "tag_released",
            "state",
            "holder_id",
            "remembered_holder_id",
            "consignment_id",
            "state_since",
        )
    ]
    + [("consignment", c) for c in ("number", "unit", "recipient", "state", "dispatched_at")]
    + [("checklistanswer", c) for c in ("answer", "note", "operator", "answered_at")]
)
"""Columns the ledger decides, one of which the model edits at random."""


def _other(column: str, value: Any) -> Any:
    """A value other than ``value`` for this column (a foreign key: none, or another row)."""
    if column in ("holder_id", "remembered_holder_id", "consignment_id"):
        return None if value is not None else 1
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1000
    if isinstance(value, datetime):
        return value + timedelta(hours=1)
    if isinstance(value, date):
        return value + timedelta(days=1)
    if isinstance(value, str):
        return value + "改"
    if column in ("state_since", "dispatched_at", "answered_at"):
        return datetime(2026, 1, 1, tzinfo=UTC)
    if column == "pledge_on":
        return date(2026, 1, 1)
    return "改"


def _tables(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a meeting's ledger decides, as stored."""
    names = ("meeting", "attendee", "document", "carrier", "consignment", "checklistanswer")
    out = {}
    with engine.connect() as conn:
        for name in names:
            table = SQLModel.metadata.tables[name]
            skip = (
                {"created_at", "version", "id"}
                if name == "checklistanswer"
                else {"created_at", "version"}
            )
            cols = [c for c in table.c if c.name not in skip]
            rows = conn.execute(sa_select(*cols)).all()
            out[name] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


TestCustodyModel = CustodyMachine.TestCase
TestCustodyModel.settings = settings(max_examples=100, stateful_step_count=40, deadline=None)
