"""``carrier-tracker demo``: the sample meeting walked end to end through the simulated reader.

A throw-away SQLite database is built from samples/meeting.xlsx; a script of desk steps presents
tags to the ``sim:`` reader; every tap goes through the same custody service as a real desk.
(The Textual desk UI will take this command over; until then this shows the whole flow.)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

from carrier_tracker import messages
from carrier_tracker.access.operators import add_operator, authenticate
from carrier_tracker.cli.main import result_line
from carrier_tracker.custody import checklists
from carrier_tracker.custody.service import find_meeting, record_tap
from carrier_tracker.enums import Action, Answer, Mode, PlaceKind, Role, Verdict
from carrier_tracker.errors import CarrierTrackerError
from carrier_tracker.ledger import keyring
from carrier_tracker.meeting.lifecycle import close_meeting, open_consignment, status
from carrier_tracker.meeting.places import add_place
from carrier_tracker.meeting.policy import answer_items, checklist_status, paperwork_done
from carrier_tracker.paper.export import export_meeting
from carrier_tracker.paper.importer import import_workbook
from carrier_tracker.storage import db
from carrier_tracker.storage.queries import attendees, documents

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "meeting.xlsx"
CODE = "HY2026-12"
COLOURS = {Verdict.ACCEPTED: "\033[32m", Verdict.ALREADY: "\033[33m", Verdict.REFUSED: "\033[31m"}


def _uid(label: str) -> str:
    return "04" + hashlib.sha256(f"{CODE}/{label}".encode()).hexdigest().upper()[:12]


DEMO_OPERATORS: list[tuple[str, Role, str]] = [
    ("赵保密", Role.OFFICER, "135790"),
    ("孙文管", Role.CUSTODIAN, "246810"),
    ("门岗", Role.CUSTODIAN, "112233"),
]
"""The demo's operators and their PINs (printed: a demo has no secrets)."""


def operators_line() -> str:
    """The demo's operators with role and PIN, for the newcomer to type."""
    return "演示操作员：" + "；".join(
        f"{name}（{messages.ROLE_LABEL[role.value]}，PIN {pin}）"
        for name, role, pin in DEMO_OPERATORS
    )


SWEEP_ROOM = "客房 301"
"""Where the demo's sweep finds a copy left behind."""
FILING_REF, FILING_DATE = "保密办〔2026〕12号", "2026-12-01"

# (mode, attendee, operator, consignment, tag label, what the custodian is doing)
STEPS: list[tuple[Mode, str | None, str, str | None, str, str]] = [
    (Mode.ISSUE, None, "孙文管", None, "pass/A001", "发放会议证"),
    (Mode.ISSUE, None, "孙文管", None, "pass/A003", "发放会议证"),
    (Mode.ENTRANCE, None, "门岗", None, "pass/A001", "入场核验"),
    (Mode.ENTRANCE, None, "门岗", None, "pass/A002", "入场核验：未领证者"),
    (Mode.ISSUE, "A001", "孙文管", None, "HY-01/1", "发放文件"),
    (Mode.ISSUE, "A003", "孙文管", None, "HY-02/1", "发放文件"),
    (Mode.ISSUE, "A003", "孙文管", None, "HY-01/1", "错发：该份已在他人手中"),
    (Mode.ISSUE, "A010", "孙文管", None, "HY-04/1", "知悉范围不足 / 未领证"),
    (Mode.ISSUE, "A001", "孙文管", None, "HY-07/1", "分发范围外：不发"),
    (Mode.ISSUE, "A003", "孙文管", None, "HY-07/1", "分发范围内：发放"),
    (Mode.COLLECT, None, "孙文管", None, "HY-01/1", "休会：收回公用性文件"),
    (Mode.COLLECT, None, "孙文管", None, "HY-07/1", "休会：收回公用性文件"),
    (Mode.REISSUE, None, "孙文管", None, "HY-01/1", "复会：发还原持有人"),
    (Mode.CARRY_OUT, None, "赵保密", None, "HY-02/1", "外地代表带离（保密负责人批准）"),
    (Mode.DISPATCH, None, "孙文管", "JY-2026-001", "HY-05/2", "机要发出"),
    (Mode.DELIVER, None, "孙文管", None, "HY-05/2", "机要签收"),
    (Mode.RETURN, None, "孙文管", None, "HY-02/1", "带离文件交回"),
    (Mode.SWEEP, None, "孙文管", None, "HY-01/1", f"会后巡检：{SWEEP_ROOM} 发现遗留文件"),
    (Mode.RECALL, None, "孙文管", None, "HY-07/1", "会后清退"),
    (Mode.RECALL, None, "孙文管", None, "pass/A001", "收回会议证"),
    (Mode.RECALL, None, "孙文管", None, "pass/A003", "收回会议证"),
]


