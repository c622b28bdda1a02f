"""The ``carrier-tracker`` command line: the composition root (imports readers/tui lazily)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__, messages
from .. import text_fields as tf
from ..config import Settings, load_settings
from ..enums import Mode, Role
from ..errors import CarrierTrackerError, ConflictError, ImportProblems

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
    from .. import db, ledger
    from ..operators import Authenticated
else:
    db = _LazyModule("carrier_tracker.db")
    ledger = _LazyModule("carrier_tracker.ledger")


class _Parser(argparse.ArgumentParser):
    """argparse that exits with 2 and a plain message (it already does; keep the prefix short)."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"错误：{message}\n")


_ENGINES: list[Any] = []
"""Engines a command opened; ``main`` disposes of them (pooled connections closed) on return."""

OPERATOR_COMMANDS = frozenset(
    {"add", "list", "disable", "enable", "reset-pin", "bind-card", "-h", "--help"}
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
            self._key = ledger.open_key(
                self.engine, self.settings.ledger_key_path, writes=not self.read_only
            )
        return self._key


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
        label = f"{shown}（{messages.FIELD_LABEL[field]}）"
        check = tf.check_code if code else tf.check_text
        setattr(args, attr, check(label, value, limit, required=required))
    for uid in [*getattr(args, "uids", []), getattr(args, "uid", "")]:
        if len(uid) > 64:  # no UID is this long: refuse it without echoing all of it
            from ..uids import BadUid

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
        pin = sys.stdin.readline().rstrip("\r\n")
        if not pin:
            raise CarrierTrackerError(messages.text("pin_stdin_empty", flag=flag))
        return pin
    value = os.environ.get(env, "")
    if value:
        return value
    if not _on_terminal():
        raise CarrierTrackerError(messages.text("pin_needed", who=who, env=env, flag=flag))
    pin = getpass.getpass(f"{who}的 PIN：")
    if confirm and getpass.getpass("再输入一次 PIN：") != pin:
        raise CarrierTrackerError(messages.text("pin_mismatch"))
    return pin


def _login(app: App, args: argparse.Namespace, *, pin_stdin: bool | None = None) -> Authenticated:
    """Authenticate ``--operator`` for a command that records something (auditors may not).

    Raises:
        AuthError: unknown, disabled or locked operator, wrong PIN (the attempt is recorded in
            the system chain), or an auditor.
    """
    from ..operators import AuthError, authenticate

    from_stdin = getattr(args, "pin_stdin", False) if pin_stdin is None else pin_stdin
    pin = _read_pin(
        who=f"操作员 {args.operator} ", env=PIN_ENV, flag="--pin-stdin", from_stdin=from_stdin
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
    from ..operators import AuthError, authenticate

    if not args.approver:
        return ""
    pin = _read_pin(
        who=f"批准人 {args.approver} ",
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


def _officer(app: App, args: argparse.Namespace, what: str) -> Authenticated:
    """Authenticate ``--operator`` as an officer (operator management); the PIN comes from the
    environment or a prompt (``--pin-stdin`` carries the new operator's PIN here).

    Raises:
        ConflictError: there is no officer yet (``init --officer`` makes the first).
        AuthError: authentication fails or the operator is not an officer.
    """
    from ..operators import AuthError, officers

    with db.read_scope(app.engine) as session:
        if not officers(session):
            raise ConflictError(messages.text("no_officer_yet"))
    who = _login(app, args, pin_stdin=False)
    if not who.is_officer:
        role = messages.ROLE_LABEL[who.role.value]
        raise AuthError(messages.text("auth_not_officer", what=what, name=who.name, role=role))
    return who


def _new_pin(args: argparse.Namespace, name: str, env: str = NEW_PIN_ENV) -> str:
    from ..operators import check_pin

    pin = _read_pin(
        who=f"操作员 {name} 新",
        env=env,
        flag="--pin-stdin",
        from_stdin=args.pin_stdin,
        confirm=True,
    )
    return check_pin(pin)


# --- commands ---------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    app = App(args, need_schema=False)
    before, after = db.upgrade(app.engine)
    key_path = app.settings.ledger_key_path
    key = app.key  # creates the key file on first run; refuses a wrong or missing one
    with db.session_scope(app.engine) as session:
        sealed = ledger.seal_heads(session, key)
    if args.officer:
        _first_officer(app, args)
    url = app.engine.url.render_as_string(hide_password=True)
    if before == after:
        _print(f"数据库已是最新版本（{after}）：{url}")
    else:
        _print(f"数据库已初始化/升级：{before or '空'} → {after}：{url}")
    _print(f"台账密钥：{key_path}（指纹 {ledger.key_fingerprint(key)[:12]}…）")
    if sealed:
        _print(f"已将 {sealed} 个会议的台账记录头绑定到密钥")
    if args.officer:
        _print(f"已登记第一位保密负责人：{args.officer}")
    return EXIT_OK


def _first_officer(app: App, args: argparse.Namespace) -> None:
    """The very first officer of a database, with no one to authenticate the change."""
    from ..operators import add_operator, officers

    with db.read_scope(app.engine) as session:
        existing = officers(session)
    if existing:
        raise ConflictError(messages.text("officer_exists", names="、".join(existing)))
    pin = _new_pin(args, args.officer, env=PIN_ENV)
    with db.session_scope(app.engine) as session:
        existing = officers(session)  # again, under the write lock
        if existing:
            raise ConflictError(messages.text("officer_exists", names="、".join(existing)))
        add_operator(
            session=session,
            key=app.key,
            name=args.officer,
            role=Role.OFFICER,
            pin=pin,
            by=args.officer,
            station=socket.gethostname(),
        )


def cmd_template(args: argparse.Namespace) -> int:
    from ..export import check_output_path
    from ..importer import write_template

    path = Path(args.file)
    check_output_path(path)
    if path.exists() and not args.force:
        raise ConflictError(f"文件已存在：{path}（加 --force 覆盖）")
    write_template(path)
    _print(f"已生成导入模板：{path}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from ..export import check_file_name
    from ..importer import import_file

    app = App(args)
    path = Path(args.file)
    check_file_name(path)
    if not path.is_file():
        raise CarrierTrackerError(f"找不到文件：{path}")
    _login(app, args)
    # Validated before the write lock is taken: a refused file never holds up a desk.
    result = import_file(
        engine=app.engine,
        key=app.key,
        path=path,
        operator=args.operator,
        progress=lambda msg: print(msg, file=sys.stderr, flush=True),
    )
    _print(
        f"已导入会议 {result.meeting_code}：人员 {result.attendees}，文件 {result.documents}，"
        f"共 {result.copies} 份；已绑定文件标签 {result.tags}、会议证标签 {result.pass_tags}"
    )
    return EXIT_OK


def cmd_meetings(args: argparse.Namespace) -> int:
    from ..meetings import list_meetings

    app = App(args)
    with db.read_scope(app.engine) as session:
        rows = list_meetings(session)
    if args.json:
        _print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        _print("尚无会议。用 carrier-tracker import FILE.xlsx 导入。")
    for r in rows:
        status = messages.MEETING_STATUS_LABEL[r["status"]]
        _print(
            f"{r['code']}\t{r['level']}\t{status}\t载体 {r['carriers']}\t未收回 {r['outstanding']}\t{r['title']}"
        )
    return EXIT_OK


def cmd_bind(args: argparse.Namespace) -> int:
    from ..enrollment import bind_copy
    from ..importer import MAX_COPIES

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
    _print(f"{b.item} 已绑定标签 {b.uid}" + ("（原已绑定）" if b.already else ""))
    return EXIT_OK


def cmd_bind_pass(args: argparse.Namespace) -> int:
    from ..enrollment import bind_pass

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
    _print(f"{b.item} 已绑定标签 {b.uid}" + ("（原已绑定）" if b.already else ""))
    return EXIT_OK


def cmd_tap(args: argparse.Namespace) -> int:
    from ..custody import record_tap
    from ..uids import normalize_uid

    app = App(args)
    mode = args.mode
    for uid in args.uids:  # check every UID before tapping any: bad input changes nothing
        normalize_uid(uid)
    _login(app, args)
    approver = _approver(app, args)
    refused = False
    for uid in args.uids:
        with db.session_scope(app.engine) as session:
            outcome = record_tap(
                session=session,
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
            )
        refused |= outcome.refused
        label = messages.VERDICT_LABEL[outcome.verdict]
        _print(f"{outcome.uid}\t{label}\t{outcome.message}")
    return EXIT_REFUSED if refused else EXIT_OK


def cmd_consignment(args: argparse.Namespace) -> int:
    from ..meetings import open_consignment

    app = App(args)
    _login(app, args)
    with db.session_scope(app.engine) as session:
        c = open_consignment(
            session=session,
            key=app.key,
            meeting_code=args.meeting,
            number=args.number,
            unit=args.unit,
            recipient=args.recipient or "",
            operator=args.operator,
            station=args.station,
        )
    _print(f"已登记机要件 {c.number} → {c.unit} {c.recipient}".rstrip())
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from ..meetings import status

    app = App(args)
    with db.read_scope(app.engine) as session:
        data = status(session, args.meeting)
    if args.json:
        _print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    m = data["meeting"]
    counts = data["counts"]
    when = messages.local_iso
    _print(f"{m['code']}  {m['title']}  {m['level']}  {messages.MEETING_STATUS_LABEL[m['status']]}")
    for kind, states in data["totals"].items():
        label = messages.KIND_LABEL[kind]
        parts = [f"{messages.STATE_LABEL[s]} {n}" for s, n in states.items() if n]
        _print(f"  {label}：" + ("，".join(parts) or "无"))
    if data["unbound"]:
        _print(f"  未绑定标签的载体：{data['unbound']}")
    _print("  " + messages.recon_summary(counts))
    for person in data["attendees"]:
        _print(
            f"  {person['code']} {person['name']}（{person['unit']}）持有 {len(person['items'])} 件："
        )
        for it in person["items"]:
            _print(
                f"      {it['label']}  {messages.STATE_LABEL[it['state']]}  自 {when(it['since'])}"
            )
    for it in data["in_transit"]:
        _print(
            f"  {messages.text('group_consignment', number=it['consignment'])}：{it['label']}  自 {when(it['since'])}"
        )
    for it in data["unassigned"]:
        _print(
            f"  {messages.text('group_unassigned')}：{it['label']}  {messages.STATE_LABEL[it['state']]}  自 {when(it['since'])}"
        )
    if data["all_back"]:
        _print("  " + messages.text("all_back", never_issued=counts["never_issued"]))
    return EXIT_OK


def cmd_close(args: argparse.Namespace) -> int:
    from ..meetings import close_meeting

    app = App(args)
    if args.with_exceptions and not (args.note or "").strip():
        raise CarrierTrackerError("--with-exceptions 需要同时给出 --note 说明")
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
            )
    except ConflictError as e:
        print(str(e), file=sys.stderr)
        return EXIT_REFUSED
    _print(f"会议 {meeting.code} 已结束")
    from ..models import LedgerHead

    with db.read_scope(app.engine) as session:
        head = session.get(LedgerHead, meeting.id)
        if head is not None:
            _print(
                messages.text(
                    "anchor_line", seq=head.seq, digest=head.hash, verdict=messages.text("audit_ok")
                )
            )
    return EXIT_OK


def _print_audit(code: str, report: Any) -> None:
    """One line per meeting (count, head hash, verdict), then each difference."""
    chain = report.chain
    if report.ok:
        _print(f"{code}\t事件 {chain.count}\t头哈希 {chain.head_hash}\t完整")
    elif not chain.ok:
        _print(f"{code}\t事件 {chain.count}\t第 {chain.broken_seq} 条起被篡改：{chain.problem}")
    else:
        _print(
            f"{code}\t事件 {chain.count}\t头哈希 {chain.head_hash}\t"
            + messages.text("audit_failed", count=len(report.differences))
        )
        for line in report.differences:
            _print(f"  {line}")
    if not report.snapshot:
        _print("  " + messages.text("audit_no_snapshot"))


def _verify_system(session: Any, key: bytes) -> bool:
    """The system chain (operators, authentication) verified and replayed; one line, then each
    difference."""
    from ..operators import audit_system

    report = audit_system(session, key)
    label = messages.text("system_chain")
    if not report.chain_ok:
        _print(f"{label}\t事件 {report.count}\t第 {report.broken_seq} 条起被篡改：{report.problem}")
    elif report.differences:
        _print(
            f"{label}\t事件 {report.count}\t头哈希 {report.head_hash}\t"
            + messages.text("audit_failed", count=len(report.differences))
        )
        for line in report.differences:
            _print(f"  {line}")
    else:
        _print(f"{label}\t事件 {report.count}\t头哈希 {report.head_hash}\t完整")
    return report.ok


def _parse_anchor(text: str) -> tuple[int | None, str]:
    seq, _, digest = text.rpartition(":")
    digest = digest.strip().lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise CarrierTrackerError(messages.text("anchor_bad", anchor=tf.printable(text, 80)))
    if not seq:
        return None, digest
    if not seq.isdigit():
        raise CarrierTrackerError(messages.text("anchor_bad", anchor=tf.printable(text, 80)))
    return int(seq), digest


def cmd_verify(args: argparse.Namespace) -> int:
    from sqlmodel import select

    from ..audit import audit_meeting
    from ..custody import find_meeting
    from ..models import Event, Meeting

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
        for m in meetings:
            report = audit_meeting(session, app.key, m)
            _print_audit(m.code, report)
            ok = ok and report.ok
        if not args.meeting:
            ok = _verify_system(session, app.key) and ok
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
    from ..operators import add_operator, find_operator

    app = App(args)
    by = _officer(app, args, "登记操作员、更改角色")
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
    _print(f"已登记操作员 {op.name}：{role}" if created else f"操作员 {op.name} 改为{role}")
    return EXIT_OK


def cmd_operator_list(args: argparse.Namespace) -> int:
    from ..operators import list_operators

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
            flags.append(f"（锁定至 {messages.local_iso(r['locked_until'])}）")
        _print(f"{r['name']}\t{messages.ROLE_LABEL[r['role']]}{''.join(flags)}")
    return EXIT_OK


def cmd_operator_disable(args: argparse.Namespace) -> int:
    from ..operators import disable_operator

    app = App(args)
    by = _officer(app, args, "停用操作员")
    with db.session_scope(app.engine) as session:
        disable_operator(
            session=session, key=app.key, name=args.name, by=by.name, station=args.station
        )
    _print(f"已停用操作员 {args.name}")
    return EXIT_OK


def cmd_operator_enable(args: argparse.Namespace) -> int:
    from ..operators import enable_operator

    app = App(args)
    by = _officer(app, args, "启用操作员")
    with db.session_scope(app.engine) as session:
        enable_operator(
            session=session, key=app.key, name=args.name, by=by.name, station=args.station
        )
    _print(messages.text("operator_enabled", name=args.name))
    return EXIT_OK


def cmd_operator_bind_card(args: argparse.Namespace) -> int:
    from ..operators import bind_card
    from ..uids import normalize_uid

    normalize_uid(args.uid)  # bad input is refused before anyone is asked for a PIN
    app = App(args)
    by = _officer(app, args, "绑定操作员卡")
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
    from ..operators import find_operator, reset_pin

    app = App(args)
    by = _officer(app, args, "重置 PIN")
    with db.read_scope(app.engine) as session:
        if find_operator(session, args.name) is None:
            raise CarrierTrackerError(messages.text("operator_unknown", name=args.name))
    pin = _new_pin(args, args.name)
    with db.session_scope(app.engine) as session:
        reset_pin(
            session=session, key=app.key, name=args.name, pin=pin, by=by.name, station=args.station
        )
    _print(f"已重置操作员 {args.name} 的 PIN（锁定已解除）")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from ..export import check_output_path, export_meeting

    path = Path(args.output)
    check_output_path(path)
    app = App(args)
    with db.read_scope(app.engine) as session:
        result = export_meeting(
            session=session,
            key=app.key,
            meeting_code=args.meeting,
            path=path,
            operator=args.operator,
            progress=lambda m: print(m, file=sys.stderr, flush=True),
        )
    _print(
        f"已导出 {path}：登记表 {result.rows['文件发放回收登记表']} 行，操作日志 {result.rows['操作日志']} 条"
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
        _print_audit(args.meeting, result.audit)
    return EXIT_OK if result.audit.ok else EXIT_REFUSED


def cmd_carry_list(args: argparse.Namespace) -> int:
    from ..export import check_output_path, export_carry_list

    path = Path(args.output)
    check_output_path(path)
    app = App(args)
    with db.read_scope(app.engine) as session:
        n = export_carry_list(
            session=session, meeting_code=args.meeting, attendee_code=args.attendee_code, path=path
        )
    _print(f"已导出带离文件目录 {path}：{n} 份")
    return EXIT_OK


def _mode(text: str) -> Mode:
    try:
        return messages.parse_mode(text)
    except ValueError:
        valid = "、".join(f"{m.value}/{messages.MODE_LABEL[m]}" for m in Mode)
        raise argparse.ArgumentTypeError(f"无此操作方式：{text}（可用：{valid}）") from None


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
        help="数据库 URL（默认：用户数据目录中的 SQLite；也可用环境变量 CARRIER_TRACKER_DB）",
    )
    who = _Parser(add_help=False)
    who.add_argument("--station", default=socket.gethostname(), help="工作台名称（默认：主机名）")
    who.add_argument(
        "--operator",
        default=_default_operator(),
        help="操作员姓名（默认：$CARRIER_TRACKER_OPERATOR 或登录用户）",
    )
    auth = _Parser(add_help=False)
    auth.add_argument(
        "--pin-stdin",
        action="store_true",
        help="从标准输入读取操作员的 PIN（一行；默认：$CARRIER_TRACKER_PIN，或在终端中询问）",
    )
    approve = _Parser(add_help=False)
    approve.add_argument(
        "--approver",
        metavar="NAME",
        help="批准此操作的保密负责人（文管员操作带离、挂失、--override、带例外结束时）",
    )
    approve.add_argument(
        "--approver-pin-stdin",
        action="store_true",
        help="从标准输入读取批准人的 PIN（在操作员 PIN 之后一行；默认：$CARRIER_TRACKER_APPROVER_PIN，或在终端中询问）",
    )
    recording = (common, who, auth)

    parser = _Parser(
        prog="carrier-tracker",
        description="涉密会议文件与会议证 NFC 载体管理：发放、休会收回、清退、机要递送与审计台账。",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)

    def add(
        name: str,
        func: Callable[[argparse.Namespace], int],
        help_: str,
        parents: Sequence[_Parser] = (common,),
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_, parents=list(parents))
        p.set_defaults(func=func)
        return p

    p = add("init", cmd_init, "创建或升级数据库结构，生成台账密钥")
    p.add_argument(
        "--officer",
        metavar="NAME",
        help="登记第一位保密负责人（仅当尚无保密负责人时；PIN 取自 $CARRIER_TRACKER_PIN、--pin-stdin 或终端）",
    )
    p.add_argument("--pin-stdin", action="store_true", help="从标准输入读取第一位保密负责人的 PIN")
    p = add("template", cmd_template, "生成空白导入模板 .xlsx")
    p.add_argument("file", metavar="FILE.xlsx")
    p.add_argument("--force", action="store_true", help="覆盖已有文件")
    p = add("import", cmd_import, "导入会议工作簿（先整体检查，有任何问题则不导入）", recording)
    p.add_argument("file", metavar="FILE.xlsx")
    p = add("meetings", cmd_meetings, "列出会议")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p = add("bind", cmd_bind, "为文件的某一份绑定标签", recording)
    p.add_argument("meeting", metavar="MEETING")
    p.add_argument("doc_no", metavar="DOC_NO")
    p.add_argument("copy_no", metavar="COPY_NO", type=int)
    p.add_argument("uid", metavar="UID")
    p = add("bind-pass", cmd_bind_pass, "为参会人员的会议证绑定标签", recording)
    p.add_argument("meeting", metavar="MEETING")
    p.add_argument("attendee_code", metavar="ATTENDEE_CODE")
    p.add_argument("uid", metavar="UID")
    p = add(
        "tap",
        cmd_tap,
        "记录一次或多次刷卡（每个 UID 一行结果；有拒绝时退出码为 1）",
        (*recording, approve),
    )
    p.add_argument("meeting", metavar="MEETING")
    p.add_argument(
        "--mode",
        required=True,
        type=_mode,
        metavar="MODE",
        help="操作方式："
        + "，".join(f"{m.value}（{messages.MODE_LABEL[m]}）" for m in Mode)
        + "；中文名亦可",
    )
    p.add_argument("--attendee", metavar="CODE", help="领取人编号（发放时必填）")
    p.add_argument("--consignment", metavar="NO", help="机要编号（机要发出时必填）")
    p.add_argument("--note", metavar="TEXT", help="说明（挂失时必填）")
    p.add_argument(
        "--override",
        action="store_true",
        help="保密负责人批准例外：改发休会前持有人以外的人、同一文件第二份、文件未交回时收回会议证",
    )
    p.add_argument("uids", metavar="UID", nargs="+")
    p = add("consignment", cmd_consignment, "登记一个机要递送件", recording)
    p.add_argument("meeting", metavar="MEETING")
    p.add_argument("number", metavar="NO")
    p.add_argument("--unit", required=True, help="接收单位")
    p.add_argument("--recipient", metavar="NAME", help="接收人")
    p = add("status", cmd_status, "各状态数量及每位参会人员未收回的载体")
    p.add_argument("meeting", metavar="MEETING")
    p.add_argument("--json", action="store_true", help="输出 JSON（格式见 README）")
    p = add("close", cmd_close, "结束会议（全部收回后才可结束）", (*recording, approve))
    p.add_argument("meeting", metavar="MEETING")
    p.add_argument(
        "--with-exceptions", action="store_true", help="有挂失载体时由保密负责人带例外结束"
    )
    p.add_argument(
        "--never-opened", action="store_true", help="由保密负责人结束从未开始（没有任何发放）的会议"
    )
    p.add_argument("--note", metavar="TEXT", help="结束说明（带例外结束时必填）")
    p = add(
        "verify",
        cmd_verify,
        "校验台账哈希链，并按台账重放核对数据库（全部一致时退出码为 0，否则为 1 并列出每处差异）",
    )
    p.add_argument("meeting", metavar="MEETING", nargs="?")
    p.add_argument(
        "--anchor",
        metavar="HASH|SEQ:HASH",
        help="证明台账仍包含此前导出/结束时打印的头哈希（或 序号:哈希）",
    )
    p = add(
        "operator",
        cmd_operator_list,
        "操作员：登记、列出、停用、启用、重置 PIN、绑定卡（需保密负责人）",
    )
    ops = p.add_subparsers(
        dest="operator_command", metavar="子命令", parser_class=_Parser, required=True
    )
    new_pin = _Parser(add_help=False)
    new_pin.add_argument(
        "--pin-stdin",
        action="store_true",
        help="从标准输入读取新 PIN（一行；默认：$CARRIER_TRACKER_NEW_PIN，或在终端中输入两次）",
    )

    def op(
        name: str, func: Callable[[argparse.Namespace], int], help_: str
    ) -> argparse.ArgumentParser:
        q = ops.add_parser(name, help=help_, description=help_, parents=[common, who, new_pin])
        q.set_defaults(func=func)
        return q

    q = op("add", cmd_operator_add, "登记操作员（或更改已登记操作员的角色）；需保密负责人认证")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--role", choices=[r.value for r in Role], default=Role.CUSTODIAN.value)
    q = ops.add_parser("list", help="列出操作员", description="列出操作员", parents=[common])
    q.set_defaults(func=cmd_operator_list, read_only=True)
    q.add_argument("--json", action="store_true", help="输出 JSON")
    q = op("disable", cmd_operator_disable, "停用操作员；需保密负责人认证")
    q.add_argument("name", metavar="NAME")
    q = op("reset-pin", cmd_operator_reset_pin, "重置操作员的 PIN 并解除锁定；需保密负责人认证")
    q.add_argument("name", metavar="NAME")
    q = op("enable", cmd_operator_enable, messages.text("help_operator_enable"))
    q.add_argument("name", metavar="NAME")
    q = op("bind-card", cmd_operator_bind_card, messages.text("help_operator_bind_card"))
    q.add_argument("name", metavar="NAME")
    q.add_argument("uid", metavar="UID")

    p = add(
        "export",
        cmd_export,
        "导出保密办工作簿（登记表、会议证、未收回、机要、带离目录、操作日志）",
        (common, who),
    )
    p.add_argument("meeting", metavar="MEETING")
    p.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
    p = add("carry-list", cmd_carry_list, "导出一位外地代表的带离文件目录")
    p.add_argument("meeting", metavar="MEETING")
    p.add_argument("attendee_code", metavar="ATTENDEE_CODE")
    p.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")

    p = add("tui", _lazy("carrier_tracker.cli.demo", "cmd_tui"), "打开工作台界面", (common, who))
    p.add_argument("meeting", metavar="MEETING", nargs="?", help="会议代号（不填则先选择）")
    p.add_argument(
        "--reader",
        metavar="SPEC",
        default="pcsc:",
        help="读卡器（默认 pcsc:，见 carrier-tracker readers）",
    )
    p.add_argument(
        "--lock-after", type=float, metavar="MINUTES", help=messages.text("help_lock_after")
    )
    p = add(
        "demo",
        _lazy("carrier_tracker.cli.demo", "cmd_demo"),
        "演示：示例会议 + 模拟读卡器 + 虚拟标签托盘（临时数据库）",
        (),
    )
    p.add_argument("--script", action="store_true", help="不开界面，按脚本在终端里走完一次会议")
    p.add_argument("--fast", action="store_true", help="脚本演示不停顿")
    p.add_argument("--no-colour", action="store_true", help="脚本演示不用颜色")

    p = add(
        "readers",
        _lazy("carrier_tracker.cli.reader_commands", "cmd_readers"),
        "列出可用的读卡器",
        (),
    )
    p = add(
        "watch",
        _lazy("carrier_tracker.cli.reader_commands", "cmd_watch"),
        "显示读卡器的每一次刷卡（Ctrl-C 退出）",
        (),
    )
    p.add_argument(
        "--reader",
        metavar="SPEC",
        required=True,
        help="读卡器，如 pcsc:、nfc:usb、wedge:stdin、sim:",
    )
    p.add_argument(
        "--debounce",
        type=float,
        default=1.5,
        metavar="SECONDS",
        help="同一标签移开后再次读取的忽略时间",
    )

    from . import change_commands, plan_commands, policy_commands
    from .parsers import Parsers

    areas = Parsers(
        add=add,
        sub=sub,
        common=common,
        who=who,
        auth=auth,
        approve=approve,
        recording=recording,
    )
    change_commands.register(areas)  # changes during a meeting
    plan_commands.register(areas)  # distribution plan, breaks, courier
    policy_commands.register(areas)  # filing, checklists, pledges, forms
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; errors go to stderr in plain words, never a traceback."""
    raw = list(sys.argv[1:] if argv is None else argv)
    for i, arg in enumerate(raw, start=1):  # undecodable bytes arrive as lone surrogates
        if any("\udc80" <= ch <= "\udcff" for ch in arg):
            print(
                "错误：" + messages.text("bad_utf8_arg", index=i, arg=tf.printable(arg)),
                file=sys.stderr,
            )
            return EXIT_USAGE
    if len(raw) > 1 and raw[0] == "operator" and raw[1] not in OPERATOR_COMMANDS:
        raw.insert(1, "add")  # the old form ``operator NAME --role ROLE`` (scripts use it)
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
    from ..errors import os_reason

    try:
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
        print(f"错误：{_shown(str(e))}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as e:  # a path the user gave: permission, disk full, name too long
        where = f"：{tf.printable(os.fsdecode(e.filename))}" if e.filename else ""
        print(f"错误：{os_reason(e)}{where}", file=sys.stderr)
        return EXIT_USAGE
    except (
        Exception
    ) as e:  # a bug: one plain line (never SQL or its parameters), the traceback only on request
        if os.environ.get("CARRIER_TRACKER_DEBUG"):
            raise
        first = (str(e).strip().splitlines() or [""])[0]
        print(
            f"内部错误：{type(e).__name__}: {tf.printable(first, 200)}（设置 CARRIER_TRACKER_DEBUG=1 可查看详细信息）",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())
