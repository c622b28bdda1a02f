"""Commands of one area, registered by :func:`carrier_tracker.cli.main.build_parser`.

Keep the imports at the top light (argparse only): parsing must stay fast; each command imports
what it needs when it runs.
"""

from __future__ import annotations

import argparse

from carrier_tracker import messages
from carrier_tracker.cli.parsers import Parsers


def register(p: Parsers) -> None:
    """Add this area's commands to the parser."""
    _register_filing_checklists(p)
    register_pledges_forms(p)


# --- filing (备案), checklists, the sweep (the "filing-checklists" block) -----------------------

CHECKLIST_NAMES = ("venue", "agreement", "sweep")


def _register_filing_checklists(p: Parsers) -> None:
    text = messages.text
    q = p.add("meeting", cmd_meeting_help, text("help_meeting"))
    subs = q.add_subparsers(
        dest="meeting_command", metavar=text("help_subcommands_metavar"), required=True
    )
    f = subs.add_parser(
        "file",
        help=text("help_meeting_file"),
        description=text("help_meeting_file"),
        parents=[*p.recording, p.approving("approve_what_file")],
    )
    f.set_defaults(func=cmd_meeting_file)
    f.add_argument("meeting", metavar="MEETING")
    f.add_argument("--ref", required=True, metavar="REF", help=text("help_file_ref"))
    f.add_argument("--date", required=True, metavar="YYYY-MM-DD", help=text("help_file_date"))
    f.add_argument("--plan-title", metavar="TEXT", default="", help=text("help_file_plan"))

    c = p.add(
        "checklist",
        cmd_checklist,
        text("help_checklist"),
        (*p.recording, p.approving("approve_what_accept")),
    )
    c.add_argument("meeting", metavar="MEETING")
    c.add_argument("checklist", choices=CHECKLIST_NAMES, help=text("help_checklist_which"))
    c.add_argument(
        "--set",
        dest="answers",
        action="append",
        default=[],
        metavar="ITEM=ANSWER[:NOTE]",
        help=text("help_checklist_set"),
    )
    c.add_argument("--all", dest="all_answer", metavar="ANSWER", help=text("help_checklist_all"))
    c.add_argument(
        "--accept", nargs="?", const="", default=None, metavar="ITEM", help=text("help_accept")
    )
    c.add_argument("--note", metavar="TEXT", help=text("help_accept_note"))
    c.add_argument("--show", action="store_true", help=text("help_checklist_show"))
    c.add_argument("--json", action="store_true", help=text("help_checklist_json"))


def cmd_meeting_help(args: argparse.Namespace) -> int:  # pragma: no cover - argparse requires one
    return 2


def _parse_date(value: str) -> object:
    import re
    from datetime import date

    from carrier_tracker.errors import CarrierTrackerError

    label = f"--date（{messages.COLUMN_LABEL['filed_on']}）"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CarrierTrackerError(messages.text("bad_date", label=label, value=value[:40]))


def cmd_meeting_file(args: argparse.Namespace) -> int:
    """``meeting file MEETING --ref REF --date YYYY-MM-DD [--plan-title TEXT]`` (officer)."""
    import sys
    from datetime import date

    from carrier_tracker.cli.main import (
        EXIT_OK,
        EXIT_REFUSED,
        App,
        _approver,
        _check_first,
        _login,
        _print,
    )
    from carrier_tracker.errors import ConflictError
    from carrier_tracker.meeting.policy import check_filing, file_meeting
    from carrier_tracker.storage import db

    on = _parse_date(args.date)
    assert isinstance(on, date)
    app = App(args)
    try:
        _check_first(
            app,
            lambda session: check_filing(
                session=session,
                meeting_code=args.meeting,
                ref=args.ref,
                plan_title=args.plan_title or "",
            ),
        )
        _login(app, args)
        approver = _approver(app, args)
        with db.session_scope(app.engine) as session:
            meeting = file_meeting(
                session=session,
                key=app.key,
                meeting_code=args.meeting,
                ref=args.ref,
                on=on,
                plan_title=args.plan_title or "",
                operator=args.operator,
                approver=approver,
                station=args.station,
            )
            line = messages.text(
                "filed",
                code=meeting.code,
                ref=meeting.filed_ref,
                date=on.isoformat(),
                by=meeting.filed_by,
            )
            plan = meeting.plan_title
    except ConflictError as e:
        print(str(e), file=sys.stderr)
        return EXIT_REFUSED
    _print(line)
    if plan:
        _print("  " + messages.text("filed_plan", title=plan))
    return EXIT_OK


def _parse_set(value: str) -> tuple[str, object, str]:
    from carrier_tracker.errors import CarrierTrackerError

    item, sep, rest = value.partition("=")
    if not sep or not item.strip() or not rest.strip():
        raise CarrierTrackerError(messages.text("checklist_bad_set", value=value[:80]))
    answer_text, _colon, note = rest.replace("：", ":", 1).partition(":")
    return item.strip(), _parse_answer(answer_text), note.strip()


def _parse_answer(text: str) -> object:
    from carrier_tracker.errors import CarrierTrackerError

    try:
        return messages.parse_answer(text)
    except ValueError:
        raise CarrierTrackerError(
            messages.text("checklist_bad_answer", answer=text.strip()[:20])
        ) from None


