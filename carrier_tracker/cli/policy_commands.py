"""Commands of one area, registered by :func:`carrier_tracker.cli.main.build_parser`.

Keep the imports at the top light (argparse only): parsing must stay fast; each command imports
what it needs when it runs.
"""

from __future__ import annotations

import argparse

from .. import messages
from .parsers import Parsers


def register(p: Parsers) -> None:
    """Add this area's commands to the parser."""
    register_pledges_forms(p)


# --- pledges and the signed forms ---------------------------------------------------------------


def register_pledges_forms(p: Parsers) -> None:
    """``pledge`` and ``forms``."""
    t = messages.text
    q = p.add("pledge", cmd_pledge, t("help_pledge"), p.recording)
    q.add_argument("meeting", metavar="MEETING")
    q.add_argument(
        "attendee_codes", metavar="ATTENDEE_CODE", nargs="*", help=t("help_pledge_codes")
    )
    q.add_argument("--all", action="store_true", help=t("help_pledge_all"))
    q.add_argument("--date", metavar="YYYY-MM-DD", help=t("help_pledge_date"))
    q.add_argument("--briefed", action="store_true", help=t("help_pledge_briefed"))
    q = p.add("forms", cmd_forms, t("help_forms"))
    q.set_defaults(read_only=True)
    q.add_argument("meeting", metavar="MEETING")
    q.add_argument(
        "-o", "--output", required=True, metavar="FILE.xlsx", help=t("help_forms_output")
    )


def cmd_pledge(args: argparse.Namespace) -> int:
    """Record pledges (one transaction, one ledger event per attendee whose record changes)."""
    from datetime import date

    from .. import db
    from .. import text_fields as tf
    from ..enums import Verdict
    from ..errors import CarrierTrackerError, ConflictError
    from ..pledges import parse_day, record_pledges
    from .main import EXIT_OK, EXIT_REFUSED, App, _login, _print

    if args.all and args.attendee_codes:
        raise CarrierTrackerError(messages.text("pledge_both"))
    if not args.all and not args.attendee_codes:
        raise CarrierTrackerError(messages.text("pledge_who"))
    label = f"ATTENDEE_CODE（{messages.FIELD_LABEL['attendee']}）"
    codes = [tf.check_code(label, c, tf.ATTENDEE_CODE) for c in args.attendee_codes]
    day = parse_day(args.date) if args.date else None
    today = date.today()
    app = App(args)
    _login(app, args)
    try:
        with db.session_scope(app.engine) as session:
            outcomes = record_pledges(
                session=session,
                key=app.key,
                meeting_code=args.meeting,
                attendee_codes=None if args.all else codes,
                today=today,
                day=day,
                briefed=args.briefed,
                operator=args.operator,
                station=args.station,
            )
    except ConflictError as e:
        import sys

        print(messages.text("error_line", reason=str(e)), file=sys.stderr)
        return EXIT_REFUSED
    for o in outcomes:
        _print(f"{messages.VERDICT_LABEL[o.verdict]}\t{o.message}")
    count = {v: sum(o.verdict is v for o in outcomes) for v in Verdict}
    _print(
        messages.text(
            "pledge_summary",
            done=count[Verdict.ACCEPTED],
            already=count[Verdict.ALREADY],
            refused=count[Verdict.REFUSED],
        )
    )
    return EXIT_REFUSED if count[Verdict.REFUSED] else EXIT_OK


def cmd_forms(args: argparse.Namespace) -> int:
    """Write the signed-forms workbook."""
    from pathlib import Path

    from .. import db
    from ..export import check_output_path
    from ..forms import write_forms
    from .main import EXIT_OK, App, _print

    path = Path(args.output)
    check_output_path(path)
    app = App(args)
    with db.read_scope(app.engine) as session:
        result = write_forms(session=session, meeting_code=args.meeting, path=path)
    sheets = "，".join(
        messages.text("forms_sheet_rows", sheet=s, rows=n) for s, n in result.rows.items()
    )
    _print(messages.text("forms_written", path=path, sheets=sheets))
    return EXIT_OK
