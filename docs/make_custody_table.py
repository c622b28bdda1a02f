"""Regenerate the transition table in docs/custody.md from ``carrier_tracker.custody.rules.TABLE``.

python docs/make_custody_table.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from carrier_tracker.custody.rules import table_markdown  # noqa: E402

DOC = ROOT / "docs" / "custody.md"
BLOCK = re.compile(r"(<!-- BEGIN GENERATED[^\n]*-->\n)(.*?)(<!-- END GENERATED -->)", re.S)


def generated_block(text: str) -> str:
    """The generated part of docs/custody.md as it stands."""
    found = BLOCK.search(text)
    if found is None:
        raise SystemExit("docs/custody.md has no generated block")
    return found.group(2)


if __name__ == "__main__":
    text = DOC.read_text()
    DOC.write_text(BLOCK.sub(lambda m: m.group(1) + table_markdown() + m.group(3), text))
    print(f"wrote {DOC}")