def run_demo(*, pause: float = 0.6, workdir: Path | None = None, colour: bool = True) -> int:
    """Run the scripted demo; returns 0 when the meeting closed with a verified ledger."""
    from carrier_tracker.readers import open_reader

    work = workdir or Path(tempfile.mkdtemp(prefix="carrier-tracker-demo-"))
    url, key_path = prepare_demo_database(work)
    engine = db.make_engine(url)
    key = keyring.open_key(engine, key_path, writes=True)
    with db.read_scope(engine) as s:
        meeting = find_meeting(s, CODE)
        people, docs = attendees(s, meeting), documents(s, meeting)
    print(f"演示数据库：{work / 'demo.db'}")
    print(operators_line())
    for name, _role, pin in DEMO_OPERATORS:  # each desk operator signs in, as the CLI makes them
        authenticate(engine=engine, key=key, name=name, pin=pin, station="演示台")
    print(
        f"已导入会议 {CODE}：{len(people)} 人，{len(docs)} 种文件共 {sum(d.copies for d in docs)} 份\n"
    )
    _demo_pledges(engine, key)

    from carrier_tracker.readers.sim import SimReader

    reader = open_reader("sim:", debounce=0.0)
    assert isinstance(reader, SimReader)
    stop = threading.Event()
    taps: queue.Queue[str] = queue.Queue()

    def listen() -> None:
        for tap in reader.taps(stop):
            taps.put(tap.uid)

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    reset = "\033[0m" if colour else ""
    for line in paperwork_lines(engine):
        print(line)
    print()
    for mode, attendee, operator, consignment, label, doing in STEPS:
        print(f"[{messages.MODE_LABEL[mode]}] {doing}")
        reader.present(_uid(label))  # the custodian lays the tag on the reader
        uid = taps.get(timeout=5)
        reader.remove()
        with db.tap_scope(engine) as conn:
            outcome = record_tap(
                session=conn,
                key=key,
                meeting_code=CODE,
                uid=uid,
                mode=mode,
                attendee_code=attendee,
                consignment_no=consignment,
                station="演示台",
                operator=operator,
                room=SWEEP_ROOM if mode is Mode.SWEEP else "",
            )
        shade = Verdict.ALREADY if outcome.warning else outcome.verdict  # a warning is yellow
        start = COLOURS[shade] if colour else ""
        print(
            f"    {start}{messages.VERDICT_LABEL[outcome.verdict]}：{result_line(outcome)}{reset}"
        )
        time.sleep(pause)
    stop.set()
    listener.join(timeout=2)
    reader.close()

    print(f"\n[{messages.text('demo_sweep_title')}]")
    with db.session_scope(engine) as s:
        sweep = checklists.active()[checklists.SWEEP]
        answers = [
            (
                it.id,
                Answer.OK,
                messages.text("demo_sweep_note", item="HY-01 第001份")
                if it.label in SWEEP_ROOM
                else "",
            )
            for it in sweep.items
        ]
        for st in answer_items(
            session=s,
            key=key,
            meeting_code=CODE,
            checklist=sweep,
            answers=answers,
            operator="孙文管",
            station="演示台",
        ):
            note = f"（{st.note}）" if st.note else ""
            print(
                f"    {st.item.label}：{messages.ANSWER_LABEL[st.answer] if st.answer else ''}{note}"
            )
    with db.session_scope(engine) as s:
        data = status(s, CODE)
    counts = data["counts"]
    print("\n" + messages.recon_summary(counts))
    if data["unpledged"]:
        names = "、".join(f"{p['code']} {p['name']}" for p in data["unpledged"])
        print(messages.text("recon_unpledged", count=len(data["unpledged"]), names=names))
    if data["all_back"]:
        print(messages.text("all_back", never_issued=counts["never_issued"]))
    try:
        with db.session_scope(engine) as s:
            close_meeting(session=s, key=key, meeting_code=CODE, operator="孙文管")
        print(f"会议 {CODE} 已结束")
    except CarrierTrackerError as e:
        print(f"不能结束会议：{e}")
        return 1
    _demo_dispositions(engine, key)
    out = work / "保密办登记.xlsx"
    with db.session_scope(engine) as s:
        exported = export_meeting(
            session=s, key=key, meeting_code=CODE, path=out, operator="孙文管"
        )
    print(
        f"台账：{exported.chain.count} 条事件，头哈希 {exported.chain.head_hash}，{'校验完整' if exported.chain.ok else '校验失败'}"
    )
    print(f"保密办工作簿：{out}")
    _demo_forms(engine, key, work)
    reported = _demo_report(engine, key, work)
    engine.dispose()
    return 0 if exported.chain.ok and reported else 1


