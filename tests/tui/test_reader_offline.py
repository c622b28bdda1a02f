"""A reader that cannot be opened or goes away is 离线 with the reason and the fix — never a crash.

Two tests run the real ``carrier-tracker tui`` in a pseudo-terminal, as a custodian would, once
with pyscard missing and once with pcscd unreachable, and read what the terminal shows.
"""

from __future__ import annotations

import codecs
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import Input

from carrier_tracker.access.operators import Authenticated
from carrier_tracker.cli.demo import CODE, prepare_demo_database
from carrier_tracker.enums import Role
from carrier_tracker.tui.app import make_app
from carrier_tracker.tui.widgets.reader_status import ReaderHelp, ReaderStatusBar
from tests.conftest import skip_or_fail
from tests.tui.conftest import Desk, pass_uid, settle, wait_for
from tests.tui.layout import screen_text

OFFICER = Authenticated("赵保密", Role.OFFICER)  # signed in already: the login has its own tests

ROOT = Path(__file__).resolve().parents[2]
CONTROL = re.compile(
    r"(\x1b\[[0-9;?<>=]*[ -/]*[@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>78]|([\r\n\x07\x08])"
)
# Run the CLI with pyscard's import failing, exactly as on a machine installed without `.[pcsc]`.
WITHOUT_PYSCARD = "import sys; sys.modules['smartcard'] = None; from carrier_tracker.cli import main; sys.exit(main(sys.argv[1:]))"


