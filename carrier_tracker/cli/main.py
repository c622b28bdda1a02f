"""The ``carrier-tracker`` command line: the composition root (imports readers/tui lazily)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carrier_tracker import __version__, messages
from carrier_tracker import text_fields as tf
from carrier_tracker.config import ENV_DB, Settings, load_settings
from carrier_tracker.enums import Mode, Role
from carrier_tracker.errors import CarrierTrackerError, ConflictError, ImportProblems

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


class _LazyModule:
    """A module imported on first attribute access: parsing the command line (and ``--version``,
    ``--help``) must not pay for SQLAlchemy; each command imports only what it uses."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        import importlib

        return getattr(importlib.import_module(self._name), attr)


if TYPE_CHECKING:
    from carrier_tracker import ledger
    from carrier_tracker.access.operators import Authenticated
    from carrier_tracker.custody.service import Outcome
    from carrier_tracker.ledger import keyring
    from carrier_tracker.storage import db
else:
    db = _LazyModule("carrier_tracker.storage.db")
    ledger = _LazyModule("carrier_tracker.ledger")
    keyring = _LazyModule("carrier_tracker.ledger.keyring")


def _argparse_in_chinese() -> None:
    """Make argparse print its own words (usage, option titles, errors) from the catalogue.

    argparse looks them up through ``gettext`` names bound in its module; a custodian reads
    Chinese, so those names are pointed at :data:`messages.ARGPARSE_TEXT`.
    """

    def gettext(text: str) -> str:
        return messages.ARGPARSE_TEXT.get(text, text)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return gettext(singular if n == 1 else plural)

    argparse._ = gettext  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


_argparse_in_chinese()


class _Parser(argparse.ArgumentParser):
    """argparse that exits with 2 and a plain message (it already does; keep the prefix short)."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, messages.text("usage_error", message=message))


_ENGINES: list[Any] = []
"""Engines a command opened; ``main`` disposes of them (pooled connections closed) on return."""

OPERATOR_COMMANDS = frozenset(
    {"add", "list", "disable", "enable", "reset-pin", "unlock", "bind-card", "-h", "--help"}
)

READ_ONLY_COMMANDS = frozenset({"meetings", "status", "verify", "export", "carry-list"})
"""Commands that only read: no write lock, a read-only file works, no key is created."""


class App:
    """What a command needs: settings, an engine with the current schema, the ledger key."""

    def __init__(self, args: argparse.Namespace, *, need_schema: bool = True) -> None:
        self.settings: Settings = load_settings(args.db)
        self.read_only = args.command in READ_ONLY_COMMANDS or getattr(args, "read_only", False)
        # Only init creates a database (file 0600, directory 0700); elsewhere a missing one is refused.
        self.engine = db.make_engine(
            self.settings.database_url, read_only=self.read_only, create=args.command == "init"
        )
        _ENGINES.append(self.engine)
        if need_schema:
            db.require_schema(self.engine)
        self._key: bytes | None = None

    @property
    def key(self) -> bytes:
        """The ledger key, created on first use by a command that writes."""
        if self._key is None:
            self._key = keyring.open_key(
                self.engine, self.settings.ledger_key_path, writes=not self.read_only
            )
        return self._key


def database_url(value: str | None) -> str | None:
    """A ``--db`` value (or ``$CARRIER_TRACKER_DB``) as a URL: a plain path, which has no
    ``scheme://``, names an SQLite file (``/srv/ct.db`` → ``sqlite:////srv/ct.db``)."""
    if not value or "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().absolute()}"


def _hostname() -> str:
    """The host's name, the default ``--station`` (``os.uname`` where there is one: importing
    ``socket`` for it cost every command's start-up ~5 ms)."""
    uname = getattr(os, "uname", None)
    if uname is not None:
        return str(uname().nodename)
    import socket

    return socket.gethostname()


def _default_operator() -> str:
    return os.environ.get("CARRIER_TRACKER_OPERATOR") or getpass.getuser()


def _print(text: str) -> None:
    print(text, flush=True)


# Text arguments checked before any command runs, the same rules as every other entry point
# (carrier_tracker.text_fields): (attribute, as shown, field, maximum length, is a code, required).
_TEXT_ARGS: tuple[tuple[str, str, str, int, bool, bool], ...] = (
    ("meeting", "MEETING", "meeting", tf.MEETING_CODE, True, True),
    ("attendee", "--attendee", "attendee", tf.ATTENDEE_CODE, True, False),
    ("attendee_code", "ATTENDEE_CODE", "attendee", tf.ATTENDEE_CODE, True, True),
    ("doc_no", "DOC_NO", "document", tf.DOCUMENT_NUMBER, True, True),
    ("consignment", "--consignment", "consignment", tf.CONSIGNMENT_NUMBER, True, False),
    ("number", "NO", "consignment", tf.CONSIGNMENT_NUMBER, True, True),
    ("unit", "--unit", "unit", tf.UNIT, False, True),
    ("recipient", "--recipient", "recipient", tf.RECIPIENT, False, False),
    ("operator", "--operator", "operator", tf.OPERATOR, False, True),
    ("station", "--station", "station", tf.STATION, False, True),
    ("note", "--note", "note", tf.NOTE, False, False),
    ("room", "--room", "room", tf.ROOM, False, False),
    ("name", "NAME", "operator_name", tf.OPERATOR, False, True),
    ("approver", "--approver", "approver", tf.OPERATOR, False, False),
    ("officer", "--officer", "operator_name", tf.OPERATOR, False, False),
)


def _check_args(args: argparse.Namespace) -> None:
    """Normalise the codes and check the texts given on the command line (or by default).

    Raises:
        TextError: naming the argument and what is wrong with it.
    """
    for attr, shown, field, limit, code, required in _TEXT_ARGS:
        value = getattr(args, attr, None)
        if value is None:
            continue
        label = messages.text("arg_label", shown=shown, field=messages.FIELD_LABEL[field])
        check = tf.check_code if code else tf.check_text
        setattr(args, attr, check(label, value, limit, required=required))
    for uid in [*getattr(args, "uids", []), getattr(args, "uid", "")]:
        if len(uid) > 64:  # no UID is this long: refuse it without echoing all of it
            from carrier_tracker.uids import BadUid

            raise BadUid(messages.text("bad_uid", uid=tf.printable(uid, 40)))


def _shown(message: str) -> str:
    """An error message as printed: each line escaped and cut (it may quote hostile input)."""
    return "\n".join(tf.printable(line, 300) for line in message.splitlines())


# --- authentication ---------------------------------------------------------------------------

