"""The keys that move between screens: the desk is the hub.

Every key works everywhere (the app binds them), but only the desk's footer names them all;
other screens name their own keys, the way back to the desk and quit. With a dozen screens the
footer could not fit them at 100 columns, and a key hint that does not fit is worse than none.
"""

from __future__ import annotations

from textual.binding import Binding

from .texts import t

NAV: tuple[tuple[str, str, str], ...] = (
    # (key, app action, label key); the last ones are in no footer (see DESK_HIDES)
    ("ctrl+r", "show('reconcile')", "key_reconcile"),
    ("ctrl+e", "show('enroll')", "key_enroll"),
    ("ctrl+k", "show('courier')", "key_courier"),
    ("ctrl+l", "show('copies')", "key_copies"),
    ("ctrl+t", "show('audit')", "key_audit"),
    ("ctrl+b", "show('changes')", "key_changes"),
    ("ctrl+z", "show('dispose')", "key_dispose"),
    ("ctrl+a", "show('policy')", "key_policy"),
    ("ctrl+o", "export", "key_export"),
)


def app_bindings() -> list[Binding]:
    """The app's bindings of the navigation keys: active everywhere, named nowhere."""
    return [Binding(key, action, t(label), show=False, priority=True) for key, action, label in NAV]


DESK_HIDES = frozenset({"ctrl+a"})
"""Keys the desk's footer leaves out for room (会前/会后 is used before and after the meeting,
not all day): the command palette (Ctrl+P), the demo's notice and the README name it."""


def desk_bindings() -> list[Binding]:
    """The same keys as the desk names them in its footer."""
    return [
        Binding(key, f"app.{action}", t(label), show=key not in DESK_HIDES, priority=True)
        for key, action, label in NAV
    ]
