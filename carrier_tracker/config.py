"""Settings and platform paths: where the database and the ledger key live."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

APP_NAME = "carrier-tracker"
ENV_DB = "CARRIER_TRACKER_DB"
ENV_HOME = "CARRIER_TRACKER_HOME"
ENV_KEY = "CARRIER_TRACKER_KEY_FILE"
ENV_CHECKLISTS = "CARRIER_TRACKER_CHECKLISTS"
ENV_LOCK_AFTER = "CARRIER_TRACKER_LOCK_AFTER"
LOCK_AFTER_MINUTES = 10.0
"""Idle minutes before a desk locks, unless ``--lock-after`` or $CARRIER_TRACKER_LOCK_AFTER says."""


def _data_dir() -> Path:
    home = os.environ.get(ENV_HOME)
    if home:
        return Path(home) / "data"
    import platformdirs  # only here: it costs a command's start-up ~4 ms (tempfile, shutil)

    return Path(platformdirs.user_data_dir(APP_NAME))


def _config_dir() -> Path:
    home = os.environ.get(ENV_HOME)
    if home:
        return Path(home) / "config"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME))


@dataclass(frozen=True)
class Settings:
    """Resolved settings; build with :func:`load_settings`."""

    data_dir: Path = field(default_factory=_data_dir)
    """Directory of the default SQLite database (platform user-data dir, or $CARRIER_TRACKER_HOME/data)."""

    config_dir: Path = field(default_factory=_config_dir)
    """Directory of the ledger key (platform user-config dir, or $CARRIER_TRACKER_HOME/config)."""

    db_url: str = ""
    """SQLAlchemy URL of the database; empty means the SQLite file in ``data_dir``."""

    key_file: Path | None = None
    """Ledger HMAC key file; default ``config_dir/ledger.key`` (override: $CARRIER_TRACKER_KEY_FILE)."""

    checklists_file: Path | None = None
    """A site's checklist file that extends the built-in checklists (override:
    $CARRIER_TRACKER_CHECKLISTS); default ``config_dir/checklists.toml`` when it exists."""

    @property
    def checklist_path(self) -> Path | None:
        """The site's checklist file to read: the one named, else the default location."""
        return self.checklists_file or self.config_dir / "checklists.toml"

    @property
    def database_url(self) -> str:
        """The URL to connect to: ``db_url`` or the default SQLite file."""
        return self.db_url or f"sqlite:///{self.data_dir / 'carrier-tracker.db'}"

    @property
    def ledger_key_path(self) -> Path:
        """Where the ledger key lives."""
        return self.key_file or self.config_dir / "ledger.key"


def make_private_dir(path: Path) -> None:
    """Create a directory (and its missing parents) readable by its owner only (0700).

    Directories that already exist keep their mode; the ledger key's checks refuse one that
    others may write.

    Raises:
        OSError: it cannot be created.
    """
    if path.is_dir():
        return
    if not path.parent.exists():
        make_private_dir(path.parent)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        if not path.is_dir():
            raise
    os.chmod(path, 0o700)  # mkdir's mode is masked by the umask; 0700 is what we promise


def load_settings(db_url: str | None = None) -> Settings:
    """Settings from the command line and the environment (command line wins).

    Args:
        db_url: the ``--db`` value, if given.

    Returns:
        The resolved settings.
    """
    key = os.environ.get(ENV_KEY)
    checklists = os.environ.get(ENV_CHECKLISTS)
    return Settings(
        db_url=db_url or os.environ.get(ENV_DB, ""),
        key_file=Path(key) if key else None,
        checklists_file=Path(checklists) if checklists else None,
    )


def lock_after_minutes(flag: float | None = None) -> float:
    """Idle minutes before the desk locks: the ``--lock-after`` value, else
    $CARRIER_TRACKER_LOCK_AFTER, else 10; 0 means never on idle (the lock key still locks).

    Raises:
        CarrierTrackerError: the value is not a number of minutes >= 0.
    """
    import math

    from carrier_tracker import messages
    from carrier_tracker.errors import CarrierTrackerError

    source, raw = "--lock-after", str(flag)
    if flag is None:
        source, raw = ENV_LOCK_AFTER, os.environ.get(ENV_LOCK_AFTER, "").strip()
        if not raw:
            return LOCK_AFTER_MINUTES
    try:
        minutes = float(raw)
    except ValueError:
        minutes = math.nan
    if not (math.isfinite(minutes) and minutes >= 0):
        raise CarrierTrackerError(messages.text("bad_lock_after", source=source, value=raw))
    return minutes
