"""The tamper-evident ledger: one HMAC-SHA256 chain of events per meeting (DESIGN §6)."""

from __future__ import annotations

import hmac
import json
import os
import secrets
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from . import messages
from .config import make_private_dir
from .errors import LedgerError
from .models import Event, LedgerHead, Meeting

GENESIS = "0" * 64
KEY_BYTES = 32


def as_utc(at: datetime) -> datetime:
    """Attach UTC to a naive datetime read back from SQLite; convert aware ones to UTC."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _check_key_permissions(path: Path) -> None:
    """Refuse a key that another user could read, replace or own (DESIGN §6: 0600, ours).

    Raises:
        LedgerError: naming the ``chmod``/``chown`` that fixes it.
    """
    uid = os.geteuid()
    user = _user_name(uid)
    folder = path.parent
    st = folder.stat()
    if st.st_uid != uid:
        raise LedgerError(messages.text("key_dir_owner", dir=folder, owner=st.st_uid, user=user))
    if stat.S_IMODE(st.st_mode) & 0o022:
        raise LedgerError(
            messages.text("key_dir_mode", dir=folder, mode=oct(stat.S_IMODE(st.st_mode)))
        )
    st = path.stat()
    if st.st_uid != uid:
        raise LedgerError(messages.text("key_owner", path=path, owner=st.st_uid, user=user))
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise LedgerError(messages.text("key_permissions", path=path, mode=oct(mode)))


def _user_name(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def load_key(path: Path, *, create: bool = True) -> bytes:
    """Read the ledger key, creating it (0600, random, in a 0700 directory) on first use.

    Args:
        path: the key file.
        create: create it when missing (commands that only read pass False: a fresh key
            would make every chain look tampered with).

    Returns:
        The key bytes.

    Raises:
        LedgerError: the file is missing (without ``create``), cannot be read or created, or
            it or its directory is not the user's own or may be written (the file: read) by
            others.
    """
    try:
        if not path.exists():
            if not create:
                raise LedgerError(messages.text("key_missing", path=path))
            make_private_dir(path.parent)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(KEY_BYTES) + "\n")
        _check_key_permissions(path)
        key = bytes.fromhex(path.read_text().strip())
    except FileExistsError:  # another process created it between exists() and open()
        return load_key(path, create=False)
    except (OSError, ValueError) as e:
        raise LedgerError(messages.text("key_unreadable", path=path, reason=e)) from e
    if len(key) < 16:
        raise LedgerError(
            messages.text("key_unreadable", path=path, reason=messages.text("key_too_short"))
        )
    return key


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

    ``approver`` and ``payload`` (added by schema 0002) are covered when present, and left out
    when empty, so every event written before them keeps its hash."""
    at = event.at
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    approver, payload = getattr(event, "approver", ""), getattr(event, "payload", None)
    text = (
        f'{{"action":{_json(event.action)},'
        + (f'"approver":{_json(approver)},' if approver else "")
        + f'"at":{_json(at.isoformat(timespec="microseconds"))},'
        f'"attendee_id":{_json(event.attendee_id)},'
        f'"carrier_id":{_json(event.carrier_id)},'
        f'"consignment_id":{_json(event.consignment_id)},'
        f'"from_state":{_json(event.from_state)},'
        f'"meeting_id":{_json(event.meeting_id)},'
        f'"note":{_json(event.note)},'
        f'"operator":{_json(event.operator)},'
        + (f'"payload":{_json(payload)},' if payload is not None else "")
        + f'"reason":{_json(event.reason)},'
        f'"seq":{_json(event.seq)},'
        f'"station":{_json(event.station)},'
        f'"tag_uid":{_json(event.tag_uid)},'
        f'"to_state":{_json(event.to_state)},'
        f'"verdict":{_json(event.verdict)}}}'
    )
    return text.encode()


FINGERPRINT_SETTING = "ledger_key_fingerprint"


def key_fingerprint(key: bytes) -> str:
    """A fingerprint of the key (an HMAC of a fixed label): recorded in the database so a wrong
    or missing key is named as such, never mistaken for tampering. It reveals nothing of the key."""
    return mac(key, b"carrier-tracker ledger key fingerprint")


def open_key(engine: Any, path: Path, *, writes: bool) -> bytes:
    """The ledger key for this database, checked against the fingerprint the database holds.

    A database that already holds events never gets a new key: without its key file the
    command stops and says so. A command that writes records the fingerprint the first time
    (a new database, or one made before fingerprints).

    Args:
        engine: the database.
        path: the key file.
        writes: the command may create a key (for a database with no events) and record the
            fingerprint.

    Raises:
        LedgerError: the key is missing for a database with events, or is not this database's.
    """
    from .db import read_scope, session_scope
    from .models import Setting, SystemEvent, table_of

    # Core reads, not ORM ones: every writing command opens the key, and the ORM's first query
    # configures every mapper (10-15 ms of the CLI's start).
    setting = table_of(Setting)
    with read_scope(engine) as session:
        recorded = session.execute(
            select(setting.c.value).where(setting.c.name == FINGERPRINT_SETTING)
        ).scalar()
        # Whether any event exists (one row looked at, not a count of 200,000), asked only
        # when no fingerprint says so already.
        has_events = recorded is not None or any(
            session.execute(select(table_of(model).c.id).limit(1)).first() is not None
            for model in (Event, SystemEvent)
        )
    if not path.exists() and has_events:
        raise LedgerError(messages.text("key_missing_for_db", path=path))
    key = load_key(path, create=writes)
    fingerprint = key_fingerprint(key)
    if recorded is not None and not hmac.compare_digest(recorded, fingerprint):
        raise LedgerError(
            messages.text("key_mismatch", path=path, have=fingerprint[:12], want=recorded[:12])
        )
    if recorded is None and writes:
        with session_scope(engine) as session:
            if session.get(Setting, FINGERPRINT_SETTING) is None:
                session.add(Setting(name=FINGERPRINT_SETTING, value=fingerprint))
    return key


def seal_heads(session: Session, key: bytes) -> int:
    """Bind heads written before head MACs existed (schema 0001) to the key; returns how many."""
    count = 0
    for head in session.exec(select(LedgerHead).where(LedgerHead.mac == "")).all():
        if head.seq:
            head.mac = head_mac(key, head.meeting_id, head.seq, head.hash)
            session.add(head)
            count += 1
    return count


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

    def report(self, head: LedgerHead | None) -> ChainReport:
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


def verify_events(
    key: bytes, meeting_code: str, events: Iterable[Any], head: LedgerHead | None
) -> ChainReport:
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


def event_rows(session: Session, meeting: Meeting) -> Iterable[Any]:
    """A meeting's events in ``seq`` order as plain rows (attribute access like Event), streamed."""
    table = Event.__table__  # type: ignore[attr-defined]
    # Plain rows: 200,000 ORM objects would dominate the time.
    return (
        session.connection()
        .execute(select(table).where(table.c.meeting_id == meeting.id).order_by(table.c.seq))
        .yield_per(5000)
    )


def verify_meeting(session: Session, key: bytes, meeting: Meeting) -> ChainReport:
    """Verify one meeting's chain as stored."""
    assert meeting.id is not None
    events = event_rows(session, meeting)
    head = session.get(LedgerHead, meeting.id)
    return verify_events(key, meeting.code, events, head)
