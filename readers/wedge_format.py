"""Parsing what a keyboard-emulation ("USB免驱") reader types: 8/14-hex or 10-digit decimal."""

from __future__ import annotations

import re
from enum import StrEnum

from . import messages

_HEX = re.compile(r"[0-9A-Fa-f]+")


class WedgeFormat(StrEnum):
    """How the reader renders the UID."""

    AUTO = "auto"  # 8 or 14 hex digits, or 10 decimal digits
    HEX8 = "hex8"  # 4-byte UID as 8 hex digits
    HEX14 = "hex14"  # 7-byte UID as 14 hex digits
    DEC10 = "dec10"  # first 4 bytes as a 32-bit number, 10 decimal digits


class ByteOrder(StrEnum):
    """Whether the reader prints the UID bytes as read or reversed."""

    NORMAL = "normal"
    REVERSED = "reversed"


class WedgeParseError(ValueError):
    """A typed line that is not a UID in the configured format."""


def parse_line(
    line: str, fmt: WedgeFormat = WedgeFormat.AUTO, order: ByteOrder = ByteOrder.NORMAL
) -> str:
    """Turn one typed line into a UID (upper-case hex, in the tag's byte order).

    Raises:
        WedgeParseError: the line does not match the format; never guesses.
    """
    text = line.strip()
    if fmt is WedgeFormat.AUTO:
        if len(text) == 10 and text.isdigit():
            fmt = WedgeFormat.DEC10
        elif len(text) == 8 and _HEX.fullmatch(text):
            fmt = WedgeFormat.HEX8
        elif len(text) == 14 and _HEX.fullmatch(text):
            fmt = WedgeFormat.HEX14
        else:
            raise WedgeParseError(messages.text("card_unrecognised", text=text))
    if fmt is WedgeFormat.DEC10:
        if len(text) != 10 or not text.isascii() or not text.isdigit() or int(text) > 0xFFFFFFFF:
            raise WedgeParseError(messages.text("card_not_dec10", text=text))
        data = int(text).to_bytes(4, "big")
    else:
        width = 8 if fmt is WedgeFormat.HEX8 else 14
        if len(text) != width or not text.isascii() or not _HEX.fullmatch(text):
            raise WedgeParseError(messages.text("card_not_hex", width=width, text=text))
        data = bytes.fromhex(text)
    if order is ByteOrder.REVERSED:
        data = data[::-1]
    return data.hex().upper()


def render(uid: bytes, fmt: WedgeFormat, order: ByteOrder = ByteOrder.NORMAL) -> str:
    """What a reader configured this way types for ``uid`` (the inverse of :func:`parse_line`)."""
    data = uid[::-1] if order is ByteOrder.REVERSED else uid
    if fmt is WedgeFormat.DEC10:
        return f"{int.from_bytes(data[:4] if order is ByteOrder.NORMAL else data[-4:], 'big'):010d}"
    return data.hex().upper()
