"""The ledger key: a file of 0600 permissions beside the database, never inside it, and its
fingerprint (an HMAC of a fixed label) that names a wrong key as such."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from carrier_tracker import messages
from carrier_tracker.config import make_private_dir
from carrier_tracker.errors import LedgerError
from carrier_tracker.ledger.chain import mac

KEY_BYTES = 32


def _check_key_permissions(path: Path) -> None:
    """Refuse a key that another user could read, replace or own (docs/architecture.md §4: 0600, ours).

    Raises:
        LedgerError: naming the ``chmod``/``chown`` that fixes it.
    """
    uid = os.geteuid()
    user = _user_name(uid)
    folder = path.parent
    st = folder.stat()
    if st.st_uid != uid:
        raise LedgerError(messages.text("key_dir_owner", dir=folder, owner=st.st_uid, user=user))
    if stat.S_IMODE(st.st_mode) & 0o022:
        raise LedgerError(
            messages.text("key_dir_mode", dir=folder, mode=oct(stat.S_IMODE(st.st_mode)))
        )
    st = path.stat()
    if st.st_uid != uid:
        raise LedgerError(messages.text("key_owner", path=path, owner=st.st_uid, user=user))
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise LedgerError(messages.text("key_permissions", path=path, mode=oct(mode)))


def _user_name(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def load_key(path: Path, *, create: bool = True) -> bytes:
    """Read the ledger key, creating it (0600, random, in a 0700 directory) on first use.

    Args:
        path: the key file.
        create: create it when missing (commands that only read pass False: a fresh key
            would make every chain look tampered with).

    Returns:
        The key bytes.

    Raises:
        LedgerError: the file is missing (without ``create``), cannot be read or created, or
            it or its directory is not the user's own or may be written (the file: read) by
            others.
    """
    try:
        if not path.exists():
            if not create:
                raise LedgerError(messages.text("key_missing", path=path))
            make_private_dir(path.parent)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(KEY_BYTES) + "\n")
        _check_key_permissions(path)
        key = bytes.fromhex(path.read_text().strip())
    except FileExistsError:  # another process created it between exists() and open()
        return load_key(path, create=False)
    except (OSError, ValueError) as e:
        raise LedgerError(messages.text("key_unreadable", path=path, reason=e)) from e
    if len(key) < 16:
        raise LedgerError(
            messages.text("key_unreadable", path=path, reason=messages.text("key_too_short"))
        )
    return key


FINGERPRINT_SETTING = "ledger_key_fingerprint"


def key_fingerprint(key: bytes) -> str:
    """A fingerprint of the key (an HMAC of a fixed label): recorded in the database so a wrong
    or missing key is named as such, never mistaken for tampering. It reveals nothing of the key."""
    return mac(key, b"carrier-tracker ledger key fingerprint")
