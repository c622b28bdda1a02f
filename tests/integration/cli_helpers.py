"""Running the real ``carrier-tracker`` command (in-process, or in a subprocess where the process
boundary is what is tested: exit codes, stderr, start-up), and the sample's UIDs."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("make_sample", ROOT / "samples" / "make_sample.py")
assert _spec and _spec.loader
make_sample = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_sample)
CODE = "HY2026-12"
PIN = "246810"
"""The PIN of every operator the helpers register."""
OPERATORS = {"赵保密": "officer", "孙文管": "custodian", "门岗": "custodian", "审计员": "auditor"}
"""Registered after ``init`` (赵保密 is the sample meeting's 保密负责人)."""
PIN_ENV = {
    "CARRIER_TRACKER_PIN": PIN,
    "CARRIER_TRACKER_APPROVER_PIN": PIN,
    "CARRIER_TRACKER_NEW_PIN": PIN,
}


def copy_uid(doc: str, n: int) -> str:
    """UID of copy ``n`` of ``doc`` in samples/meeting.xlsx."""
    return str(make_sample.uid_for(f"{CODE}/{doc}/{n}"))


def pass_uid(attendee: str) -> str:
    """UID of an attendee's pass in samples/meeting.xlsx."""
    return str(make_sample.uid_for(f"{CODE}/pass/{attendee}"))


@dataclass
class Result:
    code: int
    out: str
    err: str


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def register_operators(env: dict[str, str]) -> None:
    """Register :data:`OPERATORS` through the real commands (``init --officer`` for the first
    officer, then ``operator add`` by that officer); a database that has them is left alone."""
    from carrier_tracker.cli import main

    names = iter(OPERATORS.items())
    officer, _ = next(names)
    steps = [["init", "--officer", officer]]
    steps += [["operator", "add", name, "--role", role] for name, role in names]
    with (
        _environment({**env, **PIN_ENV, "CARRIER_TRACKER_OPERATOR": officer}),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        for argv in steps:
            main(argv)


class Cli:
    """Runs commands against one database with an isolated home, as 孙文管 with the PIN in
    the environment; a successful ``init`` also registers :data:`OPERATORS`.

    By default a command runs in this process (``carrier_tracker.cli.main`` with the same
    environment and captured output): same code, same exit codes, a fraction of the time.
    ``subprocess=True`` runs the installed entry point for real.
    """

    def __init__(
        self, home: Path, db_url: str, *, subprocess: bool = False, draft: bool = False
    ) -> None:
        self.env = {
            **os.environ,
            "CARRIER_TRACKER_HOME": str(home),
            "CARRIER_TRACKER_DB": db_url,
            "CARRIER_TRACKER_OPERATOR": "孙文管",
            "PYTHONPATH": str(ROOT),
            "CARRIER_TRACKER_PIN": PIN,
            "CARRIER_TRACKER_APPROVER_PIN": PIN,
            "CARRIER_TRACKER_NEW_PIN": PIN,
        }
        self.subprocess = subprocess
        self.draft = draft
        """Leave an imported meeting a draft (by default ``import`` is followed by
        :meth:`paperwork`)."""

    def __call__(self, *args: str) -> Result:
        result = self._run(*args)
        if args[:1] == ("init",) and "--officer" not in args and result.code == 0:
            register_operators(self.env)
        if args[:1] == ("import",) and result.code == 0 and not self.draft:
            found = re.search(r"已导入会议 (\S+)：", result.out)
            if found:
                self.paperwork(found.group(1))
        return result

    def paperwork(self, code: str) -> None:
        """File the meeting (by the officer 赵保密) and answer its venue check and sweep 符合,
        through the real commands — what every meeting does before its first tap."""
        for argv in (
            ["meeting", "file", code, "--ref", "保密办〔2026〕12号", "--date", "2026-12-01"],
            ["checklist", code, "venue", "--all", "ok"],
            ["checklist", code, "sweep", "--all", "ok"],
        ):
            r = self._run(*argv, "--operator", "赵保密")
            assert r.code == 0, (argv, r.out, r.err)

    def _run(self, *args: str) -> Result:
        if self.subprocess:
            p = subprocess.run(
                [sys.executable, "-m", "carrier_tracker.cli", *args],
                env=self.env,
                capture_output=True,
                text=True,
                timeout=120,
                cwd=ROOT,
            )
            assert "Traceback" not in p.stderr, p.stderr
            return Result(p.returncode, p.stdout, p.stderr)
        from carrier_tracker.cli import main

        out, err = io.StringIO(), io.StringIO()
        with (
            _environment(self.env),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                code = main(list(args))
            except SystemExit as e:  # argparse: --help, usage errors
                code = int(e.code or 0)
        assert "Traceback" not in err.getvalue(), err.getvalue()
        return Result(code, out.getvalue(), err.getvalue())