DEMO_PLEDGES = ("A001", "A002", "A004", "A005")
"""Attendees whose 保密承诺书 the script records (A003 has none: their pass comes with a warning)."""


def _demo_pledges(engine: Any, key: bytes) -> None:
    """Record some attendees' pledges and briefing, as the desk does before the meeting."""
    from datetime import date

    from carrier_tracker.meeting.pledges import record_pledges

    print(messages.text("demo_pledges"))
    with db.session_scope(engine) as s:
        outcomes = record_pledges(
            session=s,
            key=key,
            meeting_code=CODE,
            attendee_codes=DEMO_PLEDGES,
            today=date.today(),
            briefed=True,
            operator="孙文管",
            station="演示台",
        )
    for o in outcomes:
        print(f"    {messages.VERDICT_LABEL[o.verdict]}：{o.message}")
    print()


DEMO_ARCHIVE = "机要档案室"
"""Where the demo archives recovered copies (registered with the operators, so the desk's 处置
screen and the script's dispositions both find it)."""


def _demo_dispositions(engine: Any, key: bytes) -> None:
    """After the close, every recovered copy is disposed of, as the office does: HY-01 archived,
    HY-02 returned to the organiser, the rest shredded by 孙文管 before the officer 赵保密."""
    from carrier_tracker.enums import DestroyMethod, Disposal
    from carrier_tracker.meeting.disposition import Ask, dispose

    print(f"\n[{messages.text('demo_disposition_title')}]")
    with db.session_scope(engine) as s:
        organizer = find_meeting(s, CODE).organizer
    officer_pin = next(pin for name, _role, pin in DEMO_OPERATORS if name == "赵保密")
    authenticate(engine=engine, key=key, name="赵保密", pin=officer_pin, station="演示台")
    asks = (
        Ask(Disposal.ARCHIVE, document="HY-01", location=DEMO_ARCHIVE),
        Ask(Disposal.RETURN, document="HY-02", unit=organizer),
        Ask(
            Disposal.DESTROY,
            all_recovered=True,
            method=DestroyMethod.SHRED.value,
            witnesses=("赵保密",),
        ),
    )
    for ask in asks:
        with db.session_scope(engine) as s:
            outcome = dispose(
                session=s, key=key, meeting_code=CODE, ask=ask, operator="孙文管", station="演示台"
            )
        verdict = Verdict.ACCEPTED if outcome.accepted else Verdict.REFUSED
        print(f"    {messages.VERDICT_LABEL[verdict]}：{outcome.message}")