PIN_ENV, APPROVER_PIN_ENV, NEW_PIN_ENV = (
    "CARRIER_TRACKER_PIN",
    "CARRIER_TRACKER_APPROVER_PIN",
    "CARRIER_TRACKER_NEW_PIN",
)


def _on_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (OSError, ValueError):
        return False


def _read_pin(*, who: str, env: str, flag: str, from_stdin: bool, confirm: bool = False) -> str:
    """A PIN from standard input (one line), the environment, or a prompt on a terminal.

    Raises:
        CarrierTrackerError: none of them gives one (never a prompt without a terminal), or
            the two prompted entries differ.
    """
    if from_stdin:
        try:
            pin = sys.stdin.readline().rstrip("\r\n")
        except UnicodeDecodeError:
            pin = "\udcff"  # bytes stdin could not decode: refused below like any other
        if not pin:
            raise CarrierTrackerError(messages.text("pin_stdin_empty", flag=flag))
        return _decodable(pin, messages.text("pin_source_stdin", flag=flag))
    value = os.environ.get(env, "")
    if value:
        return _decodable(value, messages.text("pin_source_env", env=env))
    if not _on_terminal():
        raise CarrierTrackerError(messages.text("pin_needed", who=who, env=env, flag=flag))
    pin = _decodable(
        getpass.getpass(messages.text("pin_prompt", who=who)), messages.text("pin_source_prompt")
    )
    if confirm and getpass.getpass(messages.text("pin_prompt_again")) != pin:
        raise CarrierTrackerError(messages.text("pin_mismatch"))
    return pin


def _undecodable(text: str) -> bool:
    """True when ``text`` carries bytes that were not valid UTF-8 (Python keeps them as lone
    surrogates in arguments, the environment and a stdin read with ``surrogateescape``)."""
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _decodable(pin: str, source: str) -> str:
    """The PIN, or bad input naming where it came from (never hashed: argon2 cannot encode it).

    Raises:
        CarrierTrackerError: the PIN holds bytes that are not valid UTF-8.
    """
    if _undecodable(pin):
        raise CarrierTrackerError(messages.text("pin_bad_utf8", source=source))
    return pin


def _login(app: App, args: argparse.Namespace) -> Authenticated:
    """Authenticate ``--operator`` for a command that records something (auditors may not).

    Raises:
        AuthError: unknown, disabled or locked operator, wrong PIN (the attempt is recorded in
            the system chain), or an auditor.
    """
    from carrier_tracker.access.operators import AuthError, authenticate

    pin = _read_pin(
        who=messages.text("pin_who_operator", operator=args.operator),
        env=PIN_ENV,
        flag="--pin-stdin",
        from_stdin=getattr(args, "pin_stdin", False),
    )
    who = authenticate(
        engine=app.engine, key=app.key, name=args.operator, pin=pin, station=args.station
    )
    if who.role is Role.AUDITOR:
        raise AuthError(messages.text("auth_auditor", name=who.name))
    return who


def _approver(app: App, args: argparse.Namespace) -> str:
    """Authenticate ``--approver`` (an officer approving a custodian's step); "" when not given.

    Raises:
        AuthError: the approver fails authentication or is not an officer.
    """
    from carrier_tracker.access.operators import AuthError, authenticate

    if not args.approver:
        return ""
    pin = _read_pin(
        who=messages.text("pin_who_approver", approver=args.approver),
        env=APPROVER_PIN_ENV,
        flag="--approver-pin-stdin",
        from_stdin=args.approver_pin_stdin,
    )
    who = authenticate(
        engine=app.engine, key=app.key, name=args.approver, pin=pin, station=args.station
    )
    if not who.is_officer:
        role = messages.ROLE_LABEL[who.role.value]
        raise AuthError(messages.text("approver_not_officer", name=who.name, role=role))
    return who.name


def _check_first(app: App, check: Callable[[Any], object]) -> None:
    """Run a service's read-only ``check`` (a meeting, attendee, document or ledger seq the
    command names) before :func:`_login` and :func:`_approver`: a name the database does not know
    is reported at once, and nobody types a PIN — or calls an officer over — for it. The service
    checks again under its write lock.

    Raises:
        CarrierTrackerError: what ``check`` raises (nothing is recorded).
    """
    with db.read_scope(app.engine) as session:
        check(session)


def _officer(app: App, args: argparse.Namespace, what: str) -> Authenticated:
    """Authenticate ``--operator`` as an officer (operator management); the PIN comes, as on
    every command, from ``--pin-stdin``, the environment or a prompt.

    Raises:
        ConflictError: there is no officer yet (``init --officer`` makes the first).
        AuthError: authentication fails or the operator is not an officer.
    """
    from carrier_tracker.access.operators import AuthError, officers

    with db.read_scope(app.engine) as session:
        if not officers(session):
            raise ConflictError(messages.text("no_officer_yet"))
    who = _login(app, args)
    if not who.is_officer:
        role = messages.ROLE_LABEL[who.role.value]
        raise AuthError(messages.text("auth_not_officer", what=what, name=who.name, role=role))
    return who


def _new_pin(
    args: argparse.Namespace, name: str, *, env: str = NEW_PIN_ENV, flag: str = "--new-pin-stdin"
) -> str:
    """The PIN an operator is given: ``--new-pin-stdin`` (the line after the operator's own PIN
    when both come from stdin), ``$CARRIER_TRACKER_NEW_PIN``, or typed twice on a terminal.

    ``init --officer`` registers the person at the keyboard: their PIN is their own, so it comes
    from ``--pin-stdin`` / ``$CARRIER_TRACKER_PIN`` like every operator's PIN.
    """
    from carrier_tracker.access.operators import check_pin

    pin = _read_pin(
        who=messages.text("pin_who_new", name=name),
        env=env,
        flag=flag,
        from_stdin=getattr(args, flag.removeprefix("--").replace("-", "_")),
        confirm=True,
    )
    return check_pin(pin)


# --- commands ---------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    app = App(args, need_schema=False)
    before, after = db.upgrade(app.engine)
    key_path = app.settings.ledger_key_path
    key = app.key  # creates the key file on first run; refuses a wrong or missing one
    from carrier_tracker.ledger.upgrade import bring_into_chains

    with db.session_scope(app.engine) as session:
        upgraded = bring_into_chains(session, key, station=getattr(args, "station", "") or "")
    if args.officer:
        _first_officer(app, args)
    url = app.engine.url.render_as_string(hide_password=True)
    if before == after:
        _print(messages.text("init_up_to_date", after=after, url=url))
    else:
        _print(
            messages.text(
                "init_upgraded",
                before=before or messages.text("schema_empty"),
                after=after,
                url=url,
            )
        )
    _print(
        messages.text("init_key", key_path=key_path, fingerprint=ledger.key_fingerprint(key)[:12])
    )
    if upgraded.anything:
        _print(
            messages.text(
                "upgrade_done",
                recorded=messages.text("audit_yes" if upgraded.key_recorded else "audit_no"),
                meetings=upgraded.meetings,
                pins=upgraded.pins,
                heads=upgraded.heads,
            )
        )
    if args.officer:
        _print(messages.text("init_first_officer", officer=args.officer))
    return EXIT_OK


