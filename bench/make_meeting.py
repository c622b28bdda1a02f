"""Generate a meeting of any size for the benchmarks: an import workbook, and optionally a
database holding it with a history of taps (issue #24).

    python bench/make_meeting.py --attendees 5000 --documents 100 --copies 100000 -o nat.xlsx
    python bench/make_meeting.py --size national -o nat.xlsx --taps   # + nat.db, nat-key/ledger.key

The four sizes of issue #24 (``--size``): ``demo`` 40 attendees / 8 documents / 225 copies,
``500`` 500 / 20 / 5,000, ``2000`` 2,000 / 50 / 20,000, ``national`` 5,000 / 100 / 100,000.

The workbook (deterministic: the same arguments write the same cells):

- one 机密 meeting (code ``--code``, default ``NAT<attendees>``) that requires passes;
- attendees ``A0001``… from 36 units (provinces and central bodies; half of them out of town),
  clearance 机密 but every 10th 秘密 and every 17th 绝密, each with a pass and its tag UID, every
  attendee but each 50th with a 保密承诺书 date;
- documents ``D001``… with the copies spread evenly, levels 秘密 (k % 3 = 0), 机密 (k % 3 = 1)
  or 内部 (none above the meeting's 机密), every other one collected at breaks, each 5th allowed to be taken
  away, each 7th planned for two units only (分发范围);
- every copy bound to a tag (标签绑定), UIDs as ``samples/make_sample.py`` makes them
  (:func:`uid_for`).

With ``--taps`` the workbook is imported into ``--db`` (default: an SQLite file beside the
workbook) with the demo's operators (``赵保密`` officer PIN 135790, ``孙文管`` custodian PIN
246810, ``门岗``), the meeting filed and its venue checked, then a history is recorded through
the tap service itself (so the chain verifies and the tables are what the ledger says):

1. every pass issued;
2. each document's copies issued, one per attendee, to attendees who may receive it (clearance
   and plan), round robin so the copies spread over the meeting;
3. a break: every issued copy of the documents collected at breaks collected, then reissued;
4. the copies of the even-numbered documents recalled (``--recall-every``; 0: none).

``--passes-only`` stops after step 1 (a meeting ready for the desks: bench/bench_desks.py).

At ``--size national`` that is ~230,000 events. Taps run 1,000 to a transaction (not one each
as at a desk): the history is the point, not the tap's latency. The ledger key is written to
``--key`` (default ``<workbook stem>-key/ledger.key``, a 0700 directory); the last lines printed
are the environment to point the CLI at the result.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "samples"))
from make_sample import GIVEN, SURNAMES, uid_for  # the sample's names and UIDs

SIZES: dict[str, tuple[int, int, int]] = {
    "demo": (40, 8, 225),
    "500": (500, 20, 5_000),
    "2000": (2_000, 50, 20_000),
    "national": (5_000, 100, 100_000),
}
"""The four sizes of issue #24: attendees, documents, copies."""

PROVINCES = [
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
]
UNITS = (
    *tuple(f"{p}代表团" for p in PROVINCES),
    "国家保密局 办公室",
    "国家保密局 指导管理司",
    "中央某部 办公厅",
    "中央某部 科技司",
    "某集团公司 保密办",
    "某研究院 科技处",
    "某研究院 保密处",
    "会议承办单位 会务组",
)
"""36 units; the first 28 (the provinces' delegations) are out of town."""
LEVEL_RANK = {"内部": 0, "秘密": 1, "机密": 2, "绝密": 3}
OFFICER, CUSTODIAN = "赵保密", "孙文管"
STATION = "一号台"
START = datetime(2026, 12, 8, 0, 30, tzinfo=UTC)  # 08:30 in Beijing
BATCH = 1_000


@dataclass(frozen=True)
class Person:
    """An attendee row of the workbook."""

    code: str
    name: str
    unit: str
    out_of_town: bool
    clearance: str
    pass_number: str
    pledged: bool


@dataclass(frozen=True)
class Doc:
    """A document row of the workbook."""

    number: str
    level: str
    copies: int
    collect_at_breaks: bool
    may_take_away: bool
    plan_units: tuple[str, ...]