def _demo_forms(engine: Any, key: bytes, work: Path) -> None:
    """Write the signed forms at the end, to a temporary path, and say where."""
    from carrier_tracker.paper.forms import write_forms

    out = work / "签字表格.xlsx"
    with db.read_scope(engine) as s:
        result = write_forms(session=s, key=key, meeting_code=CODE, path=out)
    print(messages.text("forms_written", path=out, sheets=result.sheets_line()))


def _demo_report(engine: Any, key: bytes, work: Path) -> bool:
    """The office's period report of the demo meeting's month (after its dispositions), as
    ``carrier-tracker report --from … --to …`` writes it; True when every meeting verified."""
    import calendar

    from carrier_tracker.paper.heading import Local
    from carrier_tracker.paper.period_report import write_period_report

    out = work / "定期评估.xlsx"
    with db.read_scope(engine) as s:
        start = Local(None)(find_meeting(s, CODE).starts_at) or datetime.now()
        first = start.date().replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        result = write_period_report(
            session=s, key=key, first=first, last=last, path=out, operator="孙文管", force=True
        )
    print(f"\n[{messages.text('demo_report_title', first=first, last=last)}]")
    print(messages.text("report_written", path=out, n=len(result.lines), marking=result.marking))
    return not result.unverified


def prepare_demo_database(workdir: Path, *, now: datetime | None = None) -> tuple[str, Path]:
    """A throw-away SQLite database with the demo's operators (:data:`DEMO_OPERATORS`) and the
    sample meeting, filed and its venue checked (at ``now``, default the current time: tests
    fix it for stable screens); returns (URL, key path)."""
    url = f"sqlite:///{workdir / 'demo.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    key_path = workdir / "ledger.key"
    key = keyring.open_key(engine, key_path, writes=True)
    with db.session_scope(engine) as s:
        officer = DEMO_OPERATORS[0][0]
        for name, role, pin in DEMO_OPERATORS:
            add_operator(
                session=s, key=key, name=name, role=role, pin=pin, by=officer, station="演示台"
            )
    with db.session_scope(engine) as s:
        add_place(
            session=s,
            key=key,
            kind=PlaceKind.ARCHIVE,
            name=DEMO_ARCHIVE,
            by=officer,
            station="演示台",
        )
    with db.session_scope(engine) as s:
        import_workbook(session=s, key=key, path=SAMPLE, operator="孙文管")
    with db.session_scope(engine) as s:  # the paperwork before the first tap (said on screen)
        paperwork_done(
            session=s,
            key=key,
            meeting_code=CODE,
            ref=FILING_REF,
            on=date.fromisoformat(FILING_DATE),
            operator=officer,
            plan_title="2027 年度科研生产工作会议专项保密工作方案",
            remark=messages.text("demo_answered"),
            station="演示台",
            now=now,
        )
    with db.session_scope(engine) as s:
        open_consignment(
            session=s,
            key=key,
            meeting_code=CODE,
            number="JY-2026-001",
            unit="北京有色金属研究总院",
            recipient="钱七",
            operator="孙文管",
        )
    engine.dispose()
    return url, key_path


def paperwork_lines(engine: Any) -> list[str]:
    """What the demo did before the first tap (filing, venue check), as shown on screen."""
    with db.read_scope(engine) as s:
        meeting = find_meeting(s, CODE)
        venue = checklists.active()[checklists.VENUE]
        statuses = checklist_status(s, meeting, venue)
        lines = [
            messages.text("demo_paperwork", ref=meeting.filed_ref, by=meeting.filed_by),
            f"[{messages.ACTION_LABEL[Action.FILE]}] "
            + messages.text(
                "filed",
                code=meeting.code,
                ref=meeting.filed_ref,
                date=meeting.filed_on.isoformat() if meeting.filed_on else "",
                by=meeting.filed_by,
            ),
            f"[{venue.title}] "
            + "，".join(
                f"{st.item.label} {messages.ANSWER_LABEL[st.answer]}"
                for st in statuses
                if st.answer
            ),
        ]
    return lines


