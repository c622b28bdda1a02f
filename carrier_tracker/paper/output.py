"""Where a workbook is written: path checks, a 0600 temporary file renamed into place, and a
failure (disk full, permission) that leaves nothing behind and says so in one line."""

from __future__ import annotations

import errno
import gc
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, BinaryIO

from carrier_tracker import messages
from carrier_tracker.errors import CarrierTrackerError, ConflictError, OutputError, os_reason
from carrier_tracker.text_fields import printable

NAME_MAX = 255  # bytes in one file name (Linux)


def check_file_name(path: Path) -> None:
    """Refuse a file name longer than the file system allows (it would fail deep inside).

    Raises:
        OutputError: the name is too long.
    """
    if len(os.fsencode(path.name)) > NAME_MAX:
        raise OutputError(
            messages.text("out_name_too_long", name=printable(path.name, 40), limit=NAME_MAX)
        )


def taken(path: Path) -> bool:
    """A file (or a link, even a dangling one) has this name: writing it would replace it."""
    return path.exists() or path.is_symlink()


def check_output_path(path: Path, *, force: bool = True) -> None:
    """Refuse an output path that cannot work, before any work is done.

    Args:
        path: the ``.xlsx`` to write.
        force: whether an existing file may be replaced.

    Raises:
        OutputError: not ``.xlsx``, a directory, in a missing directory, or a name too long.
        ConflictError: the file exists and ``force`` is false.
    """
    if path.suffix.lower() != ".xlsx":
        raise OutputError(messages.text("out_suffix", path=path))
    check_file_name(path)
    try:
        if path.is_dir():
            raise OutputError(messages.text("out_is_dir", path=path))
        if not path.parent.is_dir():
            raise OutputError(messages.text("out_dir_missing", dir=path.parent))
        if not force and taken(path):
            raise ConflictError(messages.text("file_exists_force", path=path))
    except OSError as e:
        raise OutputError(messages.text("out_failed", path=path, reason=os_reason(e))) from e


def io_reason(err: BaseException) -> str:
    """Plain words for an OSError, or for lxml's ``SerialisationError('IO_ENOSPC')``."""
    if isinstance(err, OSError):
        return os_reason(err)
    number = getattr(errno, str(err).removeprefix("IO_"), None)
    return os_reason(OSError(number, str(err))) if isinstance(number, int) else str(err)


@contextmanager
def quiet_finalizers() -> Iterator[None]:
    """Silence what objects say while they are finalised (``Exception ignored in …``): used only
    while a failed write's half-built objects are dropped, after the error has been reported."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _u: None
    try:
        yield
    finally:
        sys.unraisablehook = hook


def drop(err: BaseException) -> None:
    """Free the objects a failed write left in the frames of ``err``'s tracebacks (and of the
    errors it wraps or was raised from) now, while their finalisers are silenced: a zip writer
    or an unflushed file on a full disk would otherwise complain when collected."""
    with quiet_finalizers():
        for e in _chain(err):
            traceback.clear_frames(e.__traceback__)
        gc.collect()


def _chain(err: BaseException) -> list[BaseException]:
    """``err`` and every error it wraps (``args``) or was raised from or during."""
    out: list[BaseException] = []
    todo = [err]
    while todo:
        e = todo.pop()
        if any(e is seen for seen in out):
            continue
        out.append(e)
        todo += [x for x in (e.__cause__, e.__context__, *e.args) if isinstance(x, BaseException)]
    return out


@contextmanager
def atomic_output(path: Path, *, force: bool = True) -> Iterator[BinaryIO]:
    """A file object for ``path``: a 0600 temporary file beside it (a short hidden name),
    renamed into place when the block ends; on any failure it is removed and an OSError becomes
    one :class:`OutputError` line.

    Raises:
        OutputError: the path is unusable or the file cannot be written.
        ConflictError: the file exists and ``force`` is false.
    """
    check_output_path(path, force=force)
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=".ct-", suffix=".xlsx.tmp")
    except OSError as e:
        raise OutputError(messages.text("out_failed", path=path, reason=os_reason(e))) from e
    tmp = Path(name)
    sink = open(fd, "wb", buffering=0)  # noqa: SIM115  (closed below, on every path)
    try:
        yield sink
        sink.close()
        os.replace(tmp, path)
    except BaseException as e:
        cause = None if isinstance(e, CarrierTrackerError) else _os_cause(e)
        if cause is not None:
            drop(e)
        with quiet_finalizers(), suppress(OSError):
            sink.close()
        tmp.unlink(missing_ok=True)
        if cause is None:
            raise
        raise OutputError(messages.text("out_failed", path=path, reason=io_reason(cause))) from None


def _os_cause(err: BaseException) -> BaseException | None:
    """The operating-system failure behind ``err`` (a library may wrap it), or None."""
    for e in _chain(err):
        if isinstance(e, OSError) or type(e).__name__ == "SerialisationError":
            return e
    return None


@contextmanager
def private_tmpdir() -> Iterator[str]:
    """A directory for a writer's own temporary files, removed whatever happens."""
    name = tempfile.mkdtemp(prefix="ct-")
    try:
        yield name
    finally:
        shutil.rmtree(name, ignore_errors=True)


def save_atomically(wb: Any, path: Path, *, force: bool = True) -> None:
    """Save an ordinary openpyxl workbook the way exports are saved: to a temporary name beside
    ``path``, then renamed; nothing is left behind on failure (no zip writer traceback either).

    Raises:
        OutputError: the path is unusable or the file cannot be written.
    """
    with atomic_output(path, force=force) as sink:
        wb.save(sink)
