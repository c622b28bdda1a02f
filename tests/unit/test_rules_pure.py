"""``rules.decide`` and ``rules.apply`` as pure functions, and the docs generated from the table."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from carrier_tracker.custody import rules
from carrier_tracker.enums import Action, CarrierKind, Level, MeetingStatus, Mode, State, Verdict

ROOT = Path(__file__).resolve().parents[2]
ZHANG = rules.Person(1, "A001", "张三", "某单位", Level.JIMI, out_of_town=False, pass_issued=True)
LI = rules.Person(2, "A002", "李四", "某单位", Level.JIMI, out_of_town=True, pass_issued=True)
DOC = rules.DocumentFacts(1, "D1", Level.JIMI, may_take_away=True, collect_at_breaks=True)


def _facts(
    custody: rules.Custody,
    *,
    target: rules.Person | None = None,
    status: MeetingStatus = MeetingStatus.OPEN,
    holder: rules.Person | None = None,
) -> rules.Facts:
    carrier = rules.CarrierFacts(
        10, CarrierKind.COPY, "D1 第001份", custody, document=DOC, holder=holder
    )
    return rules.Facts(rules.MeetingFacts(1, "M1", status, True), "04AA", carrier, target=target)


def test_decide_is_pure_and_names_the_recipient() -> None:
    facts = _facts(rules.Custody(), target=ZHANG)
    tap = rules.Tap(Mode.ISSUE)
    first, second = rules.decide(facts, tap), rules.decide(facts, tap)
    assert first == second
    assert (
        first.verdict is Verdict.ACCEPTED
        and first.to_state is State.ISSUED
        and first.person == ZHANG
    )
    assert first.message == "发放：D1 第001份 → 张三"


def test_a_refusal_names_the_asked_person_only_in_modes_that_take_one() -> None:
    closed = _facts(
        rules.Custody(State.ISSUED, holder_id=2),
        target=ZHANG,
        status=MeetingStatus.CLOSED,
        holder=LI,
    )
    assert rules.decide(closed, rules.Tap(Mode.ISSUE)).person == ZHANG
    refused = rules.decide(closed, rules.Tap(Mode.RECALL))
    assert refused.verdict is Verdict.REFUSED and refused.person is None


def test_apply_folds_each_effect() -> None:
    start = rules.Custody()
    issued = rules.apply(
        start, rules.Change(Action.ISSUE, Verdict.ACCEPTED, State.ISSUED, attendee_id=1)
    )
    assert issued == rules.Custody(State.ISSUED, holder_id=1)
    collected = rules.apply(
        issued, rules.Change(Action.COLLECT, Verdict.ACCEPTED, State.COLLECTED, attendee_id=1)
    )
    assert collected == rules.Custody(State.COLLECTED, holder_id=None, remembered_id=1)
    sent = rules.apply(
        collected,
        rules.Change(Action.DISPATCH, Verdict.ACCEPTED, State.IN_TRANSIT, consignment_id=7),
    )
    assert sent == rules.Custody(State.IN_TRANSIT, consignment_id=7)
    back = rules.apply(
        sent, rules.Change(Action.RETURN, Verdict.ACCEPTED, State.RECOVERED, consignment_id=7)
    )
    assert back == rules.Custody(State.RECOVERED, consignment_id=7)
    # refusals, no-ops and non-custody events change nothing
    assert rules.apply(issued, rules.Change(Action.RECALL, Verdict.REFUSED, State.ISSUED)) == issued
    assert (
        rules.apply(
            issued, rules.Change(Action.ISSUE, Verdict.ALREADY, State.ISSUED, attendee_id=2)
        )
        == issued
    )
    assert rules.apply(issued, rules.Change(Action.CLOSE, Verdict.ACCEPTED, None)) == issued


def test_every_mode_has_a_row_for_copies_or_passes_and_one_effect_per_action() -> None:
    covered = {r.mode for r in rules.TABLE}
    assert covered == set(Mode)
    assert {r.kind for r in rules.TABLE if r.mode is Mode.ENTRANCE} == {CarrierKind.PASS}


def test_docs_table_is_generated_from_the_rules() -> None:
    spec = importlib.util.spec_from_file_location(
        "make_custody_table", ROOT / "docs" / "make_custody_table.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    block = module.generated_block((ROOT / "docs" / "custody.md").read_text())
    assert block == rules.table_markdown(), (
        "docs/custody.md is stale: run python docs/make_custody_table.py"
    )


def test_apply_gives_one_custody_per_value() -> None:
    """A fold keeps each carrier's custody before every tap (for voids): equal custodies are one
    object (bench/README.md: 200,000 taps' export 302 → 283 MB), and still the right values."""
    start = rules.Custody(State.REGISTERED)
    give = rules.Change(Action.ISSUE, Verdict.ACCEPTED, State.ISSUED, attendee_id=7)
    a, b = rules.apply(start, give), rules.apply(rules.Custody(State.RECOVERED), give)
    assert a is b and a == rules.Custody(State.ISSUED, holder_id=7)
    other = rules.apply(start, rules.Change(Action.ISSUE, Verdict.ACCEPTED, State.ISSUED, 8))
    assert other is not a and other.holder_id == 8
    back = rules.Change(Action.COLLECT, Verdict.ACCEPTED, State.COLLECTED)
    assert rules.apply(a, back) == rules.Custody(State.COLLECTED, None, 7, None)
