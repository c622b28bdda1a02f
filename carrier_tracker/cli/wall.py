"""``carrier-tracker wall MEETING``: the read-only wall display for the room (imports tui lazily)."""

from __future__ import annotations

import argparse


def cmd_wall(args: argparse.Namespace) -> int:
    """CLI entry point of ``wall``: no login, no key, a read-only database.

    Raises:
        CarrierTrackerError: the database or the meeting does not exist (one line, exit 2).
    """
    from carrier_tracker.cli.demo import need_terminal
    from carrier_tracker.tui.wall.app import make_wall_app

    app = make_wall_app(args.db, args.meeting, by_document=args.by_document)
    try:
        need_terminal("wall")
        app.run()
    finally:
        app.engine.dispose()
    return 0
