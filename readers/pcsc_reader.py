"""``pcsc:`` — PC/SC readers through pyscard's low-level API, with our own polling loop.

We do not use pyscard's ``CardMonitor``: it is a per-process singleton whose thread dies for
good if pcscd is absent when it starts. Our loop waits on ``SCardGetStatusChange`` with a short
timeout, so it notices ``stop`` quickly, and re-establishes the context with back-off when
pcscd restarts or the reader is unplugged.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from smartcard import scard

from . import messages
from .base import Backoff, Gone, Reader, Seen, uid_hex

GET_UID = [0xFF, 0xCA, 0x00, 0x00, 0x00]
WAIT_MS = 250

# Errors after which the context must be re-established (pcscd went away or restarted).
_SERVICE_GONE = {
    scard.SCARD_E_NO_SERVICE,
    scard.SCARD_E_SERVICE_STOPPED,
    scard.SCARD_E_INVALID_HANDLE,
    getattr(scard, "SCARD_E_NO_READERS_AVAILABLE", 0x8010002E),
    scard.SCARD_E_UNKNOWN_READER,
    getattr(scard, "SCARD_E_READER_UNAVAILABLE", 0x80100017),
    scard.SCARD_E_INVALID_PARAMETER,
}


class PcscError(Exception):
    """A PC/SC call failed with ``code``."""

    def __init__(self, call: str, code: int) -> None:
        super().__init__(f"{call}: {scard.SCardGetErrorMessage(code)} (0x{code & 0xFFFFFFFF:08X})")
        self.code = code


def _check(call: str, result: Any) -> Any:
    code, *rest = result if isinstance(result, tuple | list) else (result,)
    if code != scard.SCARD_S_SUCCESS:
        raise PcscError(call, code)
    return rest[0] if len(rest) == 1 else rest


class PcscReader(Reader):
    """``pcsc:`` first reader; ``pcsc:NAME`` the first whose name contains NAME."""

    scheme = "pcsc"

    def __init__(self, spec: str, **kw: Any) -> None:
        super().__init__(spec, **kw)
        self.name_filter = spec.partition(":")[2]
        self.reader_name = ""
        self._context: Any = None

    # -- context and reader selection --------------------------------------------------------

    def _establish(self) -> None:
        self._release()
        self._context = _check(
            "SCardEstablishContext", scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        )

    def _release(self) -> None:
        if self._context is not None:
            scard.SCardReleaseContext(self._context)
            self._context = None

    def _pick_reader(self) -> str | None:
        try:
            names = _check("SCardListReaders", scard.SCardListReaders(self._context, []))
        except PcscError as e:
            if e.code == getattr(scard, "SCARD_E_NO_READERS_AVAILABLE", 0x8010002E):
                return None
            raise
        for name in names:
            if self.name_filter.lower() in name.lower():
                return str(name)
        return None

    # -- reading -------------------------------------------------------------------------------

    def read_uid(self) -> str | None:
        """Connect to the card now present and ask for its UID; None if it did not answer."""
        try:
            card, _protocol = _check(
                "SCardConnect",
                scard.SCardConnect(
                    self._context,
                    self.reader_name,
                    scard.SCARD_SHARE_SHARED,
                    scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
                ),
            )
        except PcscError:
            return None  # lifted before we could connect
        try:
            response = _check(
                "SCardTransmit", scard.SCardTransmit(card, scard.SCARD_PCI_T1, GET_UID)
            )
        except PcscError:
            try:
                response = _check(
                    "SCardTransmit", scard.SCardTransmit(card, scard.SCARD_PCI_T0, GET_UID)
                )
            except PcscError:
                response = []
        finally:
            scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
        if len(response) < 3 or response[-2:] != [0x90, 0x00]:
            return None  # status word not 90 00: not a UID
        return uid_hex(bytes(response[:-2]))

    def _events(self, stop: threading.Event) -> Iterator[Seen | Gone]:
        backoff = Backoff()
        present: str | None = None
        while not stop.is_set():
            try:
                self._establish()
                name = self._pick_reader()
                if name is None:
                    what = f"“{self.name_filter}”" if self.name_filter else ""
                    self.set_status(
                        False,
                        self.name_filter or "PC/SC",
                        messages.text("pcsc_reader_not_found", what=what),
                    )
                    backoff.wait(stop)
                    continue
                self.reader_name = name
                self.set_status(True, name)
                backoff.reset()
                state = scard.SCARD_STATE_UNAWARE
                seen_count = -1
                while not stop.is_set():
                    code, changes = scard.SCardGetStatusChange(
                        self._context, WAIT_MS, [(name, state)]
                    )
                    if code == scard.SCARD_E_TIMEOUT:
                        continue
                    if code != scard.SCARD_S_SUCCESS:
                        raise PcscError("SCardGetStatusChange", code)
                    _reader, event_state, _atr = changes[0]
                    state = event_state & ~scard.SCARD_STATE_CHANGED
                    count = event_state >> 16  # pcsc-lite counts card events here
                    if event_state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
                        raise PcscError(
                            "reader", getattr(scard, "SCARD_E_READER_UNAVAILABLE", 0x80100017)
                        )
                    if event_state & scard.SCARD_STATE_PRESENT:
                        if present is not None and count == seen_count:
                            continue
                        # A new card event (possibly a swap pcscd saw no gap in): read it.
                        uid = self.read_uid()
                        seen_count = count
                        if uid is not None and uid != present:
                            if present is not None:
                                yield Gone(present)
                            present = uid
                            yield Seen(uid, tag_type="ISO14443A", product=_atr_product(_atr))
                    elif event_state & scard.SCARD_STATE_EMPTY and present is not None:
                        yield Gone(present)
                        present = None
            except PcscError as e:
                if present is not None:
                    yield Gone(present)
                    present = None
                self.set_status(
                    False, self.reader_name or "PC/SC", messages.text("pcsc_unavailable", e=e)
                )
                self._release()
                backoff.wait(stop)
        self._release()

    def _close(self) -> None:
        # The polling loop releases its own context when it sees stop; nothing shared here.
        pass


def _atr_product(atr: list[int]) -> str:
    # PC/SC part 3 storage-card ATR: byte 13-14 name the card (0x00 0x03 = Mifare Ultralight/NTAG).
    if len(atr) >= 15 and atr[4:7] == [0x80, 0x4F, 0x0C]:
        return {(0x00, 0x03): "Mifare Ultralight / NTAG", (0x00, 0x01): "Mifare Classic 1K"}.get(
            (atr[13], atr[14]), ""
        )
    return ""


def list_readers() -> tuple[list[str], str]:
    """PC/SC reader names, and why there are none when the list is empty."""
    code, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if code != scard.SCARD_S_SUCCESS:
        return [], messages.text("pcscd_not_running", reason=scard.SCardGetErrorMessage(code))
    try:
        code, names = scard.SCardListReaders(ctx, [])
        if code != scard.SCARD_S_SUCCESS:
            return [], messages.text("pcsc_no_readers", reason=scard.SCardGetErrorMessage(code))
        return list(names), ""
    finally:
        scard.SCardReleaseContext(ctx)
