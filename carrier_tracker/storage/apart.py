"""Work on the same database in a child process: a long chain checked on the other core while
this process does something else (``verify``'s links, the paper's verification)."""

from __future__ import annotations

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
    session: Session, work: Callable[..., T], *args: Any
) -> tuple[ProcessPoolExecutor, Future[T]] | None:
    """``work(url, *args)`` started in a one-worker process on this session's database (spawned:
    no copy of this process's connections); None when no other process can open the database.

    The caller decides whether the work is worth a process (a chain long enough) and shuts the
    pool down when done with it (``shutdown(wait=False, cancel_futures=True)``)."""
    url = shareable_url(session)
    if url is None:
        return None
    pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
    return pool, pool.submit(work, url, *args)
