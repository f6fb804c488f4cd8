"""A per-user cache of validated data sets, so a repeated question does not re-read the YAML.

- **Data only.** An entry is msgpack, decoded by msgspec straight into the record types of
  :mod:`mscref.data.models` (every field type-checked on the way in); a decoder of plain data
  cannot run code, so an entry can at worst be wrong about the data, and the checks below keep
  even that from happening. Each entry carries a BLAKE2b digest of its content, checked before
  it is decoded: a damaged byte is a miss, never wrong data.
- **Keyed by what the data set depends on**: a BLAKE2b-256 hash of the bytes of every data file
  exactly as they were parsed (the loader reads each file once), the names of the directory's
  ``.yaml`` files, the entry format, the mscref and Python versions, and a digest of the source
  of the data layer (``mscref/data/`` and ``mscref/__init__.py``; the layer imports nothing
  above it, see tests/test_layers.py). Any edit to a data file, or to a validation rule in an
  editable install, gives a new key; never an mtime, which can lie.
- **Lives in its own folder**: ``<root>/datasets-v<FORMAT>/``, where the root is
  ``$MSCREF_CACHE_DIR`` or else the user cache directory (platformdirs: ``$XDG_CACHE_HOME/mscref``
  when that is an absolute path, as the XDG spec says, else ``~/.cache/mscref`` on Linux), never
  inside a data directory. ``MSCREF_NO_CACHE=1`` turns it off.
- **Refuses a folder others could write**: the root and the entries' folder must be real
  folders (not symbolic links), owned by the user, and not writable by group or others; the
  entries' folder is created 0700. Otherwise the cache is off for the run, and
  :func:`last_status` says why (``mscref --debug`` prints it). The library never prints.
- **Deletes only its own entries**: pruning keeps the newest :data:`KEEP` and looks only inside
  its own folder, only at names of its own pattern, and only at regular files owned by the user
  that start with its own header. Nothing else there is touched.
- **Never blocks and never follows a link**: an entry is opened without blocking, without
  following a symbolic link, and checked with ``fstat``; a FIFO, device or link is a miss.
- Entries are written to a temporary file and renamed into place, so concurrent runs each
  leave a whole entry. Anything wrong with an entry is a miss: the data is parsed and validated
  again. The cache can make mscref faster, never wrong.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import re
import stat
import sys
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mscref import __version__
from mscref.data.dataset import Dataset, Trials
from mscref.data.errors import CacheDamaged
from mscref.data.rawfile import read_regular

if TYPE_CHECKING:  # pragma: no cover
    import msgspec

try:  # CPython's built-in BLAKE2: ``hashlib`` would load OpenSSL first, a few ms of every start-up
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

# 4: pickles with a digest; 5: msgpack decoded into typed records, in its own folder;
# 6: each trial encoded on its own, with its id, indication and product beside it
FORMAT = 6
SUBDIR = f"datasets-v{FORMAT}"
KEEP = 8
#: Entries larger than this are not read (the 100,000-trial benchmark set makes about 90 MB).
MAX_ENTRY_BYTES = 1 << 30
_SUFFIX = ".msgpack"
_NAME = re.compile(r"[0-9a-f]{64}" + re.escape(_SUFFIX))
_MAGIC = f"mscref-cache\0{SUBDIR}\n".encode()
_DIGEST_SIZE = 32
#: The data set's parts an entry holds, in order (its directory is the caller's).
_PARTS = tuple(f.name for f in dataclasses.fields(Dataset) if f.name != "directory")
_DIR_FLAGS = (
    os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)
_ENTRY_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)
_NEW_FILE_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)
#: Folder checks need descriptors relative to a folder and user ids (POSIX); elsewhere, no cache.
_SUPPORTED = (
    hasattr(os, "getuid")
    and {os.open, os.stat, os.mkdir, os.unlink, os.rename} <= os.supports_dir_fd  # rename: replace's twin
    and os.listdir in os.supports_fd
)

_reason: str | None = None
_code_digest: bytes | None = None
_decoder: msgspec.msgpack.Decoder[Any] | None = None
_trial_decoder: msgspec.msgpack.Decoder[Any] | None = None
#: How a trial is stored: its encoded record, and its id, indication and product (read without
#: decoding the record, so that a question about a few trials decodes only those).
_TrialColumns = tuple[tuple[str, ...], tuple[str | None, ...], tuple[str | None, ...]]


def last_status() -> str | None:
    """Why the cache folder was refused or could not be used in this run; None when it was
    fine (or the cache is off, or has not been used yet)."""
    return _reason


def enabled() -> bool:
    """Whether caching is on (``MSCREF_NO_CACHE`` unset or empty)."""
    return not os.environ.get("MSCREF_NO_CACHE")


def cache_dir() -> Path | None:
    """The cache's root folder (entries live in its ``datasets-v<FORMAT>`` folder), or None when
    caching is off."""
    if not enabled():
        return None
    explicit = os.environ.get("MSCREF_CACHE_DIR")
    if explicit:
        return Path(explicit)
    import platformdirs

    base = platformdirs.user_cache_dir("mscref", appauthor=False)
    if not os.path.isabs(base):  # a relative XDG_CACHE_HOME is to be ignored (the XDG spec)
        base = os.path.join(os.path.expanduser("~"), ".cache", "mscref")
    return Path(base)


def code_digest() -> bytes:
    """A digest of the source a cached data set depends on: every ``.py`` file of the data
    layer and ``mscref/__init__.py`` (names, sizes and bytes). Computed once per process."""
    global _code_digest
    if _code_digest is None:
        data_layer = os.path.dirname(os.path.abspath(__file__))
        package = os.path.dirname(data_layer)
        files = [os.path.join(package, "__init__.py")]
        for folder, subfolders, names in os.walk(data_layer):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            files.extend(os.path.join(folder, n) for n in sorted(names) if n.endswith(".py"))
        digest = blake2b(digest_size=_DIGEST_SIZE)
        for path in files:
            try:
                source = read_regular(path)
            except OSError:
                source = b"\0unreadable"
            digest.update(os.path.relpath(path, package).encode() + b"\0")
            digest.update(len(source).to_bytes(8, "big"))
            digest.update(source)
        _code_digest = digest.digest()
    return _code_digest


def cache_key(listing: Sequence[str], contents: Mapping[str, bytes]) -> str:
    """The key of a data directory: its ``.yaml`` names and the bytes of each data file that is
    present (exactly the bytes the loader parses), with everything else the entry depends on."""
    digest = blake2b(digest_size=_DIGEST_SIZE)
    digest.update(f"{FORMAT}\0{__version__}\0{sys.version_info[:2]}\0".encode())
    digest.update(code_digest())
    digest.update("\0".join(listing).encode() + b"\0\0")
    for name in sorted(contents):
        data = contents[name]
        digest.update(name.encode() + b"\0" + len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def load(directory: Path, key: str) -> Dataset | None:
    """The cached data set of ``key`` (with ``directory`` as its directory), or None."""
    name = key + _SUFFIX
    if not _NAME.fullmatch(name):
        return None
    folder = _open_folder(create=False)
    if folder is None:
        return None
    try:
        raw = read_regular(name, limit=MAX_ENTRY_BYTES, dir_fd=folder, follow=False, uid=os.getuid())
    except OSError:  # missing, a link, a FIFO or device, someone else's, unreadable: a miss
        return None
    finally:
        os.close(folder)
    return _decode(raw, key, directory)


def _decode(raw: bytes, key: str, directory: Path) -> Dataset | None:
    import msgspec

    global _decoder
    start = len(_MAGIC) + _DIGEST_SIZE
    if not raw.startswith(_MAGIC) or len(raw) < start:
        return None
    payload = memoryview(raw)[start:]
    if blake2b(payload, digest_size=_DIGEST_SIZE).digest() != raw[len(_MAGIC) : start]:
        return None  # damaged or cut short
    global _trial_decoder
    if _decoder is None or _trial_decoder is None:
        hints = typing.get_type_hints(Dataset)
        types = [msgspec.Raw if name == "trials" else hints[name] for name in _PARTS]
        _decoder = msgspec.msgpack.Decoder(tuple[(str, *types)])  # type: ignore[valid-type]
        _trial_decoder = msgspec.msgpack.Decoder(tuple[tuple[msgspec.Raw, ...], _TrialColumns])
    try:
        stored_key, *parts = _decoder.decode(payload)
        if stored_key != key:
            return None
        at = _PARTS.index("trials")
        raw, columns = _trial_decoder.decode(parts[at])
    except (msgspec.DecodeError, ValueError, RecursionError):
        return None
    from mscref.data.models import Trial

    # Each trial is decoded when it is first asked for. The payload's digest was checked above
    # and the key covers the code that wrote it, so a trial that does not decode means an entry
    # written by something else: it is removed, and the command stops with a message.
    decode = msgspec.msgpack.Decoder(Trial).decode

    def decode_trial(raw_trial: msgspec.Raw) -> Trial:
        try:
            return decode(raw_trial)
        except (msgspec.DecodeError, ValueError, RecursionError):
            discard(key)
            raise CacheDamaged(
                "a cached copy of the data held a record that does not decode; the copy was removed: "
                "run the command again (MSCREF_NO_CACHE=1 turns the cache off)"
            ) from None

    try:
        parts[at] = Trials(raw=raw, decode=decode_trial, columns=columns)
    except ValueError:  # the columns do not match the records
        return None
    return Dataset(directory, *parts)


def discard(key: str) -> bool:
    """Remove the entry of ``key`` if it is provably one of the cache's own; whether it was."""
    name = key + _SUFFIX
    folder = _open_folder(create=False) if _NAME.fullmatch(name) else None
    if folder is None:
        return False
    try:
        if _is_own_entry(name, folder, os.getuid()) is None:
            return False
        os.unlink(name, dir_fd=folder)
        return True
    except OSError:
        return False
    finally:
        os.close(folder)


