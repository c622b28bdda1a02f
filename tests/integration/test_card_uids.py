"""A carrier's tag and an operator's card never share a UID, either way round, tags retired by a
retag included: ``operator bind-card`` refuses a carrier's tag, and every way a tag is bound to a
carrier (``bind``, ``bind-pass``, ``attendee add --pass-uid``, ``retag``, the import) refuses an
operator's card."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SAMPLE
from tests.data.make_corpus import base_rows, save, workbook
from tests.integration.cli_helpers import CODE, Cli, copy_uid

CARD = "04CA4D0000C0DE"
NEW = "04FFEEDDCCBBAA"
PERSON = ("--name", "周七", "--unit", "某研究所", "--clearance", "机密")


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """The sample meeting; 赵保密 (officer) has the card :data:`CARD`; commands as 孙文管."""
    c = Cli(tmp_path / "home", f"sqlite:///{tmp_path / 'ct.db'}")
    assert c("init").code == 0
    assert c("import", str(SAMPLE)).code == 0
    r = c("operator", "bind-card", "赵保密", CARD, "--operator", "赵保密")
    assert r.code == 0, r.err
    return c


IS_CARD = f"标签 {CARD} 是操作员 赵保密 的卡，不能绑定为载体"


def test_a_retired_tag_is_never_an_operators_card(cli: Cli) -> None:
    old = copy_uid("HY-01", 1)
    assert cli("retag", CODE, old, NEW, "--note", "标签损坏").code == 0
    r = cli("operator", "bind-card", "门岗", old, "--operator", "赵保密")
    assert (r.code, r.err) == (
        2,
        f"错误：标签 {old} 曾绑定为载体，换标签后已停用，不能作为操作员卡\n",
    )
    r = cli("operator", "bind-card", "门岗", NEW, "--operator", "赵保密")  # its replacement
    assert (r.code, r.err) == (
        2,
        f"错误：标签 {NEW} 已绑定为载体（文件或会议证），不能作为操作员卡\n",
    )


def test_an_operators_card_is_never_bound_to_a_carrier(cli: Cli) -> None:
    assert cli("copies", "add", CODE, "HY-01", "1").code == 0
    copies = int(cli("copies", "add", CODE, "HY-01", "1").out.split("现共 ")[1].split(" ")[0])
    r = cli("bind", CODE, "HY-01", str(copies), CARD.lower())
    assert (r.code, r.err) == (2, f"错误：{IS_CARD}\n")
    r = cli("attendee", "add", CODE, "A045", *PERSON, "--pass-uid", CARD, "--approver", "赵保密")
    assert r.code == 1 and IS_CARD in r.err
    assert cli("attendee", "add", CODE, "A046", *PERSON, "--approver", "赵保密").code == 0
    r = cli("bind-pass", CODE, "A046", CARD)
    assert (r.code, r.err) == (2, f"错误：{IS_CARD}\n")
    r = cli("retag", CODE, copy_uid("HY-01", 2), CARD, "--note", "标签损坏")
    assert r.code == 1 and IS_CARD in r.err
    assert cli("verify").code == 0


def test_the_import_refuses_an_operators_card(cli: Cli, tmp_path: Path) -> None:
    rows = base_rows()
    rows["参会人员"][2][7] = CARD  # 李四's pass
    path = tmp_path / "card.xlsx"
    save(workbook(rows), path)
    r = cli("import", str(path))
    assert r.code == 2
    assert r.err.splitlines()[-2:] == [
        "card.xlsx 有 1 处问题，未导入任何数据：",
        f"  参会人员 第3行 [会议证标签UID]：{IS_CARD}",
    ]
