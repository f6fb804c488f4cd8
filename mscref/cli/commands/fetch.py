"""``mscref fetch ctgov``: ClinicalTrials.gov into the local registry store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mscref.cli.app import app, handles_errors
from mscref.cli.common import DataDirOption, StoreOption, load

fetch_app = typer.Typer(
    help="Fetch registry records into the local store.\n\nExample: mscref fetch ctgov --status recruiting",
    no_args_is_help=True,
)
app.add_typer(fetch_app, name="fetch")


@fetch_app.command("ctgov")
@handles_errors
def fetch_ctgov(
    condition: Annotated[
        str | None, typer.Option(help="Only studies of this condition (query.cond).")
    ] = None,
    term: Annotated[
        str | None, typer.Option(help="Also match this search expression (AND; the API's Essie syntax).")
    ] = None,
    status: Annotated[
        list[str] | None, typer.Option(help="Overall status: recruiting, completed … (repeatable).")
    ] = None,
    updated_since: Annotated[
        str | None,
        typer.Option("--updated-since", metavar="DATE", help="Only studies updated on or after DATE."),
    ] = None,
    nct: Annotated[
        list[str] | None, typer.Option("--nct", help="Fetch these studies by id, MSC or not (repeatable).")
    ] = None,
    max_studies: Annotated[
        int | None, typer.Option("--max-studies", metavar="N", help="Stop after N studies.")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Fetch everything again, not only what changed since the last run.")
    ] = False,
    base_url: Annotated[
        str,
        typer.Option(
            "--base-url", envvar="MSCREF_CTGOV_URL", help="The API's address (also $MSCREF_CTGOV_URL)."
        ),
    ] = "https://clinicaltrials.gov/api/v2",
    page_size: Annotated[
        int, typer.Option("--page-size", help="Studies a page (the API allows 1000).")
    ] = 1000,
    rate: Annotated[float, typer.Option("--rate", help="At most this many requests a minute.")] = 50.0,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for an answer.")] = 30.0,
    retries: Annotated[int, typer.Option("--retries", help="Retries on 429, 5xx and timeouts.")] = 5,
    backoff: Annotated[
        float, typer.Option("--backoff", help="First wait before a retry, in seconds (doubles, with jitter).")
    ] = 1.0,
    max_wait: Annotated[float, typer.Option("--max-wait", help="Longest single wait, in seconds.")] = 300.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    store: StoreOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Fetch MSC studies from the ClinicalTrials.gov API v2 into the local store.

    Without --nct it asks for studies that name mesenchymal or stromal cells or MSCs in an
    intervention or a title, narrowed by --condition, --term and --status. A run that stops
    (Ctrl-C, a dropped connection) resumes when the same command is run again; a later run
    asks only for studies updated since the last complete one.

    Example: mscref fetch ctgov --condition "knee osteoarthritis" --status recruiting
    """
    import math

    from mscref.data.errors import UsageError
    from mscref.registry.client import Client, FetchError, Settings
    from mscref.registry.store import Store, default_store_path
    from mscref.registry.sync import Progress, Query, fetch, parse_date, parse_status

    numbers = (rate, timeout, backoff, max_wait)
    if not all(math.isfinite(x) for x in numbers) or timeout > 86_400:  # a clock cannot hold inf
        raise UsageError(
            "--rate, --timeout, --backoff and --max-wait take finite numbers (--timeout ≤ 86400)"
        )
    if rate < 0 or timeout <= 0 or retries < 0 or backoff < 0 or max_wait < 0:
        raise UsageError("--rate, --timeout, --retries, --backoff and --max-wait take positive numbers")
    query = Query(
        condition=condition,
        term=term,
        statuses=tuple(parse_status(s) for s in status or ()),
        ncts=tuple(n.strip().upper() for n in nct or ()),
    )
    since = parse_date(updated_since, "--updated-since") if updated_since else None
    ds = load(data_dir)
    path = store or default_store_path()
    settings = Settings(
        base_url=base_url, rate=rate, timeout=timeout, retries=retries, backoff=backoff, max_wait=max_wait
    )

    def say(message: str) -> None:
        if not quiet:
            typer.echo(message, err=True)

    tty = sys.stderr.isatty() and not quiet
    bar = _Bar() if tty else None

    def on_retry(reason: str, wait: float) -> None:
        if bar is not None:
            bar.console.print(f"retrying in {wait:.2g} s: {reason}")
        else:
            say(f"retrying in {wait:.2g} s: {reason}")

    announced: list[bool] = []

    def on_page(p: Progress) -> None:
        if not announced:
            announced.append(True)
            what = (
                f"{p.total:,} {'study matches' if p.total == 1 else 'studies match'}"
                if p.total is not None
                else "the count is unknown"
            )
            since_text = f", updated since {p.since}" + (" (the last complete run)" if p.incremental else "")
            resumed = " (resuming an interrupted run)" if p.resumed else ""
            if bar is None:
                say(f"ClinicalTrials.gov: {what}{since_text if p.since else ''}{resumed}")
            else:
                bar.start(p, f"ClinicalTrials.gov: {what}{since_text if p.since else ''}{resumed}")
        if bar is not None:
            bar.update(p)

    with Store(path) as st:
        client = Client(settings, on_retry=on_retry)
        try:
            progress = fetch(
                client,
                st,
                ds,
                query,
                updated_since=since,
                max_studies=max_studies,
                full=full,
                page_size=page_size,
                on_page=on_page,
            )
        except (KeyboardInterrupt, SystemExit):  # Ctrl-C arrives as SystemExit(130) (see __main__)
            if bar is not None:
                bar.stop()
            typer.echo(
                f"interrupted; every page stored so far is kept in {path};"
                " run the same command again to resume",
                err=True,
            )
            raise typer.Exit(code=130) from None
        except FetchError:
            if bar is not None:
                bar.stop()
            typer.echo(f"the store {path} keeps every page fetched before this error", err=True)
            raise
        finally:
            client.close()
        if bar is not None:
            bar.stop()
        studies, msc = st.count()
    limit = " (stopped at --max-studies)" if progress.state == "limit" else ""
    say(
        f"fetched {progress.seen:,} stud{'y' if progress.seen == 1 else 'ies'} in {progress.pages:,}"
        f" page{'s' if progress.pages != 1 else ''}{limit}:"
        f" {len(progress.added):,} new, {len(progress.changed):,} changed, {progress.unchanged:,} unchanged;"
        f" {path} holds {studies:,} studies ({msc:,} MSC)"
    )
    if progress.changed and not quiet:
        shown = ", ".join(progress.changed[:10]) + (" …" if len(progress.changed) > 10 else "")
        say(f"changed: {shown} (see `mscref registry history ID`)")


class _Bar:
    """A rich progress bar on stderr, for a terminal."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.progress: object | None = None
        self.task: object | None = None

    def start(self, p: object, title: str) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.console.print(title)
        bar = Progress(
            TextColumn("fetching"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=self.console,
        )
        bar.start()
        self.progress = bar
        self.task = bar.add_task("fetch", total=getattr(p, "total", None))

    def update(self, p: object) -> None:
        from rich.progress import Progress

        if isinstance(self.progress, Progress) and self.task is not None:
            self.progress.update(self.task, completed=getattr(p, "seen", 0))  # type: ignore[arg-type]

    def stop(self) -> None:
        from rich.progress import Progress

        if isinstance(self.progress, Progress):
            self.progress.stop()
            self.progress = None


_ = Path  # the store option's type
