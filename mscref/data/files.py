"""Reading and writing files without ever destroying what was there.

Every file mscref writes goes through :class:`Outputs`: all targets are planned and checked
before the first byte is written, and each is written atomically (a temporary file beside it,
then a rename), so a crash leaves the old file intact. Only regular files are written: a
directory, device node, FIFO or socket is refused, never replaced; a symbolic link is written
*through* (its target is replaced, the link stays); a read-only file is refused even with
``--force``; a file the command reads as data is never written over.

Every input is read by :func:`read_regular`: a regular file, at most a stated size, opened
without blocking so a FIFO can never hang a run and a device such as ``/dev/zero`` is refused
before it is read.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, overload

from mscref.data.errors import MscrefError, UsageError

#: the largest input file mscref reads (JSON records, a trials file to merge into)
MAX_INPUT_BYTES = 64 * 1024 * 1024

#: what writes an output's content, piece by piece, into the (binary) file it is given
Fill = Callable[[BinaryIO], object]


class FileRefused(MscrefError):
    """A file mscref will not read or write; ``reason`` says why, without the path."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class OutputsRefused(MscrefError):
    """One or more planned outputs are refused; nothing was written."""

    def __init__(self, reasons: list[str]) -> None:
        summary = f"{len(reasons)} problems with the files to write; nothing was written"
        text = reasons[0] if len(reasons) == 1 else "\nerror: ".join([*reasons, summary])
        super().__init__(text)
        self.reasons = tuple(reasons)


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


# ------------------------------------------------------------------------------------------
# Reading


