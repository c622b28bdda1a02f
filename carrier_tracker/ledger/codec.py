"""The one codec of the ledger: a typed event to the row its chain stores (columns and a canonical
JSON payload), and a stored row back to its typed event.

Nothing else builds or parses a payload. Rows written by earlier versions decode too (fields
they did not record come back as "not recorded"); a row whose action is unknown or whose payload
does not parse decodes to :class:`~carrier_tracker.ledger.events.Unreadable`, which ``verify``
names as a difference.
"""

from __future__ import annotations

import json
from dataclasses import MISSING, fields
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

from carrier_tracker.custody.rules import Custody
from carrier_tracker.enums import MODE_ACTION, Action, Disposal, State, Verdict
from carrier_tracker.ledger import events as ev
from carrier_tracker.ledger.chain import as_utc

R = TypeVar("R")

TAP_ACTIONS = frozenset(MODE_ACTION.values())
"""The actions a desk's tap records."""


def canonical(data: Any) -> str:
    """Canonical JSON (sorted keys, no spaces, UTF-8 text): what a payload holds."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class Malformed(ValueError):
    """A stored payload that is not what its action records."""


# --- encode ------------------------------------------------------------------------------------

ROW_FIELDS = (
    "action",
    "verdict",
    "at",
    "carrier_id",
    "tag_uid",
    "from_state",
    "to_state",
    "attendee_id",
    "consignment_id",
    "station",
    "operator",
    "note",
    "reason",
    "approver",
    "payload",
    "system_seq",
    "operator_pin",
    "approver_pin",
)
"""What :func:`encode` fills in: every column of an event row but its place in the chain
(meeting, seq, prev_hash, hash), which the append sets."""


def record_payload(record: Any, *, skip: tuple[str, ...] = ("id",)) -> dict[str, Any]:
    """A record's fields as its payload holds them (every field of its dataclass but ``skip``):
    a field added to a record is written with no change here."""
    return {f.name: getattr(record, f.name) for f in fields(record) if f.name not in skip}


IMPORT_SKIP = ("id", "substitute_for_id")
"""An imported attendee substitutes no one: the import's payload never had the link."""


def _custody(c: Custody) -> dict[str, Any]:
    return {
        "state": c.state.value,
        "holder_id": c.holder_id,
        "remembered_id": c.remembered_id,
        "consignment_id": c.consignment_id,
    }


def _iso(at: datetime | None) -> str | None:
    return as_utc(at).isoformat() if at is not None else None


def payload_of(event: ev.MeetingEvent) -> dict[str, Any] | None:
    """The payload an event's facts go into (None: the columns say everything)."""
    if not event.stamp.accepted and not isinstance(event, ev.Tapped):
        return None  # a refused (or already) change records no facts
    match event:
        case ev.Tapped():
            data: dict[str, Any] = {}
            if event.room:
                data["room"] = event.room
            if event.override:
                data["override"] = True
            if event.venue is not None:
                data["venue"] = list(event.venue)
            return data or None
        case ev.Imported():
            if event.meeting is None:
                return None
            return {
                "meeting": record_payload(event.meeting, skip=()),
                "attendees": {
                    str(a.id): record_payload(a, skip=IMPORT_SKIP) for a in event.attendees
                },
                "documents": {str(d.id): record_payload(d) for d in event.documents},
                "carriers": {
                    str(c.id): [c.kind, c.document_id, c.copy_number, c.owner_id, c.tag_uid]
                    for c in event.carriers
                },
            }
        case ev.AttendeeAdded() | ev.Substituted():
            c = event.pass_carrier
            return {
                "attendee": record_payload(event.attendee, skip=()),
                "carrier": [c.id, c.kind, c.document_id, c.copy_number, c.owner_id],
            }
        case ev.CopiesAdded():
            return {
                "document_id": event.document_id,
                "copies": event.copies,
                "carriers": {
                    str(c.id): [c.kind, c.document_id, c.copy_number, c.owner_id]
                    for c in event.carriers
                },
            }
        case ev.Retagged():
            return {"old": event.old, "new": event.new}
        case ev.Voided():
            data = {"voids": event.target_seq, "restore": _custody(event.restore)}
            if event.since_recorded:
                data["since"] = _iso(event.since)
            return data
        case ev.PlanSet():
            return {"document_id": event.document_id, "plan": event.plan}
        case ev.ConsignmentOpened():
            k = event.consignment
            if k is None:
                return None
            return record_payload(k, skip=())
        case ev.ReceiptRecorded():
            return {"carriers": list(event.carriers)}
        case ev.Filed():
            return {
                "filed_ref": event.ref,
                "filed_on": event.on,
                "filed_by": event.by,
                "plan_title": event.plan_title,
            }
        case ev.Checked():
            return {
                "checklist": event.checklist,
                "item": event.item,
                "answer": event.answer,
                "note": event.answer_note,
            }
        case ev.CheckAccepted():
            return {"checklist": event.checklist, "item": event.item, "by": event.by}
        case ev.Pledged():
            return {
                "attendee": event.attendee_id,
                "pledge_on": event.pledge_on,
                "briefed_on": event.briefed_on,
            }
        case ev.Disposed():
            return {
                "kind": event.kind,
                "carriers": list(event.carriers),
                "location": event.location,
                "method": event.method,
                "unit": event.unit,
                "witnesses": [{"name": w.name, "pin": w.pin} for w in event.witnesses],
                "released": dict(_released(event)),
            }
        case ev.DisposalVoided():
            return {"voids": event.target_seq, "undisposed": list(event.carriers)}
        case ev.Closed():
            if not event.detailed:
                return {"released": dict(_released(event))} if event.released else None
            return {
                "released": dict(_released(event)),
                "note": event.close_note,
                "with_exceptions": event.with_exceptions,
                "never_opened": event.never_opened,
            }
    return None


