"""Desk UI benchmarks (run by hand), headless.

python bench/bench_tui.py [--taps 200]
    on a 2,000-attendee / 50,000-copy meeting: tap → result on screen, a live refresh of the
    reconciliation screen, start-up, resident memory;

python bench/bench_tui.py --export [--attendees 5000 --copies 100000] [--seconds 20]
    on a 5,000-attendee / 100,000-copy meeting with ~205,000 ledger events: key latency,
    tap → result on screen and event-loop lag, idle and while the desk exports the meeting
    (the desk's own export: Ctrl+O, the job in its child process).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from big_meeting import big_workbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
KEY_NAME = "ledger.key"


OFFICER = "赵保密"


def prepare(work: Path) -> tuple[str, Path]:
    """The big meeting imported, filed and its venue checked (taps are accepted), an officer
    registered; every pass and 5,000 copies out."""
    from datetime import date

    from sqlalchemy import text

    from carrier_tracker import ledger
    from carrier_tracker.access.operators import add_operator
    from carrier_tracker.enums import Role
    from carrier_tracker.meeting.policy import paperwork_done
    from carrier_tracker.paper.importer import import_workbook
    from carrier_tracker.storage import db

    big = big_workbook(work)
    url = f"sqlite:///{work / 'big.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    key_path = work / KEY_NAME
    key = ledger.load_key(key_path)
    with db.session_scope(engine) as s:
        add_operator(session=s, key=key, name=OFFICER, role=Role.OFFICER, pin="135790", by=OFFICER)
    with db.session_scope(engine) as s:
        import_workbook(session=s, key=key, path=big)
    with db.session_scope(engine) as s:
        paperwork_done(
            session=s,
            key=key,
            meeting_code="BIG",
            ref="BM-1",
            on=date(2026, 12, 1),
            operator=OFFICER,
            remark="bench",
        )
    with db.session_scope(engine) as s:
        # Every pass issued; 5,000 copies out across the attendees (so reconciliation has work).
        s.execute(text("UPDATE carrier SET state='issued', holder_id=owner_id WHERE kind='pass'"))
        s.execute(
            text(
                "UPDATE carrier SET state='issued', holder_id = 1 + (id % 2000), state_since=CURRENT_TIMESTAMP "
                "WHERE kind='copy' AND id % 10 = 0"
            )
        )
    engine.dispose()
    return url, key_path


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def measure(url: str, key_path: Path, taps: int) -> None:
    from carrier_tracker import ledger
    from carrier_tracker.custody.service import record_tap
    from carrier_tracker.enums import Mode
    from carrier_tracker.storage import db
    from carrier_tracker.tui.app import make_app
    from carrier_tracker.tui.messages import LedgerAdvanced
    from carrier_tracker.tui.screens.desk import DeskScreen
    from carrier_tracker.tui.screens.reconcile import ReconcileScreen
    from carrier_tracker.tui.widgets.banners import OutcomePanel

    sys.path.insert(0, str(ROOT / "samples"))
    from make_sample import uid_for  # type: ignore[import-not-found]

    from carrier_tracker.access.operators import Authenticated
    from carrier_tracker.enums import Role

    app = make_app(
        url,
        "sim:",
        meeting="BIG",
        station="bench",
        operator=OFFICER,
        key_path=key_path,
        debounce=0.0,
        signed_in=Authenticated(OFFICER, Role.OFFICER),  # the login has its own tests
    )
    async with app.run_test(size=(120, 36)) as pilot:
        while not isinstance(app.screen, DeskScreen):
            await pilot.pause(0.01)
        await pilot.pause(0.3)
        desk = app.screen
        while not desk.people:  # loaded on the read lane
            await pilot.pause(0.01)
        desk._choose(desk.people["A00002"])  # holds nothing yet (the setup gave A00001 copies)
        panel = desk.query_one(OutcomePanel)
        times = []
        for i in range(taps):
            uid = uid_for(f"BIG/D{(i % 900) + 1:04d}/{(i // 900) % 50 + 1}")
            await pilot.press("f1" if (i // 900) % 2 == 0 else "f4")
            before = str(panel.render())
            t0 = time.perf_counter()
            app.simulate_tap(uid)
            deadline = t0 + 5
            while str(panel.render()) == before and time.perf_counter() < deadline:
                await asyncio.sleep(0.0005)
            if str(panel.render()) == before:
                print(f"tap {i} ({uid}) showed nothing new: {before}", flush=True)
                continue
            if "拒绝" in str(panel.render()):
                raise SystemExit(f"tap {i} ({uid}) refused: {panel.render()}")
            times.append(time.perf_counter() - t0)
            await asyncio.sleep(0.25)  # the tray lifts the tag after 0.2 s
        print(
            f"tap → result on screen: median {statistics.median(times) * 1000:.1f} ms, "
            f"p95 {sorted(times)[int(len(times) * 0.95)] * 1000:.1f} ms (n={taps}; target median < 50 ms)"
        )

        await pilot.press("ctrl+r")
        while not isinstance(app.screen, ReconcileScreen):
            await pilot.pause(0.01)
        await pilot.pause(0.5)
        recon = app.screen
        engine = db.make_engine(url)
        key = ledger.load_key(key_path)
        refresh = []
        for i in range(30):
            with db.tap_scope(engine) as conn:  # "another desk"
                record_tap(
                    session=conn,
                    key=key,
                    meeting_code="BIG",
                    uid=uid_for(f"BIG/D{i + 950:04d}/1"),
                    mode=Mode.ISSUE,
                    attendee_code=f"A{(i % 2000) + 1:05d}",
                    station="desk-2",
                    operator="赵保密",
                )
            shown = recon.recon
            t0 = time.perf_counter()
            recon.post_message(
                LedgerAdvanced(0, 1)
            )  # what the 1 s poll posts; the read runs on the read lane
            while recon.recon is shown and time.perf_counter() - t0 < 10:
                await asyncio.sleep(0.0005)
            refresh.append(time.perf_counter() - t0)
            await pilot.pause(0)
        print(
            f"reconciliation live refresh (read in a worker, then drawn): median {statistics.median(refresh) * 1000:.1f} ms, max {max(refresh) * 1000:.1f} ms "
            "(n=30; target < 100 ms)"
        )
        print(f"resident memory after the run: {rss_mb():.0f} MB (target < 300 MB)")


STARTUP = """
import time, sys, asyncio
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from carrier_tracker.enums import Role
from carrier_tracker.access.operators import Authenticated
from carrier_tracker.tui.app import make_app
from carrier_tracker.tui.screens.desk import DeskScreen
async def main():
    # signed in already: a person's sign-in adds their typing and one PIN check (~0.1 s)
    who = Authenticated("赵保密", Role.OFFICER)
    app = make_app({url!r}, "sim:", meeting="BIG", station="bench", operator="赵保密", key_path=__import__("pathlib").Path({key!r}), signed_in=who)
    async with app.run_test(size=(120, 36)) as pilot:
        while not isinstance(app.screen, DeskScreen) or not app.screen.is_mounted:
            await pilot.pause(0.005)
        await pilot.pause(0)
        print(f"{{time.perf_counter() - t0:.2f}}")
