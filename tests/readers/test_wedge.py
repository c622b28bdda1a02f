"""Keyboard-wedge parsing: every format round-trips; garbage never yields a UID."""

from __future__ import annotations

import io
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carrier_tracker.readers import open_reader
from carrier_tracker.readers.wedge import WedgeReader
from carrier_tracker.readers.wedge_format import (
    ByteOrder,
    WedgeFormat,
    WedgeParseError,
    parse_line,
    render,
)


@given(st.binary(min_size=4, max_size=4), st.sampled_from(list(ByteOrder)))
def test_hex8_round_trip(uid: bytes, order: ByteOrder) -> None:
    assert (
        parse_line(render(uid, WedgeFormat.HEX8, order), WedgeFormat.HEX8, order)
        == uid.hex().upper()
    )


@given(st.binary(min_size=7, max_size=7), st.sampled_from(list(ByteOrder)))
def test_hex14_round_trip(uid: bytes, order: ByteOrder) -> None:
    assert (
        parse_line(render(uid, WedgeFormat.HEX14, order), WedgeFormat.HEX14, order)
        == uid.hex().upper()
    )


@given(st.binary(min_size=4, max_size=4), st.sampled_from(list(ByteOrder)))
def test_dec10_round_trip(uid: bytes, order: ByteOrder) -> None:
    typed = render(uid, WedgeFormat.DEC10, order)
    assert len(typed) == 10 and typed.isdigit()
    assert parse_line(typed, WedgeFormat.DEC10, order) == uid.hex().upper()
    assert parse_line(typed, WedgeFormat.AUTO, order) == uid.hex().upper()


def test_dec10_known_value() -> None:
    assert render(bytes.fromhex("026F6C3A"), WedgeFormat.DEC10) == "0040856634"
    assert parse_line("0040856634", WedgeFormat.DEC10) == "026F6C3A"
    assert parse_line("0040856634", WedgeFormat.DEC10, ByteOrder.REVERSED) == "3A6C6F02"


@given(st.text(max_size=20))
def test_garbage_never_yields_a_uid(text: str) -> None:
    for fmt in WedgeFormat:
        try:
            uid = parse_line(text, fmt)
        except WedgeParseError:
            continue
        # Only a line that is exactly a valid rendering may parse.
        stripped = text.strip()
        assert stripped.isascii()
        assert len(stripped) in (8, 10, 14)
        assert len(uid) in (8, 14)


@pytest.mark.parametrize(
    "line",
    ["", "hello", "04A1B2C3D4E5F", "12345678901", "9999999999", "04A1 B2C3", "０４Ａ１Ｂ２Ｃ３"],
)
def test_rejects(line: str) -> None:
    with pytest.raises(WedgeParseError):
        parse_line(line, WedgeFormat.AUTO)


def test_wedge_stdin_reader_reports_garbage_and_taps_uids() -> None:
    stream = io.StringIO("04A1B2C3D4E5F6\nnot a card\n0040856634\n")
    reader = open_reader("wedge:stdin?format=auto&order=normal", stream=stream, debounce=0.0)
    assert isinstance(reader, WedgeReader)
    got = [t.uid for t in reader.taps(threading.Event())]
    assert got == ["04A1B2C3D4E5F6", "026F6C3A"]
    assert "无法识别的卡号" in reader.errors.get_nowait()


def test_wedge_bad_option() -> None:
    from carrier_tracker.readers import ReaderError

    with pytest.raises(ReaderError, match="format=auto"):
        open_reader("wedge:stdin?format=octal")
