"""``wedge:`` — keyboard-emulation readers: ``wedge:stdin`` or ``wedge:/dev/input/eventN`` (evdev,
grabbed so the keystrokes do not reach other windows). Options after ``?``:
``format=auto|hex8|hex14|dec10`` and ``order=normal|reversed``.
"""

from __future__ import annotations

import queue
import select
import sys
import threading
from collections.abc import Iterator
from typing import Any, TextIO
from urllib.parse import parse_qs

from . import messages
from .base import POLL, Gone, Reader, ReaderError, Seen, drain
from .wedge_format import ByteOrder, WedgeFormat, WedgeParseError, parse_line

# evdev key names of what a wedge reader types
_KEYS = {f"KEY_{c}": c for c in "0123456789ABCDEF"}


class WedgeReader(Reader):
    """Reads typed lines; each valid line is one tap (a wedge reader cannot see removal)."""

    scheme = "wedge"

    def __init__(self, spec: str, *, stream: TextIO | None = None, **kw: Any) -> None:
        super().__init__(spec, **kw)
        rest = spec.partition(":")[2]
        target, _, query = rest.partition("?")
        opts = {k: v[-1] for k, v in parse_qs(query).items()}
        try:
            self.format = WedgeFormat(opts.pop("format", "auto"))
            self.order = ByteOrder(opts.pop("order", "normal"))
        except ValueError as e:
            raise ReaderError(messages.text("wedge_bad_option", e=e)) from e
        if opts:
            raise ReaderError(messages.text("wedge_unknown_option", option=", ".join(opts)))
        self.target = target or "stdin"
        self.stream = stream
        self.errors: queue.Queue[str] = queue.Queue()  # garbage lines, reported not tapped
        self._device: Any = None
        if self.target != "stdin" and not self.target.startswith("/dev/input/"):
            raise ReaderError(messages.text("wedge_bad_target", target=self.target))

    def feed(self, line: str) -> Seen | None:
        """Parse one line; garbage is reported on ``errors`` and yields nothing."""
        try:
            uid = parse_line(line, self.format, self.order)
        except WedgeParseError as e:
            if line.strip():
                self.errors.put(str(e))
            return None
        return Seen(uid)

    def _events(self, stop: threading.Event) -> Iterator[Seen | Gone]:
        if self.target == "stdin":
            yield from self._lines_from_stream(self.stream or sys.stdin, stop)
        else:
            yield from self._lines_from_evdev(stop)

    def _emit(self, line: str) -> Iterator[Seen | Gone]:
        seen = self.feed(line)
        if seen is not None:
            yield seen
            yield Gone(seen.uid)  # a typed line is a whole presentation

    def _lines_from_stream(self, stream: TextIO, stop: threading.Event) -> Iterator[Seen | Gone]:
        self.set_status(True, messages.text("wedge_stdin_name"))
        while not stop.is_set():
            try:
                ready = select.select([stream], [], [], POLL)[0]
            except (ValueError, OSError, TypeError):  # not selectable (e.g. StringIO)
                ready = [stream]
            if not ready:
                continue
            line = stream.readline()
            if line == "":
                self.set_status(
                    False, messages.text("wedge_stdin_name"), messages.text("input_ended")
                )
                return
            yield from self._emit(line)

    def _lines_from_evdev(self, stop: threading.Event) -> Iterator[Seen | Gone]:
        try:
            import evdev
        except ImportError as e:
            raise ReaderError(messages.text("evdev_missing")) from e
        try:
            self._device = evdev.InputDevice(self.target)
            self._device.grab()
        except OSError as e:
            self.set_status(
                False, self.target, messages.text("evdev_no_permission", device=e.strerror or e)
            )
            return
        self.set_status(True, self._device.name)
        q: queue.Queue[Seen | Gone] = queue.Queue()
        buf: list[str] = []

        def pump() -> None:
            try:
                while not stop.is_set():
                    if not select.select([self._device.fd], [], [], POLL)[0]:
                        continue
                    for event in self._device.read():
                        if event.type != evdev.ecodes.EV_KEY or event.value != 1:
                            continue
                        name = evdev.ecodes.KEY.get(event.code, "")
                        if name in ("KEY_ENTER", "KEY_KPENTER"):
                            for ev in self._emit("".join(buf)):
                                q.put(ev)
                            buf.clear()
                        elif name in _KEYS:
                            buf.append(_KEYS[name])
            except OSError as e:
                self.set_status(
                    False, self.target, messages.text("evdev_disconnected", device=e.strerror or e)
                )

        threading.Thread(target=pump, daemon=True, name="wedge-evdev").start()
        yield from drain(q, stop)

    def _close(self) -> None:
        if self._device is not None:
            try:
                self._device.ungrab()
                self._device.close()
            except OSError:
                pass
