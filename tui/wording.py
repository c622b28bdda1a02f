"""Shared texts as the desk shows them: without the command line's flags and commands (the desk
has its own keys for the same), and with checklist items by their Chinese label alone.

Refusals and errors come from the services and the ledger in the catalogue's words, which the
command line shares (``会场保密检查未完成 …（用 carrier-tracker checklist … --set 项目=符合 作答）``,
``hall（会场）``). Every text the desk puts on screen from there passes :func:`desk_words`.
"""

from __future__ import annotations

import re
from functools import cache

from carrier_tracker.custody import checklists

from .texts import DESK_REWRITES

_CLI_TOOL = "carrier-tracker"
_FLAG = r"--[a-z][a-z-]*"
_REWRITES = tuple(
    (re.compile(pattern.replace("{tool}", _CLI_TOOL).replace("{flag}", _FLAG)), replacement)
    for pattern, replacement in DESK_REWRITES
)


@cache
def _item_names() -> list[tuple[str, str]]:
    """(``id（label）``, label) and (``id label``, label) of every checklist item, longest first.

    Read once per process (every log line and audit row passes here): items a site adds to its
    checklist file while the desk runs show with their id until the desk restarts."""
    pairs = []
    for checklist in checklists.active():
        for it in checklist.items:
            pairs += [(f"{it.id}（{it.label}）", it.label), (f"{it.id} {it.label}", it.label)]
    return sorted(pairs, key=lambda p: -len(p[0]))


def desk_words(text: str) -> str:
    """``text`` without command-line flags and commands, checklist items by label.

    Args:
        text: a text from the catalogue (a refusal, an error, a ledger note or reason).

    Returns:
        The text as the desk shows it.
    """
    if _CLI_TOOL in text or "--" in text:
        for pattern, replacement in _REWRITES:
            text = pattern.sub(replacement, text)
    if "（" in text or " " in text:
        for raw, label in _item_names():
            text = text.replace(raw, label)
    return text
