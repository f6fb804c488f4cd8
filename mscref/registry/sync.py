"""Fetching ClinicalTrials.gov into the store: the query, pagination, resuming and incremental runs.

A run is remembered in the store with its query and the page token it goes to next, written in
the same transaction as each page. So:

- an interrupted run (Ctrl-C, a dropped connection, a crash) is resumed by asking the same
  query again: it goes on from the token of the first page it had not stored, and the store is
  keyed by registry and id, so no study is ever stored twice;
- a later run of a query that has once completed asks only for studies updated since that run
  began (``AREA[LastUpdatePostDate]RANGE[date,MAX]``) and records what changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from mscref.data.dataset import Dataset
from mscref.data.errors import UsageError
from mscref.registry.client import MAX_PAGE_SIZE, Client, TokenRejected
from mscref.registry.store import CTGOV, Store

_WORDS = '(mesenchymal OR "stromal cell" OR "stromal cells" OR MSC OR MSCs)'
#: The default query: studies that name mesenchymal or stromal cells, or MSCs, in an
#: intervention's name or in either title (the API's search areas, its Essie syntax).
MSC_QUERY = " OR ".join(
    f"AREA[{area}]{_WORDS}" for area in ("InterventionName", "BriefTitle", "OfficialTitle")
)

STATUSES = (
    "ACTIVE_NOT_RECRUITING",
    "COMPLETED",
    "ENROLLING_BY_INVITATION",
    "NOT_YET_RECRUITING",
    "RECRUITING",
    "SUSPENDED",
    "TERMINATED",
    "WITHDRAWN",
    "AVAILABLE",
    "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE",
    "APPROVED_FOR_MARKETING",
    "WITHHELD",
    "UNKNOWN",
)


def parse_status(text: str) -> str:
    """``recruiting``, ``Active, not recruiting``, ``COMPLETED`` -> the API's value."""
    value = re.sub(r"[^A-Z]+", "_", text.upper()).strip("_")
    if value not in STATUSES:
        raise UsageError(f"unknown status {text!r}; statuses are: {', '.join(s.lower() for s in STATUSES)}")
    return value


def parse_date(text: str, option: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise UsageError(f"{option} takes a date such as 2024-01-31, not {text!r}") from None


@dataclass(frozen=True)
class Query:
    """What to fetch. With ``ncts`` the named studies are fetched whatever they are; otherwise
    the MSC query is combined (AND) with the condition, term and statuses."""

    condition: str | None = None
    term: str | None = None
    statuses: tuple[str, ...] = ()
    ncts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for nct in self.ncts:
            if not re.fullmatch(r"NCT[0-9]{8}", nct):
                raise UsageError(f"not an NCT id: {nct!r} (expected NCT followed by 8 digits)")

    def params(self) -> dict[str, str]:
        """The API parameters, without paging and without the date range."""
        out: dict[str, str] = {"format": "json"}
        if self.ncts:
            out["filter.ids"] = ",".join(self.ncts)
        else:
            out["query.term"] = f"({MSC_QUERY}) AND ({self.term})" if self.term else MSC_QUERY
        if self.condition:
            out["query.cond"] = self.condition
        if self.statuses:
            out["filter.overallStatus"] = ",".join(sorted(self.statuses))
        return out

    def key(self) -> str:
        """Names the query in the store: runs of the same query resume and follow each other."""
        text = json.dumps(self.params(), sort_keys=True)
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


@dataclass
class Progress:
    """What a run did, as it goes; the CLI draws it."""

    run: int = 0
    total: int | None = None  # countTotal, from the first page
    pages: int = 0
    seen: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    resumed: bool = False
    restarted: bool = False  # a resumed run whose token the server no longer took
    since: str | None = None  # the updated-since date asked
    incremental: bool = False  # since came from the last complete run
    state: str = "running"


def fetch(
    client: Client,
    store: Store,
    ds: Dataset,
    query: Query,
    *,
    updated_since: str | None = None,
    max_studies: int | None = None,
    full: bool = False,
    page_size: int = MAX_PAGE_SIZE,
    on_page: Callable[[Progress], None] | None = None,
) -> Progress:
    """Fetch every page of the query into the store, one transaction a page.

    Resumes an unfinished run of the same query; otherwise, unless ``full`` or an explicit
    ``updated_since``, asks only for what was updated since the last complete run began.
    """
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise UsageError(f"the page size must be between 1 and {MAX_PAGE_SIZE}")
    if max_studies is not None and max_studies < 1:
        raise UsageError("--max-studies must be at least 1")
    # a run cut down by a date or a number is its own query: it neither resumes nor follows
    # a whole one, so the incremental chain is never broken by a partial run
    key = query.key()
    if updated_since:
        key += f"@{updated_since}"
    if max_studies:
        key += f"#{max_studies}"
    progress = Progress()
    resume = None if full else store.unfinished_run(key)
    if resume is not None:
        progress.run, progress.resumed = resume.id, True
        since = resume.since
        token = resume.next_token
        progress.pages, progress.seen, progress.total = resume.pages, resume.seen, resume.total
        progress.unchanged = resume.unchanged
    else:
        since = updated_since
        if since is None and not full:
            last = store.last_complete(key)
            if last is not None:
                since, progress.incremental = last.started[:10], True
        token = None
        progress.run = store.begin_run(key, query.params(), since)
    progress.since = since
    params = query.params()
    if since:
        params["filter.advanced"] = f"AREA[LastUpdatePostDate]RANGE[{since},MAX]"
    state = "failed"
    try:
        while True:
            ask = dict(params, pageSize=str(page_size), countTotal="true")
            if max_studies is not None:
                ask["pageSize"] = str(min(page_size, max_studies - progress.seen))
            if token:
                ask["pageToken"] = token
            try:
                page = client.studies(ask)
            except TokenRejected:
                if not progress.resumed or progress.restarted:
                    raise
                # the token of an old run expired: start the query again; stored studies that
                # come again are unchanged and write nothing
                store.restart_run(progress.run)
                progress.restarted, token = True, None
                continue
            if page.total is not None and progress.total is None:
                progress.total = page.total
                store.set_total(progress.run, page.total)
            studies = page.studies
            if max_studies is not None:
                studies = studies[: max_studies - progress.seen]
            result = store.put_page(studies, ds, run=progress.run, next_token=page.next_token, registry=CTGOV)
            progress.pages += 1
            progress.seen += len(studies)
            progress.added += result.added
            progress.changed += result.changed
            progress.unchanged += len(result.unchanged)
            if on_page is not None:
                on_page(progress)
            token = page.next_token
            if max_studies is not None and progress.seen >= max_studies:
                state = "limit" if token else "done"
                break
            if not token or not studies:
                state = "done"
                break
    except (KeyboardInterrupt, SystemExit):
        # Ctrl-C (the command line turns it into SystemExit(130)) or any other way out that is
        # not an error: resumable, the next run of the query goes on from the stored token.
        state = "running"
        raise
    finally:
        progress.state = state
        if state != "running":
            store.end_run(progress.run, state)
    return progress
