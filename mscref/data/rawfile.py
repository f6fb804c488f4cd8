"""Read a regular file whole, once, without ever blocking on a pipe or a device.

The file is opened without blocking and checked with ``fstat`` on the open descriptor, so what
is checked is what is read: a FIFO, device or socket put where a file was expected is refused,
never read (reading a FIFO with no writer would wait for ever; ``/dev/zero`` would never end).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from mscref.data.errors import Problem

#: Files larger than this are refused before reading: more than twice the 100,000-trial
#: benchmark set (~80 MiB), so that a data set of that size always loads.
MAX_FILE_BYTES = 200 * 1024 * 1024

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class NotRegular(OSError):
    """The path names something other than a regular file (a directory, pipe, device, socket)."""

    def __init__(self, mode: int) -> None:
        super().__init__("not a regular file")
        self.mode = mode


class TooLarge(OSError):
    """The file is larger than the limit."""

    def __init__(self, size: int) -> None:
        super().__init__("too large")
        self.size = size


def read_regular(
    path: str | os.PathLike[str],
    *,
    limit: int = MAX_FILE_BYTES,
    dir_fd: int | None = None,
    follow: bool = True,
    uid: int | None = None,
) -> bytes:
    """The bytes of the regular file ``path``, read once.

    Raises :class:`NotRegular` for anything else, :class:`TooLarge` past ``limit`` bytes (also
    when the file grows while it is read), and ``OSError`` when it cannot be opened. With
    ``follow=False`` a symbolic link is refused (``OSError`` ELOOP); with ``uid``, a file owned
    by someone else is refused (``PermissionError``).
    """
    flags = _FLAGS | (0 if follow else getattr(os, "O_NOFOLLOW", 0))
    fd = os.open(path, flags, dir_fd=dir_fd)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(info.st_mode)
        if uid is not None and info.st_uid != uid:
            raise PermissionError("owned by another user")
        if info.st_size > limit:
            raise TooLarge(info.st_size)
        chunks = []
        total = 0
        want = info.st_size + 1  # one byte more, to see the end (or growth) in the same loop
        while True:
            chunk = os.read(fd, max(want - total, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise TooLarge(total)
    finally:
        os.close(fd)
    return b"".join(chunks)  # one chunk is returned as it is, not copied


def read_data(path: Path, shown: str) -> bytes | Problem:
    """A data file's bytes, or the problem (as a curator reads it) that keeps it from being read."""

    def refused(message: str) -> Problem:
        return Problem(shown, None, "", message)

    try:
        return read_regular(path)
    except NotRegular as exc:
        if stat.S_ISDIR(exc.mode):
            return refused("is a directory, not a file")
        return refused("is not a regular file (a pipe, device or socket cannot be read as data)")
    except TooLarge as exc:
        return refused(
            f"the file is {exc.size / 1048576:.0f} MiB, "
            f"more than the {MAX_FILE_BYTES // 1048576} MiB mscref reads"
        )
    except FileNotFoundError:
        return refused("no such file" + (" (a broken symbolic link)" if path.is_symlink() else ""))
    except PermissionError:
        return refused("permission denied")
    except OSError as exc:  # a symbolic-link loop, an I/O error …
        if exc.errno == errno.ENXIO:  # a socket (or a device with nothing behind it)
            return refused("is not a regular file (a pipe, device or socket cannot be read as data)")
        return refused(f"cannot be read: {exc.strerror or exc}")