class Terminal:
    """Just enough of a terminal to see what Textual drew: cursor moves, text, wide characters."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.rows = [[" "] * width for _ in range(height)]
        self.y = self.x = 0
        self.stream = ""  # everything printed, in order (a traceback printed after exit lands here)

    def feed(self, data: str) -> None:
        pos = 0
        for m in CONTROL.finditer(data):
            self._put(data[pos : m.start()])
            pos = m.end()
            csi, ctl = m.group(1), m.group(2)
            if csi and csi.endswith(("H", "f")):
                row, _, col = csi[2:-1].partition(";")
                self.y = min(self.height - 1, max(0, int(row or 1) - 1))
                self.x = min(self.width - 1, max(0, int(col or 1) - 1))
            elif csi and csi.endswith("J") and csi[2:-1] in ("2", "3"):
                self.rows = [[" "] * self.width for _ in range(self.height)]
            elif ctl == "\r":
                self.x = 0
            elif ctl == "\n":
                self.y = min(self.height - 1, self.y + 1)
        self._put(data[pos:])

    def _put(self, text: str) -> None:
        self.stream += text
        for ch in text:
            w = cell_len(ch)
            if w == 0 or self.x + w > self.width:
                continue
            self.rows[self.y][self.x] = ch
            if w == 2:
                self.rows[self.y][self.x + 1] = ""
            self.x += w

    def screen(self) -> str:
        """The screen now, rows joined (wrapped text joined too, so a sentence reads whole)."""
        return "".join("".join(r).strip() for r in self.rows)


def _text(terminal: Terminal) -> str:
    return terminal.screen() + "\n" + terminal.stream


def run_in_terminal(
    argv: list[str],
    env: dict[str, str],
    until: Callable[[str], bool],
    timeout: float = 30,
    login: str = "",
) -> tuple[str, int]:
    """Run a command on a 120×36 pseudo-terminal until ``until(text so far)``, then press Ctrl+Q;
    ``login`` is typed once the login screen shows.

    Returns:
        The screen as it was before Ctrl+Q (rows joined) followed by every character printed
        (so a traceback printed on the way out is caught too), and the exit status.
    """
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    proc = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=ROOT,
        close_fds=True,
        start_new_session=True,
    )
    os.close(slave)
    terminal = Terminal(120, 36)
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    seen = ""

    def drain(seconds: float) -> Iterator[None]:
        nonlocal seen
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    terminal.feed(decoder.decode(os.read(master, 65536)))
                except OSError:
                    return
            yield

    try:
        for _ in drain(timeout):
            if login and "登录工作台" in _text(terminal):
                os.write(master, login.encode())  # the PIN (the name is filled in) and Enter
                login = ""
            if until(_text(terminal)):
                seen = _text(terminal)
                break
        for _ in drain(1.0):  # let it finish drawing
            pass
        seen = _text(terminal)
        os.write(master, b"\x11")  # Ctrl+Q
        for _ in drain(10):
            if proc.poll() is not None:
                break
        for _ in drain(0.3):
            pass
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        os.close(master)
    return seen + "\n" + terminal.stream, proc.returncode


@pytest.fixture
def demo_db(tmp_path: Path) -> tuple[str, dict[str, str]]:
    url, key_path = prepare_demo_database(tmp_path)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CARRIER_TRACKER_KEY_FILE": str(key_path),
        "TERM": "xterm-256color",
        "CARRIER_TRACKER_HOME": str(tmp_path / "home"),
        "CARRIER_TRACKER_OPERATOR": "赵保密",  # fills in the login's name
        "COLUMNS": "120",
        "LINES": "36",
    }
    return url, env


def test_tui_without_pyscard_shows_offline_with_the_fix(
    demo_db: tuple[str, dict[str, str]],
) -> None:
    url, env = demo_db
    argv = [sys.executable, "-c", WITHOUT_PYSCARD, "tui", CODE, "--reader", "pcsc:", "--db", url]
    text, status = run_in_terminal(
        argv, env, lambda t: "pip install 'carrier-tracker[pcsc]'" in t, login="135790\r"
    )
    assert "读卡器 离线" in text
    assert "所需的库未安装（smartcard）" in text
    assert "pip install 'carrier-tracker[pcsc]'" in text and "--reader" in text
    assert "Traceback" not in text and "ReaderError" not in text
    assert status == 0


def test_tui_with_pcscd_down_shows_offline_with_the_fix(
    demo_db: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    try:
        import smartcard  # noqa: F401
    except ImportError:
        skip_or_fail("pyscard is not installed (pip install -e '.[pcsc]')")
    url, env = demo_db
    env["PCSCLITE_CSOCK_NAME"] = str(
        tmp_path / "no-pcscd" / "pcscd.comm"
    )  # no daemon listens there
    argv = [
        sys.executable,
        "-m",
        "carrier_tracker.cli",
        "tui",
        CODE,
        "--reader",
        "pcsc:",
        "--db",
        url,
    ]
    text, status = run_in_terminal(
        argv, env, lambda t: "systemctl start pcscd" in t, login="135790\r"
    )
    assert "读卡器 离线" in text
    assert "pcscd 不可用" in text
    assert "systemctl start pcscd" in text and "--reader" in text
    assert "Traceback" not in text
    assert status == 0


async def test_missing_library_leaves_the_desk_usable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "smartcard", None)  # type: ignore[arg-type]
    monkeypatch.delitem(sys.modules, "carrier_tracker.readers.pcsc_reader", raising=False)
    url, key_path = prepare_demo_database(tmp_path)
    app = make_app(
        url,
        "pcsc:",
        meeting=CODE,
        station="一号台",
        operator="赵保密",
        key_path=key_path,
        signed_in=OFFICER,
    )
    async with app.run_test(size=(120, 36)) as pilot:
        bar = app.screen.query_one(ReaderStatusBar)
        await wait_for(pilot, lambda: "离线" in str(bar.render()))
        assert bar.has_class("offline")
        help_ = app.screen.query_one(ReaderHelp)
        assert help_.display
        assert "所需的库未安装（smartcard）" in str(help_.render())
        # the desk still works: a UID typed into the 刷卡栏 (it has the cursor) is a tap
        field = app.screen.query_one("#tap-input", Input)
        assert app.focused is field
        await pilot.press(*pass_uid("A001"), "enter")
        await settle(pilot, app)
        await wait_for(pilot, lambda: "成功：发放：会议证 P001（赵娟）" in screen_text(app))
    assert app.return_code in (None, 0)


async def test_reader_going_offline_later_and_back(desk: Callable[..., Desk]) -> None:
    d = desk()
    async with d.app.run_test(size=(120, 36)) as pilot:
        bar = d.app.screen.query_one(ReaderStatusBar)
        help_ = d.app.screen.query_one(ReaderHelp)
        await wait_for(pilot, lambda: "在线" in str(bar.render()))
        assert not help_.display
        d.app.reader.go_offline("USB 已拔出")  # type: ignore[union-attr]
        await wait_for(pilot, lambda: "离线" in str(bar.render()) and help_.display)
        assert "USB 已拔出" in str(help_.render())
        assert bar.has_class("offline")
        d.app.reader.go_online()  # type: ignore[union-attr]
        await wait_for(pilot, lambda: "在线" in str(bar.render()) and not help_.display)
        assert "成功" in await d.tap(pilot, pass_uid("A001"))  # and taps work again