def demo_app(work: Path) -> Any:
    """The desk on a fresh demo database in ``work``, as ``carrier-tracker demo`` opens it (and the
    README walkthrough test drives it): the sim reader, the tag tray, the login screen with the
    custodian's name filled in and every demo operator's PIN listed under it. The export dialog
    proposes ``work`` and the desk keeps its log there: all of it goes with the demo.

    The simulated reader debounces like a real one: the same tag laid on it again within 1.5 s
    of being lifted is a re-read, dropped (the tray says so).
    """
    from carrier_tracker.readers.base import DEFAULT_DEBOUNCE
    from carrier_tracker.tui.app import make_app

    url, key_path = prepare_demo_database(work)
    engine = db.make_engine(url)
    notice = paperwork_lines(engine)[0]
    engine.dispose()
    return make_app(
        url,
        "sim:",
        meeting=CODE,
        station="演示台",
        operator=DEMO_OPERATORS[1][0],  # the custodian's name is filled in: type the PIN shown
        key_path=key_path,
        tray=True,
        debounce=DEFAULT_DEBOUNCE,
        notice=notice,
        login_hint=login_hint(),
        export_dir=work,
    )


def login_hint() -> str:
    """The demo's operators with role and PIN, shown under the login form (a demo has no secrets)."""
    rows = "\n".join(
        messages.text("login_demo_row", name=name, role=messages.ROLE_LABEL[role.value], pin=pin)
        for name, role, pin in DEMO_OPERATORS
    )
    return messages.text("login_demo_hint", rows=rows)


def use_colour(*, no_colour: bool, stream: Any = None, environ: Any = None) -> bool:
    """Colour the script's results only on a terminal, never with ``--no-colour`` or with
    ``$NO_COLOR`` set to anything (https://no-color.org)."""
    stream = sys.stdout if stream is None else stream
    environ = os.environ if environ is None else environ
    if no_colour or environ.get("NO_COLOR"):
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, OSError, ValueError):
        return False


def cmd_demo(args: argparse.Namespace) -> int:
    """CLI entry point: the TUI (or, with ``--script``, the scripted meeting) on a throw-away
    database with the sim reader, removed on exit unless ``--keep``."""
    work = Path(tempfile.mkdtemp(prefix="carrier-tracker-demo-"))
    try:
        if args.script:
            colour = use_colour(no_colour=args.no_colour)
            code = run_demo(pause=0.0 if args.fast else 0.6, workdir=work, colour=colour)
        else:
            need_terminal("demo")
            app = demo_app(work)
            print(operators_line())  # once: it stays above the desk's screen and after it
            print(app.notice)
            app.run()
            code = 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(keep_hint(work) if args.keep else messages.text("demo_removed", dir=work))
    return code


def keep_hint(work: Path) -> str:
    """Where the kept demo lives and the command that reads it: the database and, beside it, the
    ledger key that ``verify``, ``export`` and the desk need (it is not the user's own key)."""
    from shlex import quote

    return messages.text(
        "demo_kept",
        dir=work,
        db=quote(str(work / "demo.db")),
        key_file=quote(str(work / "ledger.key")),
        code=CODE,
    )


def cmd_tui(args: argparse.Namespace) -> int:
    """CLI entry point of ``tui``."""
    from carrier_tracker.readers import ReaderError
    from carrier_tracker.tui.app import make_app

    try:
        app = make_app(
            args.db,
            args.reader,
            meeting=args.meeting,
            station=args.station,
            operator=args.operator,
            lock_after=args.lock_after,
        )
    except ReaderError as e:
        raise CarrierTrackerError(str(e)) from e
    need_terminal("tui")
    app.run()
    return 0


def need_terminal(command: str) -> None:
    """Refuse a full-screen command whose input or output is not a terminal (a pipe, a file, a
    service without one): the screen would be drawn into it, and nothing could answer it.

    Raises:
        CarrierTrackerError: stdin or stdout is not a terminal (exit 2).
    """
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CarrierTrackerError(messages.text("need_terminal", command=command))
