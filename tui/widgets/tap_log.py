"""The desk's log of recent taps, newest first; long reasons wrap instead of being cut off."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from carrier_tracker.enums import Verdict
from carrier_tracker.messages import VERDICT_LABEL

from ..wording import desk_words

KEEP = 200
_STYLE = {
    Verdict.ACCEPTED: "bold green",
    Verdict.ALREADY: "bold yellow",
    Verdict.REFUSED: "bold red",
}


class TapLog(VerticalScroll):
    """One line (wrapped when long) per tap: time, verdict, what happened."""

    can_focus = False

    def add(self, when: str, verdict: Verdict, text: str) -> None:
        """Put a tap at the top; drop the oldest beyond :data:`KEEP`."""
        line = Text.assemble(
            (when, "dim"), "  ", (VERDICT_LABEL[verdict], _STYLE[verdict]), "  ", desk_words(text)
        )
        entry = Static(line, classes="log-entry")
        if self.children:
            self.mount(entry, before=0)
        else:
            self.mount(entry)
        for old in list(self.children)[KEEP:]:
            old.remove()
        self.scroll_home(animate=False)
