"""The ledger verified while the paper is written: in a child process on the other core for a
long chain, inline for a short one (or an in-memory database)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager

from sqlmodel import Session

from carrier_tracker.ledger.audit import AuditReport, audit_meeting_at
from carrier_tracker.storage.apart import start_apart
from carrier_tracker.storage.models import LedgerHead, Meeting

PARALLEL_VERIFY_MIN = 20_000  # events: longer chains are verified in a child process


@contextmanager
def verification(
    session: Session,
    key: bytes,
    meeting: Meeting,
    head: LedgerHead | None,
    minimum: int,
) -> Iterator[tuple[ProcessPoolExecutor, Future[AuditReport]] | None]:
    """:func:`_verify_in_background` for the length of a block, never outliving it: the
    executor and the report's future, or None when the chain is verified inline."""
    background = _verify_in_background(session, key, meeting, head, minimum)
    try:
        yield background
    finally:
        if background is not None:
            background[0].shutdown(wait=False, cancel_futures=True)


def _verify_in_background(
    session: Session,
    key: bytes,
    meeting: Meeting,
    head: LedgerHead | None,
    minimum: int,
) -> tuple[ProcessPoolExecutor, Future[AuditReport]] | None:
    """Start verifying a long chain in a child process; None to verify inline instead.

    The hashing is pure CPU and independent of the workbook, so on two cores it costs no wall
    time. In-memory databases cannot be opened by another process, and short chains are not
    worth a process start.
    """
    if head is None or head.seq < minimum:
        return None
    return start_apart(session, audit_meeting_at, key, meeting.code)


@contextmanager
def verified_later(
    session: Session, key: bytes, meeting: Meeting, minimum: int = PARALLEL_VERIFY_MIN
) -> Iterator[Callable[[], AuditReport]]:
    """The meeting's chain and tables verified while the block runs (in a child process for
    long chains): what the forms print under their anchor. Call what it yields for the report."""
    from carrier_tracker.ledger.audit import audit_meeting

    head = session.get(LedgerHead, meeting.id)
    with verification(session, key, meeting, head, minimum) as background:
        if background is None:
            yield lambda: audit_meeting(session, key, meeting)
        else:
            yield background[1].result
