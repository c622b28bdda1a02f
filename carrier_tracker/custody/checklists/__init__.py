"""Checklist definitions as data: the built-in file (``builtin.toml``) and a site's own file.

The venue check (会场保密检查, 附表20), the off-site venue agreement (涉密会议协议书, 附表19) and
the post-meeting sweep (会后清场) are lists of items read from TOML, never hard-coded. A site
extends them with a file of the same shape (``$CARRIER_TRACKER_CHECKLISTS``, or
``checklists.toml`` in the configuration directory) that adds items; a malformed file is refused
with a message naming the file, the item and what is wrong.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carrier_tracker import messages
from carrier_tracker.errors import CarrierTrackerError

BUILTIN = Path(__file__).with_name("builtin.toml")
NAMES = ("venue", "agreement", "sweep")
"""The checklists, in the order they are done (the CLI's choices)."""
VENUE, AGREEMENT, SWEEP = NAMES
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
_LABEL_MAX, _TEXT_MAX, _TITLE_MAX = 20, 200, 60


class ChecklistFileError(CarrierTrackerError):
    """A checklist file is missing, not TOML, or breaks the shape (named in the message)."""


@dataclass(frozen=True)
class Item:
    """One question of a checklist."""

    id: str
    label: str
    text: str
    source: str
    """The file that defines it (the built-in file or a site's)."""


@dataclass(frozen=True)
class Checklist:
    """One checklist: title, the paper form it stands for, its items in order."""

    name: str
    title: str
    form: str
    items: tuple[Item, ...]

    def item(self, item_id: str) -> Item | None:
        """The item with this id (case-insensitive), or None."""
        for it in self.items:
            if it.id.lower() == item_id.lower():
                return it
        return None


@dataclass(frozen=True)
class Checklists:
    """The three checklists a meeting answers."""

    by_name: dict[str, Checklist]

    def __getitem__(self, name: str) -> Checklist:
        return self.by_name[name]

    def __iter__(self) -> Any:
        return iter(self.by_name[n] for n in NAMES)


def _fail(path: Path, where: str, problem: str) -> ChecklistFileError:
    return ChecklistFileError(
        messages.text("checklist_file_error", file=str(path), where=where, problem=problem)
    )


def _text(path: Path, where: str, table: dict[str, Any], key: str, limit: int) -> str:
    value = table.get(key)
    if value is None:
        raise _fail(path, where, messages.text("checklist_missing_key", field=key))
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, where, messages.text("checklist_not_text", field=key))
    value = value.strip()
    if len(value) > limit:
        raise _fail(path, where, messages.text("checklist_too_long", field=key, limit=limit))
    if any(ord(ch) < 32 for ch in value):
        raise _fail(path, where, messages.text("checklist_control", field=key))
    return value


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise _fail(path, "—", messages.text("checklist_no_file")) from None
    except (OSError, UnicodeDecodeError) as e:
        raise _fail(path, "—", messages.text("checklist_unreadable", reason=str(e))) from e
    except tomllib.TOMLDecodeError as e:
        raise _fail(path, "—", messages.text("checklist_not_toml", reason=str(e))) from e


