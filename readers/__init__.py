"""Readers: turn a tag on a desk reader into exactly one ``TagTap``. Imports nothing of ours."""

from __future__ import annotations

from .base import Originality, Reader, ReaderError, ReaderStatus, TagTap
from .registry import BACKENDS, open_reader

__all__ = [
    "BACKENDS",
    "Originality",
    "Reader",
    "ReaderError",
    "ReaderStatus",
    "TagTap",
    "open_reader",
]
