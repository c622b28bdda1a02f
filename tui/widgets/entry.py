"""An Input that can empty itself the moment it submits (the tap entry).

Keys reach every text field in the order they arrive, Enter included: the app handles each key to
the end before the next (:meth:`tui.app.CarrierTrackerApp._one_key`), so ``A003⏎HY-01`` submits
``A003`` and then types ``HY-01`` into the emptied field.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input


class Entry(Input):
    """An Input; ``clear_on_submit`` empties it as it submits (keys after Enter start anew)."""

    def __init__(self, *args: Any, clear_on_submit: bool = False, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.clear_on_submit = clear_on_submit

    async def action_submit(self) -> None:
        """Post what was typed, then (``clear_on_submit``) start a new entry."""
        await super().action_submit()
        if self.clear_on_submit:
            self.value = ""
