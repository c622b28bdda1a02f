"""The README marks with ✦ exactly the changes during the meeting that the desk's 变更 screen
(and the service) says need an officer: a custodian following it is not refused by surprise."""

from __future__ import annotations

from pathlib import Path

from carrier_tracker import messages

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_marks_the_changes_an_officer_approves() -> None:
    text = README.read_text(encoding="utf-8")
    at = text.index("**变更 (Ctrl+B)**")
    listed = text[at : text.index("Ctrl+S submits", at)]
    for kind in messages.text("tui_change_kinds").split("|"):
        if "（" in kind:  # conditional (换标签: ✦ only when the item is out)
            continue
        name = kind.removesuffix(" ✦")
        assert name in listed, name
        assert (f"{name} ✦" in listed) == kind.endswith(" ✦"), kind
