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
            raise ReaderError(
                f"wedge 选项错误：{e}（format=auto|hex8|hex14|dec10，order=normal|reversed）"
            ) from e
        if opts:
            raise ReaderError(f"未知的 wedge 选项：{', '.join(opts)}")
        self.target = target or "stdin"
        self.stream = stream
        self.errors: queue.Queue[str] = queue.Queue()  # garbage lines, reported not tapped
        self._device: Any = None
        if self.target != "stdin" and not self.target.startswith("/dev/input/"):
            raise ReaderError(f"wedge 目标应为 stdin 或 /dev/input/eventN：{self.target}")

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
        self.set_status(True, "键盘输入读卡器（标准输入）")
        while not stop.is_set():
            try:
                ready = select.select([stream], [], [], POLL)[0]
            except (ValueError, OSError, TypeError):  # not selectable (e.g. StringIO)
                ready = [stream]
            if not ready:
                continue
            line = stream.readline()
            if line == "":
                self.set_status(False, "键盘输入读卡器（标准输入）", "输入已结束")
                return
            yield from self._emit(line)

    def _lines_from_evdev(self, stop: threading.Event) -> Iterator[Seen | Gone]:
        try:
            import evdev
        except ImportError as e:
            raise ReaderError(
                "读取 /dev/input 需要 evdev：pip install 'carrier-tracker[evdev]'"
            ) from e
        try:
            self._device = evdev.InputDevice(self.target)
            self._device.grab()
        except OSError as e:
            self.set_status(
                False, self.target, f"无法打开设备：{e.strerror or e}（需要 input 组权限）"
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
                self.set_status(False, self.target, f"设备已断开：{e.strerror or e}")

        threading.Thread(target=pump, daemon=True, name="wedge-evdev").start()
        yield from drain(q, stop)

    def _close(self) -> None:
        if self._device is not None:
            try:
                self._device.ungrab()
                self._device.close()
            except OSError:
                pass