def _parse(
    path: Path, data: dict[str, Any], *, builtin: bool, taken: dict[str, set[str]]
) -> dict[str, tuple[str, str, list[Item]]]:
    """The checklists one file defines: name → (title, form, items), validated."""
    out: dict[str, tuple[str, str, list[Item]]] = {}
    for name, table in data.items():
        if name not in NAMES:
            raise _fail(
                path, name, messages.text("checklist_unknown", name=name, names="、".join(NAMES))
            )
        if not isinstance(table, dict):
            raise _fail(path, name, messages.text("checklist_not_table"))
        allowed = ("title", "form", "items") if builtin else ("items",)
        for key in table:
            if key not in allowed:
                raise _fail(
                    path,
                    name,
                    messages.text("checklist_bad_key", field=key, keys="、".join(allowed)),
                )
        title = _text(path, name, table, "title", _TITLE_MAX) if builtin else ""
        form = _text(path, name, table, "form", _TITLE_MAX) if builtin else ""
        raw_items = table.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            raise _fail(path, f"{name}.items", messages.text("checklist_no_items"))
        items: list[Item] = []
        ids = taken.setdefault(name, set())
        for i, raw in enumerate(raw_items, start=1):
            where = messages.text("checklist_item_where", name=name, n=i)
            if not isinstance(raw, dict):
                raise _fail(path, where, messages.text("checklist_item_not_table"))
            item_id = raw.get("id")
            if isinstance(item_id, str):
                where = messages.text("checklist_item_where_id", name=name, n=i, id=item_id)
            for key in raw:
                if key not in ("id", "label", "text"):
                    raise _fail(
                        path,
                        where,
                        messages.text("checklist_bad_key", field=key, keys="id、label、text"),
                    )
            if not isinstance(item_id, str) or not _ID.match(item_id):
                raise _fail(path, where, messages.text("checklist_bad_id"))
            if item_id.lower() in ids:
                raise _fail(path, where, messages.text("checklist_duplicate_id", id=item_id))
            ids.add(item_id.lower())
            items.append(
                Item(
                    id=item_id,
                    label=_text(path, where, raw, "label", _LABEL_MAX),
                    text=_text(path, where, raw, "text", _TEXT_MAX),
                    source=str(path),
                )
            )
        out[name] = (title, form, items)
    if builtin:
        for name in NAMES:
            if name not in out:
                raise _fail(path, name, messages.text("checklist_missing", name=name))
    return out


def load(site: Path | None = None, *, builtin: Path = BUILTIN) -> Checklists:
    """The built-in checklists, extended by a site's file when given.

    Args:
        site: a site's checklist file (adds items; may not redefine one).
        builtin: the built-in definitions (tests pass their own).

    Raises:
        ChecklistFileError: a file is missing, not TOML, or malformed (file, item, problem).
    """
    taken: dict[str, set[str]] = {}
    base = _parse(builtin, _read(builtin), builtin=True, taken=taken)
    if site is not None:
        for name, (_t, _f, items) in _parse(site, _read(site), builtin=False, taken=taken).items():
            base[name][2].extend(items)
    return Checklists(
        {
            name: Checklist(name, title, form, tuple(items))
            for name, (title, form, items) in base.items()
        }
    )


_CACHE: dict[tuple[str, float], Checklists] = {}


def active() -> Checklists:
    """The checklists in force: built-in plus the site file of the settings (cached per file
    version, so a desk reads the file once, and again only after it changed).

    Raises:
        ChecklistFileError: the site file is malformed.
    """
    from carrier_tracker.config import load_settings

    settings = load_settings()
    site: Path | None = settings.checklist_path
    if settings.checklists_file is None and site is not None and not site.exists():
        site = None  # the default location is optional; a file named explicitly is not
    try:
        stamp = site.stat().st_mtime if site is not None else 0.0
    except OSError:
        stamp = -1.0  # load() names the problem
    key = (str(site), stamp)
    hit = _CACHE.get(key)
    if hit is None:
        hit = load(site)
        _CACHE.clear()
        _CACHE[key] = hit
    return hit


def settled(answer: str | None, accepted: bool) -> bool:
    """An item is settled when answered 符合 or 不适用, or 不符合 and accepted by an officer."""
    return answer in ("ok", "na") or (answer == "fail" and accepted)


def unsettled(checklist: Checklist, answers: dict[str, tuple[str, bool]]) -> tuple[Item, ...]:
    """The items that keep a meeting from opening (venue) or closing (sweep): unanswered, or
    不符合 and not accepted. ``answers`` maps an item id (lower case) to (answer, accepted)."""
    out = []
    for it in checklist.items:
        answer, accepted = answers.get(it.id.lower(), (None, False))
        if not settled(answer, accepted):
            out.append(it)
    return tuple(out)
