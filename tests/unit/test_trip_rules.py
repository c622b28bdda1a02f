"""The rules of a trip (外出携带) as pure ``decide``: 发放 and 会后清退 (and a loss and its find)
only, no pass, and no 备案 or venue check before the first tap."""

from __future__ import annotations

import pytest

from carrier_tracker.custody import rules
from carrier_tracker.enums import CarrierKind, Level, MeetingStatus, Mode, State, Verdict

ZHANG = rules.Person(1, "A001", "张三", "某单位", Level.JIMI, out_of_town=False)
DOC = rules.DocumentFacts(1, "D1", Level.JIMI, may_take_away=True, collect_at_breaks=False)


def _facts(
    custody: rules.Custody,
    *,
    trip: bool = True,
    status: MeetingStatus = MeetingStatus.OPEN,
    kind: CarrierKind = CarrierKind.COPY,
) -> rules.Facts:
    carrier = rules.CarrierFacts(
        10,
        kind,
        "D1 第001份",
        custody,
        document=DOC if kind is CarrierKind.COPY else None,
        owner=ZHANG if kind is CarrierKind.PASS else None,
        holder=ZHANG if custody.holder_id else None,
    )
    meeting = rules.MeetingFacts(
        1,
        "TR",
        status,
        requires_passes=False,
        level=Level.JIMI,
        trip=trip,
        venue_open_items=("会场",),
    )
    return rules.Facts(meeting, "04AA", carrier, target=ZHANG, operator_is_officer=True)


def test_a_trip_takes_out_before_any_filing_and_hands_back() -> None:
    out = rules.decide(_facts(rules.Custody(), status=MeetingStatus.DRAFT), rules.Tap(Mode.ISSUE))
    assert out.verdict is Verdict.ACCEPTED and out.to_state is State.ISSUED
    back = rules.decide(_facts(rules.Custody(State.ISSUED, holder_id=1)), rules.Tap(Mode.RECALL))
    assert back.verdict is Verdict.ACCEPTED and back.to_state is State.RECOVERED
    # The same draft meeting that is not a trip still needs its 备案.
    plain = rules.decide(
        _facts(rules.Custody(), status=MeetingStatus.DRAFT, trip=False), rules.Tap(Mode.ISSUE)
    )
    assert plain.verdict is Verdict.REFUSED


@pytest.mark.parametrize(
    ("mode", "label"),
    [
        (Mode.CARRY_OUT, "带离"),
        (Mode.COLLECT, "休会收回"),
        (Mode.REISSUE, "复会发还"),
        (Mode.SWEEP, "巡检"),
        (Mode.DISPATCH, "机要发出"),
        (Mode.ENTRANCE, "入场核验"),
    ],
)
def test_modes_a_trip_has_no_use_for_are_refused(mode: Mode, label: str) -> None:
    facts = _facts(rules.Custody(State.ISSUED, holder_id=1))
    out = rules.decide(facts, rules.Tap(mode, note="x", room="会议室"))
    assert out.verdict is Verdict.REFUSED
    assert out.reason.startswith(f"外出携带不适用“{label}”")
    # The same tap on a meeting is not refused for that reason.
    other = rules.decide(
        _facts(rules.Custody(State.ISSUED, holder_id=1), trip=False),
        rules.Tap(mode, note="x", room="会议室"),
    )
    assert not other.reason.startswith("外出携带")


def test_a_pass_on_a_trip_is_refused() -> None:
    out = rules.decide(_facts(rules.Custody(), kind=CarrierKind.PASS), rules.Tap(Mode.ISSUE))
    assert out.verdict is Verdict.REFUSED and out.reason == "外出携带不使用会议证"


def test_a_loss_and_its_find_still_apply() -> None:
    lost = rules.decide(
        _facts(rules.Custody(State.ISSUED, holder_id=1)), rules.Tap(Mode.LOST, note="遗失")
    )
    assert lost.verdict is Verdict.ACCEPTED and lost.to_state is State.LOST
