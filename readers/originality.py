"""NTAG21x originality signature: ECDSA on secp128r1 over the raw 7-byte UID (no hash)."""

from __future__ import annotations

from .base import Originality

# NXP's published NTAG21x originality public key (uncompressed point).
NXP_NTAG21X_KEY = "04494E1A386D3D3CFE3DC10E5DE68A499B1C202DB5B132393E89ED19FE5BE8BC61"


def verify_signature(
    uid: bytes, signature: bytes | None, public_keys: tuple[str, ...] = (NXP_NTAG21X_KEY,)
) -> Originality:
    """Check a READ_SIG signature against trusted keys.

    All-zero or missing signatures mean the tag gave none (nfcpy returns zeros when the read
    fails): that is ABSENT, never GENUINE.
    """
    if not signature or not any(signature):
        return Originality.ABSENT
    if len(signature) != 32:
        return Originality.FAILED
    from ecdsa import BadSignatureError, SECP128r1, VerifyingKey
    from ecdsa.util import sigdecode_string

    for key_hex in public_keys:
        vk = VerifyingKey.from_string(bytes.fromhex(key_hex), curve=SECP128r1)
        try:
            # The chip signs the UID itself: no hash; ecdsa takes the digest as the number.
            if vk.verify_digest(signature, uid, sigdecode=sigdecode_string, allow_truncate=True):
                return Originality.GENUINE
        except BadSignatureError:
            continue
        except ValueError:
            continue
    return Originality.FAILED
