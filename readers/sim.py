"""``sim:`` — an in-process reader driven by ``present(uid)``/``remove()``; ``sim:FILE`` replays a script.

Script lines: ``SECONDS UID [DWELL]`` — wait SECONDS, present UID for DWELL seconds (default
0.3), then remove it. ``#`` starts a comment.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import messages
from .base import Gone, Reader, ReaderError, Seen, drain, uid_hex


def _norm(uid: str | bytes) -> str:
    if isinstance(uid, bytes | bytearray):
        return uid_hex(uid)
    text = uid.replace(":", "").replace(" ", "").upper()
    bytes.fromhex(text)  # raises ValueError on non-hex
    return text


class SimReader(Reader):
    """A simulated reader: thread-safe ``present``/``remove``/``tap`` for demos and tests."""

    scheme = "sim"

    def __init__(self, spec: str = "sim:", **kw: Any) -> None:
        super().__init__(spec, **kw)
        self._q: queue.Queue[Seen | Gone] = queue.Queue()
        self._present: str | None = None
        self._lock = threading.Lock()
        rest = spec.partition(":")[2]
        self.script: list[tuple[float, str, float]] = _parse_script(Path(rest)) if rest else []
        self.set_status(True, messages.text("sim_name"))

    def present(
        self, uid: str | bytes, *, product: str = "NXP NTAG215", tag_type: str = "Type2Tag"
    ) -> None:
        """Put a tag on the reader (a tag already there is removed first)."""
        norm = _norm(uid)
        with self._lock:
            if self._present is not None:
                self._q.put(Gone(self._present))
            self._present = norm
            self._q.put(Seen(norm, tag_type=tag_type, product=product))

    def remove(self) -> None:
        """Lift the tag off the reader."""
        with self._lock:
            if self._present is not None:
                self._q.put(Gone(self._present))
                self._present = None

    def tap(self, uid: str | bytes) -> None:
        """Present and remove at once (a quick tap)."""
        self.present(uid)
        self.remove()

    def go_offline(self, detail: str = messages.text("sim_offline")) -> None:
        """Simulate the reader going away (for UI tests)."""
        self.set_status(False, messages.text("sim_name"), detail)

    def go_online(self) -> None:
        """Simulate the reader coming back."""
        self.set_status(True, messages.text("sim_name"))

    def _events(self, stop: threading.Event) -> Iterator[Seen | Gone]:
        if self.script:
            threading.Thread(
                target=self._replay, args=(stop,), daemon=True, name="sim-replay"
            ).start()
        yield from drain(self._q, stop)

    def _replay(self, stop: threading.Event) -> None:
        for delay, uid, dwell in self.script:
            if stop.wait(delay):
                return
            self.present(uid)
            if stop.wait(dwell):
                return
            self.remove()


def _parse_script(path: Path) -> list[tuple[float, str, float]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ReaderError(
            messages.text("sim_script_unreadable", path=path, reason=e.strerror or e)
        ) from e
    out = []
    for n, line in enumerate(lines, start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        try:
            delay = float(fields[0])
            uid = _norm(fields[1])
            dwell = float(fields[2]) if len(fields) > 2 else 0.3
        except (ValueError, IndexError) as e:
            raise ReaderError(
                messages.text("sim_script_bad_line", path=path, n=n, line=line.strip())
            ) from e
        out.append((delay, uid, dwell))
    return out


def monotonic() -> float:
    """Exposed for tests that compare tap times."""
    return time.monotonic()
