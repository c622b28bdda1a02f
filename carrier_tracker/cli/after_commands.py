"""Commands of after the meeting and beyond it, registered by
:func:`carrier_tracker.cli.main.build_parser`: ``dispose`` (归档 / 销毁 / 退回), ``place`` (the
archives and units dispositions name), and the view ``status --disposition``.

Keep the imports at the top light (argparse only): parsing must stay fast; each command imports
what it needs when it runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from carrier_tracker import messages
from carrier_tracker.cli.parsers import Parsers, command_group
from carrier_tracker.enums import DestroyMethod

if TYPE_CHECKING:
    from carrier_tracker.cli.main import App

WITNESS_PIN_ENV = "CARRIER_TRACKER_WITNESS_PIN"
DESTROY_METHODS = tuple(m.value for m in DestroyMethod)
"""The ``--method`` choices (argparse lists them)."""


def _h(key: str, **fields: object) -> str:
    return messages.text(key, **fields)


def _print(text: str) -> None:
    print(text, flush=True)


def register(p: Parsers) -> None:
    """Add this area's commands to the parser."""
    q = p.add("dispose", cmd_dispose, _h("help_dispose"), p.recording)
    q.__class__ = _uids_anywhere(type(q))
    q.add_argument("meeting", metavar="MEETING")
    how = q.add_mutually_exclusive_group(required=True)
    how.add_argument("--archive", action="store_true", help=_h("help_dispose_archive"))
    how.add_argument("--destroy", action="store_true", help=_h("help_dispose_destroy"))
    how.add_argument("--return-to", metavar="UNIT", help=_h("help_dispose_return_to"))
    q.add_argument("--location", metavar="TEXT", help=_h("help_dispose_location"))
    q.add_argument("--method", choices=DESTROY_METHODS, help=_h("help_dispose_method"))
    q.add_argument(
        "--witness",
        dest="witnesses",
        action="append",
        default=[],
        metavar="NAME",
        help=_h("help_dispose_witness", env=WITNESS_PIN_ENV),
    )
    q.add_argument(
        "--witness-pin-stdin", action="store_true", help=_h("help_dispose_witness_pin_stdin")
    )
    q.add_argument("--document", dest="doc_no", metavar="DOC_NO", help=_h("help_dispose_document"))
    q.add_argument("--all-recovered", action="store_true", help=_h("help_dispose_all"))
    q.add_argument("uids", metavar="UID", nargs="*")

    subs = command_group(p, "place", _h("help_place"), "place_command")
    a = subs.add_parser(
        "add",
        help=_h("help_place_add"),
        description=_h("help_place_add"),
        parents=list(p.recording),
    )
    a.set_defaults(func=cmd_place_add)
    which = a.add_mutually_exclusive_group(required=True)
    which.add_argument("--archive", metavar="NAME", help=_h("help_place_archive"))
    which.add_argument("--unit", dest="place_unit", metavar="NAME", help=_h("help_place_unit"))
    ls = subs.add_parser(
        "list", help=_h("help_place_list"), description=_h("help_place_list"), parents=[p.common]
    )
    ls.set_defaults(func=cmd_place_list, read_only=True)
    ls.add_argument("--json", action="store_true", help=_h("help_json"))


def _uids_anywhere(base: type[argparse.ArgumentParser]) -> type[argparse.ArgumentParser]:
    """A parser class whose optional trailing UIDs may follow the options: argparse matches a
    ``nargs="*"`` positional (empty) right after MEETING, so ``dispose M --archive … UID`` would
    leave the UID unrecognised; the loose words it leaves are taken as UIDs instead."""

    class UidsAnywhere(base):  # type: ignore[valid-type,misc]
        def parse_known_args(
            self, args: Any = None, namespace: Any = None
        ) -> tuple[argparse.Namespace, list[str]]:
            ns, extras = super().parse_known_args(args, namespace)
            loose = [a for a in extras if not a.startswith("-")]
            ns.uids = [*getattr(ns, "uids", []), *loose]
            return ns, [a for a in extras if a.startswith("-")]

    return UidsAnywhere


def add_status_flags(status: argparse.ArgumentParser) -> None:
    """``status MEETING --disposition`` (the status command lives in main)."""
    status.add_argument("--disposition", action="store_true", help=_h("help_status_disposition"))


# --- dispose -------------------------------------------------------------------------------------


def _witness_pins(args: argparse.Namespace, names: list[str]) -> list[str]:
    """Each witness's PIN: one line each from stdin (after the operator's own with
    ``--pin-stdin``), ``$CARRIER_TRACKER_WITNESS_PIN`` for a single witness, or a prompt."""
    from carrier_tracker.cli.main import _read_pin
    from carrier_tracker.errors import CarrierTrackerError

    if len(names) > 1 and not args.witness_pin_stdin and os.environ.get(WITNESS_PIN_ENV):
        raise CarrierTrackerError(_h("dispose_witness_env_one", env=WITNESS_PIN_ENV))
    return [
        _read_pin(
            who=_h("pin_who_witness", name=name),
            env=WITNESS_PIN_ENV,
            flag="--witness-pin-stdin",
            from_stdin=args.witness_pin_stdin,
        )
        for name in names
    ]


def _confirm_witnesses(app: App, args: argparse.Namespace, names: list[str]) -> None:
    """Each witness other than the operator confirms with their PIN (a failure is recorded in
    the system chain; the operator named as witness is refused by the disposition itself)."""
    from carrier_tracker.access.operators import authenticate

    others = [n for n in dict.fromkeys(names) if n != args.operator]
    for name, pin in zip(others, _witness_pins(args, others), strict=True):
        authenticate(engine=app.engine, key=app.key, name=name, pin=pin, station=args.station)


