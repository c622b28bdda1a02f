"""``nfc:`` — USB/serial/UDP readers through nfcpy; the rest of the spec goes to ContactlessFrontend.

nfcpy's ``connect`` blocks and calls back; the callbacks only put events on a queue. NTAG21x
originality signatures are read and verified (see :mod:`readers.originality`).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import Any

import nfc

from . import messages
from .base import Backoff, Gone, Originality, Reader, Seen, drain, uid_hex
from .originality import NXP_NTAG21X_KEY, verify_signature


class NfcpyReader(Reader):
    """``nfc:usb``, ``nfc:usb:054c:06c3``, ``nfc:tty:USB0:arygon``, ``nfc:udp:localhost:54321``."""

    scheme = "nfc"

    def __init__(
        self, spec: str, *, trusted_keys: tuple[str, ...] = (NXP_NTAG21X_KEY,), **kw: Any
    ) -> None:
        super().__init__(spec, **kw)
        self.path = spec.partition(":")[2] or "usb"
        self.trusted_keys = trusted_keys
        self._clf: Any = None

    def _on_connect(self, tag: Any, q: queue.Queue[Seen | Gone]) -> bool:
        uid = uid_hex(tag.identifier)
        originality = Originality.UNKNOWN
        if hasattr(tag, "signature") and "NTAG21" in str(getattr(tag, "product", "")):
            try:
                sig = bytes(tag.signature)
            except Exception:
                sig = b""
            originality = verify_signature(bytes(tag.identifier), sig, self.trusted_keys)
        q.put(
            Seen(
                uid,
                tag_type=str(getattr(tag, "type", "")),
                product=str(getattr(tag, "product", "")),
                originality=originality,
            )
        )
        return True  # hold the connection until the tag leaves: one tap per presentation

    def _run(self, stop: threading.Event, q: queue.Queue[Seen | Gone]) -> None:
        backoff = Backoff()
        current: list[str] = []
        while not stop.is_set():
            try:
                self._clf = nfc.ContactlessFrontend(self.path)
            except OSError as e:  # ENODEV: no such device
                self.set_status(
                    False, self.path, messages.text("nfc_not_found", reason=e.strerror or e)
                )
                backoff.wait(stop)
                continue
            self.set_status(True, str(self._clf.device) if self._clf.device else self.path)
            backoff.reset()
            try:
                while not stop.is_set():

                    def on_connect(tag: Any) -> bool:
                        current[:] = [uid_hex(tag.identifier)]
                        return self._on_connect(tag, q)

                    def on_release(tag: Any) -> None:
                        q.put(Gone(uid_hex(tag.identifier)))
                        current.clear()

                    result = self._clf.connect(
                        rdwr={
                            "targets": ["106A"],
                            "on-connect": on_connect,
                            "on-release": on_release,
                            "iterations": 1,
                            "interval": 0.1,
                        },
                        terminate=stop.is_set,
                    )
                    if result is None and stop.is_set():
                        break
            except OSError as e:
                self.set_status(False, self.path, messages.text("reader_disconnected", e=e))
                if current:
                    q.put(Gone(current.pop()))
                backoff.wait(stop)
            finally:
                self._close_clf()

    def _events(self, stop: threading.Event) -> Iterator[Seen | Gone]:
        q: queue.Queue[Seen | Gone] = queue.Queue()
        worker = threading.Thread(
            target=self._run, args=(stop, q), daemon=True, name="nfcpy-reader"
        )
        worker.start()
        try:
            yield from drain(q, stop)
        finally:
            worker.join(timeout=3)

    def _close_clf(self) -> None:
        clf, self._clf = self._clf, None
        if clf is not None:
            with contextlib.suppress(Exception):
                clf.close()

    def _close(self) -> None:
        self._close_clf()


def list_devices() -> tuple[list[str], str]:
    """nfcpy USB devices it can open, and why none when the list is empty."""
    try:
        clf = nfc.ContactlessFrontend("usb")
    except OSError as e:
        return [], messages.text("nfc_no_usb", reason=e.strerror or e)
    try:
        return [str(clf.device)], ""
    finally:
        clf.close()
