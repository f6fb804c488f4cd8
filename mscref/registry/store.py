"""The local registry store: every fetched study, lossless, in one SQLite file.

- ``versions`` keeps every version of every study's JSON as the API returned it (the same keys,
  order and values, serialised compactly), with when it was fetched, its last-update date and
  the fetch run that brought it. A re-fetched study whose JSON is unchanged writes nothing; a
  changed one adds a version, so what the registry changed, and when, stays visible.
- ``studies`` holds one row per study (the current version) with its classification in plain
  columns beside it, so ``registry list`` and ``registry summary`` read only the columns they
  show, never the JSON.
- ``runs`` records each fetch: its query, where it stopped (the next page token) and what it
  changed; an interrupted run resumes from there, and a later run asks only for what changed
  since the last complete one.

Rows are keyed by (registry, id), so other registries can be added without a migration. Every
page is written in one transaction: a crash or Ctrl-C mid-page leaves the store as it was
before that page.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mscref.data.dataset import Dataset
from mscref.data.errors import MscrefError
from mscref.registry.classify import CLASSIFIER_VERSION, Classified, classify_study, last_update, study_id

if TYPE_CHECKING:
    from mscref.registry.ctgov import Study

CTGOV = "ctgov"
STORE_FILE = "registry.sqlite"
ENV_STORE = "MSCREF_STORE"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS studies (
    registry TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    digest TEXT NOT NULL,
    last_update TEXT,
    first_fetched TEXT NOT NULL,
    fetched TEXT NOT NULL,
    classifier INTEGER NOT NULL,
    title TEXT,
    is_msc INTEGER NOT NULL,
    product_type TEXT NOT NULL,
    product_evidence TEXT NOT NULL,
    tissue TEXT,
    source TEXT,
    tissue_evidence TEXT NOT NULL,
    origin TEXT,
    origin_evidence TEXT NOT NULL,
    indication TEXT,
    conditions TEXT NOT NULL,
    unmatched TEXT NOT NULL,
    phase TEXT,
    phases TEXT NOT NULL,
    status TEXT,
    enrollment INTEGER,
    countries TEXT NOT NULL,
    start_date TEXT,
    start_year INTEGER,
    has_results INTEGER NOT NULL,
    PRIMARY KEY (registry, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS versions (
    registry TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    json TEXT NOT NULL,
    digest TEXT NOT NULL,
    last_update TEXT,
    fetched TEXT NOT NULL,
    run INTEGER,
    PRIMARY KEY (registry, id, version)
);
CREATE TABLE IF NOT EXISTS countries (
    registry TEXT NOT NULL,
    id TEXT NOT NULL,
    country TEXT NOT NULL,
    PRIMARY KEY (registry, id, country)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    registry TEXT NOT NULL,
    query_key TEXT NOT NULL,
    params TEXT NOT NULL,
    since TEXT,
    started TEXT NOT NULL,
    finished TEXT,
    state TEXT NOT NULL,
    next_token TEXT,
    pages INTEGER NOT NULL DEFAULT 0,
    seen INTEGER NOT NULL DEFAULT 0,
    added INTEGER NOT NULL DEFAULT 0,
    changed INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    total INTEGER
);
CREATE INDEX IF NOT EXISTS studies_msc ON studies (is_msc, source, indication);
"""

#: The classification columns, in the order they are written.
CLASS_COLUMNS = (
    "classifier",
    "title",
    "is_msc",
    "product_type",
    "product_evidence",
    "tissue",
    "source",
    "tissue_evidence",
    "origin",
    "origin_evidence",
    "indication",
    "conditions",
    "unmatched",
    "phase",
    "phases",
    "status",
    "enrollment",
    "countries",
    "start_date",
    "start_year",
    "has_results",
)


class StoreError(MscrefError):
    """The store cannot be opened or read."""


