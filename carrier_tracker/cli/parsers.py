"""What an area's ``register`` gets to add its commands: the subparsers and the shared parents."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from carrier_tracker import messages


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


def command_group(p: Parsers, name: str, help_text: str, dest: str) -> Any:
    """A command made of subcommands (``attendee add``, ``trip open``): one of them is required,
    and the command alone prints its help and exits 2. Returns its subparsers."""
    group = p.add(name, lambda _a: 2, help_text, ())
    subs = group.add_subparsers(
        dest=dest,
        metavar=messages.text("help_subcommands_metavar"),
        parser_class=type(group),
        required=True,
    )

    def help_and_fail(_args: argparse.Namespace) -> int:
        group.print_help()
        return 2

    group.set_defaults(func=help_and_fail)
    return subs
