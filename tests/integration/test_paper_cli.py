"""The paper's commands from outside: an existing file is replaced only with --force, the anchor
printed on paper is what verify --anchor accepts, an empty carry list says so."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.conftest import SAMPLE
from tests.integration.cli_helpers import CODE, Cli, copy_uid, pass_uid
from tests.paper_tables import empty_line, lines, table


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path / "home", f"sqlite:///{tmp_path / 'ct.db'}")
    assert c("init").code == 0
    assert c("import", str(SAMPLE)).code == 0
    return c


COMMANDS = {
    "export": ["export", CODE, "-o"],
    "forms": ["forms", CODE, "-o"],
    "carry-list": ["carry-list", CODE, "A003", "-o"],
    "template": ["template"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_existing_file_needs_force(cli: Cli, tmp_path: Path, command: str) -> None:
    """One rule for every command that writes a workbook (issue #25, item 15)."""
    out = tmp_path / "已有.xlsx"
    out.write_bytes(b"the secrecy office's signed copy")
    r = cli(*COMMANDS[command], str(out))
    assert (r.code, r.err.strip()) == (2, f"错误：文件已存在：{out}（加 --force 覆盖）")
    assert out.read_bytes() == b"the secrecy office's signed copy"  # untouched
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ct-")] == []
    r = cli(*COMMANDS[command], str(out), "--force")
    assert r.code == 0, r.err
    assert openpyxl.load_workbook(out).sheetnames  # replaced by a workbook


def test_anchor_on_paper_is_what_verify_accepts(cli: Cli, tmp_path: Path) -> None:
    assert cli("tap", CODE, "--mode", "issue", pass_uid("A001")).code == 0
    out = tmp_path / "forms.xlsx"
    assert cli("forms", CODE, "-o", str(out)).code == 0
    printed = next(x for x in lines(openpyxl.load_workbook(out)["文件签收单"]) if "锚点" in x)
    assert printed.startswith("台账锚点 ")
    r = cli("verify", CODE, "--anchor", printed)
    assert r.code == 0 and "锚点已核实" in r.out, r.out + r.err
    count, digest = printed.removeprefix("台账锚点 ").split(":")
    # as someone types it back from paper: full-width colon, spaces, capitals
    typed = f"台账锚点：{count}：{' '.join(digest[i : i + 8] for i in range(0, 64, 8)).upper()}"
    r = cli("verify", CODE, "--anchor", typed)
    assert r.code == 0 and "锚点已核实" in r.out, r.out + r.err
    # a later event: the printed anchor is still in the chain
    assert cli("tap", CODE, "--mode", "issue", pass_uid("A003")).code == 0
    assert cli("verify", CODE, "--anchor", printed).code == 0
    wrong = printed[:-1] + ("0" if printed[-1] != "0" else "1")
    r = cli("verify", CODE, "--anchor", wrong)
    assert r.code == 1 and "不在当前完整的台账中" in r.out
    r = cli("verify", CODE, "--anchor", f"台账锚点 {count}:{digest[:60]}")
    assert r.code == 2 and "锚点格式错误" in r.err


def test_empty_carry_list_says_so(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "带离.xlsx"
    r = cli("carry-list", CODE, "A001", "-o", str(out))
    assert r.code == 0, r.err
    assert r.out.splitlines() == [
        "A001 赵娟 未带离任何文件：目录已生成，注明“无带离文件”",
        f"已导出带离文件目录 {out}：0 份",
    ]
    ws = openpyxl.load_workbook(out).active
    assert table(ws) == [] and empty_line(ws) == "（A001 赵娟 未带离任何文件）"
    tap = ["tap", CODE, "--mode"]
    assert cli(*tap, "issue", pass_uid("A003")).code == 0
    assert cli(*tap, "issue", "--attendee", "A003", copy_uid("HY-02", 1)).code == 0
    r = cli(*tap, "carry-out", "--approver", "赵保密", copy_uid("HY-02", 1))
    assert r.code == 0, r.out + r.err
    r = cli("carry-list", CODE, "A003", "-o", str(tmp_path / "a003.xlsx"))
    assert r.code == 0 and r.out.splitlines() == [
        f"已导出带离文件目录 {tmp_path / 'a003.xlsx'}：1 份"
    ]
    (row,) = table(openpyxl.load_workbook(tmp_path / "a003.xlsx").active)
    assert (row[4], row[9]) == ("HY-02", "赵保密")  # the approving officer, not 孙文管
