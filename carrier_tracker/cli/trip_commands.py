"""Commands of documents carried to an outside meeting (外出携带), registered by
:func:`carrier_tracker.cli.main.build_parser`: ``trip open`` and the view ``meetings --overdue``.

Keep the imports at the top light (argparse only): parsing must stay fast; each command imports
what it needs when it runs.
"""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime

from carrier_tracker import messages
from carrier_tracker.cli.parsers import Parsers, command_group


def _h(key: str, **fields: object) -> str:
    return messages.text(key, **fields)


def _print(text: str) -> None:
    print(text, flush=True)


def today() -> date:
    """Today, at the desk (due dates are local days)."""
    return datetime.now().astimezone().date()


def register(p: Parsers) -> None:
    """Add this area's commands to the parser."""
    subs = command_group(p, "trip", _h("help_trip"), "trip_command")
    o = subs.add_parser(
        "open",
        help=_h("help_trip_open"),
        description=_h("help_trip_open"),
        parents=[*p.recording, p.approving("approve_what_trip")],
    )
    o.set_defaults(func=cmd_trip_open)
    o.add_argument("code", metavar="CODE", help=_h("help_trip_code"))
    o.add_argument("--title", required=True, metavar="TEXT", help=_h("help_trip_title"))
    o.add_argument("--destination", required=True, metavar="TEXT", help=_h("help_trip_destination"))
    o.add_argument("--level", required=True, metavar="LEVEL", help=_h("help_trip_level"))
    o.add_argument("--due", required=True, metavar="YYYY-MM-DD", help=_h("help_trip_due"))
    o.add_argument(
        "--document",
        dest="documents",
        action="append",
        default=[],
        metavar="DOC_NO:COPIES:TITLE",
        help=_h("help_trip_document"),
    )


def add_meetings_flags(meetings: argparse.ArgumentParser) -> None:
    """``meetings --overdue`` (the meetings command lives in main)."""
    meetings.add_argument("--overdue", action="store_true", help=_h("help_meetings_overdue"))


def cmd_trip_open(args: argparse.Namespace) -> int:
    from carrier_tracker.cli.main import EXIT_OK, App, _approver, _login
    from carrier_tracker.meeting.trips import check_trip, open_trip
    from carrier_tracker.storage import db

    ask = check_trip(  # bad input is named before any PIN is asked for
        code=args.code,
        title=args.title,
        destination=args.destination,
        level=args.level,
        due=args.due,
        documents=tuple(args.documents),
        today=today(),
    )
    app = App(args)
    _login(app, args)
    approver = _approver(app, args)
    with db.session_scope(app.engine) as session:
        meeting = open_trip(
            session=session,
            key=app.key,
            ask=ask,
            operator=args.operator,
            approver=approver,
            station=args.station,
        )
        code = meeting.code
    _print(
        _h(
            "trip_opened",
            code=code,
            destination=ask.destination,
            due=ask.due_on.isoformat(),
            documents=len(ask.documents),
            copies=sum(d.copies for d in ask.documents),
            approver=approver or args.operator,
        )
    )
    return EXIT_OK


def meetings_overdue(args: argparse.Namespace) -> int:
    """``meetings --overdue [--json]``: trips and meetings past their return date with items
    still out, naming who holds them."""
    from carrier_tracker.cli.main import EXIT_OK, App
    from carrier_tracker.meeting.trips import overdue
    from carrier_tracker.storage import db

    app = App(args)
    with db.read_scope(app.engine) as session:
        rows = overdue(session, today=today())
    if args.json:
        _print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        _print(_h("overdue_none"))
    for r in rows:
        _print(
            _h(
                "overdue_row",
                code=r["code"],
                kind=r["kind"],
                level=r["level"],
                due=r["due_on"],
                days=r["days_overdue"],
                outstanding=r["outstanding"],
                title=r["title"],
            )
        )
        for h in r["holders"]:
            _print(_h("overdue_holder", holder=h["holder"], items="、".join(h["items"])))
    return EXIT_OK