def read_regular(path: Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; FileRefused otherwise.

    The file is checked with ``stat`` before it is opened (opening some devices has effects),
    opened non-blocking (a FIFO swapped in meanwhile cannot hang the read) and checked again
    with ``fstat`` on what was opened. Symbolic links are followed, as for any input.
    """
    name = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        broken = os.path.islink(path)
        raise FileRefused(name, "no such file" + (" (a broken symbolic link)" if broken else "")) from None
    except OSError as exc:
        raise FileRefused(name, f"cannot be read: {exc.strerror or exc}") from None
    _check_input(name, info, limit)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except PermissionError:
        raise FileRefused(name, "permission denied") from None
    except OSError as exc:
        raise FileRefused(name, f"cannot be read: {exc.strerror or exc}") from None
    try:
        _check_input(name, os.fstat(fd), limit)
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # the file grew while being read
                raise FileRefused(name, _too_large(limit))
        return b"".join(chunks)
    except OSError as exc:
        raise FileRefused(name, f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _check_input(name: str, info: os.stat_result, limit: int) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise FileRefused(name, "is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(
            name, f"is {kind_of(info.st_mode)}, not a regular file; mscref reads only regular files"
        )
    if info.st_size > limit:
        raise FileRefused(name, _too_large(limit))


def _too_large(limit: int) -> str:
    return f"larger than {limit // 1048576} MiB, the most mscref reads from one file"


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def loads_json(text: str) -> object:
    """Parse JSON text strictly: ValueError (json.JSONDecodeError for broken syntax) also on
    ``NaN``/``Infinity``, which JSON does not have, and on a number too long to read;
    RecursionError when nested too deeply."""
    import json

    return json.loads(text, parse_constant=_no_constant)


# ------------------------------------------------------------------------------------------
# Writing


def output_path(text: str, option: str = "-o") -> Path:
    """The path a user gave for a file to write: a name that ends in ``/`` names a folder."""
    if not text:
        raise UsageError(f"{option} needs a file name")
    if text.endswith(("/", os.sep)) or text in (".", ".."):
        raise MscrefError(f"{option} {text}: names a folder; give the name of a file to write")
    return Path(text)


@dataclass(frozen=True)
class Target:
    """Where an output goes: ``real`` is the file replaced (a symbolic link resolved)."""

    path: Path
    real: Path
    exists: bool
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None


def check_target(path: Path, *, force: bool, read_only_ok: bool = False) -> Target:
    """Where ``path`` may be written, or FileRefused saying why it may not (``read_only_ok``:
    a read-only file is no obstacle, for a dry run that only reads it)."""
    name = str(path)
    try:
        link = os.lstat(path)
    except FileNotFoundError:
        link = None
    except OSError as exc:
        raise FileRefused(name, f"cannot write: {exc.strerror or exc}") from None
    if link is not None and not force:
        raise MscrefError(f"{name} exists; use --force to overwrite it")
    is_link = link is not None and stat.S_ISLNK(link.st_mode)
    if is_link and _open_file_link(path):
        raise FileRefused(
            name,
            "names an open file descriptor (standard output or another), not a file mscref can "
            "replace; to write to standard output, leave out the option",
        )
    try:
        info: os.stat_result | None = os.stat(path)  # through links, /proc's included
    except FileNotFoundError:
        info = None
    except OSError as exc:  # a symbolic-link loop, a folder on the way that cannot be searched …
        raise FileRefused(name, f"cannot write: {exc.strerror or exc}") from None
    real = Path(os.path.realpath(path)) if is_link else path
    shown = f"{name} (a link to {real})" if is_link else name
    if info is None:  # nothing there, or a link to nothing: create the file (the link's target)
        parent = real.parent
        if not parent.is_dir():
            where = f"{parent} (where the link {name} points)" if is_link else str(parent)
            raise MscrefError(f"cannot write {name}: no such directory {where}")
        return Target(path, real, exists=False)
    if stat.S_ISDIR(info.st_mode):
        raise FileRefused(shown, "is a directory; give the name of a file to write")
    if not stat.S_ISREG(info.st_mode):
        to_stdout = stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode) or stat.S_ISSOCK(info.st_mode)
        hint = "; to write to standard output, leave out the option" if to_stdout else ""
        raise FileRefused(
            name,
            f"is {kind_of(info.st_mode)}, not a regular file; mscref writes only regular files "
            f"and never replaces anything else{hint}",
        )
    if is_link and not _same(real, path):  # a link that names no path (a deleted file's)
        raise FileRefused(name, "is a link mscref cannot follow to a file it can replace")
    if not read_only_ok and (not info.st_mode & 0o222 or not os.access(real, os.W_OK)):
        raise FileRefused(
            shown,
            f"is read-only (mode {stat.S_IMODE(info.st_mode):04o}); mscref will not replace it, "
            "even with --force: make it writable first (chmod u+w) if it should be replaced",
        )
    return Target(path, real, True, stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid)


def data_folder_clash(
    target: Target, data_dir: Path | None, *, may_replace: Path | None = None
) -> str | None:
    """FileRefused when ``target`` is a file of the data folder ``data_dir`` that the command
    reads (other than ``may_replace``); otherwise a warning when it lands in a data folder
    (``data_dir``, or any folder holding a data file) under a name the loader reads, or None."""
    from mscref.data.loader import FILES

    if data_dir is not None and target.exists:
        for name in FILES:
            data_file = data_dir / name
            if _same(target.real, data_file) and not (
                may_replace is not None and _same(may_replace, data_file)
            ):
                raise FileRefused(
                    str(target.path),
                    f"is the data file {data_file} this command reads; write the output somewhere else",
                )
    folder = target.real.parent if str(target.real.parent) else Path(".")
    in_read_folder = data_dir is not None and _same(folder, data_dir)
    if not in_read_folder and not any((folder / name).is_file() for name in FILES):
        return None
    if may_replace is not None and _same_path(target.real, may_replace):
        return None
    shown_dir = data_dir if in_read_folder and data_dir is not None else folder
    name = target.real.name
    if name in FILES:
        return f"warning: {target.path} is in the data folder {shown_dir}: mscref will read it as data"
    if name.endswith((".yaml", ".yml")):
        return (
            f"warning: {target.path} is in the data folder {shown_dir}, where every *.yaml and *.yml "
            f"file must be one of {', '.join(FILES)}: loading that folder will fail until it is moved"
        )
    return None


_FD_LINK = re.compile(r"/(proc/[^/]+|dev)/fd/[0-9]+")


def _open_file_link(path: Path) -> bool:
    """Whether a symbolic link leads through ``/proc/PID/fd/N`` or ``/dev/fd/N`` (as
    ``/dev/stdout`` does): a process's open file, whatever it is."""
    current = os.path.abspath(path)
    for _ in range(40):
        if _FD_LINK.fullmatch(current):
            return True
        if not os.path.islink(current):
            return False
        current = os.path.normpath(os.path.join(os.path.dirname(current), os.readlink(current)))
    return False


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _same_path(a: Path, b: Path) -> bool:
    return _same(a, b) or os.path.realpath(a) == os.path.realpath(b)


@dataclass
class Outputs:
    """Every file a command writes: planned with :meth:`add`, all checked by :meth:`check`
    before :meth:`write` writes any of them.

    ``data_dir`` is the data folder the command read: no output may replace one of its files
    (except ``may_replace``, the trials file an import merges into), and an output landing in
    it under a name the loader reads gets a warning. No output may replace one of ``reads``,
    the other files the command reads.
    """

    force: bool = False
    data_dir: Path | None = None
    may_replace: Path | None = None
    reads: tuple[Path, ...] = ()
    planned: list[tuple[Path, bytes | Fill]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    mkdirs: list[Path] = field(default_factory=list)

    def add(self, path: Path, content: str | bytes | Fill = b"") -> None:
        """Plan ``path``; its content may be given later with :meth:`set_content`. Content too
        large to hold whole is a function that writes it into the file it is given, piece by
        piece, when :meth:`write` comes to it."""
        self.planned.append((path, _content(content)))

    def set_content(self, path: Path, content: str | bytes | Fill) -> None:
        self.planned = [(p, _content(content) if p == path else d) for p, d in self.planned]

    def make_folder(self, folder: Path) -> None:
        """Create ``folder`` (and its parents) when writing, if it does not exist."""
        self.mkdirs.append(folder)

    def check(self) -> list[str]:
        """Check every planned output; OutputsRefused lists every refusal. Returns warnings."""
        reasons: list[str] = []
        warnings: list[str] = []
        self.targets = []
        bad_folders = set()
        for folder in self.mkdirs:
            problem = _folder_problem(folder)
            if problem:
                reasons.append(problem)
                bad_folders.add(folder)
        seen: dict[str, Path] = {}
        for path, _data in self.planned:
            if path.parent in bad_folders:
                continue
            if self.mkdirs and any(path.parent == f and not f.exists() for f in self.mkdirs):
                target = Target(path, path, exists=False)
            else:
                try:
                    target = check_target(path, force=self.force)
                except MscrefError as exc:
                    reasons.append(str(exc))
                    continue
            read = next((r for r in self.reads if target.exists and _same(target.real, r)), None)
            if read is not None:
                same = "" if os.path.abspath(read) == os.path.abspath(path) else f" ({read})"
                reasons.append(f"{path}: is a file this command reads{same}; write the output somewhere else")
                continue
            key = os.path.realpath(target.real)
            if key in seen:
                reasons.append(f"{path}: the same file as {seen[key]}, written twice")
                continue
            seen[key] = path
            try:
                warning = data_folder_clash(target, self.data_dir, may_replace=self.may_replace)
            except FileRefused as exc:
                reasons.append(str(exc))
                continue
            if warning:
                warnings.append(warning)
            self.targets.append(target)
        if reasons:
            raise OutputsRefused(reasons)
        return warnings

    def write(self) -> list[tuple[Path, int]]:
        """Write every planned output (checking first if :meth:`check` was not called)."""
        if len(self.targets) != len(self.planned):
            self.check()
        for folder in self.mkdirs:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise MscrefError(f"cannot create the folder {folder}: {exc.strerror or exc}") from None
        written = []
        for target, (_path, data) in zip(self.targets, self.planned, strict=True):
            written.append((target.path, _write(target, data, self.force)))
        return written


@overload
def _content(content: str | bytes) -> bytes: ...
@overload
def _content(content: str | bytes | Fill) -> bytes | Fill: ...
def _content(content: str | bytes | Fill) -> bytes | Fill:
    """Text as its UTF-8 bytes; bytes and fill functions as they are."""
    return content.encode("utf-8") if isinstance(content, str) else content


def _folder_problem(folder: Path) -> str | None:
    try:
        info = os.stat(folder)
    except FileNotFoundError:
        existing = folder.parent
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if existing.is_dir():
            return None
        return f"cannot create the folder {folder}: {existing} is not a folder"
    except OSError as exc:
        return f"{folder}: {exc.strerror or exc}"
    if not stat.S_ISDIR(info.st_mode):
        what = "a file" if stat.S_ISREG(info.st_mode) else kind_of(info.st_mode)
        return f"{folder}: is {what}, not a folder"
    return None


def write_atomic(
    path: Path,
    content: str | bytes,
    *,
    force: bool = False,
    data_dir: Path | None = None,
    reads: tuple[Path, ...] = (),
) -> int:
    """Write one file as :class:`Outputs` does (never over a file of ``data_dir`` or one of
    ``reads``); return the bytes written."""
    data = _content(content)
    return write_streaming(
        path, lambda handle: handle.write(data), force=force, data_dir=data_dir, reads=reads
    )


def write_streaming(
    path: Path,
    fill: Fill,
    *,
    force: bool = False,
    data_dir: Path | None = None,
    reads: tuple[Path, ...] = (),
) -> int:
    """Check ``path`` as :class:`Outputs` does, then let ``fill`` write the content into a
    temporary file that takes its place: for content too large to hold in memory. Returns the
    bytes written."""
    outputs = Outputs(force=force, data_dir=data_dir, reads=reads)
    outputs.add(path)
    try:
        outputs.check()
    except OutputsRefused as exc:
        raise MscrefError(exc.reasons[0]) from None
    (target,) = outputs.targets
    return _write_with(target, fill, force)


def _write(target: Target, data: bytes | Fill, force: bool) -> int:
    if callable(data):
        return _write_with(target, data, force)
    return _write_with(target, lambda handle: handle.write(data), force)


def _write_with(target: Target, fill: Fill, force: bool) -> int:
    """Write what ``fill`` writes to ``target.real`` via a temporary file beside it and a rename.

    A new file is linked into place (which fails if something appeared there meanwhile); an
    existing one is replaced only if it is still the regular file that was checked. The old
    file's mode is kept, and its owner where mscref may set it (running as root)."""
    real = target.real
    shown = str(target.path)
    parent = real.parent if str(real.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise MscrefError(f"cannot write {shown}: {exc.strerror}") from None
    done = False
    try:
        mode = target.mode if target.mode is not None else 0o666 & ~_umask()
        os.fchmod(fd, mode)
        if target.uid is not None and target.gid is not None and os.geteuid() == 0:
            with contextlib.suppress(OSError):  # a file system without owners keeps mscref's
                os.fchown(fd, target.uid, target.gid)
        with os.fdopen(fd, "wb") as handle:
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
            size = handle.tell()
        if target.exists:
            _still_regular(target)
            os.replace(tmp, real)
        else:
            _link_new(tmp, real, shown, force)
        done = True
        _sync_folder(parent)
    except OSError as exc:
        raise MscrefError(f"cannot write {shown}: {exc.strerror}") from None
    finally:
        if not done:
            Path(tmp).unlink(missing_ok=True)
    return size


def _still_regular(target: Target) -> None:
    """Refuse if what is at the target now is no longer a regular file (it changed after the
    check): a rename would replace it."""
    try:
        info = os.lstat(target.real)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(
            str(target.path), f"became {kind_of(info.st_mode)} while mscref was writing; nothing replaced"
        )


def _link_new(tmp: str, real: Path, shown: str, force: bool) -> None:
    """Put a new file in place without replacing anything that appeared there meanwhile."""
    try:
        os.link(tmp, real)
    except FileExistsError:
        if not force:
            raise MscrefError(f"{shown} exists; use --force to overwrite it") from None
        info = os.lstat(real)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(
                shown, f"became {kind_of(info.st_mode)} while mscref was writing; nothing replaced"
            ) from None
        os.replace(tmp, real)
        return
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise
        os.replace(tmp, real)  # a file system without hard links
        return
    os.unlink(tmp)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every system can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
