"""The ``report`` command (the office's period report), registered by
:func:`carrier_tracker.cli.main.build_parser`. Imports at the top stay light (argparse only)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from carrier_tracker import messages
from carrier_tracker.cli.parsers import Parsers

EXIT_OK, EXIT_REFUSED = 0, 1


def register(p: Parsers) -> None:
    """Add ``report`` to the parser."""
    q = p.add("report", cmd_report, messages.text("help_report"), (p.common, p.who))
    q.set_defaults(read_only=True)
    q.add_argument(
        "--from",
        dest="first",
        required=True,
        metavar="YYYY-MM-DD",
        help=messages.text("help_report_from"),
    )
    q.add_argument(
        "--to",
        dest="last",
        required=True,
        metavar="YYYY-MM-DD",
        help=messages.text("help_report_to"),
    )
    q.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
    q.add_argument("--force", action="store_true", help=messages.text("help_template_force"))


def cmd_report(args: argparse.Namespace) -> int:
    """Check the period and the path before any work, then write the report."""
    from carrier_tracker.cli.main import App
    from carrier_tracker.errors import CarrierTrackerError
    from carrier_tracker.paper.output import check_output_path
    from carrier_tracker.paper.period_report import parse_day, write_period_report
    from carrier_tracker.storage import db

    first, last = parse_day(args.first, "--from"), parse_day(args.last, "--to")
    if first > last:
        raise CarrierTrackerError(
            messages.text("report_from_after_to", first=first.isoformat(), last=last.isoformat())
        )
    path = Path(args.output)
    check_output_path(path, force=args.force)
    app = App(args)
    with db.read_scope(app.engine) as session:
        result = write_period_report(
            session=session,
            key=app.key,
            first=first,
            last=last,
            path=path,
            operator=args.operator,
            force=args.force,
            progress=lambda m: print(m, file=sys.stderr, flush=True),
        )
    n = len(result.lines)
    key = "report_written" if n else "report_written_empty"
    print(messages.text(key, path=path, n=n, marking=result.marking), flush=True)
    if result.unverified:
        codes = "、".join(result.unverified)
        print(messages.text("report_unverified_line", codes=codes), flush=True)
        return EXIT_REFUSED
    return EXIT_OK