def _show_lines(title: str, statuses: list[object]) -> list[str]:
    from carrier_tracker.meeting.policy import ItemStatus

    lines = [title]
    for s in statuses:
        assert isinstance(s, ItemStatus)
        answer = (
            messages.ANSWER_LABEL[s.answer] if s.answer else messages.text("checklist_unanswered")
        )
        mark = "✓" if s.settled else "✗"
        line = f"  {mark} {s.item.id:<12} {s.item.label}：{answer}"
        if s.note:
            line += f"（{s.note}）"
        if s.operator:
            when = messages.local_time(s.answered_at) if s.answered_at else "-"
            line += f"  {s.operator} {when}"
        if s.accepted_by:
            line += "  " + messages.text(
                "checklist_accepted_by", by=s.accepted_by, note=s.accept_note or ""
            )
        lines.append(line)
    return lines


def cmd_checklist(args: argparse.Namespace) -> int:
    """``checklist MEETING {venue,agreement,sweep} [--set ITEM=ANSWER[:NOTE]]… [--all ANSWER]
    [--accept [ITEM] --note TEXT] [--show] [--json]``."""
    import json
    import sys

    from carrier_tracker.cli.main import (
        EXIT_OK,
        EXIT_REFUSED,
        App,
        _approver,
        _check_first,
        _login,
        _print,
    )
    from carrier_tracker.custody import checklists
    from carrier_tracker.custody.service import find_meeting
    from carrier_tracker.enums import Answer
    from carrier_tracker.errors import CarrierTrackerError, ConflictError
    from carrier_tracker.meeting.policy import (
        accept_items,
        answer_items,
        check_checklist,
        checklist_status,
    )
    from carrier_tracker.storage import db

    sets = [_parse_set(v) for v in args.answers]
    everything = _parse_answer(args.all_answer) if args.all_answer else None
    writes = bool(sets or everything or args.accept is not None)
    if not writes and not (args.show or args.json):
        raise CarrierTrackerError(messages.text("checklist_nothing"))
    definition = checklists.active()[args.checklist]
    if not writes:
        args.read_only = True
    app = App(args)
    try:
        if writes:
            answers: dict[str, tuple[str, Answer, str]] = {}
            if isinstance(everything, Answer):
                answers = {it.id.lower(): (it.id, everything, "") for it in definition.items}
            for item, answer, note in sets:
                assert isinstance(answer, Answer)
                answers.pop(item.lower(), None)
                answers[item.lower()] = (item, answer, note)
            _check_first(
                app,
                lambda session: check_checklist(
                    session=session,
                    meeting_code=args.meeting,
                    checklist=definition,
                    answers=list(answers.values()),
                    accept=args.accept is not None,
                    item_id=args.accept or None,
                    note=args.note or "",
                ),
            )
            _login(app, args)
            approver = _approver(app, args)
            with db.session_scope(app.engine) as session:
                if answers:
                    answer_items(
                        session=session,
                        key=app.key,
                        meeting_code=args.meeting,
                        checklist=definition,
                        answers=list(answers.values()),
                        operator=args.operator,
                        station=args.station,
                    )
                if args.accept is not None:
                    accept_items(
                        session=session,
                        key=app.key,
                        meeting_code=args.meeting,
                        checklist=definition,
                        item_id=args.accept or None,
                        note=args.note or "",
                        operator=args.operator,
                        approver=approver,
                        station=args.station,
                    )
    except ConflictError as e:
        print(str(e), file=sys.stderr)
        return EXIT_REFUSED
    with db.read_scope(app.engine) as session:
        meeting = find_meeting(session, args.meeting)
        statuses = checklist_status(session, meeting, definition)
        code = meeting.code
    if args.json:
        data = {
            "meeting": code,
            "checklist": definition.name,
            "title": definition.title,
            "form": definition.form,
            "settled": all(s.settled for s in statuses),
            "items": [s.as_json() for s in statuses],
        }
        _print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    _print_lines = _show_lines(f"{code}  {definition.title}（{definition.form}）", list(statuses))
    for line in _print_lines:
        _print(line)
    open_count = sum(1 for s in statuses if not s.settled)
    _print(
        "  "
        + (
            messages.text("checklist_settled_all", checklist=definition.title)
            if not open_count
            else messages.text("checklist_open_items", checklist=definition.title, count=open_count)
        )
    )
    return EXIT_OK


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
    q.add_argument("--force", action="store_true", help=t("help_template_force"))


def cmd_pledge(args: argparse.Namespace) -> int:
    """Record pledges (one transaction, one ledger event per attendee whose record changes)."""
    from datetime import date

    from carrier_tracker import text_fields as tf
    from carrier_tracker.cli.main import EXIT_OK, EXIT_REFUSED, App, _login, _print
    from carrier_tracker.enums import Verdict
    from carrier_tracker.errors import CarrierTrackerError, ConflictError
    from carrier_tracker.meeting.pledges import parse_day, record_pledges
    from carrier_tracker.storage import db

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

    from carrier_tracker.cli.main import EXIT_OK, App, _print
    from carrier_tracker.paper.forms import write_forms
    from carrier_tracker.paper.output import check_output_path
    from carrier_tracker.storage import db

    path = Path(args.output)
    check_output_path(path, force=args.force)
    app = App(args)
    with db.read_scope(app.engine) as session:
        result = write_forms(
            session=session, key=app.key, meeting_code=args.meeting, path=path, force=args.force
        )
    _print(messages.text("forms_written", path=path, sheets=result.sheets_line()))
    return EXIT_OK
