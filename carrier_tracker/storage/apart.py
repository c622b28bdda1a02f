"""Work on the same database in a child process: a long chain checked on the other core while
this process does something else (``verify``'s links, the paper's verification)."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any, TypeVar

from sqlmodel import Session

T = TypeVar("T")


def shareable_url(session: Session) -> str | None:
    """The session's database as a URL another process can open (its password kept); None for
    an in-memory SQLite database, which no other process can see."""
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=False)


def start_apart(
    session: Session, work: Callable[..., T], *args: Any, niceness: int = 0
) -> tuple[ProcessPoolExecutor, Future[T]] | None:
    """``work(url, *args)`` started in a one-worker process on this session's database (spawned:
    no copy of this process's connections); None when no other process can open the database.

    ``niceness``: how much lower than this process's the child's CPU priority is (``os.nice``),
    for work that is not what the caller will wait for longest (``verify``'s links, beside the
    fold that re-decides every step), so that it takes a core only when one is free.

    The caller decides whether the work is worth a process (a chain long enough) and shuts the
    pool down when done with it (``shutdown(wait=False, cancel_futures=True)``)."""
    url = shareable_url(session)
    if url is None:
        return None
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=get_context("spawn"),
        initializer=_give_way,
        initargs=(niceness,),
    )
    return pool, pool.submit(work, url, *args)


def _give_way(niceness: int) -> None:
    """Lower this process's CPU priority by ``niceness`` (where the system has priorities)."""
    if niceness and hasattr(os, "nice"):
        os.nice(niceness)