def save(directory: Path, key: str, dataset: Dataset) -> None:
    """Store an entry; a cache that cannot be written is skipped (:func:`last_status` says why
    when the folder was refused)."""
    root = cache_dir()
    name = key + _SUFFIX
    if root is None or not _NAME.fullmatch(name) or _inside(root, directory):
        return
    folder = _open_folder(create=True)
    if folder is None:
        return
    import msgspec

    try:
        if not _replaceable(name, folder):
            return
        try:
            encoder = msgspec.msgpack.Encoder()
            parts = [getattr(dataset, part) for part in _PARTS]
            trials = dataset.indexed_trials()
            columns = (trials.ids(), trials.indications(), trials.products())
            encoded = tuple(msgspec.Raw(encoder.encode(t)) for t in trials)
            parts[_PARTS.index("trials")] = msgspec.Raw(encoder.encode((encoded, columns)))
            payload = encoder.encode((key, *parts))
        except (msgspec.EncodeError, OverflowError, TypeError):  # pragma: no cover - every field encodes
            return
        tmp = f".{os.urandom(8).hex()}.tmp"
        out = os.open(tmp, _NEW_FILE_FLAGS, 0o600, dir_fd=folder)
        try:
            with os.fdopen(out, "wb") as handle:
                handle.write(_MAGIC + blake2b(payload, digest_size=_DIGEST_SIZE).digest())
                handle.write(payload)
            os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp, dir_fd=folder)
        _prune(folder)
    except OSError:
        return
    finally:
        os.close(folder)


