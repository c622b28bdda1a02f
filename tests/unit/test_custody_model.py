"""Hypothesis: random tap sequences against a tiny, independent model of the custody rules."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlmodel import Session, SQLModel, func, select

from carrier_tracker import ledger
from carrier_tracker.custody import record_tap
from carrier_tracker.db import make_engine
from carrier_tracker.enums import Mode, State, Verdict
from carrier_tracker.models import Carrier, Event
from tests.factories import make_world

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
    def __init__(self) -> None:
        super().__init__()
        self.engine = make_engine("sqlite://")
        SQLModel.metadata.create_all(self.engine)
        self.session = Session(self.engine, expire_on_commit=False)
        self.world = make_world(self.session)
        self.model: dict[str, M] = {}
        self.targets: dict[str, str] = {}
        for (doc, n), c in self.world.copies.items():
            if c.tag_uid:
                self.targets[f"{doc}/{n}"] = c.tag_uid
                self.model[f"{doc}/{n}"] = M()
        for code, c in self.world.passes.items():
            self.targets[f"pass:{code}"] = c.tag_uid or ""
            self.model[f"pass:{code}"] = M()
        self.taps = 0

    def teardown(self) -> None:
        self.session.close()
        self.engine.dispose()

    def expect(self, target: str, mode: Mode, who: str | None, cons: str | None, officer: bool) -> tuple[Verdict, M]:
        """The model's verdict and the carrier's next model state."""
        m = self.model[target]
        new = M(m.state, m.holder, m.remembered, m.consignment)
        is_pass = target.startswith("pass:")
        owner = target[5:] if is_pass else None
        doc = None if is_pass else target.split("/")[0]
        s = m.state
        refused = (Verdict.REFUSED, m)
        already = (Verdict.ALREADY, m)

        def may_hold(person: str) -> bool:
            if is_pass:
                return True
            return CLEARANCE[person] >= DOCS[doc][0] and self.model[f"pass:{person}"].state == State.ISSUED  # type: ignore[index]

        if is_pass and mode not in (Mode.ISSUE, Mode.RECALL, Mode.LOST, Mode.FOUND, Mode.ENTRANCE):
            return refused
        if mode is Mode.ENTRANCE:
            return (Verdict.ACCEPTED, m) if is_pass and s == State.ISSUED else refused
        if mode is Mode.ISSUE:
            target_person = owner if is_pass else who
            if is_pass and who is not None and who != owner:
                return refused
            if target_person is None:
                return refused
            if s == State.ISSUED:
                return already if m.holder == target_person else refused
            if s not in (State.REGISTERED, State.COLLECTED, State.RECOVERED) or not may_hold(target_person):
                return refused
            new.state, new.holder, new.remembered = State.ISSUED, target_person, None
        elif mode is Mode.COLLECT:
            if s == State.COLLECTED:
                return already
            if s != State.ISSUED:
                return refused
            new.state, new.holder, new.remembered = State.COLLECTED, None, m.holder
        elif mode is Mode.REISSUE:
            if s == State.ISSUED:
                return refused if who is not None and who != m.holder else already
            if s != State.COLLECTED:
                return refused
            if who is not None and who != m.remembered:
                return refused  # no override in this model
            if not may_hold(m.remembered):  # type: ignore[arg-type]
                return refused
            new.state, new.holder, new.remembered = State.ISSUED, m.remembered, None
        elif mode is Mode.RECALL:
            if s in (State.RECOVERED, State.REGISTERED):
                return already
            if s not in (State.ISSUED, State.COLLECTED, State.CARRIED_OUT):
                return refused
            new.state, new.holder, new.remembered = State.RECOVERED, None, None
        elif mode is Mode.CARRY_OUT:
            if s == State.CARRIED_OUT:
                return already
            if s != State.ISSUED or not DOCS[doc][1] or m.holder not in OUT_OF_TOWN or not officer:  # type: ignore[index]
                return refused
            new.state = State.CARRIED_OUT
        elif mode is Mode.DISPATCH:
            if cons is None:
                return refused
            if s == State.IN_TRANSIT:
                return already if m.consignment == cons else refused
            if s not in (State.REGISTERED, State.COLLECTED, State.RECOVERED):
                return refused
            new.state, new.holder, new.remembered, new.consignment = State.IN_TRANSIT, None, None, cons
        elif mode is Mode.DELIVER:
            if s == State.DELIVERED:
                return already
            if s != State.IN_TRANSIT:
                return refused
            new.state = State.DELIVERED
        elif mode is Mode.RETURN:
            if s == State.RECOVERED:
                return already
            if s not in (State.IN_TRANSIT, State.DELIVERED, State.CARRIED_OUT):
                return refused
            new.state, new.holder, new.remembered = State.RECOVERED, None, None
        elif mode is Mode.LOST:
            if s == State.LOST:
                return already
            if s == State.DELIVERED or not officer:
                return refused
            new.state = State.LOST
        elif mode is Mode.FOUND:
            if s == State.RECOVERED:
                return already
            if s != State.LOST:
                return refused
            new.state, new.holder, new.remembered = State.RECOVERED, None, None
        return Verdict.ACCEPTED, new

    @rule(
        carrier=st.sampled_from(["D1/1", "D1/2", "D2/1", "pass:A001", "pass:A002", "pass:A003"]),
        mode=st.sampled_from(list(Mode)),
        who=st.sampled_from([None, *PEOPLE]),
        cons=st.sampled_from([None, "K1"]),
        officer=st.booleans(),
    )
    def tap(self, carrier: str, mode: Mode, who: str | None, cons: str | None, officer: bool) -> None:
        target = carrier
        expected_verdict, expected = self.expect(target, mode, who, cons, officer)
        outcome = record_tap(
            session=self.session, key=KEY, meeting_code="M1", uid=self.targets[target], mode=mode,
            attendee_code=who, consignment_no=cons, operator="赵官" if officer else "小孙",
            note="说明",
        )
        self.session.commit()
        self.taps += 1
        assert outcome.verdict is expected_verdict, (target, mode, who, cons, officer, outcome.message)
        self.model[target] = expected

    @invariant()
    def database_matches_model(self) -> None:
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
    def one_event_per_tap_and_chain_intact(self) -> None:
        assert self.session.exec(select(func.count()).select_from(Event)).one() == self.taps
        assert ledger.verify_meeting(self.session, KEY, self.world.meeting).ok


TestCustodyModel = CustodyMachine.TestCase
TestCustodyModel.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
