"""载体一览: every copy and pass with state, holder and since when; searchable by what the row
shows. A tap here looks the tag up."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from time import monotonic

from sqlmodel import Session
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label

from carrier_tracker import messages
from carrier_tracker.enums import CarrierKind
from carrier_tracker.messages import STATE_LABEL, local_time
from carrier_tracker.readers import TagTap
from carrier_tracker.storage.queries import CarrierRow, carriers_table

from ..app import CarrierTrackerApp
from ..messages import LedgerAdvanced
from ..taking import TakesTaps
from ..texts import t
from ..widgets.entry import Entry
from ..widgets.tap_entry import matches, searchable

COLUMNS = ("item", "state", "holder", "since", "uid")
SHOWN = 500
"""Rows listed at once (the screen's title says so); typing narrows the rest down."""
RELOAD_REST = 1.0
"""Seconds at least between the end of a read and the next, when taps came in during it."""

_SEPARATORS = re.compile(r"[:\-_.]")
_HEX = re.compile(r"[0-9A-F]+")


@functools.lru_cache(maxsize=65536)
def compact(word: str) -> str:
    """A word as the search compares it: one of hex digits and separators (``04:25:02``,
    ``04-a2``) without its separators, upper case; any other word as it is."""
    bare = _SEPARATORS.sub("", word.upper())
    return bare if bare != word.upper() and _HEX.fullmatch(bare) else word


def search_text(row: CarrierRow, item: str) -> str:
    """What a row is found by: its displayed label ``item``, state, holder and UID, the document's
    title and level, and what people type for them but the row does not show — the copy number
    without 第/份 or leading zeros, the holder's code, a pass's number and owner. A word of hex
    and separators (a document number ``12-05``) is there also :func:`compact`, as typed words
    are, so typing it with or without separators finds it."""
    parts = [item, STATE_LABEL[row.state], row.holder_name or "", row.holder_code or ""]
    if row.kind is CarrierKind.COPY:
        parts += [row.title or "", row.level or "", _compacted(row.number), _compacted(row.title)]
        if row.copy is not None:
            parts += [str(row.copy), t("copies_copy_plain", copy=row.copy)]
    else:
        parts += [row.pass_number or "", row.owner_code or "", row.owner_name or ""]
        parts += [_compacted(row.pass_number), _compacted(row.owner_code)]
    parts += [_compacted(row.holder_code), row.uid or ""]  # a UID is stored without separators
    return " ".join(parts)


@functools.lru_cache(maxsize=65536)
def _compacted(text: str | None) -> str:
    """The words of ``text`` that :func:`compact` changes, compacted (a document's number and title
    are the same on its thousand copies: done once)."""
    return " ".join(c for w in (text or "").split() if (c := compact(w)) != w)


def search_words(text: str) -> str:
    """The search as typed, each word :func:`compact` (a UID typed with separators finds its tag)."""
    return " ".join(compact(w) for w in text.split())


@dataclass(frozen=True)
class Listed:
    """A row of the screen: its cells but the time (formatted only when shown), its document line
    and the text it is found by."""

    key: str
    item: str
    row: CarrierRow
    doc: str


@dataclass(frozen=True)
class Listing:
    """The screen's rows, as :func:`matches` takes them (label, row index) and their
    :func:`searchable` texts: made once per read, in the read's thread, not at each key."""

    rows: list[Listed]
    items: list[tuple[str, str]]
    texts: list[str]


def listed(rows: list[CarrierRow]) -> Listing:
    """The :class:`Listing` of a meeting's carriers."""
    out: list[Listed] = []
    docs: dict[str | None, str] = {}
    for r in rows:
        if r.kind is CarrierKind.COPY:
            item = messages.text("copy_item", doc=r.number, copy=r.copy)
            key = f"{r.number}/{r.copy}"
            doc = docs.get(r.number) or docs.setdefault(
                r.number, t("copies_doc", number=r.number, title=r.title, level=r.level)
            )
        else:
            item = messages.text("pass_item", number=r.pass_number, name=r.owner_name)
            key = f"pass/{r.owner_code}"
            doc = ""
        out.append(Listed(key, item, r, doc))
    texts = [searchable(search_text(x.row, x.item)) for x in out]
    return Listing(out, [(x.item, str(i)) for i, x in enumerate(out)], texts)


class CopiesScreen(TakesTaps, Screen[None]):
    """All copies and passes; type what a row shows (or tap a tag) to find it."""

    app = getters.app(CarrierTrackerApp)

    NAME = "copies"
    AUTO_FOCUS = "#search"
    BINDINGS = [Binding("escape", "app.show('desk')", t("key_back"))]

    def __init__(self) -> None:
        super().__init__()
        self.docs: dict[str, str] = {}  # row key -> the document line
        self.listing = Listing([], [], [])
        self.loading = self.stale = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(t("copies_title"), classes="screen-title", markup=False)
        yield Entry(placeholder=t("copies_search"), id="search")
        yield Label("", id="doc-line", markup=False)
        yield DataTable(id="copies", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key in COLUMNS:
            table.add_column(t(f"copies_col_{key}"), key=key)
        self._load()

    def _load(self) -> None:
        meeting = self.app.ctx.chosen_meeting
        self.loading, self.stale, started = True, False, monotonic()

        def run(s: Session) -> Listing:
            return listed(carriers_table(s, meeting))

        def loaded(listing: Listing) -> None:
            self.loading = False
            self.listing = listing
            self._show()
            if self.stale:  # the ledger moved meanwhile: again, once, after a rest
                took = monotonic() - started
                self.set_timer(max(RELOAD_REST, 2 * took), self._load_if_stale)

        self.app.service.read(self, run, loaded, key="copies")

    def _load_if_stale(self) -> None:
        if self.stale and not self.loading:
            self._load()

    def _show(self) -> None:
        search = self.query_one("#search", Input).value.strip()
        listing = self.listing
        hits = matches(listing.items, search_words(search), listing.texts)
        found = [listing.rows[int(i)] for _item, i in hits]
        table = self.query_one(DataTable)
        table.clear()
        self.docs = {}
        for x in found[:SHOWN]:
            self.docs[x.key] = x.doc
            table.add_row(
                x.item,
                STATE_LABEL[x.row.state],
                x.row.holder_name or "",
                local_time(x.row.since),
                x.row.uid or t("unbound"),
                key=x.key,
            )
        line = self.docs[found[0].key] if found else ""
        if not found and search:
            line = t("copies_none", text=search)
        self.query_one("#doc-line", Label).update(line)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key else None
        self.query_one("#doc-line", Label).update(self.docs.get(key or "", ""))

    def on_input_changed(self, _event: Input.Changed) -> None:
        self._show()

    def take_tap(self, tap: TagTap) -> None:
        """Nothing is recorded here: the tag is looked up (its copy is shown)."""
        self.query_one("#search", Input).value = tap.uid

    def on_ledger_advanced(self, _message: LedgerAdvanced) -> None:
        """Read again — but a national meeting's 110,000 rows take ~1.5 s of this process's
        time: while a read runs, taps elsewhere only mark the list stale, and the next read
        waits twice as long as the last took (the desk keeps at least two thirds of its time
        for keys)."""
        if self.loading:
            self.stale = True
        else:
            self._load()