asyncio.run(main())
"""


def startup(url: str, key_path: Path) -> None:
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", STARTUP.format(root=str(ROOT), url=url, key=str(key_path))],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ},
        )
        runs.append((time.perf_counter() - t0, float(out.stdout.strip().splitlines()[-1])))
    print(
        f"start to usable desk (fresh process, imports included): median {statistics.median(r[0] for r in runs):.2f} s "
        f"wall, {statistics.median(r[1] for r in runs):.2f} s inside Python (target < 2 s)"
    )


def prepare_national(work: Path, attendees: int, copies: int) -> tuple[str, Path, int]:
    """A meeting of ``attendees`` and ``copies`` (100 documents, code ``BIG``) filed and
    its venue checked, with a history appended to its chain as valid ledger events — every pass
    issued, every copy issued and recalled — and the tables holding what it says (the export's
    verification finds nothing to report). Returns (URL, key path, events in the chain).

    Written directly (hashes and rows in bulk) so that the 200,000 events take seconds, not the
    hour 200,000 taps would; ``bench/make_meeting.py`` (issue #24) makes such histories by taps.
    """
    from datetime import UTC, date, datetime, timedelta

    from sqlalchemy import insert, text

    from carrier_tracker import ledger
    from carrier_tracker.access.operators import add_operator
    from carrier_tracker.enums import Role
    from carrier_tracker.meeting.policy import paperwork_done
    from carrier_tracker.paper.importer import import_workbook
    from carrier_tracker.storage import db
    from carrier_tracker.storage.models import Event, LedgerHead

    sys.path.insert(0, str(ROOT / "samples"))
    import make_sample  # type: ignore[import-not-found]

    # 100 documents (the import takes up to 1,000 documents and 10,000 copies of each), written
    # by the sample's own builder: D001… of copies // 100 copies each, as in issue #24.
    make_sample.DOCUMENTS_SAMPLE = [
        (f"D{k:03d}", f"测试文件 {k}", ["机密", "秘密", "内部"][k % 3], copies // DOCUMENTS,
         k % 2 == 0, k % 5 == 0)
        for k in range(1, DOCUMENTS + 1)
    ]  # fmt: skip
    book = work / "national.xlsx"
    make_sample.build(book, attendees, None, "BIG")
    url = f"sqlite:///{work / 'national.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    key_path = work / KEY_NAME
    key = ledger.load_key(key_path)
    with db.session_scope(engine) as s:
        add_operator(session=s, key=key, name=OFFICER, role=Role.OFFICER, pin="135790", by=OFFICER)
    with db.session_scope(engine) as s:
        import_workbook(session=s, key=key, path=book)
    with db.session_scope(engine) as s:
        paperwork_done(
            session=s,
            key=key,
            meeting_code="BIG",
            ref="BM-1",
            on=date(2026, 12, 1),
            operator=OFFICER,
            remark="bench",
        )
    with db.session_scope(engine) as s:
        head = s.get(LedgerHead, 1)
        assert head is not None
        passes = list(s.execute(text("SELECT id, owner_id FROM carrier WHERE kind='pass'")))
        copy_ids = [r[0] for r in s.execute(text("SELECT id FROM carrier WHERE kind='copy'"))]
        people = [r[0] for r in s.execute(text("SELECT id FROM attendee ORDER BY id"))]
        t0 = datetime(2026, 12, 8, tzinfo=UTC)
        steps: list[tuple[int, str, str, str, int]] = [
            (cid, "issue", "registered", "issued", owner) for cid, owner in passes
        ]
        for action, before, after in (
            ("issue", "registered", "issued"),
            ("recall", "issued", "recovered"),
        ):
            steps += [
                (cid, action, before, after, people[i % len(people)])
                for i, cid in enumerate(copy_ids)
            ]  # fmt: skip
        rows, prev, seq = [], head.hash, head.seq
        for i, (cid, action, before, after, who) in enumerate(steps):
            seq += 1
            ev = Event(
                meeting_id=1, seq=seq, carrier_id=cid, tag_uid=None, action=action,
                verdict="accepted", from_state=before, to_state=after, attendee_id=who,
                station="一号台", operator=OFFICER, at=t0 + timedelta(seconds=i // 10),
                note="", reason="", prev_hash=prev, hash="",
            )  # fmt: skip
            ev.hash = ledger.event_hash(key, prev, ev)
            prev = ev.hash
            rows.append({c: getattr(ev, c) for c in Event.model_fields if c != "id"})
            if len(rows) == 20000:
                s.execute(insert(Event), rows)
                rows = []
        if rows:
            s.execute(insert(Event), rows)
        head.seq, head.hash, head.mac = seq, prev, ledger.head_mac(key, 1, seq, prev)
        s.add(head)
        s.execute(text("UPDATE carrier SET state='issued', holder_id=owner_id WHERE kind='pass'"))
        s.execute(text("UPDATE carrier SET state='recovered', holder_id=NULL WHERE kind='copy'"))
        s.execute(text("UPDATE meeting SET status = 'open'"))  # its first tap opened it
    engine.dispose()
    return url, key_path, seq


DOCUMENTS = 100


class LoopLag:
    """How late the event loop wakes a task that sleeps 20 ms (what every key and tap waits
    behind): sampled all the time, read per phase."""

    TICK = 0.02

    def __init__(self) -> None:
        self.samples: list[float] = []
        self.gc_pauses: list[float] = []  # the garbage collector's full passes, in the desk
        self._task: asyncio.Task[None] | None = None
        self._gc_started = self._gc_cpu = 0.0
        self.gc_cpu: list[float] = []  # the same passes' CPU time (the rest is waiting for a core)

    def start(self) -> None:
        import gc

        gc.callbacks.append(self._gc)
        self._task = asyncio.get_running_loop().create_task(self._run())

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._gc_started, self._gc_cpu = time.perf_counter(), time.thread_time()
        else:
            self.gc_pauses.append(time.perf_counter() - self._gc_started)
            self.gc_cpu.append(time.thread_time() - self._gc_cpu)

    async def _run(self) -> None:
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(self.TICK)
            self.samples.append(time.perf_counter() - t0 - self.TICK)

    def take(self) -> tuple[list[float], list[float], list[float]]:
        """The lags, and the full garbage collections' wall and CPU times, since the last take."""
        taken = (self.samples, self.gc_pauses, self.gc_cpu)
        self.samples, self.gc_pauses, self.gc_cpu = [], [], []
        return taken

    def stop(self) -> None:
        import gc

        gc.callbacks.remove(self._gc)
        if self._task is not None:
            self._task.cancel()


def _stats(values: list[float]) -> str:
    if not values:
        return "n=0"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
        f"max {ordered[-1] * 1000:.1f} ms (n={len(ordered)})"
    )