def cmd_dispose(args: argparse.Namespace) -> int:
    from carrier_tracker.cli.main import EXIT_OK, EXIT_REFUSED, App, _check_first, _login
    from carrier_tracker.enums import Disposal
    from carrier_tracker.errors import CarrierTrackerError
    from carrier_tracker.meeting.disposition import Ask, check_ask, check_chosen, dispose, joined
    from carrier_tracker.storage import db

    kind = (
        Disposal.ARCHIVE if args.archive else Disposal.DESTROY if args.destroy else Disposal.RETURN
    )
    if kind is Disposal.ARCHIVE and not args.location:
        raise CarrierTrackerError(_h("dispose_needs_location"))
    if kind is Disposal.DESTROY and not args.method:
        raise CarrierTrackerError(_h("dispose_needs_method"))
    ask = check_ask(  # bad input is named before any PIN is asked for
        Ask(
            kind=kind,
            uids=tuple(args.uids),
            document=args.doc_no,
            all_recovered=args.all_recovered,
            location=args.location or "",
            method=args.method or "",
            unit=args.return_to or "",
            witnesses=tuple(args.witnesses),
        )
    )
    app = App(args)

    # before any PIN, the operator's or a witness's
    _check_first(
        app, lambda session: check_chosen(session=session, meeting_code=args.meeting, ask=ask)
    )
    _login(app, args)
    if kind is Disposal.DESTROY:
        _confirm_witnesses(app, args, list(ask.witnesses))
    with db.session_scope(app.engine) as session:
        outcome = dispose(
            session=session,
            key=app.key,
            meeting_code=args.meeting,
            ask=ask,
            operator=args.operator,
            station=args.station,
        )
    if outcome.refused:
        print(
            messages.text("change_refused_line", message=outcome.message, seq=outcome.seq),
            file=sys.stderr,
            flush=True,
        )
        return EXIT_REFUSED
    _print(messages.text("change_done_line", message=outcome.message, seqs=outcome.seq))
    if outcome.left:
        _print(_h("dispose_left", count=len(outcome.left), items=joined(outcome.left)))
    return EXIT_OK


# --- places --------------------------------------------------------------------------------------


def cmd_place_add(args: argparse.Namespace) -> int:
    from carrier_tracker.cli.main import EXIT_OK, App, _officer
    from carrier_tracker.enums import PlaceKind
    from carrier_tracker.meeting.places import add_place
    from carrier_tracker.storage import db

    kind = PlaceKind.ARCHIVE if args.archive is not None else PlaceKind.UNIT
    name = args.archive if args.archive is not None else args.place_unit
    app = App(args)
    by = _officer(app, args, _h("action_place_add"))
    with db.session_scope(app.engine) as session:
        place = add_place(
            session=session, key=app.key, kind=kind, name=name, by=by.name, station=args.station
        )
    _print(_h("place_added", kind=messages.PLACE_KIND_LABEL[kind], name=place.name))
    return EXIT_OK


def cmd_place_list(args: argparse.Namespace) -> int:
    from carrier_tracker.cli.main import EXIT_OK, App
    from carrier_tracker.meeting.places import list_places
    from carrier_tracker.storage import db

    app = App(args)
    with db.read_scope(app.engine) as session:
        rows: list[dict[str, str]] = [
            {
                "kind": p.kind,
                "name": p.name,
                "added_by": p.added_by,
                "added_at": p.added_at.isoformat() if p.added_at else "",
            }
            for p in list_places(session)
        ]
    if args.json:
        _print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        _print(_h("places_none"))
    for r in rows:
        _print(
            _h(
                "place_row",
                kind=messages.PLACE_KIND_LABEL.get(r["kind"], r["kind"]),
                name=r["name"],
                by=r["added_by"],
                at=messages.local_iso(r["added_at"] or None),
            )
        )
    return EXIT_OK


# --- views ---------------------------------------------------------------------------------------


def status_disposition(args: argparse.Namespace) -> int:
    """``status MEETING --disposition [--json]``: what is still waiting for a disposition."""
    from carrier_tracker.cli.main import EXIT_OK, App
    from carrier_tracker.meeting.disposition import disposition_status
    from carrier_tracker.storage import db

    app = App(args)
    with db.read_scope(app.engine) as session:
        data = disposition_status(session, args.meeting)
    if args.json:
        _print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    m = data["meeting"]
    _print(
        _h(
            "disposition_head",
            code=m["code"],
            title=m["title"],
            level=m["level"],
            status=messages.MEETING_STATUS_LABEL[m["status"]],
        )
    )
    if data["waiting_total"]:
        _print(_h("disposition_waiting", count=data["waiting_total"]))
        for w in data["waiting"]:
            copies = "、".join(f"{n:03d}" for n in w["copies"])
            _print(
                _h(
                    "disposition_doc",
                    doc=w["document"],
                    title=w["title"],
                    level=w["level"],
                    count=w["count"],
                    copies=copies,
                )
            )
    else:
        _print(_h("disposition_none_waiting"))
    done = data["disposed"]
    _print(
        _h(
            "disposition_done",
            archive=done["archive"],
            destroy=done["destroy"],
            sent=done["return"],
        )
    )
    if data["not_back"]:
        _print(_h("disposition_not_back", count=data["not_back"]))
    return EXIT_OK


def meetings_suffix(row: dict[str, Any]) -> str:
    """What ``meetings`` adds to a row: a closed meeting's copies waiting for a disposition."""
    if row.get("status") == "closed":
        return "\t" + _h("meetings_to_dispose", n=row.get("to_dispose", 0))
    return ""
