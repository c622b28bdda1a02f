"""PINs on the command line: one convention for stdin on every command (``--pin-stdin`` is your
own PIN, ``--new-pin-stdin`` the PIN being set), and PINs that are not valid UTF-8."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SAMPLE
from tests.integration.cli_helpers import PIN, ROOT, Cli, Result

OFFICER = "赵保密"
NEW_PIN = "975310"


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """A database with the helpers' operators (赵保密 officer, 孙文管 and 门岗 custodians, all
    PIN 246810) and no PIN in the environment; commands run as the officer."""
    c = Cli(tmp_path / "home", f"sqlite:///{tmp_path / 'ct.db'}")
    assert c("init").code == 0
    for name in ("CARRIER_TRACKER_PIN", "CARRIER_TRACKER_APPROVER_PIN", "CARRIER_TRACKER_NEW_PIN"):
        del c.env[name]
    c.env["CARRIER_TRACKER_OPERATOR"] = OFFICER
    return c


@contextlib.contextmanager
def _stdin(text: str) -> Iterator[None]:
    saved = sys.stdin
    sys.stdin = io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = saved


def _with_stdin(cli: Cli, text: str, *args: str) -> Result:
    with _stdin(text):
        return cli(*args)


def _signs_in(cli: Cli, name: str, pin: str) -> bool:
    """``name`` signs in with ``pin``: a binding in a meeting that does not exist is refused
    after the sign-in, naming the meeting, and before it on a wrong PIN."""
    argv = ("bind-pass", "NONE", "A001", "04A1B2C3D4E5F6", "--operator", name, "--pin-stdin")
    r = _with_stdin(cli, f"{pin}\n", *argv)
    assert r.code == 2 and ("无此会议代号" in r.err or "PIN 不正确" in r.err), r.err
    return "无此会议代号" in r.err


@pytest.mark.parametrize(
    "argv",
    [
        ("operator", "disable", "门岗"),
        ("operator", "bind-card", OFFICER, "04AAAA0000BBBB"),
        ("operator", "add", "文管二", "--role", "custodian", "--new-pin-stdin"),
        ("operator", "reset-pin", "门岗", "--new-pin-stdin"),
    ],
    ids=["disable", "bind-card", "add", "reset-pin"],
)
def test_pin_stdin_is_the_officers_own_pin_on_every_operator_command(
    cli: Cli, argv: tuple[str, ...]
) -> None:
    gives_pin = "--new-pin-stdin" in argv
    lines = f"{PIN}\n" + (f"{NEW_PIN}\n" if gives_pin else "")
    r = _with_stdin(cli, lines, *argv, "--pin-stdin")
    assert r.code == 0, r.err
    if gives_pin:  # the second line is the PIN that was set, the first was the officer's own
        assert _signs_in(cli, argv[2], NEW_PIN)
        assert not _signs_in(cli, argv[2], PIN)


def test_enable_takes_the_officers_pin_from_stdin(cli: Cli) -> None:
    assert _with_stdin(cli, f"{PIN}\n", "operator", "disable", "门岗", "--pin-stdin").code == 0
    r = _with_stdin(cli, f"{PIN}\n", "operator", "enable", "门岗", "--pin-stdin")
    assert (r.code, r.out) == (0, "已启用操作员 门岗\n"), r.err


def test_the_new_pin_has_its_own_flag_and_never_comes_from_the_officers_line(cli: Cli) -> None:
    """Without ``--new-pin-stdin`` the new PIN is not read from stdin: no terminal, no
    ``$CARRIER_TRACKER_NEW_PIN``, so the command says how to give it (nothing registered)."""
    r = _with_stdin(cli, f"{PIN}\n{NEW_PIN}\n", "operator", "add", "新人", "--pin-stdin")
    assert r.code == 2
    assert r.err.startswith("错误：需要操作员 新人 新的 PIN：设置环境变量 CARRIER_TRACKER_NEW_PIN")
    assert "--new-pin-stdin" in r.err
    r = _with_stdin(cli, f"{PIN}\n", "operator", "add", "新人", "--pin-stdin", "--new-pin-stdin")
    assert (r.code, r.err) == (2, "错误：--new-pin-stdin：标准输入中没有 PIN\n")


def test_help_says_which_pin_each_flag_reads(cli: Cli) -> None:
    for command in ("add", "disable", "enable", "reset-pin", "bind-card"):
        text = " ".join(cli("operator", command, "--help").out.split())
        assert "--pin-stdin 从标准输入读取本人（--operator）的 PIN" in text, command
        if command in ("add", "reset-pin"):
            assert "--new-pin-stdin 从标准输入读取要设置的新 PIN（在本人 PIN 之后一行" in text
        else:
            assert "--new-pin-stdin" not in text


def test_the_readme_states_the_convention() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`--pin-stdin` is always *your own* PIN" in readme
    assert "`--new-pin-stdin` (the PIN being set)" in readme


BAD = "\udcff\udcfe12"
"""A PIN with the bytes FF FE (not UTF-8), as Python holds them in the environment or stdin."""


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("CARRIER_TRACKER_PIN", "错误：环境变量 CARRIER_TRACKER_PIN 中的 PIN 含无效的 UTF-8 字节"),
        ("--pin-stdin", "错误：--pin-stdin（标准输入）中的 PIN 含无效的 UTF-8 字节"),
        (
            "CARRIER_TRACKER_APPROVER_PIN",
            "错误：环境变量 CARRIER_TRACKER_APPROVER_PIN 中的 PIN 含无效的 UTF-8 字节",
        ),
        (
            "--approver-pin-stdin",
            "错误：--approver-pin-stdin（标准输入）中的 PIN 含无效的 UTF-8 字节",
        ),
        (
            "CARRIER_TRACKER_NEW_PIN",
            "错误：环境变量 CARRIER_TRACKER_NEW_PIN 中的 PIN 含无效的 UTF-8 字节",
        ),
    ],
    ids=["env", "stdin", "approver-env", "approver-stdin", "new-pin-env"],
)
def test_a_pin_that_is_not_utf8_is_bad_input_in_one_line(
    cli: Cli, where: str, expected: str
) -> None:
    """A real process (the early PIN check runs in a thread there): exit 2, one line, no
    traceback, nothing recorded."""
    env = {**cli.env, "CARRIER_TRACKER_OPERATOR": "孙文管", "CARRIER_TRACKER_PIN": PIN}
    stdin = b""
    argv = ["tap", "HY2026-12", "--mode", "carry-out", "--approver", OFFICER, "04A1B2C3D4E5F6"]
    if where == "--pin-stdin":
        del env["CARRIER_TRACKER_PIN"]
        argv.append(where)
        stdin = b"\xff\xfe12\n"
    elif where == "--approver-pin-stdin":
        argv.append(where)
        stdin = b"\xff\n"
    elif where == "CARRIER_TRACKER_NEW_PIN":
        env["CARRIER_TRACKER_OPERATOR"] = OFFICER
        argv = ["operator", "add", "新人"]
        env[where] = BAD
    else:
        env[where] = BAD
        env.setdefault("CARRIER_TRACKER_APPROVER_PIN", PIN)
    if argv[0] == "tap":  # the meeting is looked up before any PIN is read: it must exist
        cli.draft = True  # (a draft: the PIN is refused before the tap could be)
        r = _with_stdin(cli, f"{PIN}\n", "import", str(SAMPLE), "--pin-stdin")
        assert r.code == 0, r.err
    before = _system_events(cli)
    p = subprocess.run(
        [sys.executable, "-m", "carrier_tracker.cli", *argv],
        input=stdin,
        env=env,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode == 2, err
    assert err.startswith(expected) and err.count("\n") == 1, err
    assert "Traceback" not in err and "内部错误" not in err
    assert _system_events(cli) == before


def _system_events(cli: Cli) -> int:
    import sqlite3

    path = cli.env["CARRIER_TRACKER_DB"].removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("SELECT count(*) FROM systemevent").fetchone()[0])