def _released(event: ev.Closed | ev.Disposed) -> list[tuple[str, str]]:
    return [(str(cid), uid) for cid, uid in sorted(event.released)]


def _columns(event: ev.MeetingEvent) -> dict[str, Any]:
    """The event's facts that live in columns of their own."""
    match event:
        case ev.Tapped():
            return {
                "carrier_id": event.carrier_id,
                "tag_uid": event.uid,
                "from_state": event.from_state,
                "to_state": event.to_state,
                "attendee_id": event.attendee_id,
                "consignment_id": event.consignment_id,
            }
        case ev.Bound():
            return {"carrier_id": event.carrier_id, "tag_uid": event.uid, "to_state": event.state}
        case ev.AttendeeAdded() | ev.Substituted():
            return {"attendee_id": event.attendee.id}
        case ev.Withdrawn():
            return {
                "carrier_id": event.carrier_id,
                "tag_uid": event.uid,
                "from_state": event.from_state,
                "to_state": State.WITHDRAWN.value if event.stamp.accepted else event.from_state,
            }
        case ev.Retagged():
            return {
                "carrier_id": event.carrier_id,
                "tag_uid": event.new,
                "from_state": event.state,
                "to_state": event.state,
            }
        case ev.Voided():
            return {
                "carrier_id": event.carrier_id,
                "tag_uid": event.uid,
                "from_state": event.from_state,
                "to_state": event.restore.state.value,
                "attendee_id": event.attendee_id,
                "consignment_id": event.consignment_id,
            }
        case ev.ReceiptRecorded():
            return {"consignment_id": event.consignment_id}
        case ev.Pledged():
            return {"attendee_id": event.attendee_id}
        case ev.Disposed():
            return {
                "carrier_id": event.carriers[0] if len(event.carriers) == 1 else None,
                "tag_uid": event.uid,
                "from_state": State.RECOVERED.value,
                "to_state": _disposed_state(event.kind),
            }
        case ev.DisposalVoided():
            return {"carrier_id": event.carriers[0] if len(event.carriers) == 1 else None}
        case ev.Declined():
            return {
                "carrier_id": event.carrier_id,
                "tag_uid": event.uid,
                "from_state": event.from_state,
                "to_state": event.to_state,
                "attendee_id": event.attendee_id,
                "consignment_id": event.consignment_id,
            }
    return {}


def _disposed_state(kind: str) -> str | None:
    try:
        return Disposal(kind).state.value
    except ValueError:
        return None


