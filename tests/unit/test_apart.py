"""``storage.apart``: work on the same database in a child process — the URL another process
can open, and the work started there (``verify``'s links and the paper's verification)."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine
from sqlmodel import Session

from carrier_tracker.storage.apart import shareable_url, start_apart


def where(url: str, *args: object) -> tuple[str, int, tuple[object, ...]]:
    return url, os.getpid(), args


def test_the_url_another_process_opens(tmp_path: Path) -> None:
    with Session(create_engine(f"sqlite:///{tmp_path / 'a.db'}")) as s:
        assert shareable_url(s) == f"sqlite:///{tmp_path / 'a.db'}"
    server = create_engine("postgresql+psycopg://ct:s3cret@127.0.0.1:5432/ct")  # not connected
    with Session(server) as s:
        assert shareable_url(s) == "postgresql+psycopg://ct:s3cret@127.0.0.1:5432/ct"
    for memory in ("sqlite://", "sqlite:///:memory:"):
        with Session(create_engine(memory)) as s:
            assert shareable_url(s) is None
            assert start_apart(s, where) is None


def test_the_work_runs_in_another_process(tmp_path: Path) -> None:
    with Session(create_engine(f"sqlite:///{tmp_path / 'a.db'}")) as s:
        started = start_apart(s, where, 7, "M1")
    assert started is not None
    pool, future = started
    try:
        url, pid, args = future.result(timeout=60)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    assert (url, args) == (f"sqlite:///{tmp_path / 'a.db'}", (7, "M1"))
    assert pid != os.getpid()


def niceness(url: str) -> int:
    return os.nice(0)


def test_the_work_may_give_way(tmp_path: Path) -> None:
    """``niceness``: the child runs at a lower CPU priority (verify's links give the cores to
    the fold the verdict waits for)."""
    ours = os.nice(0)
    seen = {}
    for asked in (0, 5):
        with Session(create_engine(f"sqlite:///{tmp_path / 'a.db'}")) as s:
            started = start_apart(s, niceness, niceness=asked)
        assert started is not None
        pool, future = started
        try:
            seen[asked] = future.result(timeout=60)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
    assert seen == {0: ours, 5: min(ours + 5, 19)}