@dataclass(frozen=True)
class Meeting:
    """The generated meeting: its code, people and documents."""

    code: str
    people: tuple[Person, ...]
    docs: tuple[Doc, ...]

    @property
    def copies(self) -> int:
        """Copies in all."""
        return sum(d.copies for d in self.docs)


def plan_meeting(attendees: int, documents: int, copies: int, code: str) -> Meeting:
    """The meeting's rows (what the workbook will hold), deterministic.

    Raises:
        ValueError: sizes outside the importer's bounds, or fewer copies than documents.
    """
    if not 1 <= attendees <= 10_000:
        raise ValueError(f"--attendees {attendees}: 1 to 10,000")
    if not 1 <= documents <= 1_000:
        raise ValueError(f"--documents {documents}: 1 to 1,000")
    if not documents <= copies <= 100_000 or -(-copies // documents) > 10_000:
        raise ValueError(
            f"--copies {copies}: at least one per document, at most 100,000 in all and "
            "10,000 per document"
        )
    width = max(3, len(str(attendees)))
    people = []
    for i in range(1, attendees + 1):
        unit = UNITS[(i * 7) % len(UNITS)]
        clearance = "秘密" if i % 10 == 0 else ("绝密" if i % 17 == 0 else "机密")
        name = SURNAMES[(i * 7) % len(SURNAMES)] + GIVEN[(i * 13 + i // 97) % len(GIVEN)]
        people.append(
            Person(
                code=f"A{i:0{width}d}",
                name=name,
                unit=unit,
                out_of_town=UNITS.index(unit) < len(PROVINCES),
                clearance=clearance,
                pass_number=f"P{i:0{width}d}",
                pledged=i % 50 != 0,
            )
        )
    per, extra = divmod(copies, documents)
    docs = []
    for k in range(1, documents + 1):
        level = "秘密" if k % 3 == 0 else ("机密" if k % 3 == 1 else "内部")
        units = (UNITS[k % len(UNITS)], UNITS[(k * 5 + 1) % len(UNITS)]) if k % 7 == 0 else ()
        docs.append(
            Doc(
                number=f"D{k:03d}",
                level=level,
                copies=per + (1 if k <= extra else 0),
                collect_at_breaks=k % 2 == 1,
                may_take_away=k % 5 == 0,
                plan_units=tuple(sorted(set(units))),
            )
        )
    return Meeting(code, tuple(people), tuple(docs))


def write_workbook(meeting: Meeting, path: Path) -> None:
    """Write the meeting as an import workbook (openpyxl's write-only mode: 100,000 rows in
    seconds)."""
    import openpyxl

    from carrier_tracker.paper.workbook_schema import ATTENDEES, DOCUMENTS, MEETING, TAGS

    wb = openpyxl.Workbook(write_only=True)

    def sheet(spec: Any, rows: Any) -> None:
        ws = wb.create_sheet(spec.name)
        ws.append([c.header for c in spec.columns])
        for row in rows:
            ws.append(row)

    yes = {True: "是", False: "否"}
    title = f"全国性工作会议（生成：{len(meeting.people)} 人，{meeting.copies} 份）"
    sheet(
        MEETING,
        [
            [
                meeting.code,
                title,
                "机密",
                "会议中心第一会议室（屏蔽会议室）",
                datetime(2026, 12, 8, 8, 30),
                datetime(2026, 12, 10, 17, 30),
                "会议承办单位",
                OFFICER,
                "是",
            ]
        ],
    )
    pledged_on = date(2026, 12, 1)
    sheet(
        ATTENDEES,
        (
            [
                p.code,
                p.name,
                p.unit,
                "代表",
                yes[p.out_of_town],
                p.clearance,
                p.pass_number,
                uid_for(f"{meeting.code}/pass/{p.code}"),
                pledged_on if p.pledged else None,
            ]
            for p in meeting.people
        ),
    )
    sheet(
        DOCUMENTS,
        (
            [
                d.number,
                f"会议文件 {d.number}",
                d.level,
                d.copies,
                yes[d.collect_at_breaks],
                yes[d.may_take_away],
                "、".join(f"单位：{u}" for u in d.plan_units) or None,
            ]
            for d in meeting.docs
        ),
    )
    sheet(
        TAGS,
        (
            [d.number, k, uid_for(f"{meeting.code}/{d.number}/{k}")]
            for d in meeting.docs
            for k in range(1, d.copies + 1)
        ),
    )
    wb.save(path)


# --- the history of taps ------------------------------------------------------------------------


@dataclass(frozen=True)
class Tap:
    """One tap of the history."""

    mode: str
    uid: str
    attendee: str | None = None


def eligible(person: Person, doc: Doc) -> bool:
    """Whether the person may receive the document: clearance and plan."""
    if LEVEL_RANK[person.clearance] < LEVEL_RANK[doc.level]:
        return False
    return not doc.plan_units or person.unit in doc.plan_units


def history(meeting: Meeting, recall_every: int = 2, *, passes_only: bool = False) -> Iterator[Tap]:
    """The taps of the history, in order (see the module's docstring); ``passes_only``: only
    step 1, every pass issued (a meeting ready for its copies to be handed out)."""
    code = meeting.code
    for p in meeting.people:
        yield Tap("issue", uid_for(f"{code}/pass/{p.code}"))
    if passes_only:
        return
    issued: dict[str, list[tuple[int, str]]] = {}
    start = 0
    for d in meeting.docs:
        who = [p for p in meeting.people if eligible(p, d)]
        out = []
        for k in range(1, min(d.copies, len(who)) + 1):
            person = who[(start + k) % len(who)]
            out.append((k, person.code))
            yield Tap("issue", uid_for(f"{code}/{d.number}/{k}"), person.code)
        issued[d.number] = out
        start += d.copies
    flagged = [d for d in meeting.docs if d.collect_at_breaks]
    for d in flagged:
        for k, _who in issued[d.number]:
            yield Tap("collect", uid_for(f"{code}/{d.number}/{k}"))
    for d in flagged:
        for k, _who in issued[d.number]:
            yield Tap("reissue", uid_for(f"{code}/{d.number}/{k}"))
    if recall_every:
        for n, d in enumerate(meeting.docs, start=1):
            if n % recall_every == 0:
                for k, _who in issued[d.number]:
                    yield Tap("recall", uid_for(f"{code}/{d.number}/{k}"))


def make_database(
    workbook: Path,
    meeting: Meeting,
    url: str,
    key_path: Path,
    *,
    recall_every: int = 2,
    passes_only: bool = False,
) -> dict[str, int]:
    """Import the workbook into a new database at ``url`` and record the history (with
    ``passes_only``, only the passes handed out).

    Returns:
        Counts: ``taps``, ``refused`` (must be 0), ``events``.
    """
    from sqlalchemy import text

    from carrier_tracker import ledger, messages
    from carrier_tracker.access.operators import add_operator
    from carrier_tracker.cli.demo import DEMO_OPERATORS
    from carrier_tracker.custody.service import record_tap
    from carrier_tracker.enums import Mode
    from carrier_tracker.meeting.policy import paperwork_done
    from carrier_tracker.paper.importer import import_workbook
    from carrier_tracker.storage import db

    engine = db.make_engine(url, create=True)
    db.upgrade(engine)
    key = ledger.load_key(key_path)
    before = START - timedelta(days=7)
    with db.session_scope(engine) as s:
        for name, role, pin in DEMO_OPERATORS:
            add_operator(session=s, key=key, name=name, role=role, pin=pin, by=OFFICER, now=before)
    with db.session_scope(engine) as s:
        import_workbook(session=s, key=key, path=workbook, operator=CUSTODIAN, now=before)
    with db.session_scope(engine) as s:
        paperwork_done(
            session=s,
            key=key,
            meeting_code=meeting.code,
            ref="保密办〔2026〕99号",
            on=before.date(),
            operator=OFFICER,
            remark=messages.text("demo_answered"),
            station=STATION,
            now=before,
        )
    taps = refused = 0
    first_refusal = ""
    batch = history(meeting, recall_every, passes_only=passes_only)
    t0 = time.perf_counter()
    while True:
        chunk = [t for _, t in zip(range(BATCH), batch, strict=False)]
        if not chunk:
            break
        with engine.begin() as conn:  # many taps a transaction: the history, not the latency
            for tap in chunk:
                outcome = record_tap(
                    session=conn,
                    key=key,
                    meeting_code=meeting.code,
                    uid=tap.uid,
                    mode=Mode(tap.mode),
                    attendee_code=tap.attendee,
                    station=STATION,
                    operator=CUSTODIAN,
                    now=START + timedelta(seconds=2 * taps),
                )
                taps += 1
                if outcome.refused:
                    refused += 1
                    first_refusal = first_refusal or f"{tap}: {outcome.message}"
        print(
            f"\r  {taps} taps, {time.perf_counter() - t0:.0f} s",
            end="",
            file=sys.stderr,
            flush=True,
        )
    print(file=sys.stderr)
    with engine.connect() as conn:
        events = int(conn.execute(text("SELECT count(*) FROM event")).scalar_one())
    engine.dispose()
    if first_refusal:
        print(f"first refusal: {first_refusal}", file=sys.stderr)
    return {"taps": taps, "refused": refused, "events": events}


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, write the workbook, and with ``--taps`` the database."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=sorted(SIZES), help="one of issue #24's four sizes")
    parser.add_argument("--attendees", type=int)
    parser.add_argument("--documents", type=int)
    parser.add_argument("--copies", type=int, help="copies in all, spread over the documents")
    parser.add_argument("--code", help="the meeting's code (default NAT<attendees>)")
    parser.add_argument("-o", "--output", type=Path, help="the workbook (default <code>.xlsx)")
    parser.add_argument("--taps", action="store_true", help="also a database with a history")
    parser.add_argument("--db", help="the database URL (default: SQLite beside the workbook)")
    parser.add_argument("--key", type=Path, help="the ledger key file to create")
    parser.add_argument(
        "--recall-every", type=int, default=2, help="recall each Nth document's copies (0: none)"
    )
    parser.add_argument(
        "--passes-only", action="store_true", help="the history: only every pass handed out"
    )
    args = parser.parse_args(argv)
    sized = SIZES.get(args.size or "", (None, None, None))
    attendees = args.attendees or sized[0]
    documents = args.documents or sized[1]
    copies = args.copies or sized[2]
    if not (attendees and documents and copies):
        parser.error("give --size, or --attendees, --documents and --copies")
    code = args.code or f"NAT{attendees}"
    try:
        meeting = plan_meeting(attendees, documents, copies, code)
    except ValueError as e:
        parser.error(str(e))
    out: Path = args.output or Path(f"{code}.xlsx")
    t0 = time.perf_counter()
    write_workbook(meeting, out)
    print(
        f"wrote {out}: {attendees} attendees, {documents} documents, {meeting.copies} copies "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    if not args.taps:
        return 0
    url = args.db or f"sqlite:///{out.with_suffix('.db').resolve()}"
    key_path = args.key or out.resolve().with_name(f"{out.stem}-key") / "ledger.key"
    if url.startswith("sqlite:///") and Path(url.removeprefix("sqlite:///")).exists():
        parser.error(f"{url} exists: remove it first (the history starts from an empty database)")
    if key_path.exists():
        parser.error(f"{key_path} exists: remove it first (a new database needs a new key)")
    t0 = time.perf_counter()
    counts = make_database(
        out, meeting, url, key_path, recall_every=args.recall_every, passes_only=args.passes_only
    )
    print(
        f"recorded {counts['taps']} taps ({counts['refused']} refused), {counts['events']} events "
        f"in all ({time.perf_counter() - t0:.0f} s)"
    )
    print(f"export CARRIER_TRACKER_DB='{url}' CARRIER_TRACKER_KEY_FILE='{key_path}'")
    return 1 if counts["refused"] else 0


if __name__ == "__main__":
    sys.exit(main())