def _export_in_thread(url: str, key_path: Path, target: Path) -> None:
    """``export_meeting`` as the desk ran it before #26 (its verification inline: the child
    process it would start for a long chain fails inside Textual)."""
    from carrier_tracker import ledger
    from carrier_tracker.paper.export import export_meeting
    from carrier_tracker.storage import db

    engine = db.make_engine(url, read_only=True)
    with db.read_scope(engine) as s:
        export_meeting(
            session=s,
            key=ledger.load_key(key_path),
            meeting_code="BIG",
            path=target,
            parallel_verify_min=10**9,
        )
    engine.dispose()


async def measure_export(
    url: str,
    key_path: Path,
    events: int,
    seconds: float,
    freeze: bool = False,
    in_process: bool = False,
) -> None:
    """Keys and taps at the desk, idle for ``seconds`` and then while it exports the meeting."""
    from textual import events as textual_events

    from carrier_tracker.access.operators import Authenticated
    from carrier_tracker.enums import Role
    from carrier_tracker.tui.app import make_app
    from carrier_tracker.tui.screens.desk import DeskScreen
    from carrier_tracker.tui.screens.export_dialog import ExportDialog
    from carrier_tracker.tui.widgets.banners import ModeBanner, OutcomePanel

    sys.path.insert(0, str(ROOT / "samples"))
    from make_sample import uid_for  # type: ignore[import-not-found]

    app = make_app(
        url, "sim:", meeting="BIG", station="bench", operator=OFFICER, key_path=key_path,
        debounce=0.0, signed_in=Authenticated(OFFICER, Role.OFFICER),
    )  # fmt: skip
    lag = LoopLag()
    docs = iter(range(1, 10**6))
    async with app.run_test(size=(120, 36)) as pilot:
        while not isinstance(app.screen, DeskScreen):
            await pilot.pause(0.01)
        desk = app.screen
        while not desk.people:  # loaded on the read lane
            await pilot.pause(0.01)
        desk._choose(desk.people["A00002" if "A00002" in desk.people else "A002"])
        await pilot.pause(0.5)
        if freeze:  # what the desk holds once loaded, out of the garbage collector's passes
            import gc

            gc.freeze()
        banner, panel = desk.query_one(ModeBanner), desk.query_one(OutcomePanel)
        driver = app._driver
        assert driver is not None

        async def key(name: str, expect: str) -> float:
            """Press a mode key as the terminal sends it; time until the banner shows the mode."""
            t0 = time.perf_counter()
            event = textual_events.Key(name, None)
            event.set_sender(app)
            driver.send_message(event)
            while expect not in str(banner.render()):
                if time.perf_counter() - t0 > 10:
                    raise SystemExit(f"key {name} never showed {expect}")
                await asyncio.sleep(0.0005)
            return time.perf_counter() - t0

        async def tap(uid: str) -> float:
            """Present a tag; time until its result is on screen (accepted, or the bench stops)."""
            before = str(panel.render())
            t0 = time.perf_counter()
            app.simulate_tap(uid)
            while str(panel.render()) == before:
                if time.perf_counter() - t0 > 10:
                    raise SystemExit(f"tap {uid} showed nothing")
                await asyncio.sleep(0.0005)
            shown = time.perf_counter() - t0
            if "拒绝" in str(panel.render()):
                raise SystemExit(f"tap {uid} refused: {panel.render()}")
            await asyncio.sleep(0.25)  # the tray lifts the tag after 0.2 s
            return shown

        async def work(until: Any) -> tuple[list[float], list[float]]:
            """Until ``until()`` is false: F1 (发放), issue the next document's copy 1 to the
            attendee, F4 (会后清退), recall it — two keys and two accepted taps a round."""
            keys, taps = [], []
            while until():
                uid = uid_for(f"BIG/D{next(docs) % DOCUMENTS + 1:03d}/1")
                keys.append(await key("f1", "【发放】"))
                await asyncio.sleep(0.1)
                taps.append(await tap(uid))
                keys.append(await key("f4", "【会后清退】"))
                await asyncio.sleep(0.1)
                taps.append(await tap(uid))
            return keys, taps

        import gc

        phases: dict[str, tuple[list[float], ...]] = {}
        tracked = [len(gc.get_objects())]  # objects the collector tracks: what a full pass walks

        async def phase(name: str, until: Any) -> None:
            lag.take()
            keys, taps = await work(until)
            phases[name] = (keys, taps, *lag.take())
            tracked.append(len(gc.get_objects()))

        lag.start()
        end = time.perf_counter() + seconds
        await phase("idle", lambda: time.perf_counter() < end)

        target = Path(tempfile.mkdtemp(prefix="bench-export-")) / "保密办-BIG.xlsx"
        if in_process:  # the way before #26, for comparison: a thread in the desk's process
            thread = threading.Thread(target=_export_in_thread, args=(url, key_path, target))
            thread.start()
            running: Any = thread.is_alive
        else:  # the desk's own way: Ctrl+O, the path, Enter
            await pilot.press("ctrl+o")
            while not isinstance(app.screen, ExportDialog):
                await pilot.pause(0.01)
            app.screen.query_one("#path").value = str(target)  # type: ignore[attr-defined]
            await pilot.press("enter")
            while app.jobs.running is None:
                await pilot.pause(0.01)
            running = lambda: app.jobs.running is not None  # noqa: E731
        t0 = time.perf_counter()
        await phase("export", running)
        export_s = time.perf_counter() - t0
        # The same again once the export is over: the desk's heap has grown by then (each key and
        # tap leaves objects behind), which shows apart from the export's own effect.
        end = time.perf_counter() + seconds
        await phase("idle after", lambda: time.perf_counter() < end)
        lag.stop()
        if not in_process:
            last = app.jobs.last
            assert last is not None and last.report is not None, last
        assert target.exists()
        size_mb = target.stat().st_size / 2**20
        target.unlink()
        target.parent.rmdir()

    how = "in a thread of the desk's process" if in_process else "from the desk (its child process)"
    print(f"meeting: {events:,} ledger events; export {how}: {export_s:.1f} s ({size_mb:.0f} MB)")
    rows = (
        ("key → mode shown (target < 100 ms)", 0),
        ("tap → result shown (target < 50 ms)", 1),
        ("event-loop lag (a 20 ms sleep)", 2),
        ("full garbage collections, wall", 3),
        ("full garbage collections, CPU", 4),
    )
    for title, i in rows:
        print(title)
        for name, values in phases.items():
            print(f"  {name:<11} {_stats(values[i])}")
    print(
        "objects the collector tracks: "
        + " → ".join(f"{n:,}" for n in tracked)
        + " (start, after idle, after the export, after idle)"
    )
    print(f"load average at the end (this host is shared): {os.getloadavg()[0]:.1f}")
    print(f"desk's resident memory after the run: {rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--taps", type=int, default=200)
    parser.add_argument("--export", action="store_true", help="keys, taps and lag during an export")
    parser.add_argument("--attendees", type=int, default=5000)
    parser.add_argument("--copies", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the idle phase")
    parser.add_argument("--freeze", action="store_true", help="gc.freeze() once the desk is loaded")
    parser.add_argument(
        "--in-process", action="store_true", help="export in a thread of the desk (before #26)"
    )
    args = parser.parse_args()
    if args.export:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            url, key_path, events = prepare_national(Path(tmp), args.attendees, args.copies)
            print(f"prepared {args.attendees:,} attendees / {args.copies:,} copies in "
                  f"{time.perf_counter() - t0:.0f} s")  # fmt: skip
            asyncio.run(
                measure_export(url, key_path, events, args.seconds, args.freeze, args.in_process)
            )
        return
    with tempfile.TemporaryDirectory() as tmp:
        url, key_path = prepare(Path(tmp))
        if not os.environ.get("SKIP_STARTUP"):
            startup(url, key_path)
        asyncio.run(measure(url, key_path, args.taps))


if __name__ == "__main__":
    main()
