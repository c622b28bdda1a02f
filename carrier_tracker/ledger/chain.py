"""The chains' arithmetic: canonical bytes of an event, HMAC-SHA256 links, head MACs, and the
walk that names the first broken link (docs/architecture.md, "The ledger")."""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from carrier_tracker import messages

GENESIS = "0" * 64


def as_utc(at: datetime) -> datetime:
    """Attach UTC to a naive datetime read back from SQLite; convert aware ones to UTC."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_STRING = json.encoder.encode_basestring  # the escaping of ensure_ascii=False


def _json(value: Any) -> str:
    """One value as ``_ENCODER`` writes it: the common types inline, anything else through it."""
    if value is None:
        return "null"
    kind = type(value)
    if kind is str:
        return _STRING(value)
    if kind is int:
        return int.__repr__(value)
    return _ENCODER.encode(value)


def canonical_bytes(event: Any) -> bytes:
    """The bytes an event's hash covers: every field but ``id`` and ``hash``, as compact JSON
    (``ensure_ascii=False``) with keys in sorted order.

    Written out field by field, in that order, rather than by ``json`` from a dict: it is
    on every tap and the export verifies 200,000 events, and this takes 60 % of the time. A
    property test holds it byte-for-byte to ``json.dumps(sort_keys=True)`` of the same fields
    (tests/unit/test_ledger.py).

    Fields added after the first version are covered when present, and left out when empty, so
    every event written before them keeps its hash: ``approver`` and ``payload`` (schema 0002),
    ``system_seq``, ``operator_pin`` and ``approver_pin`` (schema 0012)."""
    at = event.at
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    approver, payload = getattr(event, "approver", ""), getattr(event, "payload", None)
    system_seq = getattr(event, "system_seq", None)
    operator_pin = getattr(event, "operator_pin", "")
    approver_pin = getattr(event, "approver_pin", "")
    # a text value (most fields, most of the time) escaped inline, without a call of _json
    j, s = _json, _STRING
    action, note, operator = event.action, event.note, event.operator
    reason, station, tag_uid = event.reason, event.station, event.tag_uid
    from_state, to_state, verdict = event.from_state, event.to_state, event.verdict
    text = (
        f'{{"action":{s(action) if type(action) is str else j(action)},'
        + (f'"approver":{j(approver)},' if approver else "")
        + (f'"approver_pin":{j(approver_pin)},' if approver_pin else "")
        + f'"at":"{at.isoformat(timespec="microseconds")}",'
        f'"attendee_id":{j(event.attendee_id)},'
        f'"carrier_id":{j(event.carrier_id)},'
        f'"consignment_id":{j(event.consignment_id)},'
        f'"from_state":{s(from_state) if type(from_state) is str else j(from_state)},'
        f'"meeting_id":{j(event.meeting_id)},'
        f'"note":{s(note) if type(note) is str else j(note)},'
        f'"operator":{s(operator) if type(operator) is str else j(operator)},'
        + (f'"operator_pin":{j(operator_pin)},' if operator_pin else "")
        + (f'"payload":{j(payload)},' if payload is not None else "")
        + f'"reason":{s(reason) if type(reason) is str else j(reason)},'
        f'"seq":{j(event.seq)},'
        f'"station":{s(station) if type(station) is str else j(station)},'
        + (f'"system_seq":{j(system_seq)},' if system_seq is not None else "")
        + f'"tag_uid":{s(tag_uid) if type(tag_uid) is str else j(tag_uid)},'
        f'"to_state":{s(to_state) if type(to_state) is str else j(to_state)},'
        f'"verdict":{s(verdict) if type(verdict) is str else j(verdict)}}}'
    )
    return text.encode()


@lru_cache(maxsize=4)
def _keyed(key: bytes) -> hmac.HMAC:
    """HMAC-SHA256 with this key set up once: each MAC copies it. ``hmac.digest`` sets the key
    up (and, on OpenSSL 3, looks the algorithm up by name) on every call, which after a tap's
    fsync, with cold caches, cost ~10 µs of the tap's two MACs (bench/README.md)."""
    return hmac.new(key, digestmod="sha256")


def mac(key: bytes, data: bytes) -> str:
    """HMAC-SHA256(key, data), hex: the same value as ``hmac.digest(key, data, "sha256").hex()``."""
    h = _keyed(key).copy()
    h.update(data)
    return h.hexdigest()


def pin_digest(key: bytes, pin_hash: bytes) -> str:
    """A digest of a PIN hash (an HMAC of it, 16 hex digits): what the system chain records of
    each PIN it sets and each event records of the PIN that authenticated its people, so a hash
    swapped in the table is named. It reveals nothing of the PIN or the hash."""
    return mac(key, b"pin|" + pin_hash)[:16]


