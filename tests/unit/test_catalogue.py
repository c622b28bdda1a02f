"""Every text a custodian sees comes from a catalogue: no Chinese string literal in logic.

Catalogues: ``carrier_tracker/messages.py`` (core and CLI), ``tui/texts.py`` (the desk's screen
chrome), ``readers/messages.py`` (readers import nothing of ours). A few modules define formats
whose Chinese words are data, not messages; they are listed with the reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from carrier_tracker import messages

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")

CATALOGUES = {
    "carrier_tracker/messages.py",
    "tui/texts.py",
    "readers/messages.py",
}
FORMATS = {
    # the stored values of the secrecy levels (内部/秘密/机密/绝密) and their marking pattern
    "carrier_tracker/enums.py",
    # the import workbook's sheet and column names, its 是/否 words and the template's 说明
    # sheet (a file format users fill in)
    "carrier_tracker/paper/workbook_schema.py",
    # the descriptions in docs/custody.md's generated table (documentation of the rules)
    "carrier_tracker/custody/rules.py",
    # the sample meeting's people, units and script (sample data, not messages)
    "carrier_tracker/cli/demo.py",
    # the 保密办 workbook's sheet layouts: sheet names and column headings (columns.py), the
    # labels of its key/value tables (sheets.py's 会议备案, summary.py's 汇总) and the carriers'
    # labels in its log — the paper's format
    "carrier_tracker/paper/columns.py",
    "carrier_tracker/paper/sheets.py",
    "carrier_tracker/paper/summary.py",
    # the signed forms' sheet layouts (sheet names and column headings are the paper's format)
    "carrier_tracker/paper/forms.py",
    # the forms of after the meeting and the export's 处置登记 sheet: their sheet names and
    # column headings (the paper's format)
    "carrier_tracker/paper/after_forms.py",
    "carrier_tracker/paper/disposal_sheet.py",
    # the period report's sheet names and column headings (the paper's format)
    "carrier_tracker/paper/period_report.py",
}


def _literals(path: Path) -> list[tuple[int, str]]:
    """Chinese string literals of a module, docstrings excluded."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            docstrings.add(id(node.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and CJK.search(node.value)
        and id(node) not in docstrings
    ]


def _modules() -> list[str]:
    return sorted(
        str(p.relative_to(ROOT))
        for top in ("carrier_tracker", "tui", "readers")
        for p in (ROOT / top).rglob("*.py")
        if "migrations" not in p.parts and str(p.relative_to(ROOT)) not in CATALOGUES | FORMATS
    )


@pytest.mark.parametrize("module", _modules())
def test_no_chinese_literal_outside_the_catalogues(module: str) -> None:
    found = _literals(ROOT / module)
    assert not found, f"{module}: texts to move into a catalogue: " + "; ".join(
        f"line {line}: {value[:30]!r}" for line, value in found
    )


def test_the_listed_modules_exist() -> None:
    """A renamed or removed module must leave the lists (or they hide nothing)."""
    missing = sorted(m for m in CATALOGUES | FORMATS if not (ROOT / m).is_file())
    assert not missing


def test_every_catalogue_entry_formats() -> None:
    """Each entry is a valid format string (a stray brace would fail at the worst moment)."""
    import string

    for key, template in messages.TEXT.items():
        try:
            list(string.Formatter().parse(template))
        except ValueError as e:
            pytest.fail(f"{key}: {e}")


def test_argparse_speaks_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    """argparse's own usage line, titles and errors come from the catalogue too."""
    from carrier_tracker.cli.main import main

    with pytest.raises(SystemExit) as exit_:
        main(["tap"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "用法：" in err and "缺少必需的参数：MEETING, --mode, UID" in err
    with pytest.raises(SystemExit) as exit_:
        main(["tap", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "选项" in out and "显示此帮助并退出" in out and "show this help" not in out
