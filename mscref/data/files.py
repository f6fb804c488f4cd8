"""Writing files without ever destroying what was there: refuse to overwrite, write atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from mscref.data.errors import MscrefError


def write_atomic(path: Path, content: str | bytes, *, force: bool = False) -> int:
    """Write ``content`` (text is UTF-8 encoded) to ``path`` via a temporary file and an atomic
    rename; return the bytes written.

    An existing file is replaced only with ``force``; a crash mid-write leaves the old file
    intact (the temporary file is removed).
    """
    if path.is_dir():
        raise MscrefError(f"{path} is a directory")
    if path.exists() and not force:
        raise MscrefError(f"{path} exists; use --force to overwrite it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise MscrefError(f"cannot write {path}: no such directory {parent}")
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise MscrefError(f"cannot write {path}: {exc.strerror}") from None
    done = False
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would, or keep
        # the mode of the file it replaces.
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        done = True
    except OSError as exc:
        raise MscrefError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        if not done:
            Path(tmp).unlink(missing_ok=True)
    return len(data)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
