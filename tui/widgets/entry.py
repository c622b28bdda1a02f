"""An Input whose Enter is handled in order with the keys around it.

Textual runs an Input's ``enter`` binding only after the key has bubbled up to the app, behind
whatever keys are already queued: when keys arrive in a burst (a fast typist, a keyboard-wedge
reader, an IME committing a phrase), ``A003⏎HY-01`` submits ``A003HY-01``. Here Enter is handled
where printable keys are, so it submits exactly what was typed before it.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import Input


class Entry(Input):
    """An Input that submits in key order; ``clear_on_submit`` empties it at once (the tap entry)."""

    def __init__(self, *args: Any, clear_on_submit: bool = False, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.clear_on_submit = clear_on_submit

    async def _on_key(self, event: events.Key) -> None:
        if event.key != "enter":
            await super()._on_key(event)
            return
        event.stop()
        event.prevent_default()
        validation = self.validate(self.value) if "submitted" in self.validate_on else None
        self.post_message(self.Submitted(self, self.value, validation))
        if self.clear_on_submit:
            self.value = ""  # before the next key: keys typed right after Enter start a new entry
