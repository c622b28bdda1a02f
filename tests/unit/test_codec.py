"""The one codec: every kind of event to its row and back, unchanged; rows of earlier versions
decode; an unknown action or a malformed payload is an ``Unreadable`` event, never an error."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from carrier_tracker.custody.rules import Custody
from carrier_tracker.enums import MODE_ACTION, Action, State, Verdict
from carrier_tracker.ledger import codec
from carrier_tracker.ledger import events as ev

AT = datetime(2026, 12, 8, 1, 2, 3, 456789, tzinfo=UTC)
STAMP = ev.Stamp(
    seq=7,
    at=AT,
    station="一号台",
    operator="孙文管",
    approver="赵保密",
    note="说明",
    system_seq=12,
    operator_pin="0123456789abcdef",
    approver_pin="fedcba9876543210",
)
PERSON = ev.AttendeeRecord(
    3, "A003", "梁洋", "某所", "处长", True, "机密", "P003", "2026-11-20", None, None
)
CARD = ev.CarrierRecord(9, "pass", None, None, 3, None)

EVENTS: list[ev.MeetingEvent] = [
    ev.Tapped(
        STAMP,
        tap_action=Action.SWEEP,
        uid="04A1B2C3D4E5F6",
        carrier_id=5,
        from_state="issued",
        to_state="recovered",
        attendee_id=3,
        room="客房 301",
    ),
    ev.Tapped(
        replace(STAMP, verdict=Verdict.REFUSED, reason="未知标签"),
        tap_action=Action.ISSUE,
        uid="04FFFFFFFFFFFF",
        override=True,
        venue=("phones", "hall"),
    ),
    ev.Imported(
        STAMP,
        meeting=ev.MeetingRecord(
            "HY-1", "会议", "机密", "会场", "2026-12-08T00:30:00+00:00", None, "办", "赵", True
        ),
        attendees=(PERSON,),
        documents=(ev.DocumentRecord(2, "HY-01", "计划", "机密", 40, True, False, ""),),
        carriers=(ev.CarrierRecord(4, "copy", 2, 1, None, "04A1B2C3D4E5F6"), CARD),
    ),
    ev.Imported(STAMP, meeting=None),
    ev.Bound(STAMP, carrier_id=4, uid="04A1B2C3D4E5F6", state="registered"),
    ev.AttendeeAdded(STAMP, PERSON, replace(CARD, tag_uid=None)),
    ev.Substituted(STAMP, replace(PERSON, substitute_for_id=1), replace(CARD, tag_uid=None)),
    ev.CopiesAdded(
        STAMP, document_id=2, copies=42, carriers=(ev.CarrierRecord(40, "copy", 2, 41, None),)
    ),
    ev.Withdrawn(STAMP, carrier_id=4, uid="04A1B2C3D4E5F6", from_state="registered"),
    ev.Retagged(STAMP, carrier_id=4, old="04A1B2C3D4E5F6", new="04000000000001", state="issued"),
    ev.Voided(
        STAMP,
        target_seq=5,
        carrier_id=4,
        restore=Custody(State.COLLECTED, None, 3, None),
        since=AT,
        since_recorded=True,
        attendee_id=3,
        from_state="issued",
        uid="04A1B2C3D4E5F6",
    ),
    ev.PlanSet(STAMP, document_id=2, plan='{"codes":["A003"]}'),
    ev.ConsignmentOpened(STAMP, ev.ConsignmentRecord(1, "JY-1", "某所", "钱七", 3)),
    ev.ReceiptRecorded(STAMP, consignment_id=1, carriers=(4, 5)),
    ev.Filed(STAMP, ref="保密办〔2026〕1号", on="2026-12-01", by="赵保密", plan_title="方案"),
    ev.Checked(STAMP, checklist="venue", item="phones", answer="fail", answer_note="有手机"),
    ev.CheckAccepted(STAMP, checklist="venue", item="phones", by="赵保密"),
    ev.Pledged(STAMP, attendee_id=3, pledge_on="2026-11-20", briefed_on="2026-11-21"),
    ev.Opened(STAMP),
    ev.Closed(
        STAMP,
        released=((9, "04A1B2C3D4E5F7"),),
        close_note="按时结束",
        with_exceptions=False,
        never_opened=False,
        detailed=True,
    ),
    ev.Declined(
        replace(STAMP, verdict=Verdict.REFUSED, reason="会议已结束", approver=""),
        refused_action=Action.PLAN,
    ),
    ev.Disposed(
        STAMP,
        kind="destroy",
        carriers=(4, 5),
        method="粉碎",
        witnesses=(ev.Witness("赵保密", "0123456789abcdef"), ev.Witness("钱见证", "")),
        released=((4, "04A1B2C3D4E5F6"),),
    ),
    ev.Disposed(STAMP, kind="archive", carriers=(4,), location="档案室", uid="04A1B2C3D4E5F6"),
    ev.Disposed(STAMP, kind="return", carriers=(6, 7), unit="国家保密局"),
    ev.DisposalVoided(STAMP, target_seq=5, carriers=(4, 5)),
]


def _row(event: ev.MeetingEvent) -> SimpleNamespace:
    return SimpleNamespace(seq=event.stamp.seq, meeting_id=1, **codec.encode(event))


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_every_kind_of_event_comes_back_as_it_went(event: ev.MeetingEvent) -> None:
    assert codec.decode(_row(event)) == event


def test_every_action_has_its_event_type() -> None:
    kinds = {type(e) for e in EVENTS}
    taps = set(MODE_ACTION.values())
    assert set(Action) - taps == set(ev.MEETING_EVENT_TYPES)
    assert set(ev.MEETING_EVENT_TYPES.values()) <= kinds


def test_a_record_field_missing_from_an_older_payload_takes_its_default() -> None:
    row = _row(ev.ConsignmentOpened(STAMP, ev.ConsignmentRecord(1, "JY-1", "某所", "钱七", 3)))
    row.payload = '{"id":1,"number":"JY-1","recipient":"","unit":"某所"}'  # before attendee_id
    assert codec.decode(row) == ev.ConsignmentOpened(
        STAMP, ev.ConsignmentRecord(1, "JY-1", "某所", "", None)
    )


@pytest.mark.parametrize(
    ("action", "payload", "problem"),
    [
        ("plan", "{not json", "JSONDecodeError"),
        ("plan", '{"document_id":"2","plan":""}', "document_id"),
        ("file", "[1, 2]", "payload"),
        ("consignment", '{"id":1,"number":7,"unit":"某所"}', "number"),
        ("import", '{"meeting":{"code":"X"}}', "MeetingRecord.title"),
        ("teleport", None, "ValueError"),
    ],
)
def test_an_unreadable_row_is_named_not_raised(action: str, payload: Any, problem: str) -> None:
    row = _row(ev.Opened(STAMP))
    row.action, row.payload = action, payload
    event = codec.decode(row)
    assert isinstance(event, ev.Unreadable) and problem in event.problem
    assert event.raw_action == action


def test_a_row_of_an_earlier_version_keeps_its_meaning() -> None:
    """A row written before the stamp's authentication fields and the close's details."""
    row = _row(ev.Closed(STAMP, released=((9, "04A1B2C3D4E5F7"),)))
    row.system_seq, row.operator_pin, row.approver_pin = None, "", ""
    row.payload = '{"released":{"9":"04A1B2C3D4E5F7"}}'
    event = codec.decode(row)
    assert isinstance(event, ev.Closed) and not event.detailed and event.close_note is None
    assert event.stamp.system_seq is None and event.released == ((9, "04A1B2C3D4E5F7"),)


def test_a_place_registered_in_the_system_chain_comes_back() -> None:
    event = ev.PlaceRegistered(ev.SystemStamp(seq=3, at=AT, operator="赵保密"), "archive", "档案室")
    row = SimpleNamespace(seq=3, **codec.encode_system(event))
    assert codec.decode_system(row) == event


def test_a_disposition_names_its_copy_and_states_in_its_columns() -> None:
    """One copy disposed of by a tap: the audit log's columns name it like a tap's."""
    row = codec.encode(ev.Disposed(STAMP, kind="destroy", carriers=(4,), method="焚毁"))
    assert (row["carrier_id"], row["from_state"], row["to_state"]) == (4, "recovered", "destroyed")
    batch = codec.encode(ev.Disposed(STAMP, kind="archive", carriers=(4, 5), location="档案室"))
    assert batch["carrier_id"] is None and batch["to_state"] == "archived"
