"""NTAG21x originality through real nfcpy → udp driver → emulator: genuine, cloned, absent."""

from __future__ import annotations

import pytest
from ecdsa import SECP128r1, SigningKey
from ecdsa.util import sigencode_string

from carrier_tracker.readers import Originality, open_reader
from carrier_tracker.readers.originality import NXP_NTAG21X_KEY, verify_signature
from tests.readers.ntag_emulator import NtagEmulator
from tests.readers.test_contract import Running

UID = bytes.fromhex("04A1B2C3D4E5F6")


def _sign(sk: SigningKey, uid: bytes) -> bytes:
    return sk.sign_digest(uid, sigencode=sigencode_string, allow_truncate=True)


@pytest.fixture(scope="module")
def keys() -> tuple[SigningKey, str]:
    sk = SigningKey.generate(curve=SECP128r1)
    return sk, sk.get_verifying_key().to_string("uncompressed").hex().upper()


def test_verify_unit(keys: tuple[SigningKey, str]) -> None:
    sk, pub = keys
    assert verify_signature(UID, _sign(sk, UID), (pub,)) is Originality.GENUINE
    assert (
        verify_signature(UID, _sign(sk, bytes.fromhex("04000000000001")), (pub,))
        is Originality.FAILED
    )
    assert verify_signature(UID, b"\x00" * 32, (pub,)) is Originality.ABSENT
    assert verify_signature(UID, _sign(sk, UID), (NXP_NTAG21X_KEY,)) is Originality.FAILED


@pytest.mark.slow
@pytest.mark.parametrize(
    ("which", "expected"),
    [("genuine", Originality.GENUINE), ("clone", Originality.FAILED), ("none", Originality.ABSENT)],
)
def test_signature_through_nfcpy(
    keys: tuple[SigningKey, str], which: str, expected: Originality
) -> None:
    sk, pub = keys
    signature = {
        "genuine": _sign(sk, UID),
        # A clone copies the UID but cannot make the chip's signature for it.
        "clone": _sign(SigningKey.generate(curve=SECP128r1), UID),
        "none": b"\x00" * 32,
    }[which]
    em = NtagEmulator(UID, signature)
    running = Running(open_reader(f"nfc:udp:127.0.0.1:{em.port}", trusted_keys=(pub,)))
    try:
        em.present()
        tap = running.next(6)
        em.remove()
        assert tap.uid == UID.hex().upper()
        assert tap.product == "NXP NTAG215"
        assert tap.originality is expected
    finally:
        running.finish()
        em.close()