def encode(event: ev.MeetingEvent) -> dict[str, Any]:
    """The row of an event: every column of :data:`ROW_FIELDS`."""
    s = event.stamp
    data = payload_of(event)
    row: dict[str, Any] = dict.fromkeys(ROW_FIELDS)
    row.update(
        action=event.action.value,
        verdict=s.verdict.value,
        at=as_utc(s.at),
        station=s.station,
        operator=s.operator,
        note=s.note,
        reason=s.reason,
        approver=s.approver,
        payload=canonical(data) if data is not None else None,
        system_seq=s.system_seq,
        operator_pin=s.operator_pin,
        approver_pin=s.approver_pin,
    )
    row.update(_columns(event))
    return row


# --- decode ------------------------------------------------------------------------------------


_VERDICTS = {v.value: v for v in Verdict}
_ACTIONS = {a.value: a for a in Action}


def _verdict(value: Any) -> Verdict:
    """``Verdict(value)`` by a dict for a stored text (once per event, verify reads 200,000);
    anything else goes through ``Verdict``, which raises its own ValueError."""
    found = _VERDICTS.get(value) if type(value) is str else None
    return found if found is not None else Verdict(value)


def _action(value: Any) -> Action:
    """``Action(value)`` the same way."""
    found = _ACTIONS.get(value) if type(value) is str else None
    return found if found is not None else Action(value)


def stamp_of(row: Any) -> ev.Stamp:
    """The stamp of a stored row."""
    return ev.Stamp(  # by position: verify decodes 200,000 of them (the order is Stamp's)
        row.seq,
        as_utc(row.at),
        _verdict(row.verdict),
        row.station or "",
        row.operator or "",
        getattr(row, "approver", "") or "",
        row.note or "",
        row.reason or "",
        getattr(row, "system_seq", None),
        getattr(row, "operator_pin", "") or "",
        getattr(row, "approver_pin", "") or "",
    )


