"""Commands that only read take no write lock and work on a read-only database: the auditor
runs ``status``, ``verify`` and ``export`` on a copy, or beside desks that are writing."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from carrier_tracker.cli import main
from tests.conftest import SAMPLE
from tests.integration.cli_helpers import CODE, PIN, ROOT, register_operators

READERS = [
    ["status", CODE],
    ["verify"],
    ["verify", CODE],
    ["meetings"],
    ["export", CODE, "-o", "{OUT}/登记.xlsx"],
    ["carry-list", CODE, "A003", "-o", "{OUT}/带离.xlsx"],
]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A database with the sample meeting and a few taps, and its home (key)."""
    root = tmp_path_factory.mktemp("readonly")
    env = {
        "CARRIER_TRACKER_HOME": str(root / "home"),
        "CARRIER_TRACKER_DB": f"sqlite:///{root / 'ct.db'}",
        "CARRIER_TRACKER_OPERATOR": "孙文管",
        "CARRIER_TRACKER_PIN": PIN,
    }
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        assert main(["init"]) == 0
        register_operators({**os.environ})
        assert main(["import", str(SAMPLE)]) == 0
    yield {**env, "ROOT": str(root), "DB": str(root / "ct.db")}


def _unprivileged() -> list[str]:
    """Tests run as root here, and root may write a 0444 file in a 0555 directory anyway: drop
    the capabilities that allow it (CAP_DAC_OVERRIDE & co.), so the copy is as read-only to
    this process as it is to an auditor's account."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root without setpriv cannot be refused by file permissions")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--inh-caps=-all"]


@pytest.fixture
def auditor_copy(source: dict[str, str], tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """The database copied into a directory nobody may write (0555), the file 0444."""
    media = tmp_path / "media"
    media.mkdir()
    live = sqlite3.connect(source["DB"])
    live.execute(
        "PRAGMA wal_checkpoint(TRUNCATE)"
    )  # the copy is of the file alone, as an auditor gets it
    live.close()
    shutil.copy(source["DB"], media / "copy.db")
    (media / "copy.db").chmod(0o444)
    media.chmod(0o555)
    out = tmp_path / "out"
    out.mkdir()
    yield media / "copy.db", out
    media.chmod(0o755)


def _cli(
    argv: list[str], env: dict[str, str], prefix: list[str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "carrier_tracker.cli", *argv],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


@pytest.mark.parametrize("argv", READERS, ids=[" ".join(a[:2]) for a in READERS])
def test_reader_on_a_read_only_copy(
    argv: list[str], auditor_copy: tuple[Path, Path], source: dict[str, str]
) -> None:
    copy, out = auditor_copy
    listing = sorted(p.name for p in copy.parent.iterdir())
    env = {**source, "CARRIER_TRACKER_DB": f"sqlite:///{copy}"}
    p = _cli([a.replace("{OUT}", str(out)) for a in argv], env, _unprivileged())
    assert p.returncode == 0, p.stderr
    assert "readonly" not in p.stderr and "只读" not in p.stderr
    assert sorted(p.name for p in copy.parent.iterdir()) == listing, (
        "nothing written beside the copy"
    )
    if argv[0] == "verify":
        assert "完整" in p.stdout


def test_a_writer_on_a_read_only_copy_says_so(
    auditor_copy: tuple[Path, Path], source: dict[str, str]
) -> None:
    copy, _out = auditor_copy
    env = {**source, "CARRIER_TRACKER_DB": f"sqlite:///{copy}"}
    p = _cli(["operator", "王五"], env, _unprivileged())
    assert (p.returncode, p.stderr.splitlines()) == (
        2,
        [
            f"错误：数据库 {copy} 为只读（文件或目录不可写）：此时只能查询、核验和导出（status、verify、export、carry-list、meetings）"
        ],
    )


def test_readers_while_another_process_holds_the_write_lock(
    source: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A desk in the middle of a long write transaction: every reader finishes while it still
    holds the lock (a reader that asked for the lock would wait for it and time out)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            f"c = sqlite3.connect({source['DB']!r}, isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE'); c.execute(\"INSERT INTO station (name, reader) VALUES ('desk', 'sim:')\")\n"
            "print('locked', flush=True); sys.stdin.read(); c.execute('ROLLBACK')\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        probe = sqlite3.connect(source["DB"], timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            probe.execute("BEGIN IMMEDIATE")  # the lock is really held
        probe.close()
        for k in ("CARRIER_TRACKER_HOME", "CARRIER_TRACKER_DB", "CARRIER_TRACKER_OPERATOR"):
            monkeypatch.setenv(k, source[k])
        for argv in READERS:
            assert main([a.replace("{OUT}", str(tmp_path)) for a in argv]) == 0, (
                capsys.readouterr().err
            )
        assert holder.poll() is None, "the writer still holds its transaction"
    finally:
        holder.communicate("", timeout=30)


def test_readers_never_create_a_key(
    source: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A fresh key would make every chain look tampered with: verify and export need the key
    the ledger was written with, and say so when it is missing."""
    monkeypatch.setenv("CARRIER_TRACKER_HOME", str(tmp_path / "empty-home"))
    monkeypatch.setenv("CARRIER_TRACKER_DB", source["CARRIER_TRACKER_DB"])
    key = tmp_path / "empty-home" / "config" / "ledger.key"
    assert main(["verify"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"错误：台账密钥缺失：{key} 不存在，而此数据库已有台账（不会为它新建密钥）。请把原密钥文件放回该位置（0600），或用 CARRIER_TRACKER_KEY_FILE 指向它"
    ]
    assert not (tmp_path / "empty-home").exists()