def default_store_path() -> Path:
    """``$MSCREF_STORE``, else ``registry.sqlite`` in the user's data directory
    (``$XDG_DATA_HOME/mscref`` on Linux)."""
    env = os.environ.get(ENV_STORE)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("mscref", appauthor=False)) / STORE_FILE


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def study_text(study: dict[str, Any]) -> str:
    """A study's JSON as stored: the API's keys, order and values, compact."""
    return json.dumps(study, ensure_ascii=False, separators=(",", ":"))


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _class_values(c: Classified) -> tuple[Any, ...]:
    return (
        CLASSIFIER_VERSION,
        c.title,
        int(c.is_msc),
        c.product_type,
        c.product_evidence,
        c.tissue,
        c.source,
        c.tissue_evidence,
        c.origin,
        c.origin_evidence,
        c.indication,
        json.dumps(list(c.conditions), ensure_ascii=False),
        json.dumps(list(c.unmatched), ensure_ascii=False),
        c.phase,
        json.dumps(list(c.phases)),
        c.status,
        c.enrollment,
        json.dumps(list(c.countries), ensure_ascii=False),
        c.start_date,
        c.start_year,
        int(c.has_results),
    )


@dataclass
class PageResult:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # records with no NCT id


@dataclass(frozen=True)
class Run:
    id: int
    registry: str
    query_key: str
    params: dict[str, Any]
    since: str | None
    started: str
    finished: str | None
    state: str  # running, done, limit, failed
    next_token: str | None
    pages: int
    seen: int
    added: int
    changed: int
    unchanged: int
    total: int | None


@dataclass(frozen=True)
class Version:
    version: int
    fetched: str
    last_update: str | None
    run: int | None
    data: dict[str, Any]


@dataclass(frozen=True)
class RegistryFilter:
    """What ``registry list`` keeps; every field left empty keeps everything."""

    sources: frozenset[str] | None = None  # source ids (a source and its children)
    indications: frozenset[str] | None = None  # indication ids (one and its narrower ones)
    phases: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # API values: RECRUITING, COMPLETED …
    country: str | None = None
    since: str | None = None  # start date on or after: YYYY, YYYY-MM or YYYY-MM-DD
    include_non_msc: bool = False
    ids: tuple[str, ...] = ()  # only these studies


SORTS = {
    "id": "s.id",
    "start": "s.start_date IS NULL, s.start_date, s.id",
    "phase": "s.phase IS NULL, s.phase, s.id",
    "status": "s.status IS NULL, s.status, s.id",
    "enrollment": "s.enrollment IS NULL, s.enrollment DESC, s.id",
    "updated": "s.last_update IS NULL, s.last_update DESC, s.id",
}


def _check_store_file(path: Path, *, readonly: bool) -> None:
    """StoreError unless ``path`` is a regular file (or, to create a store, nothing yet):
    SQLite would block on a FIFO and cannot keep a store in a device or a folder."""
    import stat

    from mscref.data.files import kind_of

    try:
        info = os.stat(path)
    except FileNotFoundError:
        if readonly:
            raise StoreError(f"no registry store at {path}; run `mscref fetch ctgov` first") from None
        return
    if not stat.S_ISREG(info.st_mode):
        raise StoreError(
            f"cannot open the registry store {path}: it is {kind_of(info.st_mode)}, not a regular file"
        )


def _has_tables(db: sqlite3.Connection) -> bool:
    count: int = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    return count > 0


