"""Checking a PIN against its argon2id hash, and starting that check early.

The check is ~0.1 s of argon2 by design; a command line ``tap`` also spends ~0.35 s importing
the database layer before it can read the operator's hash through it. :func:`start_early` reads
the hash with the standard library's ``sqlite3`` and runs argon2 on another thread (it releases
the GIL) while the main thread imports; :func:`matches` then reuses that result — only for the
very hash the real sign-in reads, with the same PIN, so what it decides never changes: a PIN
reset, a disabled operator or a lockout in between is seen by the sign-in as always.

This module imports nothing of the database layer, so it is cheap to use first.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher()  # argon2id (the library's default type), RFC 9106 low-memory profile
PEPPERED = b"ct1$"
"""Marks a hash of the peppered secret (:func:`secret`); a hash without it is of the bare PIN
(made before PINs were peppered: re-made at the operator's next sign-in)."""


def secret(key: bytes, name: str, pin: str) -> str:
    """What argon2 hashes: the PIN bound to the operator's name and peppered with a secret derived
    from the ledger key (held beside the database, never in it), so a copy of the database alone
    allows no offline guessing of 6-digit PINs."""
    pepper = hmac.new(key, b"carrier-tracker pin pepper", hashlib.sha256).digest()
    return hmac.new(pepper, name.encode() + b"\x00" + pin.encode(), hashlib.sha256).hexdigest()


def make_hash(key: bytes, name: str, pin: str) -> bytes:
    """The stored hash of an operator's PIN (peppered, argon2id, PHC string)."""
    return PEPPERED + HASHER.hash(secret(key, name, pin)).encode()


def peppered(stored: bytes) -> bool:
    """True for a hash made by :func:`make_hash` (False: a bare PIN's, to be re-made)."""
    return stored.startswith(PEPPERED)


def verify(stored: bytes, pin: str, *, key: bytes | None = None, name: str = "") -> bool:
    """True when ``pin`` matches the stored hash (a malformed one matches nothing): a peppered
    hash with the ledger key and the operator's name, an old one with the PIN alone."""
    try:
        if peppered(stored):
            if key is None:
                return False
            return HASHER.verify(stored[len(PEPPERED) :].decode(), secret(key, name, pin))
        return HASHER.verify(stored.decode(), pin)
    except (VerificationError, InvalidHashError, UnicodeDecodeError):
        return False


@dataclass
class _Early:
    pin: str
    key: bytes | None = None
    name: str = ""
    thread: threading.Thread | None = None
    stored: bytes | None = None
    """The hash it checked (None: it read none, or failed)."""
    result: bool = False


_PENDING: list[_Early] = []
_LOCK = threading.Lock()


def sqlite_path(url: str) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL (the default database); None for anything
    else (other backends, URI options, in memory), where no early check is made."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url or len(url) == len(prefix):
        return None
    return Path(url[len(prefix) :])


def start_early(db_file: Path, name: str, pin: str, key_file: Path | None = None) -> None:
    """Start checking ``name``'s PIN on another thread, reading the hash from ``db_file``
    read-only (and the ledger key from ``key_file``, for a peppered hash). Anything that goes
    wrong (no file, no such operator, an old schema) just leaves the check to :func:`matches`."""
    early = _Early(pin, _read_key(key_file), name)
    early.thread = threading.Thread(
        target=_check_early, args=(early, db_file, name), name="pin-check", daemon=True
    )
    with _LOCK:  # one sign-in per command: an older early check of this PIN went unused
        _PENDING[:] = [e for e in _PENDING if e.pin != pin]
        _PENDING.append(early)
    early.thread.start()


def _check_early(early: _Early, db_file: Path, name: str) -> None:
    try:
        if not db_file.is_file():  # nothing to read (and never open a FIFO or a device)
            return
        uri = f"file:{quote(str(db_file.resolve()))}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=1)) as conn:
            row = conn.execute("SELECT pin_hash FROM operator WHERE name = ?", (name,)).fetchone()
    except (sqlite3.Error, OSError, ValueError):
        return
    if row is not None and isinstance(row[0], bytes):
        early.result = verify(row[0], early.pin, key=early.key, name=name)
        early.stored = row[0]


def _read_key(path: Path | None) -> bytes | None:
    """The key's bytes for an early check only (the sign-in opens the key properly)."""
    if path is None:
        return None
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        return None


def matches(stored: bytes, pin: str, *, key: bytes | None = None, name: str = "") -> bool:
    """``verify(stored, pin, key=key, name=name)``, reusing an early check of this PIN when it
    checked this very hash with this key and name (waiting for it to finish if need be)."""
    with _LOCK:
        found = next((e for e in _PENDING if e.pin == pin), None)
        if found is not None:
            _PENDING.remove(found)
    if found is not None:
        assert found.thread is not None
        found.thread.join()
        if found.stored == stored and found.name == name and found.key == key:
            return found.result
    return verify(stored, pin, key=key, name=name)
