"""Commands of the distribution plan, breaks and the courier: ``plan``, ``consignment``
(``open``, the default, and ``receipt``), and the views ``status --by-document`` / ``--break``.

Keep the imports at the top light (argparse only): parsing must stay fast; each command imports
what it needs when it runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from carrier_tracker import messages
from carrier_tracker.cli.parsers import Parsers

CONSIGNMENT_COMMANDS = frozenset({"open", "receipt", "-h", "--help"})
"""``consignment MEETING NO …`` (no subcommand) means ``consignment open MEETING NO …``."""


def _h(key: str) -> str:
    return messages.text(key)


def register(p: Parsers) -> None:
    """Add this area's commands to the parser."""
    q = p.add("plan", cmd_plan, _h("help_plan"), (*p.recording, p.approving("approve_what_plan")))
    q.add_argument("meeting", metavar="MEETING")
    q.add_argument("doc_no", metavar="DOC_NO")
    which = q.add_mutually_exclusive_group(required=True)
    which.add_argument("--to", metavar="LIST", help=_h("help_plan_to"))
    which.add_argument("--everyone", action="store_true", help=_h("help_plan_everyone"))

    q = p.add("consignment", cmd_consignment_open, _h("help_consignment"), ())
    subs = q.add_subparsers(
        dest="consignment_command",
        metavar=messages.text("help_subcommands_metavar"),
        parser_class=type(q),
        required=True,
    )
    o = subs.add_parser(
        "open",
        help=_h("help_consignment_open"),
        description=_h("help_consignment_open"),
        parents=list(p.recording),
    )
    o.set_defaults(func=cmd_consignment_open)
    o.add_argument("meeting", metavar="MEETING")
    o.add_argument("number", metavar="NO")
    o.add_argument("--attendee", metavar="CODE", help=_h("help_consignment_attendee"))
    o.add_argument("--unit", help=_h("help_consignment_unit"))
    o.add_argument("--recipient", metavar="NAME", help=_h("help_consignment_recipient"))
    r = subs.add_parser(
        "receipt",
        help=_h("help_consignment_receipt"),
        description=_h("help_consignment_receipt"),
        parents=list(p.recording),
    )
    r.set_defaults(func=cmd_consignment_receipt)
    r.add_argument("meeting", metavar="MEETING")
    r.add_argument("number", metavar="NO")
    r.add_argument("--note", metavar="TEXT", help=_h("help_receipt_note"))


def add_status_flags(status: argparse.ArgumentParser) -> None:
    """``status --by-document`` and ``status --break`` (the status command lives in main)."""
    view = status.add_mutually_exclusive_group()
    view.add_argument("--by-document", action="store_true", help=_h("help_status_by_document"))
    view.add_argument("--break", dest="brk", action="store_true", help=_h("help_status_break"))


def default_subcommand(raw: list[str]) -> list[str]:
    """``consignment MEETING NO …`` as it was typed before ``receipt`` existed."""
    if len(raw) > 1 and raw[0] == "consignment" and raw[1] not in CONSIGNMENT_COMMANDS:
        return [raw[0], "open", *raw[1:]]
    return raw


def _print(text: str) -> None:
    print(text, flush=True)


def cmd_plan(args: argparse.Namespace) -> int:
    from carrier_tracker.cli.main import (
        EXIT_OK,
        EXIT_REFUSED,
        App,
        _approver,
        _check_first,
        _login,
        refusal_hint,
    )
    from carrier_tracker.custody.plan import no_entries
    from carrier_tracker.errors import CarrierTrackerError
    from carrier_tracker.meeting.distribution import check_plan, set_plan
    from carrier_tracker.storage import db

    if args.to is not None and no_entries(args.to):
        # In a workbook's cell an empty plan is everyone; typed here it is a forgotten list,
        # and must not widen a plan (the desk's field refuses it too).
        raise CarrierTrackerError(messages.text("plan_to_empty"))
    app = App(args)
    _check_first(
        app,
        lambda session: check_plan(
            session=session, meeting_code=args.meeting, doc_no=args.doc_no, to=args.to
        ),
    )
    _login(app, args)
    approver = _approver(app, args)
    with db.session_scope(app.engine) as session:
        step = set_plan(
            session=session,
            key=app.key,
            meeting_code=args.meeting,
            doc_no=args.doc_no,
            to=args.to,
            everyone=args.everyone,
            operator=args.operator,
            station=args.station,
            approver=approver,
        )
    hint = refusal_hint(step.message, args.operator) if step.refused else ""
    _print(f"{messages.VERDICT_LABEL[step.verdict]}\t{step.message}{hint}")
    return EXIT_REFUSED if step.refused else EXIT_OK


