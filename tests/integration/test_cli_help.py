"""Help texts say what each command does, not what another one does: ``--approver`` names the
step it approves, ``forms`` lists every form it writes, the import template's comments agree with
the README and the 说明 sheet."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import openpyxl
import pytest

from carrier_tracker.cli import main
from carrier_tracker.paper import forms
from carrier_tracker.paper.workbook_schema import INSTRUCTIONS


def _help(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main([*argv, "--help"])
    return " ".join(out.getvalue().split()).replace("- ", "-")  # argparse's wrapping undone


def _approver_help(*argv: str) -> str:
    text = _help(*argv)
    start = text.index("--approver NAME ") + len("--approver NAME ")
    return text[start : text.index(" --approver-pin-stdin ", start)]


@pytest.mark.parametrize(
    ("argv", "approves"),
    [
        (("tap",), "批准带离、挂失或 --override 例外的保密负责人"),
        (("close",), "批准带例外结束（--with-exceptions）或结束从未开始的会议（--never-opened）"),
        (("plan",), "批准修改分发范围的保密负责人"),
        (("checklist",), "批准接受不符合项（--accept）的保密负责人"),
        (("meeting", "file"), "批准备案的保密负责人"),
        (("retag",), "批准为已发出的载体换标签的保密负责人"),
        (("void",), "批准撤销记录的保密负责人"),
        (("copies", "withdraw"), "批准作废文件份的保密负责人"),
        (("attendee", "substitute"), "批准登记代会的保密负责人"),
    ],
    ids=lambda v: "-".join(v) if isinstance(v, tuple) else "",
)
def test_approver_help_names_the_step_it_approves(argv: tuple[str, ...], approves: str) -> None:
    text = _approver_help(*argv)
    assert text.startswith(approves), text
    if argv != ("tap",):  # the tap's own steps are named on the tap alone
        assert "带离" not in text and "挂失" not in text and "--override" not in text


def test_forms_help_lists_every_form_it_writes() -> None:
    text = _help("forms")
    from carrier_tracker.paper import after_forms

    titles = [form.title for form in [*forms.FORMS, *after_forms.FORMS]]
    assert len(titles) == 7
    for title in titles:
        assert title in text, title


def test_the_templates_comments_agree_with_the_readme_and_the_instructions(
    tmp_path: Path,
) -> None:
    from carrier_tracker.paper.importer import write_template

    path = tmp_path / "t.xlsx"
    write_template(path)
    wb = openpyxl.load_workbook(path)
    comments = {
        cell.value: cell.comment.text
        for ws in wb.worksheets[1:]
        for cell in ws[1]
        if cell.comment is not None
    }
    officer = comments["保密负责人"]
    assert "仅作记录" in officer and "登记为保密负责人的操作员" in officer
    assert "批准带离、挂失。" not in officer
    uid_rule = "4、7 或 10 字节十六进制"
    assert uid_rule in comments["会议证标签UID"]
    assert uid_rule in comments["标签UID"]
    assert any(uid_rule in line for line in INSTRUCTIONS)
