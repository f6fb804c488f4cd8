"""A per-user cache of validated data sets, so a repeated question does not re-read the YAML.

- Keyed by a BLAKE2b-256 hash of every data file's bytes, the mscref version and the Python version:
  any edit to any file, or a new mscref, gives a new key (never an mtime, which can lie).
- Lives in the user's cache directory (``$MSCREF_CACHE_DIR``, else ``$XDG_CACHE_HOME/mscref``,
  else ``~/.cache/mscref``), never inside a data directory; ``MSCREF_NO_CACHE=1`` turns it off.
- Entries are written to a temporary file and renamed into place, so concurrent runs each
  leave a whole entry; the newest few are kept.
- Anything wrong with an entry (missing, truncated, damaged, from another version, unreadable)
  is a miss: the data is parsed and validated again. Each entry carries a BLAKE2b digest of its
  content, checked before anything is unpickled, so a damaged byte is never served as data.
  The cache can make mscref faster, never wrong.
"""

from __future__ import annotations

import dataclasses
import io
import os
import pickle
import stat
import sys
import tempfile
from pathlib import Path

from mscref import __version__
from mscref.data.dataset import Dataset
from mscref.data.models import Trial

try:  # CPython's built-in BLAKE2: ``hashlib`` would load OpenSSL first, a few ms of every start-up
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

FORMAT = 5  # 2: records pickle by value (mscref.data.record); 3: trials in chunks; 4: a digest;
# 5: the outcome model (effects, safety, doses), whose records an older entry cannot hold
KEEP = 8
#: Trials per pickle in an entry. One pickle of 100k trials memoises a million objects and
#: slows down more than linearly (the memo no longer fits in the processor's caches); chunks
#: keep each memo small, and are faster even at 10k.
CHUNK = 1000
_MAGIC = b"mscref-cache\n"
# What unpickling a damaged or foreign entry can raise; each means "not usable, parse again".
_UNUSABLE = (
    pickle.UnpicklingError,
    EOFError,
    AttributeError,
    ImportError,
    IndexError,
    KeyError,
    TypeError,
    ValueError,
    MemoryError,
    OSError,
    OverflowError,
    RecursionError,
)
_DIGEST_SIZE = 32


def cache_dir() -> Path | None:
    """Where entries live, or None when caching is off."""
    if os.environ.get("MSCREF_NO_CACHE"):
        return None
    explicit = os.environ.get("MSCREF_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "mscref"


def cache_key(directory: Path, names: list[str]) -> str | None:
    """The key of a data directory's current content; None if a file cannot be read."""
    digest = blake2b(digest_size=_DIGEST_SIZE)
    digest.update(f"{FORMAT}\0{__version__}\0{sys.version_info[:2]}\0".encode())
    try:  # a stray .yaml file is a problem the loader reports: it must change the key
        listing = sorted(e for e in os.listdir(directory) if e.endswith((".yaml", ".yml")))
    except OSError:
        return None
    digest.update("\0".join(listing).encode() + b"\0\0")
    for name in names:
        path = directory / name
        digest.update(name.encode() + b"\0")
        try:
            if not stat.S_ISREG(path.stat().st_mode):
                return None  # a pipe or device: never cache (and never read it here)
            data = path.read_bytes()
        except FileNotFoundError:
            if path.is_symlink():
                return None  # a broken link: let the loader say so
            digest.update(b"<missing>\0")
            continue
        except OSError:
            return None
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def _inside(path: Path, parent: Path) -> bool:
    try:
        path.resolve().relative_to(parent.resolve())
    except (ValueError, RuntimeError, OSError):  # elsewhere, or a symbolic-link loop
        return False
    return True


def load(directory: Path, key: str) -> Dataset | None:
    root = cache_dir()
    if root is None:
        return None
    entry = root / f"{key}.pickle"
    try:
        raw = entry.read_bytes()
        if not raw.startswith(_MAGIC):
            return None
        start = len(_MAGIC) + _DIGEST_SIZE
        digest, payload = raw[len(_MAGIC) : start], memoryview(raw)[start:]
        if len(digest) != _DIGEST_SIZE or blake2b(payload, digest_size=_DIGEST_SIZE).digest() != digest:
            return None  # damaged or cut short
        stream = io.BytesIO(payload)
        stored_key, head, chunks = pickle.load(stream)
        if stored_key != key or not isinstance(head, Dataset) or not isinstance(chunks, int):
            return None
        trials: list[Trial] = []
        for _ in range(chunks):
            chunk = pickle.load(stream)
            if not isinstance(chunk, tuple):
                return None
            trials.extend(chunk)
        if stream.read(1):
            return None  # trailing bytes: not an entry this version wrote
    except _UNUSABLE:
        return None
    return dataclasses.replace(head, trials=tuple(trials))


def save(directory: Path, key: str, dataset: Dataset) -> None:
    """Store an entry; a cache that cannot be written is silently skipped."""
    root = cache_dir()
    if root is None or _inside(root, directory):
        return
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        trials = dataset.trials
        chunks = range(0, len(trials), CHUNK)
        payload = io.BytesIO()
        head = dataclasses.replace(dataset, trials=())
        pickle.dump((key, head, len(chunks)), payload, protocol=pickle.HIGHEST_PROTOCOL)
        for start in chunks:
            pickle.dump(trials[start : start + CHUNK], payload, protocol=pickle.HIGHEST_PROTOCOL)
        body = payload.getbuffer()
        fd, tmp = tempfile.mkstemp(prefix=".entry.", suffix=".tmp", dir=root)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_MAGIC)
                handle.write(blake2b(body, digest_size=_DIGEST_SIZE).digest())
                handle.write(body)
            os.replace(tmp, root / f"{key}.pickle")
        finally:
            Path(tmp).unlink(missing_ok=True)
        _prune(root)
    except OSError:
        return


def _prune(root: Path) -> None:
    entries = []
    for p in root.glob("*.pickle"):
        try:
            entries.append((p.stat().st_mtime, p))
        except FileNotFoundError:
            continue  # another run pruned it
    for _mtime, p in sorted(entries, reverse=True)[KEEP:]:
        p.unlink(missing_ok=True)
