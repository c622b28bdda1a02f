"""The tap entry on every screen that takes taps: type a tag's UID (reader offline) or, in the demo,
pick a tag from the virtual tray and lay it on the simulated reader."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from carrier_tracker.uids import BadUid, normalize_uid

from ..texts import t
from .entry import Entry

TRAY_SHOWN = 100
"""Tags listed in the tray at once: a national meeting's tray holds 105,000 (every pass and copy);
typing narrows it, Enter takes the first match whether listed or not. A hundred is many
screenfuls of the tray; each listed tag is an ``Option`` rebuilt at every key (bench/README.md)."""


def searchable(label: str) -> str:
    """A label as :func:`matches` searches it: upper case, its words one space apart, a space at
    either end (so a whole word is `` W `` in it)."""
    return f" {' '.join(label.upper().split())} "


def matches(
    items: list[tuple[str, str]], text: str, prepared: list[str] | None = None
) -> list[tuple[str, str]]:
    """Tray items whose label holds every word of ``text`` (case-insensitive), those holding each
    as a whole word first. ``prepared``: the labels made :func:`searchable` once (a national
    tray holds 105,000 tags: at each key every one is scanned, in C, word by word)."""
    words = text.upper().split()
    labels = prepared if prepared is not None else [searchable(label) for label, _uid in items]
    if not words:
        return list(items)
    first, *others = words
    found = [i for i, label in enumerate(labels) if first in label]
    for word in others:
        found = [i for i in found if word in labels[i]]
    whole = [f" {w} " for w in words]
    exact = [i for i in found if all(w in labels[i] for w in whole)]
    rest = set(exact)
    return [items[i] for i in exact] + [items[i] for i in found if i not in rest]


class TapEntry(Vertical):
    """An Input (and, in the demo, the tray's list); Enter taps. Posts :class:`TapEntry.Tapped`."""

    BINDINGS = [
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    @dataclass
    class Tapped(Message):
        """A tag was chosen: ``via_tray`` when picked from the demo's tray, else a typed UID."""

        uid: str
        label: str
        via_tray: bool

    class Missed(Message):
        """Enter matched no tag: nothing is tapped."""

    def __init__(self, tray: list[tuple[str, str]] | None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tray = tray or []  # (label, uid)
        self.shown: list[tuple[str, str]] = list(self.tray)
        self._labels = [searchable(label) for label, _uid in self.tray]

    def compose(self) -> ComposeResult:
        yield Label(
            t("tray_title" if self.tray else "tap_title"), classes="tap-title", markup=False
        )
        yield Entry(
            placeholder=t("tray_placeholder" if self.tray else "tap_placeholder"),
            id="tap-input",
            clear_on_submit=True,
        )
        yield Label(t("tray_help" if self.tray else "tap_help"), id="tap-feedback", markup=False)
        if self.tray:
            yield OptionList(*self._options(), id="tray-list")

    def _options(self) -> list[Option]:
        options = [Option(label, id=uid) for label, uid in self.shown[:TRAY_SHOWN]]
        if len(self.shown) > TRAY_SHOWN:
            more = t("tray_more", shown=TRAY_SHOWN, total=len(self.shown))
            options.append(Option(more, disabled=True))
        return options

    def focus_input(self) -> None:
        """Put the cursor in the entry (Ctrl+G)."""
        self.query_one("#tap-input", Input).focus()

    # -- filtering -----------------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if not self.tray:
            return
        self.shown = matches(self.tray, event.value, self._labels)
        options = self.query_one("#tray-list", OptionList)
        options.clear_options()
        options.add_options(self._options())
        if self.shown:
            options.highlighted = 0

    def action_move(self, step: int) -> None:
        if not self.tray or not self.shown:
            return
        options = self.query_one("#tray-list", OptionList)
        current = options.highlighted if options.highlighted is not None else -step
        options.highlighted = max(0, min(min(len(self.shown), TRAY_SHOWN) - 1, current + step))

    # -- tapping ------------------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: a UID is tapped as typed; otherwise the tray's match of the text typed before Enter
        (``event.value``: the field itself may already hold keys typed after it)."""
        event.stop()
        text = event.value.strip()
        feedback = self.query_one("#tap-feedback", Label)
        try:
            uid = normalize_uid(text)
        except BadUid:
            uid = ""
        if uid:
            self._tap(uid, uid, via_tray=False)
            return
        found = matches(self.tray, text, self._labels) if self.tray else []
        if not found:
            feedback.update(
                t("tray_no_match", text=text) if self.tray else t("tap_bad_uid", text=text)
            )
            self.app.bell()
            self.post_message(self.Missed())
            return
        chosen = found[0]
        options = self.query_one("#tray-list", OptionList)
        if options.highlighted is not None and self.shown == found:
            chosen = found[min(options.highlighted, len(found) - 1)]
        label, uid = chosen
        self._tap(uid, label, via_tray=True)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        label = str(event.option.prompt)
        if event.option.id:
            self._tap(event.option.id, label, via_tray=True)

    def say(self, text: str, *, for_seconds: float | None = None) -> None:
        """A line under the entry (what became of the last tag); with ``for_seconds``, taken
        away after that long unless something else was said meanwhile (a notice that stops
        being true, such as 稍候再放)."""
        feedback = self.query_one("#tap-feedback", Label)
        feedback.update(text)
        if for_seconds is not None:

            def expire() -> None:
                if str(feedback.render()) == text:
                    feedback.update("")

            self.set_timer(for_seconds, expire)

    def _tap(self, uid: str, label: str, *, via_tray: bool) -> None:
        self.query_one("#tap-feedback", Label).update(t("tray_tapped", label=label))
        self.post_message(self.Tapped(uid, label, via_tray))
