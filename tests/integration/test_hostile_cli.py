"""The hostile-input corpus against every command that takes text: exit 2, the exact first line
of stderr, and nothing changed — on SQLite in-process, a few through the real executable, and
the length cases on PostgreSQL, where they used to fail with a DataError that printed the SQL."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from carrier_tracker.cli import main
from carrier_tracker.storage import db
from tests.conftest import SAMPLE, fresh_pg_url
from tests.data.make_hostile_corpus import CLI_CASES, CONSIGNMENT, CliCase
from tests.integration.cli_helpers import CODE, PIN, ROOT, copy_uid, register_operators

SIDE_FILES = ("-wal", "-shm", "-journal")


@dataclass
class Corpus:
    """A database with the sample meeting and a consignment, plus the odd files the cases use."""

    root: Path
    db_path: Path
    values: dict[str, str]

    @property
    def env(self) -> dict[str, str]:
        return {
            "CARRIER_TRACKER_HOME": str(self.root / "home"),
            "CARRIER_TRACKER_DB": f"sqlite:///{self.db_path}",
            "CARRIER_TRACKER_OPERATOR": "孙文管",
            "CARRIER_TRACKER_PIN": PIN,
        }

    def fill(self, value: str) -> str:
        for k, v in self.values.items():
            value = value.replace("{" + k + "}", v)
        return value


def _run(
    corpus: Corpus,
    argv: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str] | None = None,
) -> tuple[int, str, str]:
    for k, v in {**corpus.env, **(env or {})}.items():
        monkeypatch.setenv(k, v)
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    root = tmp_path_factory.mktemp("hostile")
    db_path = root / "ct.db"
    out = root / "out"
    out.mkdir()
    (out / "adir.xlsx").mkdir()
    notdb = root / "notdb.db"
    notdb.write_bytes(b"this is not a database\n" * 100)
    newer = root / "newer.db"
    engine = db.make_engine(f"sqlite:///{newer}")
    db.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    values = {
        "CODE": CODE,
        "UID": copy_uid("HY-01", 1),
        "OUT": str(out),
        "SAMPLE": str(SAMPLE),
        "NOTDB": f"sqlite:///{notdb}",
        "NOTDB_PATH": str(notdb),
        "NEWER": f"sqlite:///{newer}",
        "MISSINGDIR": f"sqlite:///{root / 'nowhere' / 'ct.db'}",
        "MISSINGDIR_PARENT": str(root / "nowhere"),
        "MISSINGFILE": f"sqlite:///{root / 'absent.db'}",
        "MISSINGFILE_PATH": str(root / "absent.db"),
        "head": db.SCHEMA_HEAD,
    }
    c = Corpus(root, db_path, values)
    with pytest.MonkeyPatch.context() as mp:
        for k, v in c.env.items():
            mp.setenv(k, v)
        assert main(["init"]) == 0
        register_operators({**os.environ})
        assert main(["import", str(SAMPLE)]) == 0
        assert main(["consignment", CODE, CONSIGNMENT, "--unit", "北京有色金属研究总院"]) == 0
    yield c


def _state(corpus: Corpus) -> tuple[str, dict[str, str]]:
    """The database's logical content and every other file's bytes under the corpus root."""
    conn = sqlite3.connect(f"file:{corpus.db_path}?mode=ro", uri=True)
    try:
        dump = "\n".join(conn.iterdump())
    finally:
        conn.close()
    files = {}
    for p in sorted(corpus.root.rglob("*")):
        if p.is_file() and p != corpus.db_path and not p.name.endswith(SIDE_FILES):
            files[str(p.relative_to(corpus.root))] = hashlib.sha256(p.read_bytes()).hexdigest()
        elif p.is_dir():
            files[str(p.relative_to(corpus.root)) + "/"] = "dir"
    return hashlib.sha256(dump.encode()).hexdigest(), files


def _first_line(err: str) -> str:
    return (err.splitlines() or [""])[0]


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.name for c in CLI_CASES])
def test_refused_with_one_clear_line_and_nothing_changed(
    case: CliCase,
    corpus: Corpus,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = _state(corpus)
    argv = [corpus.fill(a) for a in case.argv]
    env = {k: corpus.fill(v) for k, v in case.env.items()}
    code, out, err = _run(corpus, argv, monkeypatch, capsys, env)
    assert (code, _first_line(err)) == (case.exit, corpus.fill(case.first_line)), err[:2000]
    assert len(err.splitlines()) == 1, "one line, not a report: " + err[:2000]
    assert out == ""
    assert "Traceback" not in err and "内部错误" not in err
    assert _state(corpus) == before, "a refused command must change nothing"


def test_accepted_text_that_looks_alike(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Codes typed with full-width characters or a zero-width space find the same meeting."""
    code, out, err = _run(
        corpus, ["status", "ＨＹ２０２６－１２\u200b", "--json"], monkeypatch, capsys
    )
    assert code == 0, err
    assert f'"code": "{CODE}"' in out