def _first_officer(app: App, args: argparse.Namespace) -> None:
    """The very first officer of a database, with no one to authenticate the change."""
    from carrier_tracker.access.operators import add_operator, officers

    with db.read_scope(app.engine) as session:
        existing = officers(session)
    if existing:
        raise ConflictError(
            messages.text("officer_exists", names=messages.text("list_sep").join(existing))
        )
    pin = _new_pin(args, args.officer, env=PIN_ENV, flag="--pin-stdin")
    with db.session_scope(app.engine) as session:
        existing = officers(session)  # again, under the write lock
        if existing:
            raise ConflictError(
                messages.text("officer_exists", names=messages.text("list_sep").join(existing))
            )
        add_operator(
            session=session,
            key=app.key,
            name=args.officer,
            role=Role.OFFICER,
            pin=pin,
            by=args.officer,
            station=_hostname(),
        )


def cmd_template(args: argparse.Namespace) -> int:
    from carrier_tracker.paper.importer import write_template
    from carrier_tracker.paper.output import check_output_path

    path = Path(args.file)
    check_output_path(path, force=args.force)
    write_template(path)
    _print(messages.text("template_written", path=path))
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from carrier_tracker.paper.export import check_file_name
    from carrier_tracker.paper.importer import check_import, import_checked

    app = App(args)
    path = Path(args.file)
    check_file_name(path)
    if not path.is_file():
        key = (
            "file_is_dir"
            if path.is_dir()
            else "file_not_regular"
            if path.exists()
            else "file_not_found"
        )
        raise CarrierTrackerError(messages.text(key, path=path))

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    # Validated before anyone signs in (a file that is refused asks for no PIN, and calls no
    # officer over) and before the write lock is taken (it never holds up a desk).
    checked = check_import(engine=app.engine, path=path, progress=say)
    _login(app, args)
    approver = _approver(app, args)  # a trip (外出携带) needs an officer's approval
    result = import_checked(
        engine=app.engine,
        key=app.key,
        checked=checked,
        operator=args.operator,
        approver=approver,
        progress=say,
    )
    _print(
        messages.text(
            "imported",
            meeting_code=result.meeting_code,
            attendees=result.attendees,
            documents=result.documents,
            copies=result.copies,
            tags=result.tags,
            pass_tags=result.pass_tags,
        )
    )
    return EXIT_OK


def cmd_meetings(args: argparse.Namespace) -> int:
    from carrier_tracker.cli.after_commands import meetings_suffix
    from carrier_tracker.meeting.lifecycle import list_meetings

    if args.overdue:
        from carrier_tracker.cli.trip_commands import meetings_overdue

        return meetings_overdue(args)
    app = App(args)
    with db.read_scope(app.engine) as session:
        rows = list_meetings(session)
    if args.json:
        _print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        _print(messages.text("no_meetings"))
    for r in rows:
        status = messages.MEETING_STATUS_LABEL[r["status"]]
        _print(
            messages.text(
                "meetings_row",
                code=r["code"],
                level=r["level"],
                status=status,
                carriers=r["carriers"],
                outstanding=r["outstanding"],
                title=r["title"],
            )
            + meetings_suffix(r)  # a closed meeting's 待处置
        )
    return EXIT_OK


def cmd_bind(args: argparse.Namespace) -> int:
    from carrier_tracker.meeting.enrollment import bind_copy
    from carrier_tracker.paper.importer import MAX_COPIES

    app = App(args)
    if not 1 <= args.copy_no <= MAX_COPIES:  # also keeps it within both databases' INTEGER
        raise CarrierTrackerError(
            messages.text("copy_no_range", limit=MAX_COPIES, value=args.copy_no)
        )
    _login(app, args)
    with db.session_scope(app.engine) as session:
        b = bind_copy(
            session=session,
            key=app.key,
            meeting_code=args.meeting,
            doc_no=args.doc_no,
            copy_no=args.copy_no,
            uid=args.uid,
            operator=args.operator,
            station=args.station,
        )
    _print(
        messages.text("tag_bound", item=b.item, uid=b.uid)
        + (messages.text("tag_bound_already") if b.already else "")
    )
    return EXIT_OK


def cmd_bind_pass(args: argparse.Namespace) -> int:
    from carrier_tracker.meeting.enrollment import bind_pass

    app = App(args)
    _login(app, args)
    with db.session_scope(app.engine) as session:
        b = bind_pass(
            session=session,
            key=app.key,
            meeting_code=args.meeting,
            attendee_code=args.attendee_code,
            uid=args.uid,
            operator=args.operator,
            station=args.station,
        )
    _print(
        messages.text("tag_bound", item=b.item, uid=b.uid)
        + (messages.text("tag_bound_already") if b.already else "")
    )
    return EXIT_OK


def _start_pin_check(args: argparse.Namespace) -> None:
    """Start the operator's PIN check (argon2, ~0.1 s) on the other core before the database
    layer is imported (~0.35 s): when the PIN comes from the environment and the database is
    an SQLite file. The sign-in uses the result only for the very hash it reads itself
    (carrier_tracker.access.pin_check)."""
    pin = os.environ.get(PIN_ENV, "")
    if not pin or getattr(args, "pin_stdin", False) or _undecodable(pin):
        return  # (an undecodable PIN is refused by the sign-in itself)
    from carrier_tracker.access import pin_check

    settings = load_settings(args.db)
    path = pin_check.sqlite_path(settings.database_url)
    if path is not None:
        pin_check.start_early(path, args.operator, pin, settings.ledger_key_path)


