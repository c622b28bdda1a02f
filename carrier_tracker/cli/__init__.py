"""The ``carrier-tracker`` command line: the composition root (the only part of the package
that may import ``readers`` and ``tui``, lazily, inside the commands that need them)."""

from __future__ import annotations

from carrier_tracker.cli.main import main

__all__ = ["main"]
