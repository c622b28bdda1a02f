"""``status`` (and ``--by-document``, ``--break``) read an SQLite file straight through the
standard library: the same answer as through an ORM session, no SQLAlchemy imported, and the
usual path (with its messages) whenever the file is not a current-schema SQLite database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from carrier_tracker import ledger
from carrier_tracker.cli.demo import CODE, prepare_demo_database
from carrier_tracker.custody.service import find_meeting, record_tap
from carrier_tracker.enums import Mode
from carrier_tracker.meeting.distribution import (
    break_view,
    break_view_json,
    plan_view,
    plan_view_json,
)
from carrier_tracker.meeting.lifecycle import open_consignment, status
from carrier_tracker.storage import db, direct, readmodel
from tests.integration.cli_helpers import ROOT, copy_uid, pass_uid


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The demo's database with passes and copies out, one in transit, one lost, one back."""
    home = tmp_path_factory.mktemp("direct")
    home.chmod(0o700)
    url, key_path = prepare_demo_database(home)
    key = ledger.load_key(key_path)
    engine = db.make_engine(url)
    steps: list[tuple[str, Mode, dict[str, str]]] = [
        (pass_uid("A001"), Mode.ISSUE, {}),
        (pass_uid("A003"), Mode.ISSUE, {}),
        (copy_uid("HY-01", 1), Mode.ISSUE, {"attendee_code": "A001"}),
        (copy_uid("HY-03", 2), Mode.ISSUE, {"attendee_code": "A003"}),
        (copy_uid("HY-03", 2), Mode.RECALL, {}),
        (copy_uid("HY-01", 2), Mode.ISSUE, {"attendee_code": "A003"}),
        (copy_uid("HY-05", 2), Mode.DISPATCH, {"consignment_no": "JY-2026-001"}),
        (copy_uid("HY-06", 9), Mode.LOST, {"operator": "赵保密", "note": "库房缺失"}),
    ]
    for uid, mode, kw in steps:
        with db.session_scope(engine) as s:
            kw = {"operator": "孙文管", **kw}
            out = record_tap(session=s, key=key, meeting_code=CODE, uid=uid, mode=mode, **kw)  # type: ignore[arg-type]
            assert not out.refused, out.message
    with db.session_scope(engine) as s:
        open_consignment(session=s, key=key, meeting_code=CODE, number="JY-2", unit="某所")
    engine.dispose()
    return url, key_path


def test_direct_reads_give_what_a_session_gives(busy: tuple[str, Path]) -> None:
    url, _ = busy
    conn = direct.open_reader(url)
    assert conn is not None
    engine = db.make_engine(url, read_only=True)
    try:
        with db.read_scope(engine) as s:
            assert readmodel.status_data(conn, "hy2026-12") == status(s, CODE)
            assert plan_view_json(plan_view(conn, CODE)) == plan_view_json(plan_view(s, CODE))
            on_conn = break_view(conn, readmodel.meeting_row(conn, CODE))
            assert break_view_json(on_conn) == break_view_json(break_view(s, find_meeting(s, CODE)))
            data = status(s, CODE)
    finally:
        conn.close()
        engine.dispose()
    # the fixture's world is in it: one in transit, one lost with no holder, A001 and A003 out
    assert [a["code"] for a in data["attendees"]] == ["A001", "A003"]
    assert len(data["in_transit"]) == 1 and len(data["unassigned"]) == 1


def _run(url: str, key: Path, code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARRIER_TRACKER_DB": url, "CARRIER_TRACKER_KEY_FILE": str(key)}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT
    )


@pytest.mark.parametrize("flags", [[], ["--by-document"], ["--break"], ["--json"]])
def test_status_imports_no_sqlalchemy(busy: tuple[str, Path], flags: list[str]) -> None:
    """What makes ``status`` start fast: nothing of SQLAlchemy (nor Alembic, openpyxl) is
    imported on an SQLite file with the current schema."""
    url, key = busy
    code = (
        "import sys\n"
        "from carrier_tracker.cli.main import main\n"
        f"assert main(['status', {CODE!r}, *{flags!r}]) == 0\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'sqlalchemy', 'sqlmodel', 'alembic', 'openpyxl', 'pydantic'})\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    p = _run(url, key, code)
    assert p.returncode == 0, p.stderr
    assert "HEAVY []" in p.stderr
    assert p.stdout.strip()


def test_an_old_schema_goes_the_usual_way(busy: tuple[str, Path], tmp_path: Path) -> None:
    """A database whose schema is not the current one is not read directly: the usual path
    names the problem (exit 2) instead of reading tables it does not know."""
    url, key = busy
    src = Path(url.removeprefix("sqlite:///"))
    old = tmp_path / "old.db"
    old.write_bytes(src.read_bytes())
    import sqlite3

    raw = sqlite3.connect(old)
    raw.execute("UPDATE alembic_version SET version_num = '0011'")
    raw.commit()
    raw.close()
    old_url = f"sqlite:///{old}"
    assert direct.open_reader(old_url) is None
    p = _run(
        old_url,
        key,
        f"from carrier_tracker.cli.main import main; raise SystemExit(main(['status', {CODE!r}]))",
    )
    assert p.returncode == 2 and "0011" in p.stderr and "Traceback" not in p.stderr, p.stderr


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "postgresql+psycopg://x@localhost/y",
        "sqlite:///a.db?mode=ro",
    ],
)
def test_only_plain_sqlite_files_are_read_directly(url: str) -> None:
    assert direct.open_reader(url) is None


def test_a_missing_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    assert direct.open_reader(f"sqlite:///{missing}") is None
    assert not missing.exists()


def test_by_document_says_who_is_excluded_by_clearance(busy: tuple[str, Path]) -> None:
    """Issue #25 item 18 from outside: the sample's four 秘密 attendees (A010 熊勇, …) are not
    counted as 应发 for a 机密 document, and the text and the JSON say how many are left out."""
    url, key = busy
    run = "from carrier_tracker.cli.main import main; raise SystemExit(main({argv!r}))"
    text = _run(url, key, run.format(argv=["status", CODE, "--by-document"]))
    assert text.returncode == 0, text.stderr
    hy01 = text.stdout.split("HY-02")[0]
    assert "应发 36 人" in hy01 and "另有 4 人知悉级别低于文件密级，不计入应发、未领取" in hy01
    assert "A010 熊勇" not in hy01
    due = text.stdout.split("尚应领取：")[1]
    assert "A010 熊勇（" in due and "HY-01" not in due.split("A010 熊勇")[1].splitlines()[0]
    data = _run(url, key, run.format(argv=["status", CODE, "--by-document", "--json"]))
    docs = {d["number"]: d for d in __import__("json").loads(data.stdout)["documents"]}
    assert (docs["HY-01"]["planned"], docs["HY-01"]["excluded_by_clearance"]) == (36, 4)
    assert (docs["HY-08"]["planned"], docs["HY-08"]["excluded_by_clearance"]) == (40, 0)