def cmd_tap(args: argparse.Namespace) -> int:
    _start_pin_check(args)  # first: it overlaps the imports below
    from carrier_tracker.custody.service import check_tap_names, record_tap
    from carrier_tracker.uids import normalize_uid

    app = App(args)
    mode = args.mode
    for uid in args.uids:  # check every UID before tapping any: bad input changes nothing
        normalize_uid(uid)
    _check_first(
        app,
        lambda session: check_tap_names(
            session,
            meeting_code=args.meeting,
            attendee_code=args.attendee,
            consignment_no=args.consignment,
        ),
    )
    _login(app, args)
    approver = _approver(app, args)
    refused = False
    for uid in args.uids:
        with db.tap_scope(app.engine) as conn:
            outcome = record_tap(
                session=conn,
                key=app.key,
                meeting_code=args.meeting,
                uid=uid,
                mode=mode,
                attendee_code=args.attendee,
                consignment_no=args.consignment,
                station=args.station,
                operator=args.operator,
                note=args.note or "",
                override=args.override,
                approver=approver,
                room=args.room or "",
            )
        refused |= outcome.refused
        label = messages.VERDICT_LABEL[outcome.verdict]
        approved_by = _approved_by(app, args.meeting, outcome) if approver else ""
        line = result_line(outcome, operator=args.operator, approver=approved_by)
        _print(f"{outcome.uid}\t{label}\t{line}")
    return EXIT_REFUSED if refused else EXIT_OK


def _approved_by(app: App, meeting_code: str, outcome: Outcome) -> str:
    """The approver an accepted tap's event records ("" when none did: an officer operated, or
    the step needed no approval)."""
    if outcome.refused or outcome.seq is None:
        return ""
    from sqlmodel import select

    from carrier_tracker.custody.service import find_meeting
    from carrier_tracker.storage.models import Event

    with db.read_scope(app.engine) as session:
        meeting = find_meeting(session, meeting_code)
        found = session.exec(
            select(Event.approver).where(Event.meeting_id == meeting.id, Event.seq == outcome.seq)
        ).first()
    return found or ""


def result_line(outcome: Outcome, *, operator: str = "", approver: str = "") -> str:
    """A tap's result as the command line says it: after a refusal only an officer's exception
    lifts, with the way to ask for one (``--override``); after a refusal for something not
    given, the flag that gives it; an accepted step an officer approved, naming the approver
    (``approver``: the one the event records)."""
    if outcome.exception_lifts:
        hint = messages.text("override_hint")
    elif outcome.refused:
        hint = refusal_hint(outcome.reason, operator)
    else:
        hint = messages.text("approved_by", name=approver) if approver else ""
    return f"{outcome.line}{hint}"


REFUSAL_HINTS: tuple[tuple[str, str], ...] = (
    ("attendee_required", "cli_hint_attendee"),
    ("consignment_required", "cli_hint_consignment"),
    ("note_required", "cli_hint_note"),
    ("room_required", "cli_hint_room"),
    ("officer_required", "cli_hint_approver"),
    ("close_officer", "cli_hint_approver"),
    ("close_never_opened_officer", "cli_hint_approver"),
    ("plan_officer", "cli_hint_approver"),
    ("change_officer", "cli_hint_approver"),
)
"""(catalogue key of a refusal shared with the desk, the command line's hint after it): the
reason itself (also written to the ledger) names no front end's flags or keys."""


def refusal_hint(reason: str, operator: str = "", *, key: str = "") -> str:
    """The command line's hint after a refusal: which flag gives what was missing.

    Args:
        reason: the refusal as worded in the catalogue (its first line).
        operator: the operator, as the reason names them (``当前操作员：…``).
        key: the reason's catalogue key, when the service reports it (then ``reason`` is not
            compared).

    Returns:
        The hint, or "" when the refusal has none.
    """
    for known, hint in REFUSAL_HINTS:
        if key == known or (
            not key and reason == messages.text(known, operator=operator or "", what="")
        ):
            return messages.text(hint)
    return ""


@contextmanager
def reading(args: argparse.Namespace) -> Iterator[Any]:
    """What a command that only reads runs the read model on: an SQLite file whose schema is
    current straight through the standard library's ``sqlite3`` (read-only, one snapshot; no
    SQLAlchemy import, which is most of a command's start-up), else a read session opened the
    usual way (which also names whatever is wrong with the database).

    Raises:
        DatabaseError: the database failed during the reads.
    """
    from carrier_tracker.storage import direct

    url = load_settings(args.db).database_url
    conn = direct.open_reader(url)
    if conn is None:
        app = App(args)
        with db.read_scope(app.engine) as session:
            yield session
        return
    import sqlite3

    from carrier_tracker.errors import DatabaseError

    try:
        yield conn
    except sqlite3.Error as e:
        reason = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise DatabaseError(messages.text("db_unreachable", url=url, reason=reason)) from e
    finally:
        conn.close()


def cmd_status(args: argparse.Namespace) -> int:
    if args.by_document or args.brk:
        from carrier_tracker.cli.plan_commands import status_view

        return status_view(args)
    if args.disposition:
        from carrier_tracker.cli.after_commands import status_disposition

        return status_disposition(args)
    from carrier_tracker.storage.readmodel import status_data

    with reading(args) as bind:
        data = status_data(bind, args.meeting)
    if args.json:
        _print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    lines: list[str] = []  # printed at once: 50,000 items out are 55,000 lines
    say = lines.append
    m = data["meeting"]
    counts = data["counts"]
    when = messages.local_iso
    say(f"{m['code']}  {m['title']}  {m['level']}  {messages.MEETING_STATUS_LABEL[m['status']]}")
    for kind, states in data["totals"].items():
        label = messages.KIND_LABEL[kind]
        parts = [f"{messages.STATE_LABEL[s]} {n}" for s, n in states.items() if n]
        say(
            messages.text("status_counts_line", label=label)
            + (messages.text("comma_sep").join(parts) or messages.text("none_word"))
        )
    if data["unbound"]:
        say(messages.text("status_unbound", unbound=data["unbound"]))
    say("  " + messages.recon_summary(counts))
    if data["unpledged"]:
        names = "、".join(f"{p['code']} {p['name']}" for p in data["unpledged"])
        say("  " + messages.text("recon_unpledged", count=len(data["unpledged"]), names=names))
    for person in data["attendees"]:
        say(
            messages.text(
                "status_holder",
                code=person["code"],
                name=person["name"],
                unit=person["unit"],
                n=len(person["items"]),
            )
        )
        for it in person["items"]:
            say(
                messages.text(
                    "status_item",
                    label=it["label"],
                    state=messages.STATE_LABEL[it["state"]],
                    since=when(it["since"]),
                )
            )
    for it in data["in_transit"]:
        say(
            messages.text(
                "status_in_transit",
                group=messages.text("group_consignment", number=it["consignment"]),
                label=it["label"],
                since=when(it["since"]),
            )
        )
    for it in data["unassigned"]:
        say(
            messages.text(
                "status_unassigned",
                group=messages.text("group_unassigned"),
                label=it["label"],
                state=messages.STATE_LABEL[it["state"]],
                since=when(it["since"]),
            )
        )
    for person in data["marked"]:  # changes during the meeting (代会, late attendees)
        say("  " + messages.text("status_marked", **person))
    if data["all_back"]:
        say("  " + messages.text("all_back", never_issued=counts["never_issued"]))
    _print("\n".join(lines))
    return EXIT_OK