# --- the real executable: exit code and stderr as a shell sees them -----------------------------

REAL = [
    "tap_operator_too_long",
    "tap_bad_utf8",
    "init_not_a_database",
    "init_newer_schema",
    "template_onto_dir",
    "bind_copy_huge",
    "export_name_too_long",
]


@pytest.mark.parametrize("name", REAL)
def test_real_process(name: str, corpus: Corpus) -> None:
    case = next(c for c in CLI_CASES if c.name == name)
    before = _state(corpus)
    # Undecodable bytes reach a real process only as bytes: encode the surrogates back.
    argv = [corpus.fill(a).encode("utf-8", "surrogateescape") for a in case.argv]
    env = {**os.environ, **corpus.env, "PYTHONPATH": str(ROOT)}
    p = subprocess.run(
        [sys.executable.encode(), b"-m", b"carrier_tracker.cli", *argv],
        env=env,
        capture_output=True,
        timeout=120,
        cwd=ROOT,
    )
    err = p.stderr.decode()
    assert (p.returncode, err.splitlines()) == (case.exit, [corpus.fill(case.first_line)])
    assert _state(corpus) == before


# --- PostgreSQL: the same lengths refused before the database sees them -----------------------

PG_CASES = [
    "tap_operator_too_long",
    "tap_station_too_long",
    "tap_note_10mb",
    "tap_consignment_too_long",
    "consignment_number_too_long",
    "consignment_unit_too_long",
    "consignment_recipient_too_long",
    "operator_name_too_long",
    "close_note_too_long",
    "consignment_fullwidth_duplicate",
]


@pytest.fixture(scope="module")
def pg_corpus(corpus: Corpus) -> Iterator[Corpus]:
    url = fresh_pg_url("ct_hostile")
    c = Corpus(corpus.root / "pg", corpus.db_path, {**corpus.values})
    c.root.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        for k, v in {**c.env, "CARRIER_TRACKER_DB": url}.items():
            mp.setenv(k, v)
        assert main(["init"]) == 0
        register_operators({**os.environ})
        assert main(["import", str(SAMPLE)]) == 0
        assert main(["consignment", CODE, CONSIGNMENT, "--unit", "北京有色金属研究总院"]) == 0
    c.values["PGURL"] = url
    yield c


def _pg_counts(url: str) -> dict[str, int]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()
                for t in (
                    "meeting",
                    "attendee",
                    "document",
                    "carrier",
                    "consignment",
                    "event",
                    "operator",
                )
            }
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("name", PG_CASES)
def test_lengths_on_postgresql(
    name: str,
    pg_corpus: Corpus,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = next(c for c in CLI_CASES if c.name == name)
    url = pg_corpus.values["PGURL"]
    before = _pg_counts(url)
    argv = [pg_corpus.fill(a) for a in case.argv]
    code, _out, err = _run(pg_corpus, argv, monkeypatch, capsys, {"CARRIER_TRACKER_DB": url})
    assert (code, err.splitlines()) == (2, [pg_corpus.fill(case.first_line)])
    assert "SQL" not in err and "parameters" not in err
    assert _pg_counts(url) == before


def test_tui_refuses_a_missing_database_directory(corpus: Corpus) -> None:
    """``tui`` too never creates a --db that is not there (a subprocess: were the check broken,
    the desk would start; the timeout bounds that)."""
    missing = corpus.root / "nowhere-tui" / "ct.db"
    env = {**os.environ, **corpus.env, "PYTHONPATH": str(ROOT)}
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "carrier_tracker.cli",
            "tui",
            CODE,
            "--reader",
            "sim:",
            "--db",
            f"sqlite:///{missing}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    assert (p.returncode, p.stderr.splitlines()) == (
        2,
        [
            f"错误：数据库所在目录不存在：{missing.parent}（请检查 --db；新建数据库请用 carrier-tracker init）"
        ],
    )
    assert not missing.parent.exists()
