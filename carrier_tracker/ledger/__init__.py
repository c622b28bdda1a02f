"""The tamper-evident ledger: one HMAC-SHA256 chain of events per meeting and one system chain
(docs/architecture.md). This package's face re-exports the chain arithmetic and the key file;
the typed events, their codec, the fold and the audit are its modules."""

from carrier_tracker.ledger.chain import (
    GENESIS,
    ChainReport,
    ChainVerifier,
    as_utc,
    canonical_bytes,
    event_hash,
    head_mac,
    mac,
    pin_digest,
    system_canonical_bytes,
    system_event_hash,
    verify_events,
)
from carrier_tracker.ledger.keys import FINGERPRINT_SETTING, KEY_BYTES, key_fingerprint, load_key

__all__ = [
    "FINGERPRINT_SETTING",
    "GENESIS",
    "KEY_BYTES",
    "ChainReport",
    "ChainVerifier",
    "as_utc",
    "canonical_bytes",
    "event_hash",
    "head_mac",
    "key_fingerprint",
    "load_key",
    "mac",
    "pin_digest",
    "system_canonical_bytes",
    "system_event_hash",
    "verify_events",
]
