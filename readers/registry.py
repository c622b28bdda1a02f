"""Choosing a backend from a spec string ``scheme:rest``; its module is imported only then."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from . import messages
from .base import DEFAULT_DEBOUNCE, Reader, ReaderError, ReaderStatus

# scheme -> (module, class, what to install when the import fails)
BACKENDS: dict[str, tuple[str, str, str]] = {
    "pcsc": (
        "carrier_tracker.readers.pcsc_reader",
        "PcscReader",
        messages.text("install_pcsc"),
    ),
    "nfc": (
        "carrier_tracker.readers.nfcpy_reader",
        "NfcpyReader",
        "pip install 'carrier-tracker[nfc]'",
    ),
    "wedge": (
        "carrier_tracker.readers.wedge",
        "WedgeReader",
        messages.text("install_evdev"),
    ),
    "sim": ("carrier_tracker.readers.sim", "SimReader", ""),
}


def open_reader(
    spec: str,
    *,
    debounce: float = DEFAULT_DEBOUNCE,
    on_status: Callable[[ReaderStatus], None] | None = None,
    on_repeat: Callable[[str], None] | None = None,
    **options: Any,
) -> Reader:
    """Open the reader a spec names: ``pcsc:``, ``pcsc:ACR122``, ``nfc:usb``, ``nfc:udp:localhost:54321``,
    ``wedge:stdin?format=dec10&order=reversed``, ``wedge:/dev/input/event3``, ``sim:``, ``sim:FILE``.

    Raises:
        ReaderError: unknown scheme (lists the valid ones) or missing library (names the fix).
    """
    scheme, sep, _rest = spec.partition(":")
    if not sep or scheme not in BACKENDS:
        valid = messages.text("list_sep").join(f"{s}:" for s in BACKENDS)
        raise ReaderError(messages.text("unknown_reader_type", spec=spec, valid=valid))
    module_name, class_name, fix = BACKENDS[scheme]
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise ReaderError(
            messages.text("reader_library_missing", scheme=scheme, name=e.name, fix=fix)
        ) from e
    cls: type[Reader] = getattr(module, class_name)
    return cls(spec, debounce=debounce, on_status=on_status, on_repeat=on_repeat, **options)
