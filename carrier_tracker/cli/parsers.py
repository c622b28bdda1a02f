"""What an area's ``register`` gets to add its commands: the subparsers and the shared parents."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Parsers:
    """The shared argument groups and a helper to add a command.

    ``add(name, func, help, parents)`` adds a subcommand whose ``func(args) -> exit code`` runs
    it; ``recording`` (database, station/operator, PIN) is for commands that record something,
    ``approve`` adds ``--approver``/``--approver-pin-stdin`` (its help in general words),
    ``approving(what)`` the same with a help naming what the officer approves (``what``: a
    catalogue key, e.g. ``what_void``), ``common`` is ``--db`` only.
    """

    add: Callable[..., argparse.ArgumentParser]
    sub: Any
    common: argparse.ArgumentParser
    who: argparse.ArgumentParser
    auth: argparse.ArgumentParser
    approve: argparse.ArgumentParser
    approving: Callable[[str], argparse.ArgumentParser]
    recording: tuple[argparse.ArgumentParser, ...]