def _check_store_schema(db: sqlite3.Connection, path: Path) -> None:
    """StoreError unless ``db`` holds this version's tables with their columns: a foreign
    database, another version's store or a damaged one is refused before it is read or
    changed."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    not_store = f"{path} is not an mscref registry store"
    if version != SCHEMA_VERSION:
        raise StoreError(f"{not_store} (schema {version}); give another --store")
    want = sqlite3.connect(":memory:")
    try:
        want.executescript(_SCHEMA)
        tables = [r[0] for r in want.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            need = {r[1] for r in want.execute(f"PRAGMA table_info({table})")}
            have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
            if not need <= have:
                missing = ", ".join(sorted(need - have))
                raise StoreError(f"{not_store}: table {table} lacks {missing}; give another --store")
    finally:
        want.close()


class Store:
    """One SQLite registry store. ``readonly`` opens an existing store without creating or
    changing anything."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        try:
            _check_store_file(path, readonly=readonly)
            if readonly:
                self.db = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None
                )
                _check_store_schema(self.db, path)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
                if _has_tables(self.db):  # someone's database: never add tables to it
                    _check_store_schema(self.db, path)
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.executescript(_SCHEMA)
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the registry store {path}: {exc}") from None
        except OSError as exc:
            raise StoreError(f"cannot open the registry store {path}: {exc.strerror or exc}") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Everything inside is written together or not at all (even on Ctrl-C)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --------------------------------------------------------------------------------------
    # Writing

    def put_page(
        self,
        studies: Sequence[dict[str, Any]],
        ds: Dataset,
        *,
        run: int | None = None,
        next_token: str | None = None,
        registry: str = CTGOV,
        fetched: str | None = None,
    ) -> PageResult:
        """Store one page of studies and (with ``run``) where the run goes next, in one transaction."""
        fetched = fetched or now()
        result = PageResult()
        with self.transaction() as db:
            for study in studies:
                sid = study_id(study)
                if sid is None:
                    result.skipped.append(str(len(result.skipped) + 1))
                    continue
                text = study_text(study)
                digest = _digest(text)
                row = db.execute(
                    "SELECT version, digest FROM studies WHERE registry = ? AND id = ?", (registry, sid)
                ).fetchone()
                if row is not None and row[1] == digest:
                    result.unchanged.append(sid)
                    continue
                version = 1 if row is None else row[0] + 1
                updated = last_update(study)
                db.execute(
                    "INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (registry, sid, version, text, digest, updated, fetched, run),
                )
                self._put_current(
                    db, registry, sid, version, digest, updated, fetched, classify_study(study, ds)
                )
                (result.added if row is None else result.changed).append(sid)
            if run is not None:
                db.execute(
                    "UPDATE runs SET next_token = ?, pages = pages + 1, seen = seen + ?, added = added + ?,"
                    " changed = changed + ?, unchanged = unchanged + ? WHERE id = ?",
                    (
                        next_token,
                        len(studies),
                        len(result.added),
                        len(result.changed),
                        len(result.unchanged),
                        run,
                    ),
                )
        return result

    def _put_current(
        self,
        db: sqlite3.Connection,
        registry: str,
        sid: str,
        version: int,
        digest: str,
        updated: str | None,
        fetched: str,
        c: Classified,
    ) -> None:
        first = db.execute(
            "SELECT first_fetched FROM studies WHERE registry = ? AND id = ?", (registry, sid)
        ).fetchone()
        db.execute("DELETE FROM studies WHERE registry = ? AND id = ?", (registry, sid))
        db.execute("DELETE FROM countries WHERE registry = ? AND id = ?", (registry, sid))
        cols = ", ".join(CLASS_COLUMNS)
        marks = ", ".join("?" * (7 + len(CLASS_COLUMNS)))
        db.execute(
            "INSERT INTO studies (registry, id, version, digest, last_update, first_fetched, fetched,"
            f" {cols}) VALUES ({marks})",
            (
                registry,
                sid,
                version,
                digest,
                updated,
                first[0] if first else fetched,
                fetched,
                *_class_values(c),
            ),
        )
        db.executemany(
            "INSERT INTO countries VALUES (?, ?, ?)", [(registry, sid, country) for country in c.countries]
        )

    def reclassify(self, ds: Dataset, registry: str = CTGOV) -> int:
        """Classify every stored study again (after the classifier or the data changed)."""
        rows = self.db.execute(
            "SELECT s.id, s.version, s.digest, s.last_update, s.fetched, v.json FROM studies s"
            " JOIN versions v USING (registry, id, version) WHERE s.registry = ?",
            (registry,),
        ).fetchall()
        with self.transaction() as db:
            for sid, version, digest, updated, fetched, text in rows:
                c = classify_study(json.loads(text), ds)
                self._put_current(db, registry, sid, version, digest, updated, fetched, c)
        return len(rows)

    # --------------------------------------------------------------------------------------
    # Runs

    def begin_run(
        self, query_key: str, params: dict[str, Any], since: str | None, registry: str = CTGOV
    ) -> int:
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO runs (registry, query_key, params, since, started, state)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (registry, query_key, json.dumps(params, sort_keys=True), since, now(), "running"),
            )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def set_total(self, run: int, total: int | None) -> None:
        self.db.execute("UPDATE runs SET total = ? WHERE id = ?", (total, run))

    def end_run(self, run: int, state: str) -> None:
        self.db.execute("UPDATE runs SET state = ?, finished = ? WHERE id = ?", (state, now(), run))

    def restart_run(self, run: int) -> None:
        """An unfinished run whose page token the server no longer takes starts from page one."""
        self.db.execute("UPDATE runs SET next_token = NULL WHERE id = ?", (run,))

    def _run(self, row: Sequence[Any]) -> Run:
        return Run(
            id=row[0],
            registry=row[1],
            query_key=row[2],
            params=json.loads(row[3]),
            since=row[4],
            started=row[5],
            finished=row[6],
            state=row[7],
            next_token=row[8],
            pages=row[9],
            seen=row[10],
            added=row[11],
            changed=row[12],
            unchanged=row[13],
            total=row[14],
        )

    def runs(self, registry: str = CTGOV) -> list[Run]:
        rows = self.db.execute("SELECT * FROM runs WHERE registry = ? ORDER BY id", (registry,))
        return [self._run(r) for r in rows]

    def unfinished_run(self, query_key: str, registry: str = CTGOV) -> Run | None:
        """The latest run of this query that stopped before its last page (to resume)."""
        row = self.db.execute(
            "SELECT * FROM runs WHERE registry = ? AND query_key = ? ORDER BY id DESC LIMIT 1",
            (registry, query_key),
        ).fetchone()
        return self._run(row) if row is not None and row[7] in ("running", "failed") else None

    def last_complete(self, query_key: str, registry: str = CTGOV) -> Run | None:
        """The latest run of this query that reached its last page."""
        row = self.db.execute(
            "SELECT * FROM runs WHERE registry = ? AND query_key = ? AND state = 'done'"
            " ORDER BY id DESC LIMIT 1",
            (registry, query_key),
        ).fetchone()
        return self._run(row) if row is not None else None

    # --------------------------------------------------------------------------------------
    # Reading

    def count(self, registry: str = CTGOV) -> tuple[int, int]:
        """(studies, of which MSC)."""
        row = self.db.execute(
            "SELECT count(*), coalesce(sum(is_msc), 0) FROM studies WHERE registry = ?", (registry,)
        ).fetchone()
        return int(row[0]), int(row[1])

    def _where(self, flt: RegistryFilter, registry: str) -> tuple[str, list[Any]]:
        clauses = ["s.registry = ?"]
        args: list[Any] = [registry]
        if not flt.include_non_msc:
            clauses.append("s.is_msc = 1")
        for column, values in (("source", flt.sources), ("indication", flt.indications)):
            if values is not None:
                clauses.append(f"s.{column} IN ({', '.join('?' * len(values))})")
                args += sorted(values)
        for column, tvalues in (("phase", flt.phases), ("status", flt.statuses)):
            if tvalues:
                clauses.append(f"s.{column} IN ({', '.join('?' * len(tvalues))})")
                args += list(tvalues)
        if flt.country:
            clauses.append(
                "EXISTS (SELECT 1 FROM countries c WHERE c.registry = s.registry AND c.id = s.id"
                " AND c.country = ? COLLATE NOCASE)"
            )
            args.append(flt.country)
        if flt.ids:
            clauses.append(f"s.id IN ({', '.join('?' * len(flt.ids))})")
            args += list(flt.ids)
        if flt.since:
            clauses.append("s.start_date >= ?")
            args.append(flt.since)
        return " AND ".join(clauses), args

    def rows(self, flt: RegistryFilter, sort: str = "id", registry: str = CTGOV) -> list[dict[str, Any]]:
        """The current row of every study the filter keeps, classification decoded."""
        where, args = self._where(flt, registry)
        cur = self.db.execute(
            f"SELECT s.* FROM studies s WHERE {where} ORDER BY {SORTS[sort]}",
            args,
        )
        names = [d[0] for d in cur.description]
        out = []
        for row in cur:
            rec = dict(zip(names, row, strict=True))
            for key in ("conditions", "unmatched", "phases", "countries"):
                rec[key] = json.loads(rec[key])
            rec["is_msc"] = bool(rec["is_msc"])
            rec["has_results"] = bool(rec["has_results"])
            out.append(rec)
        return out

    def crosstab(self, a: str, b: str | None, registry: str = CTGOV) -> dict[tuple[Any, Any], int]:
        """Counts of MSC studies by one or two classification columns (``country`` reads the
        countries table: a study in three countries counts in each)."""
        allowed = {
            "source",
            "indication",
            "phase",
            "status",
            "start_year",
            "origin",
            "product_type",
            "country",
        }
        if a not in allowed or (b is not None and b not in allowed):
            raise ValueError(f"not a summary column: {a}, {b}")

        def col(name: str) -> str:
            # a tissue the data set has no source record for is counted under its own words
            return {"country": "c.country", "source": "coalesce(s.source, s.tissue)"}.get(name, f"s.{name}")

        joined = "country" in (a, b)
        frm = "studies s" + (
            " LEFT JOIN countries c ON c.registry = s.registry AND c.id = s.id" if joined else ""
        )
        second = col(b) if b else "NULL"
        sql = (
            f"SELECT {col(a)}, {second}, count(*) FROM {frm} WHERE s.registry = ? AND s.is_msc = 1"
            " GROUP BY 1, 2"
        )
        return {(r[0], r[1]): r[2] for r in self.db.execute(sql, (registry,))}

    def history(self, sid: str, registry: str = CTGOV) -> list[Version]:
        rows = self.db.execute(
            "SELECT version, fetched, last_update, run, json FROM versions WHERE registry = ? AND id = ?"
            " ORDER BY version",
            (registry, sid),
        ).fetchall()
        return [Version(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]

    def current(self, ids: Sequence[str], registry: str = CTGOV) -> dict[str, dict[str, Any]]:
        """The current JSON of each id that is stored."""
        out: dict[str, dict[str, Any]] = {}
        for sid in ids:
            row = self.db.execute(
                "SELECT v.json FROM studies s JOIN versions v USING (registry, id, version)"
                " WHERE s.registry = ? AND s.id = ?",
                (registry, sid),
            ).fetchone()
            if row is not None:
                out[sid] = json.loads(row[0])
        return out

    def export_columns(self) -> list[tuple[str, str]]:
        """(name, SQLite type) of every column ``export_rows`` gives, in order."""
        info = self.db.execute("PRAGMA table_info(studies)").fetchall()
        return [(r[1], r[2]) for r in info] + [("json", "TEXT")]

    def export_rows(self, flt: RegistryFilter, registry: str = CTGOV) -> Iterator[dict[str, Any]]:
        """Every kept study's current row with its JSON text, for export."""
        where, args = self._where(flt, registry)
        cur = self.db.execute(
            "SELECT s.*, v.json FROM studies s JOIN versions v USING (registry, id, version)"
            f" WHERE {where} ORDER BY s.id",
            args,
        )
        names = [d[0] for d in cur.description]
        for row in cur:
            yield dict(zip(names, row, strict=True))


def stored_studies(path: Path, ids: Sequence[str]) -> list[Study]:
    """The current stored version of each study, for ``import ctgov --from-store``; ImportFailed
    names every id that is not an NCT id or not in the store."""
    from mscref.data.errors import ImportFailed, ImportProblem
    from mscref.registry.ctgov import Study

    wanted = [i.strip().upper() for i in ids]
    problems = [ImportProblem(str(path), i, "not an NCT id") for i in wanted if not i.startswith("NCT")]
    with Store(path, readonly=True) as st:
        found = st.current(wanted)
    problems += [
        ImportProblem(str(path), i, "not in the store (fetch it: mscref fetch ctgov --nct ID)")
        for i in wanted
        if i.startswith("NCT") and i not in found
    ]
    if problems:
        raise ImportFailed(problems)
    return [Study(str(path), f"stored {i}", found[i]) for i in dict.fromkeys(wanted)]
