"""Tag UIDs: what a reader sends, what a person types, and what is refused."""

from __future__ import annotations

import pytest

from carrier_tracker.uids import UID_BYTES, BadUid, normalize_uid


@pytest.mark.parametrize("size", range(1, 13))
def test_only_4_7_or_10_bytes_are_uids(size: int) -> None:
    """As a reader sends it (upper-case hex, the fast path) and as a person types it, a UID of
    any other length is refused the same way."""
    stored = "".join(f"{(0x04 + 17 * i) % 256:02X}" for i in range(size))
    typed = ":".join(stored[i : i + 2] for i in range(0, len(stored), 2)).lower()
    for raw in (stored, typed, f" 0x{stored} "):
        if size in UID_BYTES:
            assert normalize_uid(raw) == stored
        else:
            with pytest.raises(BadUid, match="4、7 或 10 字节"):
                normalize_uid(raw)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("04A1B2C3D4E5F6", "04A1B2C3D4E5F6"),
        ("04a1b2c3d4e5f6", "04A1B2C3D4E5F6"),
        ("04-A1-B2-C3-D4-E5-F6", "04A1B2C3D4E5F6"),
        ("０４Ａ１Ｂ２Ｃ３", "04A1B2C3"),  # full-width, as a Chinese input method types it
        ("04 a1 b2 c3\n", "04A1B2C3"),
    ],
)
def test_typed_forms_normalise(raw: object, stored: str) -> None:
    assert normalize_uid(raw) == stored


@pytest.mark.parametrize("raw", ["04A1B2CG", "04A1B2C3\u200b", "", "0x", "04A1B2C"])
def test_non_hex_is_refused_naming_it(raw: str) -> None:
    with pytest.raises(BadUid, match="标签 UID 格式错误"):
        normalize_uid(raw)