def _obj(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise Malformed(what)
    return data


def _int(value: Any, what: str, *, null: bool = False) -> Any:
    if value is None and null:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Malformed(what)
    return value


def _str(value: Any, what: str, *, null: bool = False) -> Any:
    if value is None and null:
        return None
    if not isinstance(value, str):
        raise Malformed(what)
    return value


def _bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise Malformed(what)
    return value


_CHECKS: dict[str, Any] = {
    "str": lambda v, what: _str(v, what),
    "str | None": lambda v, what: _str(v, what, null=True),
    "int": lambda v, what: _int(v, what),
    "int | None": lambda v, what: _int(v, what, null=True),
    "bool": lambda v, what: _bool(v, what),
}


def record_from(cls: type[R], data: Any, **given: Any) -> R:
    """A record from its payload: each field of the dataclass read by its type (a field the
    payload lacks — written before the field existed — takes its default); ``given`` fields
    come from elsewhere (the payload's key)."""
    d = _obj(data, cls.__name__)
    values = dict(given)
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name in given:
            continue
        if f.name in d:
            values[f.name] = _CHECKS[str(f.type)](d[f.name], f.name)
        elif f.default is MISSING:
            raise Malformed(f"{cls.__name__}.{f.name}")
    return cls(**values)


def _key(key: Any) -> int:
    return int(_str(key, "key"))


def _carrier_record(key: Any, values: Any) -> ev.CarrierRecord:
    if not isinstance(values, list) or len(values) not in (4, 5):
        raise Malformed("carrier")
    kind, doc, copy_no, owner, *tag = values
    return ev.CarrierRecord(
        id=_int(int(key), "carrier id"),
        kind=_str(kind, "kind"),
        document_id=_int(doc, "document_id", null=True),
        copy_number=_int(copy_no, "copy_number", null=True),
        owner_id=_int(owner, "owner_id", null=True),
        tag_uid=_str(tag[0], "tag_uid", null=True) if tag else None,
    )


def _restore(data: Any) -> Custody:
    r = _obj(data, "restore")
    return Custody(
        State(r["state"]),
        _int(r.get("holder_id"), "holder_id", null=True),
        _int(r.get("remembered_id"), "remembered_id", null=True),
        _int(r.get("consignment_id"), "consignment_id", null=True),
    )


def decode(row: Any) -> ev.MeetingEvent:
    """The typed event of a stored meeting-chain row (attribute access like ``Event``).

    Never raises for bad content: an unknown action or a malformed payload decodes to
    :class:`~carrier_tracker.ledger.events.Unreadable` naming the problem.
    """
    try:
        stamp = stamp_of(row)
        action = _action(row.action)
    except (ValueError, TypeError) as e:
        return _unreadable(row, e)
    try:
        data = json.loads(row.payload) if row.payload else None
        return _decode(stamp, action, row, data)
    except (Malformed, ValueError, TypeError, KeyError, AttributeError) as e:
        return ev.Unreadable(stamp, row.action, _problem(e))


def _problem(e: Exception) -> str:
    return f"{type(e).__name__}: {e}"[:200]


def _unreadable(row: Any, e: Exception) -> ev.Unreadable:
    stamp = ev.Stamp(
        seq=getattr(row, "seq", 0) or 0,
        at=as_utc(row.at) if isinstance(getattr(row, "at", None), datetime) else datetime.min,
        verdict=Verdict.REFUSED,
    )
    return ev.Unreadable(stamp, str(getattr(row, "action", "")), _problem(e))


def _decode(stamp: ev.Stamp, action: Action, row: Any, data: Any) -> ev.MeetingEvent:
    if action in TAP_ACTIONS:
        d = _obj(data, "payload") if data is not None else {}
        venue = d.get("venue")
        return ev.Tapped(  # by position, as the stamp
            stamp,
            action,
            row.tag_uid,
            row.carrier_id,
            row.from_state,
            row.to_state,
            row.attendee_id,
            row.consignment_id,
            _str(d.get("room", ""), "room"),
            _bool(d.get("override", False), "override"),
            tuple(_str(v, "venue item") for v in venue) if venue is not None else None,
        )
    if not stamp.accepted:
        return ev.Declined(
            stamp,
            refused_action=action,
            carrier_id=row.carrier_id,
            attendee_id=row.attendee_id,
            consignment_id=row.consignment_id,
            uid=row.tag_uid,
            from_state=row.from_state,
            to_state=row.to_state,
        )
    match action:
        case Action.IMPORT:
            if data is None:
                return ev.Imported(stamp, None)
            d = _obj(data, "payload")
            return ev.Imported(
                stamp,
                meeting=record_from(ev.MeetingRecord, d["meeting"]),
                attendees=tuple(
                    record_from(ev.AttendeeRecord, v, id=_key(k))
                    for k, v in _obj(d["attendees"], "attendees").items()
                ),
                documents=tuple(
                    record_from(ev.DocumentRecord, v, id=_key(k))
                    for k, v in _obj(d["documents"], "documents").items()
                ),
                carriers=tuple(
                    _carrier_record(k, v) for k, v in _obj(d["carriers"], "carriers").items()
                ),
            )
        case Action.ENROLL:
            return ev.Bound(
                stamp,
                carrier_id=_int(row.carrier_id, "carrier_id"),
                uid=_str(row.tag_uid, "tag_uid"),
                state=row.to_state,
            )
        case Action.ATTENDEE_ADD | Action.SUBSTITUTE:
            d = _obj(data, "payload")
            attendee = record_from(ev.AttendeeRecord, d["attendee"])
            cid, kind, doc, copy_no, owner = d["carrier"]
            card = _carrier_record(cid, [kind, doc, copy_no, owner])
            if action is Action.ATTENDEE_ADD:
                return ev.AttendeeAdded(stamp, attendee, card)
            return ev.Substituted(stamp, attendee, card)
        case Action.COPIES_ADD:
            d = _obj(data, "payload")
            return ev.CopiesAdded(
                stamp,
                document_id=_int(d["document_id"], "document_id"),
                copies=_int(d["copies"], "copies"),
                carriers=tuple(
                    _carrier_record(k, v) for k, v in _obj(d["carriers"], "carriers").items()
                ),
            )
        case Action.WITHDRAW:
            return ev.Withdrawn(
                stamp,
                carrier_id=_int(row.carrier_id, "carrier_id"),
                uid=row.tag_uid,
                from_state=row.from_state,
            )
        case Action.RETAG:
            d = _obj(data, "payload")
            return ev.Retagged(
                stamp,
                carrier_id=_int(row.carrier_id, "carrier_id"),
                old=_str(d["old"], "old"),
                new=_str(d["new"], "new"),
                state=row.from_state,
            )
        case Action.VOID:
            d = _obj(data, "payload")
            if "undisposed" in d:
                return ev.DisposalVoided(
                    stamp,
                    target_seq=_int(d["voids"], "voids"),
                    carriers=tuple(_int(c, "carrier") for c in d["undisposed"]),
                )
            recorded = "since" in d
            since = d.get("since")
            return ev.Voided(
                stamp,
                target_seq=_int(d["voids"], "voids"),
                carrier_id=_int(row.carrier_id, "carrier_id"),
                restore=_restore(d["restore"]),
                since=as_utc(datetime.fromisoformat(since)) if since else None,
                since_recorded=recorded,
                attendee_id=row.attendee_id,
                consignment_id=row.consignment_id,
                uid=row.tag_uid,
                from_state=row.from_state,
            )
        case Action.PLAN:
            d = _obj(data, "payload")
            return ev.PlanSet(
                stamp,
                document_id=_int(d["document_id"], "document_id"),
                plan=_str(d["plan"], "plan"),
            )
        case Action.CONSIGNMENT:
            if data is None:
                return ev.ConsignmentOpened(stamp, None)
            d = _obj(data, "payload")
            return ev.ConsignmentOpened(stamp, record_from(ev.ConsignmentRecord, data))
        case Action.RECEIPT:
            d = _obj(data, "payload") if data is not None else {}
            return ev.ReceiptRecorded(
                stamp,
                consignment_id=row.consignment_id,
                carriers=tuple(_int(c, "carrier") for c in d.get("carriers", ())),
            )
        case Action.FILE:
            d = _obj(data, "payload")
            return ev.Filed(
                stamp,
                ref=_str(d.get("filed_ref"), "filed_ref", null=True),
                on=_str(d.get("filed_on"), "filed_on", null=True),
                by=_str(d.get("filed_by"), "filed_by", null=True),
                plan_title=_str(d.get("plan_title"), "plan_title", null=True),
            )
        case Action.CHECK:
            d = _obj(data, "payload")
            return ev.Checked(
                stamp,
                checklist=_str(d["checklist"], "checklist"),
                item=_str(d["item"], "item"),
                answer=_str(d["answer"], "answer"),
                answer_note=_str(d.get("note", ""), "note"),
            )
        case Action.CHECK_ACCEPT:
            d = _obj(data, "payload")
            return ev.CheckAccepted(
                stamp,
                checklist=_str(d["checklist"], "checklist"),
                item=_str(d["item"], "item"),
                by=_str(d["by"], "by"),
            )
        case Action.PLEDGE:
            d = _obj(data, "payload")
            return ev.Pledged(
                stamp,
                attendee_id=_int(d["attendee"], "attendee"),
                pledge_on=_str(d.get("pledge_on"), "pledge_on", null=True),
                briefed_on=_str(d.get("briefed_on"), "briefed_on", null=True),
            )
        case Action.DISPOSE:
            d = _obj(data, "payload")
            return ev.Disposed(
                stamp,
                kind=_str(d["kind"], "kind"),
                carriers=tuple(_int(c, "carrier") for c in d["carriers"]),
                location=_str(d.get("location", ""), "location"),
                method=_str(d.get("method", ""), "method"),
                unit=_str(d.get("unit", ""), "unit"),
                witnesses=tuple(
                    ev.Witness(_str(w["name"], "witness"), _str(w.get("pin", ""), "witness pin"))
                    for w in (_obj(x, "witness") for x in d.get("witnesses", ()))
                ),
                released=_released_of(d),
                uid=row.tag_uid,
            )
        case Action.OPEN:
            return ev.Opened(stamp)
        case Action.CLOSE:
            d = _obj(data, "payload") if data is not None else {}
            released = _released_of(d)
            detailed = "with_exceptions" in d
            return ev.Closed(
                stamp,
                released=released,
                close_note=_str(d.get("note"), "note", null=True) if detailed else None,
                with_exceptions=_bool(d.get("with_exceptions", False), "with_exceptions"),
                never_opened=_bool(d.get("never_opened", False), "never_opened"),
                detailed=detailed,
            )
    raise Malformed(action.value)


def _released_of(d: dict[str, Any]) -> tuple[tuple[int, str], ...]:
    return tuple(
        sorted(
            (int(k), _str(v, "released uid"))
            for k, v in _obj(d.get("released", {}), "released").items()
        )
    )


# --- the system chain ------------------------------------------------------------------------


class SystemAction:
    """The system chain's actions."""

    AUTH_FAILED = "auth_failed"
    LOCKED = "locked"
    ADDED = "operator_added"
    ROLE = "role_granted"
    DISABLED = "operator_disabled"
    ENABLED = "operator_enabled"
    PIN_RESET = "pin_reset"
    CARD_BOUND = "card_bound"
    AUTH_CLEARED = "auth_cleared"
    LOCK_LIFTED = "lock_lifted"
    PIN_REKEYED = "pin_rekeyed"
    PIN_RECORDED = "pin_recorded"
    KEY_RECORDED = "key_recorded"
    MEETING_REGISTERED = "meeting_registered"
    PLACE_ADDED = "place_added"


OPERATOR_CHANGES = frozenset(
    {
        SystemAction.ADDED,
        SystemAction.ROLE,
        SystemAction.DISABLED,
        SystemAction.ENABLED,
        SystemAction.PIN_RESET,
        SystemAction.CARD_BOUND,
    }
)
"""Actions whose payload is the operator's state after the change."""

SYSTEM_ROW_FIELDS = ("action", "verdict", "operator", "subject", "station", "at", "note", "payload")


def operator_payload(state: ev.OperatorState) -> str:
    """The payload of an operator change: the operator's state after it."""
    data: dict[str, Any] = {"disabled": state.disabled, "name": state.name, "role": state.role}
    if state.card_uid is not None:  # only when bound: states recorded before cards still match
        data["card_uid"] = state.card_uid
    if state.pin is not None:
        data["pin"] = state.pin
    return canonical(data)


def system_action(event: ev.SystemEvent) -> str:
    """The action a system event is stored as."""
    match event:
        case ev.OperatorChanged():
            return event.kind
        case ev.AuthFailed():
            return SystemAction.AUTH_FAILED
        case ev.Locked():
            return SystemAction.LOCKED
        case ev.AuthCleared():
            return SystemAction.AUTH_CLEARED
        case ev.LockLifted():
            return SystemAction.LOCK_LIFTED
        case ev.PinRekeyed():
            return event.kind
        case ev.KeyRecorded():
            return SystemAction.KEY_RECORDED
        case ev.MeetingRegistered():
            return SystemAction.MEETING_REGISTERED
        case ev.PlaceRegistered():
            return SystemAction.PLACE_ADDED
        case ev.SystemUnreadable():
            return event.raw_action
    raise TypeError(type(event).__name__)


def encode_system(event: ev.SystemEvent) -> dict[str, Any]:
    """The row of a system event (the stamp's seq is set on append)."""
    action = system_action(event)
    s = event.stamp
    payload: str | None = None
    note = s.note
    match event:
        case ev.OperatorChanged():
            payload = operator_payload(event.state)
        case ev.AuthFailed():
            note = event.why
        case ev.Locked():
            note = _iso(event.until) or ""
        case ev.PinRekeyed():
            payload = canonical({"name": s.subject, "pin": event.pin})
        case ev.KeyRecorded():
            payload = canonical({"fingerprint": event.fingerprint})
        case ev.MeetingRegistered():
            payload = canonical(
                {"code": event.code, "first_hash": event.first_hash, "meeting_id": event.meeting_id}
            )
        case ev.PlaceRegistered():
            payload = canonical({"kind": event.kind, "name": event.name})
    return {
        "action": action,
        "verdict": s.verdict,
        "operator": s.operator,
        "subject": s.subject,
        "station": s.station,
        "at": as_utc(s.at),
        "note": note,
        "payload": payload,
    }


def decode_system(row: Any) -> ev.SystemEvent:
    """The typed event of a stored system-chain row; never raises for bad content."""
    try:
        stamp = ev.SystemStamp(
            seq=row.seq,
            at=as_utc(row.at),
            verdict=row.verdict,
            operator=row.operator or "",
            subject=row.subject or "",
            station=row.station or "",
            note=row.note or "",
        )
    except (ValueError, TypeError, AttributeError) as e:
        stamp = ev.SystemStamp(seq=getattr(row, "seq", 0) or 0, at=datetime.min)
        return ev.SystemUnreadable(stamp, str(getattr(row, "action", "")), _problem(e))
    action = row.action
    try:
        data = json.loads(row.payload) if row.payload else None
        if action in OPERATOR_CHANGES:
            d = _obj(data, "payload")
            return ev.OperatorChanged(
                stamp,
                kind=action,
                state=ev.OperatorState(
                    name=_str(d["name"], "name"),
                    role=_str(d["role"], "role"),
                    disabled=_bool(d.get("disabled", False), "disabled"),
                    card_uid=_str(d.get("card_uid"), "card_uid", null=True),
                    pin=_str(d.get("pin"), "pin", null=True),
                ),
            )
        if action == SystemAction.AUTH_FAILED:
            return ev.AuthFailed(stamp, why=stamp.note)
        if action == SystemAction.LOCKED:
            until = as_utc(datetime.fromisoformat(stamp.note)) if stamp.note else None
            return ev.Locked(stamp, until=until)
        if action == SystemAction.AUTH_CLEARED:
            return ev.AuthCleared(stamp)
        if action == SystemAction.LOCK_LIFTED:
            return ev.LockLifted(stamp)
        if action in (SystemAction.PIN_REKEYED, SystemAction.PIN_RECORDED):
            return ev.PinRekeyed(stamp, pin=_str(_obj(data, "payload")["pin"], "pin"), kind=action)
        if action == SystemAction.KEY_RECORDED:
            d = _obj(data, "payload")
            return ev.KeyRecorded(stamp, fingerprint=_str(d["fingerprint"], "fingerprint"))
        if action == SystemAction.MEETING_REGISTERED:
            d = _obj(data, "payload")
            return ev.MeetingRegistered(
                stamp,
                meeting_id=_int(d["meeting_id"], "meeting_id"),
                code=_str(d["code"], "code"),
                first_hash=_str(d["first_hash"], "first_hash"),
            )
        if action == SystemAction.PLACE_ADDED:
            d = _obj(data, "payload")
            return ev.PlaceRegistered(
                stamp, kind=_str(d["kind"], "kind"), name=_str(d["name"], "name")
            )
        raise Malformed(f"unknown system action {action!r}")
    except (Malformed, ValueError, TypeError, KeyError) as e:
        return ev.SystemUnreadable(stamp, str(action), _problem(e))


def time_of(text: str | None) -> datetime | None:
    """A record's time text as a UTC datetime."""
    return as_utc(datetime.fromisoformat(text)) if text else None


def date_of(text: str | None) -> date | None:
    """A record's date text as a date."""
    return date.fromisoformat(text) if text else None


# --- records from rows (what an event creates, read off the rows just written) ----------------


def _text_of(value: Any) -> str | None:
    """A time or date column as a record holds it (UTC ISO text)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    return str(value.isoformat())


def record_of_row(cls: type[R], row: Any) -> R:
    """A record from the row just written: each field of the dataclass read off the row by
    name (times and dates as UTC ISO text, enums as their values)."""
    values = {}
    for f in fields(cls):  # type: ignore[arg-type]
        value = getattr(row, f.name, None)
        if isinstance(value, datetime | date):
            value = _text_of(value)
        elif isinstance(value, Enum):
            value = value.value
        elif str(f.type) == "bool":
            value = bool(value)
        elif str(f.type) == "str" and value is None:
            value = ""
        values[f.name] = value
    return cls(**values)


def meeting_record(row: Any) -> ev.MeetingRecord:
    """The reference facts of a meeting row."""
    return record_of_row(ev.MeetingRecord, row)


def attendee_record(row: Any) -> ev.AttendeeRecord:
    """The reference facts of an attendee row."""
    return record_of_row(ev.AttendeeRecord, row)


def document_record(row: Any) -> ev.DocumentRecord:
    """The reference facts of a document row."""
    return record_of_row(ev.DocumentRecord, row)


def carrier_record(row: Any) -> ev.CarrierRecord:
    """A carrier row as created."""
    return ev.CarrierRecord(
        id=row.id,
        kind=str(row.kind),
        document_id=row.document_id,
        copy_number=row.copy_number,
        owner_id=row.owner_id,
        tag_uid=row.tag_uid,
    )


def consignment_record(row: Any) -> ev.ConsignmentRecord:
    """A consignment row as opened."""
    return record_of_row(ev.ConsignmentRecord, row)