def cmd_close(args: argparse.Namespace) -> int:
    from carrier_tracker.custody.service import find_meeting
    from carrier_tracker.meeting.lifecycle import close_meeting

    app = App(args)
    if args.with_exceptions and not (args.note or "").strip():
        raise CarrierTrackerError(messages.text("close_needs_note"))
    _check_first(app, lambda session: find_meeting(session, args.meeting))
    _login(app, args)
    approver = _approver(app, args)
    try:
        with db.session_scope(app.engine) as session:
            meeting = close_meeting(
                session=session,
                key=app.key,
                meeting_code=args.meeting,
                with_exceptions=args.with_exceptions,
                note=args.note or "",
                operator=args.operator,
                station=args.station,
                never_opened=args.never_opened,
                approver=approver,
                release_copy_tags=args.release_tags,
            )
    except ConflictError as e:
        first, _, rest = str(e).partition("\n")
        hint = refusal_hint(first, args.operator)
        print(first + hint + (f"\n{rest}" if rest else ""), file=sys.stderr)
        return EXIT_REFUSED
    _print(messages.text("meeting_closed_line", code=meeting.code))
    if meeting.close_approver:  # the officer who approved a custodian's close or the exceptions
        _print(messages.text("meeting_closed_approver", approver=meeting.close_approver))
    from carrier_tracker.storage.models import LedgerHead
    from carrier_tracker.storage.readmodel import released_tags

    with db.read_scope(app.engine) as session:
        released = released_tags(session, meeting)
        if any(released.values()):
            _print(
                messages.text("close_released", passes=released["pass"], copies=released["copy"])
            )
        head = session.get(LedgerHead, meeting.id)
        if head is not None:
            _print(
                messages.text(
                    "anchor_line", seq=head.seq, digest=head.hash, verdict=messages.text("audit_ok")
                )
            )
    return EXIT_OK


def _print_audit(code: str, report: Any, *, system: bool) -> bool:
    """One line per meeting (count, head hash, verdict), then each problem: the steps the rules
    refuse, the registration, the differences (and, with ``system``, the system chain's).
    Returns whether the meeting (and, with ``system``, the system chain) verifies."""
    chain = report.chain
    own = [*report.forbidden, *report.registry, *report.differences]
    lines = report.findings() if system else own
    ok = report.ok if system else (chain.ok and not own)
    if ok:
        _print(
            messages.text("verify_intact", code=code, count=chain.count, head_hash=chain.head_hash)
        )
    elif not chain.ok:
        _print(
            messages.text(
                "verify_broken",
                code=code,
                count=chain.count,
                broken_seq=chain.broken_seq,
                problem=chain.problem,
            )
        )
    else:
        _print(
            messages.text("verify_head", code=code, count=chain.count, head_hash=chain.head_hash)
            + messages.text("audit_failed", count=len(lines))
        )
        for line in lines:
            _print(f"  {line}")
    if not report.snapshot:
        _print("  " + messages.text("audit_no_snapshot"))
    return ok


def _verify_system(report: Any) -> bool:
    """The system chain (operators, authentication, meetings) verified and replayed; one line,
    then each problem."""
    label = messages.text("system_chain")
    if not report.chain_ok:
        _print(
            messages.text(
                "verify_broken",
                code=label,
                count=report.count,
                broken_seq=report.broken_seq,
                problem=report.problem,
            )
        )
    elif report.findings():
        _print(
            messages.text("verify_head", code=label, count=report.count, head_hash=report.head_hash)
            + messages.text("audit_failed", count=len(report.findings()))
        )
        for line in report.findings():
            _print(f"  {line}")
    else:
        _print(
            messages.text(
                "verify_intact", code=label, count=report.count, head_hash=report.head_hash
            )
        )
    return bool(report.ok)


def _parse_anchor(text: str) -> tuple[int | None, str]:
    """``HASH``, ``SEQ:HASH``, or the line printed on paper (``台账锚点 SEQ:HASH``): full-width
    characters, spaces inside the hash and letter case as someone may type them from paper."""
    import unicodedata

    label = "".join(messages.text("paper_anchor", count="", digest="").split()).rstrip(":")
    cleaned = "".join(unicodedata.normalize("NFKC", text).split()).removeprefix(label).lstrip(":")
    seq, _, digest = cleaned.rpartition(":")
    digest = digest.lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise CarrierTrackerError(messages.text("anchor_bad", anchor=tf.printable(text, 80)))
    if not seq:
        return None, digest
    if not seq.isdigit():
        raise CarrierTrackerError(messages.text("anchor_bad", anchor=tf.printable(text, 80)))
    return int(seq), digest


def cmd_verify(args: argparse.Namespace) -> int:
    from sqlmodel import select

    from carrier_tracker.custody.service import find_meeting
    from carrier_tracker.ledger.audit import CHAIN_APART_MIN, audit_meeting, audit_system
    from carrier_tracker.storage.models import Event, Meeting

    app = App(args)
    anchor = _parse_anchor(args.anchor) if args.anchor else None
    if anchor and not args.meeting:
        raise CarrierTrackerError(messages.text("anchor_needs_meeting"))
    ok = True
    with db.read_scope(app.engine) as session:
        meetings = (
            [find_meeting(session, args.meeting)]
            if args.meeting
            else list(session.exec(select(Meeting).order_by(Meeting.code)).all())
        )
        system = audit_system(session, app.key)
        for m in meetings:
            report = audit_meeting(session, app.key, m, system=system, apart=CHAIN_APART_MIN)
            ok = _print_audit(m.code, report, system=bool(args.meeting)) and ok
        if not args.meeting:
            ok = _verify_system(system) and ok
        if anchor is not None:
            seq, digest = anchor
            stmt = select(Event.seq).where(Event.meeting_id == meetings[0].id, Event.hash == digest)
            found = session.exec(stmt).first()
            if found is None or (seq is not None and found != seq) or not ok:
                _print(messages.text("anchor_missing", anchor=args.anchor))
                ok = False
            else:
                _print(messages.text("anchor_found", seq=found, digest=digest[:16]))
    return EXIT_OK if ok else EXIT_REFUSED


