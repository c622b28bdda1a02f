"""The change commands through the real CLI: exit codes (0 done, 1 refused and recorded, 2 bad
input and nothing recorded), messages that name what is wrong, verify and the export after them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import SAMPLE
from tests.integration.cli_helpers import CODE, Cli, copy_uid, pass_uid
from tests.paper_tables import table

NEW = "04FFEEDDCCBBAA"


def _imported(folder: Path, *, draft: bool = False) -> Cli:
    c = Cli(folder / "home", f"sqlite:///{folder / 'ct.db'}", draft=draft)
    assert c("init").code == 0
    assert c("import", str(SAMPLE)).code == 0
    return c


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return _imported(tmp_path)


@pytest.fixture(scope="module")
def untouched(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """One imported meeting for the bad-input cases: each must leave it as it was (a draft:
    its ledger holds the import alone)."""
    return _imported(tmp_path_factory.mktemp("bad"), draft=True)


def events(cli: Cli) -> int:
    line = cli("verify", CODE).out
    return int(line.split("事件 ")[1].split()[0])


BAD = [
    (
        [
            "attendee",
            "add",
            "NOPE",
            "A041",
            "--name",
            "周七",
            "--unit",
            "某所",
            "--clearance",
            "机密",
        ],
        "无此会议代号：NOPE",
    ),
    (
        [
            "attendee",
            "add",
            CODE,
            "A041",
            "--name",
            "周七",
            "--unit",
            "某所",
            "--clearance",
            "超级",
        ],
        "--clearance（知悉范围）：知悉范围无法识别：超级",
    ),
    (
        [
            "attendee",
            "add",
            CODE,
            "A041",
            "--name",
            "周七",
            "--unit",
            "某所",
            "--clearance",
            "机密",
            "--pass-uid",
            "XYZ",
        ],
        "标签 UID 格式错误：XYZ",
    ),
    (
        [
            "attendee",
            "substitute",
            CODE,
            "A999",
            "A041",
            "--name",
            "吴八",
            "--unit",
            "某厂",
            "--clearance",
            "秘密",
        ],
        "无参会人员 A999",
    ),
    (
        ["copies", "add", CODE, "HY-01", "abc"],
        "COUNT（加印份数）：加印份数应为 1 到 10000 之间的整数：abc",
    ),
    (["copies", "add", CODE, "HY-99", "2"], "无文件编号 HY-99"),
    (
        ["copies", "withdraw", CODE, "HY-01", "x", "--note", "印坏"],
        "COPY_NO（份号）：份号应为 1 到 10000 之间的整数：x",
    ),
    (["copies", "withdraw", CODE, "HY-01", "999", "--note", "印坏"], "无第 999 份"),
    (["retag", CODE, "04000000000001", NEW], "没有绑定标签 04000000000001 的载体"),
    (["void", CODE, "999", "--note", "误刷"], "没有第 999 条台账记录（共 1 条）"),
    (
        ["void", CODE, "abc", "--note", "误刷"],
        "SEQ（台账序号）：序号应为 1 到 2147483647 之间的整数：abc",
    ),
    (["void", CODE, "10000000000", "--note", "误刷"], "之间的整数：10000000000"),
    (["void", CODE, "９９９", "--note", "误刷"], "没有第 999 条台账记录"),  # full-width digits
    (["copies", "withdraw", CODE, "HY-01", "９９９", "--note", "坏"], "HY-01 无第 999 份"),
    (["tap", CODE, "--mode", "issue", ""], "标签 UID 格式错误：未填写"),
]


@pytest.mark.parametrize(
    "argv,says", BAD, ids=[" ".join(a[:2]) + f" {i}" for i, (a, _) in enumerate(BAD)]
)
def test_bad_input_is_named_and_changes_nothing(untouched: Cli, argv: list[str], says: str) -> None:
    r = untouched(*argv)
    assert r.code == 2, (r.out, r.err)
    assert says in r.err
    assert events(untouched) == 1  # the import only


def test_changes_through_the_cli(cli: Cli, tmp_path: Path) -> None:
    r = cli(
        "attendee",
        "add",
        CODE,
        "A041",
        "--name",
        "周七",
        "--unit",
        "某所",
        "--clearance",
        "机密",
        "--out-of-town",
        "--pass-number",
        "P041",
        "--pass-uid",
        "04A1B2C3D4E5F6",
        "--approver",
        "赵保密",
    )
    assert r.code == 0 and "已增补参会人员 A041 周七（某所，机密，外地代表）" in r.out, r.err
    r = cli(
        "attendee",
        "substitute",
        CODE,
        "A003",
        "A042",
        "--name",
        "吴八",
        "--unit",
        "某厂",
        "--clearance",
        "秘密",
    )
    assert r.code == 1 and "拒绝：登记代会需保密负责人批准（当前操作员：孙文管" in r.err
    r = cli(
        "attendee",
        "substitute",
        CODE,
        "A003",
        "A042",
        "--name",
        "吴八",
        "--unit",
        "某厂",
        "--clearance",
        "秘密",
        "--approver",
        "赵保密",
    )
    assert r.code == 0 and "代 A003 梁洋 参会" in r.out, r.err
    assert cli("copies", "add", CODE, "HY-01", "2").code == 0
    r = cli("copies", "withdraw", CODE, "HY-01", "41", "--note", "印坏", "--approver", "赵保密")
    assert r.code == 0 and "已作废 HY-01 第041份：印坏" in r.out, r.err
    assert cli("tap", CODE, "--mode", "issue", pass_uid("A001")).code == 0
    assert cli("tap", CODE, "--mode", "issue", "--attendee", "A001", copy_uid("HY-01", 1)).code == 0
    r = cli("retag", CODE, copy_uid("HY-01", 1), NEW)
    assert r.code == 1 and "为已发出的载体换标签需保密负责人批准" in r.err
    r = cli("retag", CODE, copy_uid("HY-01", 1), NEW, "--approver", "赵保密", "--note", "标签损坏")
    assert r.code == 0 and "旧标签" in r.out
    r = cli("tap", CODE, "--mode", "recall", copy_uid("HY-01", 1))
    assert r.code == 1 and f"标签已停用（已换为 {NEW}）" in r.out
    r = cli("tap", CODE, "--mode", "recall", NEW)
    assert r.code == 0
    seq = events(cli)
    r = cli("void", CODE, str(seq), "--note", "误刷", "--approver", "赵保密")
    assert r.code == 0 and "恢复为 已发放" in r.out, r.err
    r = cli("void", CODE, str(seq + 1), "--note", "再撤", "--approver", "赵保密")
    assert r.code == 1 and "不能撤销“撤销”" in r.err
    assert cli("verify", CODE).code == 0
    status = json.loads(cli("status", CODE, "--json").out)
    assert {p["code"]: p["mark"] for p in status["marked"]}["A042"] == "代 A003 梁洋 参会"
    assert status["counts"]["withdrawn"] == 1
    text = cli("status", CODE).out
    assert "A003 梁洋" in text and "缺席，由 A042 吴八 代会" in text
    out = tmp_path / "out.xlsx"
    assert cli("export", CODE, "-o", str(out)).code == 0
    wb = openpyxl.load_workbook(out)
    log = table(wb["操作日志"])
    assert any(row[5] == "清退收回" and "已撤销" in str(row[9]) for row in log)


def _without_pins(cli: Cli) -> Cli:
    """The same database with no PIN anywhere (not in the environment, no terminal): a command
    that asks for one fails, saying it needs it."""
    bare = copy.copy(cli)
    bare.env = {k: v for k, v in cli.env.items() if not k.endswith("_PIN")}
    return bare


NAMED_ELSEWHERE = [
    (["tap", "NOPE", "--mode", "issue", "--approver", "赵保密", NEW], "无此会议代号：NOPE"),
    (["tap", CODE, "--mode", "issue", "--attendee", "A999", NEW], "无参会人员 A999"),
    (["tap", CODE, "--mode", "recall", "--attendee", "A999", NEW], "无参会人员 A999"),
    (["tap", CODE, "--mode", "dispatch", "--consignment", "JY-404", NEW], "无此机要编号 JY-404"),
    (["close", "NOPE", "--approver", "赵保密"], "无此会议代号：NOPE"),
    (["plan", CODE, "HY-99", "--everyone", "--approver", "赵保密"], "无文件编号 HY-99"),
    (
        ["plan", CODE, "HY-04", "--to", "A999、A001", "--approver", "赵保密"],
        "“A999”既不是本会议的人员编号",
    ),
    (["plan", CODE, "HY-04", "--to", "", "--approver", "赵保密"], "--to 为空"),  # not everyone
    (["plan", CODE, "HY-04", "--to", " 、 ", "--approver", "赵保密"], "--to 为空"),
    (
        ["retag", CODE, copy_uid("HY-01", 1), "XYZ", "--approver", "赵保密"],
        "标签 UID 格式错误：XYZ",
    ),
    (
        ["retag", CODE, copy_uid("HY-01", 1), copy_uid("HY-01", 1).lower(), "--approver", "赵保密"],
        "新旧标签相同",
    ),
    (
        [
            "meeting",
            "file",
            "NOPE",
            "--ref",
            "某号",
            "--date",
            "2026-12-01",
            "--approver",
            "赵保密",
        ],
        "无此会议代号：NOPE",
    ),
    (["checklist", "NOPE", "venue", "--all", "ok", "--approver", "赵保密"], "无此会议代号：NOPE"),
    (["checklist", CODE, "venue", "--set", "nosuch=ok"], "没有项目“nosuch”"),
    (["checklist", CODE, "venue", "--accept", "nosuch", "--note", "说明"], "没有项目“nosuch”"),
    (["checklist", CODE, "venue", "--set", "phones=ok:a\x07b"], "控制字符"),
    (["meeting", "file", CODE, "--ref", " ", "--date", "2026-12-01"], "不能为空"),
    (["dispose", "NOPE", "--archive", "--location", "档案室", "--all-recovered"], "无此会议代号"),
    (["dispose", CODE, "--archive", "--location", "档案室", "--document", "HY-99"], "无文件编号"),
    (["dispose", CODE, "--archive", "--location", "档案室", NEW], f"没有绑定标签 {NEW} 的文件份"),
    (["dispose", CODE, "--archive", "--location", "档案室", pass_uid("A001")], "会议证不作处置"),
]


@pytest.mark.parametrize(
    "argv,says",
    BAD + NAMED_ELSEWHERE,
    ids=[" ".join(a[:2]) + f" {i}" for i, (a, _) in enumerate(BAD + NAMED_ELSEWHERE)],
)
def test_bad_input_is_named_before_any_pin(untouched: Cli, argv: list[str], says: str) -> None:
    """A name the database does not know (meeting, attendee, document, copy, tag, ledger seq) is
    named before the operator's, an approver's or a witness's PIN is asked for."""
    r = _without_pins(untouched)(*argv)
    assert r.code == 2, (r.out, r.err)
    assert says in r.err and "PIN" not in r.err
    assert events(untouched) == 1