def _refuse(message: str) -> None:
    global _reason
    _reason = message


def _unsafe(folder: int) -> str | None:
    """Why the open folder ``folder`` may not hold the cache, or None."""
    info = os.fstat(folder)
    if not stat.S_ISDIR(info.st_mode):  # pragma: no cover - opened with O_DIRECTORY
        return "is not a folder"
    if info.st_uid != os.getuid():
        return f"is owned by another user (uid {info.st_uid})"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"is writable by other users (mode {stat.S_IMODE(info.st_mode):o})"
    return None


def _open_folder(create: bool) -> int | None:
    """A descriptor of the entries' folder, checked safe; None when there is none yet (and
    ``create`` is false), or when it is refused (with the reason in :func:`last_status`)."""
    global _reason
    _reason = None
    root = cache_dir()
    if root is None:
        return None
    if not _SUPPORTED:  # not POSIX
        _refuse("cache off: this platform cannot check who may write the cache folder")
        return None
    try:
        if create:
            os.makedirs(root, mode=0o700, exist_ok=True)
        top = os.open(root, _DIR_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ENOENT and not create and not os.path.islink(root):
            return None  # nothing cached yet
        _refuse(f"cache off: the cache folder {root} {_why_not_open(root, exc)}")
        return None
    try:
        why = _unsafe(top)
        if why is not None:
            _refuse(f"cache off: the cache folder {root} {why}")
            return None
        if create:
            with contextlib.suppress(FileExistsError):
                os.mkdir(SUBDIR, 0o700, dir_fd=top)
        folder = os.open(SUBDIR, _DIR_FLAGS, dir_fd=top)
    except OSError as exc:
        if exc.errno == errno.ENOENT and not create:
            return None
        _refuse(f"cache off: {root / SUBDIR} {_why_not_open(root / SUBDIR, exc)}")
        return None
    finally:
        os.close(top)
    why = _unsafe(folder)
    if why is not None:
        os.close(folder)
        _refuse(f"cache off: {root / SUBDIR} {why}")
        return None
    return folder


def _why_not_open(path: Path, exc: OSError) -> str:
    if os.path.islink(path):
        return "is a symbolic link (the cache folder must be a real folder)"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return "is not a folder"
    return f"cannot be used: {exc.strerror or exc}"


def _inside(path: Path, parent: Path) -> bool:
    try:
        path.resolve().relative_to(parent.resolve())
    except (ValueError, RuntimeError, OSError):  # elsewhere, or a symbolic-link loop
        return False
    return True


def _replaceable(name: str, folder: int) -> bool:
    """Whether an entry may be written at ``name``: nothing is there, or a regular file of this
    user's (an entry, perhaps damaged). A FIFO, device, link or folder there is left alone."""
    try:
        info = os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return True
    return stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid()


def _is_own_entry(name: str, folder: int, uid: int) -> int | None:
    """The mtime (ns) of ``name`` in ``folder`` if it is provably one of the cache's entries: its
    name, a regular file of this user's (not a link), and the cache's header; else None."""
    if not _NAME.fullmatch(name):
        return None
    try:
        fd = os.open(name, _ENTRY_FLAGS, dir_fd=folder)
    except OSError:  # a link (refused), gone, unreadable
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != uid:
            return None
        head = os.read(fd, len(_MAGIC))
    except OSError:
        return None
    finally:
        os.close(fd)
    return info.st_mtime_ns if head == _MAGIC else None


def _prune(folder: int) -> None:
    """Keep the newest :data:`KEEP` entries; delete older ones, and nothing that is not one."""
    uid = os.getuid()
    entries = []
    for name in os.listdir(folder):
        mtime = _is_own_entry(name, folder, uid)
        if mtime is not None:
            entries.append((mtime, name))
    for _mtime, name in sorted(entries, reverse=True)[KEEP:]:
        try:
            os.unlink(name, dir_fd=folder)
        except FileNotFoundError:
            continue  # another run pruned it