def cmd_consignment_open(args: argparse.Namespace) -> int:
    from carrier_tracker.cli.main import EXIT_OK, App, _login
    from carrier_tracker.errors import CarrierTrackerError
    from carrier_tracker.meeting.lifecycle import open_consignment
    from carrier_tracker.storage import db

    if not args.attendee and not args.unit:
        raise CarrierTrackerError(messages.text("consignment_needs_owner"))
    app = App(args)
    _login(app, args)
    with db.session_scope(app.engine) as session:
        c = open_consignment(
            session=session,
            key=app.key,
            meeting_code=args.meeting,
            number=args.number,
            unit=args.unit or "",
            recipient=args.recipient or "",
            operator=args.operator,
            station=args.station,
            attendee_code=args.attendee,
        )
    _print(
        messages.text(
            "consignment_registered", number=c.number, unit=c.unit, recipient=c.recipient
        ).rstrip()
    )
    return EXIT_OK


def cmd_consignment_receipt(args: argparse.Namespace) -> int:
    from carrier_tracker.cli.main import EXIT_OK, EXIT_REFUSED, App, _login
    from carrier_tracker.meeting.courier import record_receipt
    from carrier_tracker.storage import db

    app = App(args)
    _login(app, args)
    with db.session_scope(app.engine) as session:
        step = record_receipt(
            session=session,
            key=app.key,
            meeting_code=args.meeting,
            number=args.number,
            note=args.note or "",
            operator=args.operator,
            station=args.station,
        )
    _print(f"{messages.VERDICT_LABEL[step.verdict]}\t{step.message}")
    return EXIT_REFUSED if step.refused else EXIT_OK


def status_view(args: argparse.Namespace) -> int:
    """``status --by-document`` or ``status --break``."""
    from carrier_tracker.cli.main import EXIT_OK, reading
    from carrier_tracker.storage.planview import (
        break_view,
        break_view_json,
        plan_view,
        plan_view_json_text,
    )
    from carrier_tracker.storage.readmodel import meeting_row

    with reading(args) as bind:
        if args.brk:
            data = break_view_json(break_view(bind, meeting_row(bind, args.meeting)))
        else:
            view = plan_view(bind, args.meeting)
    if args.brk and args.json:
        _print(json.dumps(data, ensure_ascii=False, indent=2))
    elif args.brk:
        _print_break(data)
    elif args.json:  # written as it is made: at national size the answer is 44 MB
        sys.stdout.writelines(plan_view_json_text(view))
        _print("")
    else:  # from the view itself: the text names 12 people a document, not all of them
        _print_plan(view)
    return EXIT_OK


NAMES_SHOWN = 12
"""Names listed per line in text mode (``--json`` lists everyone)."""


def _names(people: Sequence[Any]) -> str:
    shown = "、".join(f"{p.code} {p.name}" for p in people[:NAMES_SHOWN])
    if len(people) > NAMES_SHOWN:
        shown += messages.text("plan_more_names", count=len(people))
    return shown


def _print_plan(view: Any) -> None:
    lines: list[str] = []  # printed at once
    say = lines.append
    for d in view.documents:
        say(f"{d.number}  {d.title}  " + messages.text("plan_note", plan=d.plan_text))
        counts = messages.text(
            "plan_counts",
            planned=len(d.planned),
            issued=len(d.issued),
            missing=len(d.not_collected),
            out=d.out,
            recovered=d.recovered,
        )
        say("  " + counts)
        if d.excluded:
            say("  " + messages.text("plan_excluded", count=d.excluded))
        if d.not_collected:
            say("  " + messages.text("plan_missing", names=_names(d.not_collected)))
        if d.outside_plan:
            say("  " + messages.text("plan_outside_list", names=_names(d.outside_plan)))
    if view.attendees:
        say(messages.text("plan_due_title"))
        for a in view.attendees:
            p = a.person
            say(f"  {p.code} {p.name}（{p.unit}）：" + "、".join(a.documents))
    else:
        say(messages.text("plan_none_due"))
    _print("\n".join(lines))


def _print_break(data: dict[str, Any]) -> None:
    if not data["flagged_documents"]:
        _print(messages.text("break_no_flagged"))
        return
    flagged = "、".join(data["flagged_documents"])
    _print(messages.text("break_title", docs=flagged, remaining=data["remaining"]))
    for a in data["attendees"]:
        labels = "、".join(it["label"] for it in a["items"])
        _print(f"  {a['code']} {a['name']}：{labels}")
    if not data["remaining"]:
        _print("  " + messages.text("break_all_in"))
