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

from .texts import t

_CLI_TOOL = r"carrier-tracker"
_FLAG = r"--[a-z][a-z-]*"
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    # "请用 carrier-tracker …（或工作台 Ctrl+A 会前/会后）": the desk's way is the one in brackets
    (re.compile(rf"请用 {_CLI_TOOL}[^（]*（或(工作台[^）]*)）"), r"请用\1"),
    # "（用 carrier-tracker checklist … 作答…）": answered on the 会前/会后 screen here
    (re.compile(rf"（用 {_CLI_TOOL} checklist[^）]*）"), "（" + t("desk_checklist_hint") + "）"),
    # "…先备案：carrier-tracker meeting file …": the command itself
    (re.compile(rf"[：:] ?{_CLI_TOOL}[^；。）]*"), ""),
    # "（当前操作员：X；文管员可加 --approver）": the clause naming a flag
    (re.compile(rf"[；，][^；，（）]*{_FLAG}[^；，（）]*"), ""),
    # "须填写说明（--note）": a bracket of flags only
    (re.compile(rf"（[^（）]*{_FLAG}[^（）]*）"), ""),
    # "须同时给出 --note 说明": the flag named as the field
    (re.compile(rf"给出 {_FLAG} "), "填写"),
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