def cmd_operator_add(args: argparse.Namespace) -> int:
    from carrier_tracker.access.operators import add_operator, find_operator

    app = App(args)
    by = _officer(app, args, messages.text("action_operator_add"))
    with db.read_scope(app.engine) as session:
        exists = find_operator(session, args.name) is not None
    pin = None if exists else _new_pin(args, args.name)
    with db.session_scope(app.engine) as session:
        op, created = add_operator(
            session=session,
            key=app.key,
            name=args.name,
            role=Role(args.role),
            pin=pin,
            by=by.name,
            station=args.station,
        )
    role = messages.ROLE_LABEL[op.role]
    _print(
        messages.text("operator_added", name=op.name, role=role)
        if created
        else messages.text("operator_role_changed", name=op.name, role=role)
    )
    return EXIT_OK


def cmd_operator_list(args: argparse.Namespace) -> int:
    from carrier_tracker.access.operators import list_operators

    app = App(args)
    with db.read_scope(app.engine) as session:
        rows = list_operators(session)
    if args.json:
        _print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        _print(messages.text("no_officer_yet"))
    for r in rows:
        flags = [messages.text("system_disabled")] if r["disabled"] else []
        if r["locked_until"]:
            flags.append(
                messages.text("operator_locked_until", until=messages.local_iso(r["locked_until"]))
            )
        _print(f"{r['name']}\t{messages.ROLE_LABEL[r['role']]}{''.join(flags)}")
    return EXIT_OK


def cmd_operator_disable(args: argparse.Namespace) -> int:
    from carrier_tracker.access.operators import disable_operator

    app = App(args)
    by = _officer(app, args, messages.text("action_operator_disable"))
    with db.session_scope(app.engine) as session:
        disable_operator(
            session=session, key=app.key, name=args.name, by=by.name, station=args.station
        )
    _print(messages.text("operator_disabled", name=args.name))
    return EXIT_OK


def cmd_operator_enable(args: argparse.Namespace) -> int:
    from carrier_tracker.access.operators import enable_operator

    app = App(args)
    by = _officer(app, args, messages.text("action_operator_enable"))
    with db.session_scope(app.engine) as session:
        enable_operator(
            session=session, key=app.key, name=args.name, by=by.name, station=args.station
        )
    _print(messages.text("operator_enabled", name=args.name))
    return EXIT_OK


def cmd_operator_unlock(args: argparse.Namespace) -> int:
    from carrier_tracker.access.operators import unlock_operator

    app = App(args)
    by = _officer(app, args, messages.text("action_operator_unlock"))
    with db.session_scope(app.engine) as session:
        unlock_operator(
            session=session, key=app.key, name=args.name, by=by.name, station=args.station
        )
    _print(messages.text("operator_unlocked", name=args.name))
    return EXIT_OK


def cmd_operator_bind_card(args: argparse.Namespace) -> int:
    from carrier_tracker.access.operators import bind_card
    from carrier_tracker.uids import normalize_uid

    normalize_uid(args.uid)  # bad input is refused before anyone is asked for a PIN
    app = App(args)
    by = _officer(app, args, messages.text("action_bind_card"))
    with db.session_scope(app.engine) as session:
        op = bind_card(
            session=session,
            key=app.key,
            name=args.name,
            uid=args.uid,
            by=by.name,
            station=args.station,
        )
    _print(messages.text("card_bound", name=op.name, uid=op.card_uid))
    return EXIT_OK


def cmd_operator_reset_pin(args: argparse.Namespace) -> int:
    from carrier_tracker.access.operators import find_operator, reset_pin

    app = App(args)
    by = _officer(app, args, messages.text("action_reset_pin"))
    with db.read_scope(app.engine) as session:
        if find_operator(session, args.name) is None:
            raise CarrierTrackerError(messages.text("operator_unknown", name=args.name))
    pin = _new_pin(args, args.name)
    with db.session_scope(app.engine) as session:
        reset_pin(
            session=session, key=app.key, name=args.name, pin=pin, by=by.name, station=args.station
        )
    _print(messages.text("operator_pin_reset", name=args.name))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from carrier_tracker.paper.export import LOG_SHEET, REGISTER_SHEET, export_meeting
    from carrier_tracker.paper.output import check_output_path

    path = Path(args.output)
    check_output_path(path, force=args.force)
    app = App(args)
    with db.read_scope(app.engine) as session:
        result = export_meeting(
            session=session,
            key=app.key,
            meeting_code=args.meeting,
            path=path,
            operator=args.operator,
            progress=lambda m: print(m, file=sys.stderr, flush=True),
            force=args.force,
        )
    _print(
        messages.text(
            "exported",
            path=path,
            register_rows=result.rows[REGISTER_SHEET],
            log_rows=result.rows[LOG_SHEET],
        )
    )
    _print(
        messages.text(
            "anchor_line",
            seq=result.chain.count,
            digest=result.chain.head_hash,
            verdict=messages.text("audit_ok") if result.audit.ok else messages.text("audit_not_ok"),
        )
    )
    if not result.audit.ok:
        _print_audit(args.meeting, result.audit, system=True)
    return EXIT_OK if result.audit.ok else EXIT_REFUSED


def cmd_carry_list(args: argparse.Namespace) -> int:
    from carrier_tracker.custody.service import find_attendee, find_meeting
    from carrier_tracker.paper.export import export_carry_list
    from carrier_tracker.paper.output import check_output_path

    path = Path(args.output)
    check_output_path(path, force=args.force)
    app = App(args)
    with db.read_scope(app.engine) as session:
        n = export_carry_list(
            session=session,
            meeting_code=args.meeting,
            attendee_code=args.attendee_code,
            path=path,
            force=args.force,
        )
        if n == 0:
            person = find_attendee(session, find_meeting(session, args.meeting), args.attendee_code)
            _print(messages.text("paper_carry_nothing", code=person.code, name=person.name))
    _print(messages.text("carry_list_written", path=path, n=n))
    return EXIT_OK


def _mode(text: str) -> Mode:
    try:
        return messages.parse_mode(text)
    except ValueError:
        valid = messages.text("list_sep").join(f"{m.value}/{messages.MODE_LABEL[m]}" for m in Mode)
        raise argparse.ArgumentTypeError(
            messages.text("unknown_mode", text=text, valid=valid)
        ) from None


