"""Commands of one area, registered by :func:`carrier_tracker.cli.main.build_parser`: changes
during a meeting (``attendee add|substitute``, ``copies add|withdraw``, ``retag``, ``void``).

Keep the imports at the top light (argparse only): parsing must stay fast; each command imports
what it needs when it runs.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from typing import TYPE_CHECKING, Any

from carrier_tracker import messages
from carrier_tracker.cli.parsers import Parsers, command_group

if TYPE_CHECKING:
    from carrier_tracker.meeting.changes import ChangeOutcome, NewPerson


def _int(text: str, shown: str, key: str, most: int, **fields: object) -> int:
    """An integer argument in 1..most, or bad input naming the argument (exit 2)."""
    from carrier_tracker.errors import CarrierTrackerError

    value = unicodedata.normalize("NFKC", text).strip()  # full-width digits too, as in UIDs
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= most:
        from carrier_tracker.text_fields import printable

        raise CarrierTrackerError(
            messages.text("arg_bad", arg=shown)
            + messages.text(key, value=printable(text, 40), **fields)
        )
    return int(value)


def _person(args: argparse.Namespace) -> NewPerson:
    from carrier_tracker.enums import Level
    from carrier_tracker.errors import CarrierTrackerError
    from carrier_tracker.meeting.changes import NewPerson
    from carrier_tracker.text_fields import printable

    try:
        clearance = Level.parse(args.clearance)
    except ValueError:
        raise CarrierTrackerError(
            messages.text("arg_clearance")
            + messages.text("clearance_bad", value=printable(args.clearance, 40))
        ) from None
    return NewPerson(
        code=args.new_code,
        name=args.person_name,
        unit=args.person_unit,
        clearance=clearance,
        out_of_town=args.out_of_town,
        pass_number=args.pass_number or "",
        pass_uid=args.pass_uid or "",
    )


def _report(outcome: ChangeOutcome) -> int:
    from carrier_tracker.cli.main import EXIT_OK, EXIT_REFUSED, _print, refusal_hint

    if outcome.refused:
        message = outcome.message + refusal_hint(outcome.message, key=outcome.reason_key)
        line = messages.text("change_refused_line", message=message, seq=outcome.seq)
        print(line, file=sys.stderr, flush=True)
        return EXIT_REFUSED
    seqs = "、".join(str(s) for s in (outcome.seq, *outcome.extra_seqs))
    _print(messages.text("change_done_line", message=outcome.message, seqs=seqs))
    return EXIT_OK


def _change(args: argparse.Namespace, run: Any, *, approves: bool, check: Any) -> int:
    """Check what the change names (``check``, read-only: before any PIN is asked for),
    authenticate, run the change in one transaction, report it."""
    from carrier_tracker.cli.main import (
        EXIT_REFUSED,
        App,
        _approver,
        _check_first,
        _login,
        refusal_hint,
    )
    from carrier_tracker.meeting.changes import Refused
    from carrier_tracker.storage import db

    app = App(args)
    try:
        _check_first(app, check)
    except Refused as refusal:  # one no approval lifts: said before anyone types a PIN
        message = str(refusal) + refusal_hint(str(refusal), key=refusal.key)
        print(messages.text("change_refused_early", message=message), file=sys.stderr, flush=True)
        return EXIT_REFUSED
    _login(app, args)
    approver = _approver(app, args) if approves else ""
    with db.session_scope(app.engine) as session:
        outcome = run(session, app.key, approver)
    return _report(outcome)


def cmd_attendee_add(args: argparse.Namespace) -> int:
    from carrier_tracker.meeting.changes import add_attendee, check_names

    person = _person(args)
    return _change(
        args,
        lambda session, key, approver: add_attendee(
            session=session,
            key=key,
            meeting_code=args.meeting,
            person=person,
            operator=args.operator,
            station=args.station,
            approver=approver,
        ),
        approves=True,
        check=lambda session: check_names(
            session=session, meeting_code=args.meeting, person=person
        ),
    )


def cmd_attendee_substitute(args: argparse.Namespace) -> int:
    from carrier_tracker.meeting.changes import check_names, substitute_attendee

    person = _person(args)
    return _change(
        args,
        lambda session, key, approver: substitute_attendee(
            session=session,
            key=key,
            meeting_code=args.meeting,
            absent_code=args.absent_code,
            person=person,
            operator=args.operator,
            station=args.station,
            approver=approver,
            note=args.note or "",
        ),
        approves=True,
        check=lambda session: check_names(
            session=session,
            meeting_code=args.meeting,
            person=person,
            absent_code=args.absent_code,
        ),
    )


def cmd_copies_add(args: argparse.Namespace) -> int:
    from carrier_tracker.meeting.changes import MAX_COPIES, add_copies, check_names

    count = _int(
        args.count, messages.text("arg_count"), "copies_count", MAX_COPIES, limit=MAX_COPIES
    )
    return _change(
        args,
        lambda session, key, _approver: add_copies(
            session=session,
            key=key,
            meeting_code=args.meeting,
            doc_no=args.doc_no,
            count=count,
            operator=args.operator,
            station=args.station,
        ),
        approves=False,
        check=lambda session: check_names(
            session=session, meeting_code=args.meeting, doc_no=args.doc_no
        ),
    )


def cmd_copies_withdraw(args: argparse.Namespace) -> int:
    from carrier_tracker.meeting.changes import MAX_COPIES, check_names, withdraw_copy

    copy_no = _int(
        args.copy_no, messages.text("arg_copy_no"), "copy_no_range", MAX_COPIES, limit=MAX_COPIES
    )
    return _change(
        args,
        lambda session, key, approver: withdraw_copy(
            session=session,
            key=key,
            meeting_code=args.meeting,
            doc_no=args.doc_no,
            copy_no=copy_no,
            note=args.note or "",
            operator=args.operator,
            station=args.station,
            approver=approver,
        ),
        approves=True,
        check=lambda session: check_names(
            session=session, meeting_code=args.meeting, doc_no=args.doc_no, copy_no=copy_no
        ),
    )


def cmd_retag(args: argparse.Namespace) -> int:
    from carrier_tracker.meeting.changes import check_names, retag

    return _change(
        args,
        lambda session, key, approver: retag(
            session=session,
            key=key,
            meeting_code=args.meeting,
            old_uid=args.old_uid,
            new_uid=args.new_uid,
            note=args.note or "",
            operator=args.operator,
            station=args.station,
            approver=approver,
        ),
        approves=True,
        check=lambda session: check_names(
            session=session, meeting_code=args.meeting, uid=args.old_uid, new_uid=args.new_uid
        ),
    )


def cmd_void(args: argparse.Namespace) -> int:
    from carrier_tracker.meeting.changes import MAX_SEQ, check_void, void_event

    seq = _int(args.seq, messages.text("arg_seq"), "void_seq", MAX_SEQ, limit=MAX_SEQ)
    return _change(
        args,
        lambda session, key, approver: void_event(
            session=session,
            key=key,
            meeting_code=args.meeting,
            seq=seq,
            note=args.note or "",
            operator=args.operator,
            station=args.station,
            approver=approver,
        ),
        approves=True,
        check=lambda session: check_void(
            session=session, meeting_code=args.meeting, seq=seq, note=args.note or ""
        ),
    )


def _person_args(q: argparse.ArgumentParser) -> None:
    t = messages.text
    q.add_argument("new_code", metavar="CODE" if q.prog.endswith("add") else "NEW_CODE")
    q.add_argument("--name", dest="person_name", metavar="NAME", required=True, help=t("help_name"))
    q.add_argument("--unit", dest="person_unit", metavar="UNIT", required=True, help=t("help_unit"))
    q.add_argument("--clearance", metavar="LEVEL", required=True, help=t("help_clearance"))
    q.add_argument("--out-of-town", action="store_true", help=t("help_out_of_town"))
    q.add_argument("--pass-number", metavar="NO", help=t("help_pass_number"))
    q.add_argument("--pass-uid", metavar="UID", help=t("help_pass_uid"))


def register(p: Parsers) -> None:
    """Add this area's commands to the parser."""
    t = messages.text
    recording = list(p.recording)

    def approving(what: str) -> list[argparse.ArgumentParser]:
        return [*recording, p.approving(what)]

    subs = command_group(p, "attendee", t("help_attendee"), "attendee_command")

    q = subs.add_parser(
        "add",
        help=t("help_attendee_add"),
        description=t("help_attendee_add"),
        parents=approving("what_attendee_add"),
    )
    q.set_defaults(func=cmd_attendee_add)
    q.add_argument("meeting", metavar="MEETING")
    _person_args(q)

    q = subs.add_parser(
        "substitute",
        help=t("help_attendee_substitute"),
        description=t("help_attendee_substitute"),
        parents=approving("what_substitute"),
    )
    q.set_defaults(func=cmd_attendee_substitute)
    q.add_argument("meeting", metavar="MEETING")
    q.add_argument("absent_code", metavar="ABSENT_CODE")
    _person_args(q)
    q.add_argument("--note", metavar="TEXT", help=t("help_change_note"))

    subs = command_group(p, "copies", t("help_copies"), "copies_command")
    q = subs.add_parser(
        "add", help=t("help_copies_add"), description=t("help_copies_add"), parents=recording
    )
    q.set_defaults(func=cmd_copies_add)
    q.add_argument("meeting", metavar="MEETING")
    q.add_argument("doc_no", metavar="DOC_NO")
    q.add_argument("count", metavar="COUNT")
    q = subs.add_parser(
        "withdraw",
        help=t("help_copies_withdraw"),
        description=t("help_copies_withdraw"),
        parents=approving("what_withdraw"),
    )
    q.set_defaults(func=cmd_copies_withdraw)
    q.add_argument("meeting", metavar="MEETING")
    q.add_argument("doc_no", metavar="DOC_NO")
    q.add_argument("copy_no", metavar="COPY_NO")
    q.add_argument("--note", metavar="TEXT", required=True, help=t("help_change_note"))

    q = p.add("retag", cmd_retag, t("help_retag"), approving("what_retag"))
    q.add_argument("meeting", metavar="MEETING")
    q.add_argument("old_uid", metavar="OLD_UID")
    q.add_argument("new_uid", metavar="NEW_UID")
    q.add_argument("--note", metavar="TEXT", help=t("help_change_note"))

    q = p.add("void", cmd_void, t("help_void"), approving("what_void"))
    q.add_argument("meeting", metavar="MEETING")
    q.add_argument("seq", metavar="SEQ")
    q.add_argument("--note", metavar="TEXT", required=True, help=t("help_change_note"))