def test_a_checklist_or_filing_it_cannot_take_is_said_before_any_pin(cli: Cli) -> None:
    """An acceptance without a note, and a filing of a meeting that has opened, are refused
    before anyone types a PIN (exit 1, nothing recorded); with a note, the PINs are asked."""
    bare = _without_pins(cli)
    count = events(cli)
    r = bare("checklist", CODE, "venue", "--accept", "wireless", "--approver", "赵保密")
    assert r.code == 1 and "接受不符合项须同时给出 --note 说明" in r.err and "PIN" not in r.err
    r = bare("checklist", CODE, "venue", "--accept", "wireless", "--note", "已核实")
    assert r.code == 2 and "PIN" in r.err  # well formed: now the operator must sign in
    assert cli("tap", CODE, "--mode", "issue", pass_uid("A001")).code == 0  # the meeting opens
    count = events(cli)
    r = bare("meeting", "file", CODE, "--ref", "保密办〔2026〕9号", "--date", "2026-12-01")
    assert r.code == 1 and "不能再备案" in r.err and "PIN" not in r.err, r.err
    assert events(cli) == count


def test_void_names_a_seq_it_cannot_void_before_any_pin(cli: Cli) -> None:
    """``void`` reads the ledger before anyone authenticates: no such event, or one no approval
    could void, is said at once (nothing recorded); a voidable seq goes on to ask the PINs."""
    assert cli("tap", CODE, "--mode", "issue", pass_uid("A001")).code == 0
    assert cli("tap", CODE, "--mode", "issue", copy_uid("HY-01", 1)).code == 1  # to nobody
    tap, refused = events(cli) - 1, events(cli)
    bare = _without_pins(cli)
    argv = ["--note", "误刷", "--approver", "赵保密"]
    r = bare("void", CODE, "999", *argv)
    assert (r.code, r.err) == (2, f"错误：会议 {CODE} 没有第 999 条台账记录（共 {refused} 条）\n")
    r = bare("void", CODE, str(refused), *argv)
    assert r.code == 1, (r.out, r.err)
    said = f"第 {refused} 条结果为“拒绝”，没有改变任何状态，无需撤销"
    assert r.err == f"拒绝：{said}（未核验口令，未记入台账）\n"
    r = bare("void", CODE, "1", *argv)  # the import: not a tap
    assert r.code == 1 and "只能撤销刷卡记录" in r.err and "PIN" not in r.err
    assert events(cli) == refused  # nothing recorded, not even a refusal
    r = bare("void", CODE, str(tap), *argv)  # voidable: now the PINs are needed
    assert r.code == 2 and "需要操作员 孙文管 的 PIN" in r.err
    r = cli("void", CODE, str(tap), *argv)
    assert r.code == 0, r.err
    r = bare("void", CODE, str(tap), *argv)
    assert r.code == 1 and f"第 {tap} 条已由第 {refused + 1} 条撤销" in r.err
    assert events(cli) == refused + 1