def head_mac(key: bytes, chain: int | str, seq: int, head_hash: str) -> str:
    """HMAC binding a chain's head (its event count and newest hash) to the key: a head rewound
    to an earlier event fails unless whoever rewound it holds the key (or kept the old row)."""
    return mac(key, f"head|{chain}|{seq}|{head_hash}".encode())


def system_canonical_bytes(event: Any) -> bytes:
    """The bytes a system-chain event's hash covers: every field but ``id`` and ``hash``."""
    body = {
        "action": event.action,
        "at": as_utc(event.at).isoformat(timespec="microseconds"),
        "note": event.note,
        "operator": event.operator,
        "payload": event.payload,
        "seq": event.seq,
        "station": event.station,
        "subject": event.subject,
        "verdict": event.verdict,
    }
    return _ENCODER.encode(body).encode()


def system_event_hash(key: bytes, prev_hash: str, event: Any) -> str:
    """HMAC-SHA256(key, "system" ‖ prev_hash ‖ canonical bytes), hex: the system chain's link
    (the label keeps a system event from ever verifying as a meeting's)."""
    data = b"system|" + prev_hash.encode() + system_canonical_bytes(event)
    return mac(key, data)


def event_hash(key: bytes, prev_hash: str, event: Any) -> str:
    """HMAC-SHA256(key, prev_hash ‖ canonical bytes), hex."""
    return mac(key, prev_hash.encode() + canonical_bytes(event))


@dataclass(frozen=True)
class ChainReport:
    """The result of verifying one meeting's chain."""

    meeting_code: str
    count: int
    head_hash: str
    broken_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        """True when the whole chain verifies."""
        return self.broken_seq is None


class ChainVerifier:
    """Checks a chain one event at a time, so a caller that reads the events anyway (the
    export) verifies them in the same pass. Feed events in ``seq`` order, then ask for the
    report with the stored head."""

    def __init__(self, key: bytes, meeting_code: str) -> None:
        self.key, self.meeting_code = key, meeting_code
        self.prev = GENESIS
        self.count = 0
        self.broken: ChainReport | None = None

    def feed(self, ev: Any) -> None:
        """Check one event (ignored once the chain is known broken)."""
        self.count += 1
        if self.broken is not None:
            return
        expected = self.count
        if ev.seq != expected:
            self.broken = ChainReport(
                self.meeting_code,
                self.count,
                self.prev,
                expected,
                messages.text("chain_gap", expected=expected, seq=ev.seq),
            )
        elif ev.prev_hash != self.prev:
            self.broken = ChainReport(
                self.meeting_code, self.count, self.prev, ev.seq, messages.text("chain_prev_hash")
            )
        elif not hmac.compare_digest(event_hash(self.key, self.prev, ev), ev.hash):
            self.broken = ChainReport(
                self.meeting_code,
                self.count,
                self.prev,
                ev.seq,
                messages.text("chain_content_changed"),
            )
        else:
            self.prev = ev.hash

    def report(self, head: Any) -> ChainReport:
        """The verdict: the first break, or a missing/mismatched head (a truncated tail)."""
        if self.broken is not None:
            return self.broken
        count, prev = self.count, self.prev
        if head is None and count:
            return ChainReport(
                self.meeting_code, count, prev, count, messages.text("chain_head_missing")
            )
        if head is not None and (head.seq != count or head.hash != prev):
            return ChainReport(
                self.meeting_code,
                count,
                prev,
                count + 1,
                messages.text("chain_tail_missing", seq=head.seq),
            )
        if (
            head is not None
            and count
            and not hmac.compare_digest(
                getattr(head, "mac", "") or "",
                head_mac(self.key, head.meeting_id, head.seq, head.hash),
            )
        ):
            return ChainReport(
                self.meeting_code,
                count,
                prev,
                count,
                messages.text("chain_head_mac"),
            )
        return ChainReport(self.meeting_code, count, prev)


def verify_events(key: bytes, meeting_code: str, events: Iterable[Any], head: Any) -> ChainReport:
    """Recompute a chain from events in ``seq`` order and compare with the stored head.

    Detects an edited row (hash mismatch), a deleted or reordered row (seq gap or prev_hash
    mismatch) and a truncated tail (the stored head names a later event).
    """
    verifier = ChainVerifier(key, meeting_code)
    for ev in events:
        verifier.feed(ev)
        if verifier.broken is not None:
            break
    return verifier.report(head)
