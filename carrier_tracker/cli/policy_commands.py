"""Commands of one area, registered by :func:`carrier_tracker.cli.main.build_parser`.

Keep the imports at the top light (argparse only): parsing must stay fast; each command imports
what it needs when it runs.
"""

from __future__ import annotations

from .parsers import Parsers


def register(p: Parsers) -> None:
    """Add this area's commands to the parser."""