def _lazy(module: str, func: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        import importlib

        result: int = getattr(importlib.import_module(module), func)(args)
        return result

    return run


# --- parser -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    common = _Parser(add_help=False)
    common.add_argument(
        "--db",
        metavar="URL",
        help=messages.text("help_common_db"),
    )
    who = _Parser(add_help=False)
    who.add_argument("--station", default=_hostname(), help=messages.text("help_common_station"))
    who.add_argument(
        "--operator",
        default=_default_operator(),
        help=messages.text("help_common_operator"),
    )
    auth = _Parser(add_help=False)
    auth.add_argument(
        "--pin-stdin",
        action="store_true",
        help=messages.text("help_common_pin_stdin"),
    )

    def approving(what: str = "") -> _Parser:
        """``--approver`` and its PIN flag, the help naming what the officer approves."""
        parent = _Parser(add_help=False)
        parent.add_argument(
            "--approver",
            metavar="NAME",
            help=messages.text("help_approver_for", what=messages.text(what))
            if what
            else messages.text("help_common_approver"),
        )
        parent.add_argument(
            "--approver-pin-stdin",
            action="store_true",
            help=messages.text("help_common_approver_pin_stdin"),
        )
        return parent

    approve = approving()
    recording = (common, who, auth)

    parser = _Parser(
        prog="carrier-tracker",
        description=messages.text("help_program"),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {__version__}",
        help=messages.ARGPARSE_TEXT["show program's version number and exit"],
    )
    sub = parser.add_subparsers(
        dest="command", metavar=messages.text("help_commands_metavar"), parser_class=_Parser
    )
    from carrier_tracker.cli import (
        after_commands,
        change_commands,
        ledger_commands,
        plan_commands,
        policy_commands,
        report_commands,
        trip_commands,
    )

    def add(
        name: str,
        func: Callable[[argparse.Namespace], int],
        help_: str,
        parents: Sequence[_Parser] = (common,),
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_, parents=list(parents))
        p.set_defaults(func=func)
        return p

    p = add("init", cmd_init, messages.text("help_init"))
    p.add_argument(
        "--officer",
        metavar="NAME",
        help=messages.text("help_init_officer"),
    )
    p.add_argument("--pin-stdin", action="store_true", help=messages.text("help_init_pin_stdin"))
    p = add("template", cmd_template, messages.text("help_template"))
    p.add_argument("file", metavar="FILE.xlsx")
    p.add_argument("--force", action="store_true", help=messages.text("help_template_force"))
    p = add(
        "import",
        cmd_import,
        messages.text("help_import"),
        (*recording, approving("approve_what_trip")),
    )
    p.add_argument("file", metavar="FILE.xlsx")
    p = add("meetings", cmd_meetings, messages.text("help_meetings"))
    p.add_argument("--json", action="store_true", help=messages.text("help_json"))
    trip_commands.add_meetings_flags(p)
    p = add("bind", cmd_bind, messages.text("help_bind"), recording)
    p.add_argument("meeting", metavar="MEETING")
    p.add_argument("doc_no", metavar="DOC_NO")
    p.add_argument("copy_no", metavar="COPY_NO", type=int)
    p.add_argument("uid", metavar="UID")
    p = add("bind-pass", cmd_bind_pass, messages.text("help_bind_pass"), recording)
    p.add_argument("meeting", metavar="MEETING")
    p.add_argument("attendee_code", metavar="ATTENDEE_CODE")
    p.add_argument("uid", metavar="UID")
    p = add(
        "tap",
        cmd_tap,
        messages.text("help_tap"),
        (*recording, approving("approve_what_tap")),
    )
    p.add_argument("meeting", metavar="MEETING")
    p.add_argument(
        "--mode",
        required=True,
        type=_mode,
        metavar="MODE",
        help=messages.text("help_tap_mode")
        + messages.text("comma_sep").join(
            messages.text("help_mode_choice", value=m.value, label=messages.MODE_LABEL[m])
            for m in Mode
        )
        + messages.text("help_mode_chinese"),
    )
    p.add_argument("--attendee", metavar="CODE", help=messages.text("help_tap_attendee"))
    p.add_argument("--consignment", metavar="NO", help=messages.text("help_tap_consignment"))
    p.add_argument("--note", metavar="TEXT", help=messages.text("help_tap_note"))
    p.add_argument("--room", metavar="ROOM", help=messages.text("help_tap_room"))
    p.add_argument(
        "--override",
        action="store_true",
        help=messages.text("help_tap_override"),
    )
    p.add_argument("uids", metavar="UID", nargs="+")
    p = add("status", cmd_status, messages.text("help_status"))
    p.add_argument("meeting", metavar="MEETING")
    p.add_argument("--json", action="store_true", help=messages.text("help_status_json"))
    plan_commands.add_status_flags(p)
    after_commands.add_status_flags(p)
    p = add(
        "close",
        cmd_close,
        messages.text("help_close"),
        (*recording, approving("approve_what_close")),
    )
    p.add_argument("meeting", metavar="MEETING")
    p.add_argument(
        "--with-exceptions", action="store_true", help=messages.text("help_close_with_exceptions")
    )
    p.add_argument(
        "--never-opened", action="store_true", help=messages.text("help_close_never_opened")
    )
    p.add_argument("--note", metavar="TEXT", help=messages.text("help_close_note"))
    p.add_argument("--release-tags", action="store_true", help=messages.text("help_release_tags"))
    p = add(
        "verify",
        cmd_verify,
        messages.text("help_verify"),
    )
    p.add_argument("meeting", metavar="MEETING", nargs="?")
    p.add_argument(
        "--anchor",
        metavar="HASH|SEQ:HASH",
        help=messages.text("help_verify_anchor"),
    )
    p = add("operator", cmd_operator_list, messages.text("help_operator"))
    ops = p.add_subparsers(
        dest="operator_command",
        metavar=messages.text("help_subcommands_metavar"),
        parser_class=_Parser,
        required=True,
    )
    new_pin = _Parser(add_help=False)
    new_pin.add_argument(
        "--new-pin-stdin",
        action="store_true",
        help=messages.text("help_operator_new_pin_stdin"),
    )

    def op(
        name: str,
        func: Callable[[argparse.Namespace], int],
        help_: str,
        *,
        gives_pin: bool = False,
    ) -> argparse.ArgumentParser:
        # --pin-stdin is the officer's own PIN, as on every command; a new PIN has its own flag.
        parents = [common, who, auth, *([new_pin] if gives_pin else [])]
        q = ops.add_parser(name, help=help_, description=help_, parents=parents)
        q.set_defaults(func=func)
        return q

    q = op("add", cmd_operator_add, messages.text("help_operator_add"), gives_pin=True)
    q.add_argument("name", metavar="NAME")
    q.add_argument("--role", choices=[r.value for r in Role], default=Role.CUSTODIAN.value)
    q = ops.add_parser(
        "list",
        help=messages.text("help_operator_list"),
        description=messages.text("help_operator_list"),
        parents=[common],
    )
    q.set_defaults(func=cmd_operator_list, read_only=True)
    q.add_argument("--json", action="store_true", help=messages.text("help_json"))
    q = op("disable", cmd_operator_disable, messages.text("help_operator_disable"))
    q.add_argument("name", metavar="NAME")
    q = op(
        "reset-pin",
        cmd_operator_reset_pin,
        messages.text("help_operator_reset_pin"),
        gives_pin=True,
    )
    q.add_argument("name", metavar="NAME")
    q = op("enable", cmd_operator_enable, messages.text("help_operator_enable"))
    q.add_argument("name", metavar="NAME")
    q = op("unlock", cmd_operator_unlock, messages.text("help_operator_unlock"))
    q.add_argument("name", metavar="NAME")
    q = op("bind-card", cmd_operator_bind_card, messages.text("help_operator_bind_card"))
    q.add_argument("name", metavar="NAME")
    q.add_argument("uid", metavar="UID")

    p = add(
        "export",
        cmd_export,
        messages.text("help_export"),
        (common, who),
    )
    p.add_argument("meeting", metavar="MEETING")
    p.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
    p.add_argument("--force", action="store_true", help=messages.text("help_template_force"))
    p = add("carry-list", cmd_carry_list, messages.text("help_carry_list"))
    p.add_argument("meeting", metavar="MEETING")
    p.add_argument("attendee_code", metavar="ATTENDEE_CODE")
    p.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
    p.add_argument("--force", action="store_true", help=messages.text("help_template_force"))

    p = add(
        "tui",
        _lazy("carrier_tracker.cli.demo", "cmd_tui"),
        messages.text("help_tui"),
        (common, who),
    )
    p.add_argument("meeting", metavar="MEETING", nargs="?", help=messages.text("help_tui_meeting"))
    p.add_argument(
        "--reader",
        metavar="SPEC",
        default="pcsc:",
        help=messages.text("help_tui_reader"),
    )
    p.add_argument(
        "--lock-after", type=float, metavar="MINUTES", help=messages.text("help_lock_after")
    )
    p = add("wall", _lazy("carrier_tracker.cli.wall", "cmd_wall"), messages.text("help_wall"))
    p.add_argument("meeting", metavar="MEETING", help=messages.text("help_wall_meeting"))
    p.add_argument(
        "--by-document", action="store_true", help=messages.text("help_wall_by_document")
    )
    p = add(
        "demo",
        _lazy("carrier_tracker.cli.demo", "cmd_demo"),
        messages.text("help_demo"),
        (),
    )
    p.add_argument("--script", action="store_true", help=messages.text("help_demo_script"))
    p.add_argument("--fast", action="store_true", help=messages.text("help_demo_fast"))
    p.add_argument("--no-colour", action="store_true", help=messages.text("help_demo_no_colour"))
    p.add_argument("--keep", action="store_true", help=messages.text("help_demo_keep"))

    p = add(
        "readers",
        _lazy("carrier_tracker.cli.reader_commands", "cmd_readers"),
        messages.text("help_readers"),
        (),
    )
    p = add(
        "watch",
        _lazy("carrier_tracker.cli.reader_commands", "cmd_watch"),
        messages.text("help_watch"),
        (),
    )
    p.add_argument(
        "--reader",
        metavar="SPEC",
        required=True,
        help=messages.text("help_watch_reader"),
    )
    p.add_argument(
        "--debounce",
        type=float,
        default=1.5,
        metavar="SECONDS",
        help=messages.text("help_watch_debounce"),
    )

    from carrier_tracker.cli.parsers import Parsers

    areas = Parsers(
        add=add,
        sub=sub,
        common=common,
        who=who,
        auth=auth,
        approve=approve,
        approving=approving,
        recording=recording,
    )
    change_commands.register(areas)  # changes during a meeting
    plan_commands.register(areas)  # distribution plan, breaks, courier
    policy_commands.register(areas)  # filing, checklists, pledges, forms
    ledger_commands.register(areas)  # rebuild
    after_commands.register(areas)  # dispositions, places
    trip_commands.register(areas)  # documents carried to an outside meeting
    report_commands.register(areas)  # the office's period report
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; errors go to stderr in plain words, never a traceback."""
    raw = list(sys.argv[1:] if argv is None else argv)
    for i, arg in enumerate(raw, start=1):  # undecodable bytes arrive as lone surrogates
        if any("\udc80" <= ch <= "\udcff" for ch in arg):
            print(
                messages.text("error_prefix")
                + messages.text("bad_utf8_arg", index=i, arg=tf.printable(arg)),
                file=sys.stderr,
            )
            return EXIT_USAGE
    if len(raw) > 1 and raw[0] == "operator" and raw[1] not in OPERATOR_COMMANDS:
        raw.insert(1, "add")  # the old form ``operator NAME --role ROLE`` (scripts use it)
    from carrier_tracker.cli.plan_commands import default_subcommand

    raw = default_subcommand(raw)  # ``consignment MEETING NO`` means ``consignment open …``
    parser = build_parser()
    args = parser.parse_args(raw)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return _run(args)
    finally:
        while _ENGINES:
            _ENGINES.pop().dispose()


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command; every error becomes one plain line and an exit code."""
    from carrier_tracker.errors import os_reason

    try:
        if hasattr(args, "db"):
            args.db = database_url(args.db or os.environ.get(ENV_DB))
        _check_args(args)
        if (
            args.command == "tui"
        ):  # like every command but init: never create a --db that is not there
            db.make_engine(load_settings(args.db).database_url, create=False).dispose()
        code: int = args.func(args)
        return code
    except ImportProblems as e:
        print(_shown(str(e)), file=sys.stderr)
        return EXIT_USAGE
    except CarrierTrackerError as e:
        print(messages.text("error_line", reason=_shown(str(e))), file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as e:  # a path the user gave: permission, disk full, name too long
        where = (
            messages.text("where_suffix", path=tf.printable(os.fsdecode(e.filename)))
            if e.filename
            else ""
        )
        print(messages.text("error_os", reason=os_reason(e), where=where), file=sys.stderr)
        return EXIT_USAGE
    except (
        Exception
    ) as e:  # a bug: one plain line (never SQL or its parameters), the traceback only on request
        if os.environ.get("CARRIER_TRACKER_DEBUG"):
            raise
        first = (str(e).strip().splitlines() or [""])[0]
        print(
            messages.text("internal_error", kind=type(e).__name__, detail=tf.printable(first, 200)),
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())
