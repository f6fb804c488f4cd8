"""``mscref fetch ctgov`` against a real HTTP server on 127.0.0.1 that answers like the API and
fails the way servers fail. No part of the client is mocked."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.registry.conftest import FAST, fetch, run
from tests.registry.ctgov_server import FakeRegistry, nct

ROOT = Path(__file__).resolve().parents[2]


def stored_ids(store: Path) -> list[str]:
    with sqlite3.connect(store) as db:
        return [r[0] for r in db.execute("SELECT id FROM studies ORDER BY id")]


def dump(store: Path) -> list[tuple[object, ...]]:
    """Every study and version row: what a fetch may or may not change."""
    with sqlite3.connect(store) as db:
        return list(db.execute("SELECT * FROM studies ORDER BY id")) + list(
            db.execute("SELECT * FROM versions ORDER BY id, version")
        )


def runs(store: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(store) as db:
        return list(db.execute("SELECT state, pages, seen, added, changed, unchanged, since FROM runs"))


def test_every_study_arrives_exactly_once_across_pages(registry: FakeRegistry, store: Path) -> None:
    code, out, err = fetch(registry, store)
    assert code == 0, err
    assert out == ""
    every = sorted(nct(s) for s in registry.studies)
    assert stored_ids(store) == every
    assert Counter(registry.served) == Counter(every)  # each served once, on 4 pages of 10
    assert [p.get("pageToken") for p in registry.log] == [None, "tok-10", "tok-20", "tok-30"]
    assert all(
        p["pageSize"] == "10" and "MesenchymaL".lower() in p["query.term"].lower() for p in registry.log
    )
    lines = err.splitlines()
    assert lines[0] == "ClinicalTrials.gov: 31 studies match"  # countTotal, up front
    assert len(lines) == 2 and "━" not in err  # not a terminal: no bar, one line at the end
    assert lines[-1].startswith("fetched 31 studies in 4 pages: 31 new, 0 changed, 0 unchanged;")
    assert runs(store) == [("done", 4, 31, 31, 0, 0, None)]


def test_the_json_is_stored_as_the_api_returned_it(registry: FakeRegistry, store: Path) -> None:
    fetch(registry, store)
    with sqlite3.connect(store) as db:
        stored = {r[0]: r[1] for r in db.execute("SELECT id, json FROM versions")}
    for study in registry.studies:
        assert json.loads(stored[nct(study)]) == study
        assert list(json.loads(stored[nct(study)])) == list(study)  # key order kept too


def test_an_unchanged_refetch_changes_nothing(registry: FakeRegistry, store: Path) -> None:
    fetch(registry, store)
    before = dump(store)
    code, _, err = fetch(registry, store, "--full")
    assert code == 0, err
    assert "0 new, 0 changed, 31 unchanged" in err
    assert dump(store) == before


def test_a_later_fetch_asks_only_for_what_changed_and_keeps_history(
    registry: FakeRegistry, store: Path
) -> None:
    fetch(registry, store)
    first_run_day = runs(store)[0]
    assert first_run_day[0] == "done"
    changed = registry.studies[10]
    sid = nct(changed)
    old_status = changed["protocolSection"]["statusModule"]["overallStatus"]
    changed["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
    changed["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2099-01-01"}
    registry.log.clear()
    code, _, err = fetch(registry, store)
    assert code == 0, err
    (asked,) = registry.log
    assert asked["filter.advanced"].startswith("AREA[LastUpdatePostDate]RANGE[")
    assert "updated since" in err and "(the last complete run)" in err
    assert "1 new" not in err and "0 new, 1 changed, 0 unchanged" in err
    assert f"changed: {sid}" in err
    code, out, _ = run("registry", "history", sid, "--store", str(store), "--format", "json")
    assert code == 0
    versions = json.loads(out)
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["study"]["protocolSection"]["statusModule"]["overallStatus"] == old_status
    assert versions[1]["study"]["protocolSection"]["statusModule"]["overallStatus"] == "TERMINATED"
    assert "protocolSection.statusModule.overallStatus" in versions[1]["changed"]
    code, out, _ = run(
        "registry", "list", "--store", str(store), "--status", "terminated", "--format", "json"
    )
    assert [r["id"] for r in json.loads(out)] == [sid]


@pytest.mark.parametrize("fault", ["429", "500", "slow", "reset"])
def test_transient_faults_are_retried(registry: FakeRegistry, store: Path, fault: str) -> None:
    registry.fail(2, fault)
    code, _, err = fetch(registry, store)
    assert code == 0, err
    assert stored_ids(store) == sorted(nct(s) for s in registry.studies)
    (retry,) = [line for line in err.splitlines() if line.startswith("retrying")]
    reason = {
        "429": "HTTP 429",
        "500": "HTTP 500",
        "slow": "no answer within 0.3 s",
        "reset": "the connection broke off",
    }[fault]
    assert reason in retry
    if fault == "429":
        # Retry-After: 1 makes the wait at least 1 s, cut to --max-wait (0.05 s); the backoff
        # alone (1 ms with jitter) would have waited at most 0.002 s
        assert retry.startswith("retrying in 0.05 s")


def test_retries_give_up_with_a_clear_message(registry: FakeRegistry, store: Path) -> None:
    registry.fail(1, *["500"] * 4)
    code, _, err = fetch(registry, store)
    assert code == 1
    assert "error: " in err and "HTTP 500 Internal Server Error (gave up after 4 attempts)" in err
    assert stored_ids(store) == []


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("truncated", "the server's JSON is broken (Unterminated string"),
        ("html", "the server answered with text/html, not JSON (is --base-url the API? it begins: <!DOCTYPE"),
    ],
)
def test_bad_answers_are_clear_errors_and_the_next_run_resumes(
    registry: FakeRegistry, store: Path, fault: str, message: str
) -> None:
    registry.fail(2, fault)
    code, _out, err = fetch(registry, store)
    assert code == 1
    assert message.split("(")[0] in err and err.rstrip().splitlines()[-1].startswith("error: ")
    assert "keeps every page fetched before this error" in err
    assert stored_ids(store) == sorted(nct(s) for s in registry.studies)[:10]  # page 1, whole
    registry.log.clear()
    registry.served.clear()
    code, _, err = fetch(registry, store)
    assert code == 0, err
    assert "resuming an interrupted run" in err
    assert registry.log[0]["pageToken"] == "tok-10"  # not page 1 again
    assert stored_ids(store) == sorted(nct(s) for s in registry.studies)
    assert "page 1" not in registry.served and len(registry.served) == 21


def test_a_rejected_page_token_restarts_a_resumed_run_without_duplicates(
    registry: FakeRegistry, store: Path
) -> None:
    registry.fail(2, "badtoken", "badtoken")
    code, _, err = fetch(registry, store)
    assert code == 1 and "rejected the page token: pageToken is not valid" in err
    code, _, err = fetch(registry, store)
    assert code == 0, err
    assert stored_ids(store) == sorted(nct(s) for s in registry.studies)
    assert "31 studies in 4 pages" not in err
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == 31


def test_an_unreachable_server_is_a_clear_error_and_writes_no_study(store: Path) -> None:
    code, _, err = run(
        "fetch", "ctgov", "--base-url", "http://127.0.0.1:9/api/v2", "--store", str(store), *FAST
    )
    assert code == 1
    assert "error: cannot reach http://127.0.0.1:9/api/v2/studies" in err
    assert stored_ids(store) == []


def test_quiet_nct_and_max_studies(registry: FakeRegistry, store: Path) -> None:
    code, _, err = fetch(registry, store, "--nct", "NCT99990003", "--nct", "nct99990004", "--quiet")
    assert (code, err) == (0, "")
    assert registry.log[0]["filter.ids"] == "NCT99990003,NCT99990004"
    assert "query.term" not in registry.log[0]
    assert stored_ids(store) == ["NCT99990003", "NCT99990004"]
    code, _, err = fetch(registry, store, "--max-studies", "13", "--full")
    assert code == 0, err
    assert "fetched 13 studies in 2 pages (stopped at --max-studies)" in err
    assert registry.log[-1]["pageSize"] == "3"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--status", "finished"], "unknown status 'finished'"),
        (["--updated-since", "last week"], "--updated-since takes a date such as 2024-01-31"),
        (["--nct", "NCT123"], "not an NCT id: 'NCT123'"),
        (["--max-studies", "0"], "--max-studies must be at least 1"),
    ],
)
def test_usage_mistakes(registry: FakeRegistry, store: Path, args: list[str], message: str) -> None:
    code, _, err = fetch(registry, store, *args)
    assert code == 2
    assert message in err
    assert registry.log == []


def _spawn(registry: FakeRegistry, store: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mscref",
            "fetch",
            "ctgov",
            "--base-url",
            registry.url,
            "--store",
            str(store),
            "--page-size",
            "5",
            *FAST,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _wait_for_pages(store: Path, proc: subprocess.Popen[str], pages: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if store.exists():
            try:
                with sqlite3.connect(store, timeout=1) as db:
                    done = db.execute("SELECT coalesce(max(pages), 0) FROM runs").fetchone()[0]
            except sqlite3.OperationalError:
                done = 0
            if done >= pages:
                return
        time.sleep(0.02)
    raise AssertionError("the fetch never stored its pages")


@pytest.mark.parametrize("how", ["sigint", "sigkill"])
def test_a_run_killed_mid_fetch_resumes_without_loss_or_duplicates(
    registry: FakeRegistry, store: Path, how: str
) -> None:
    """A real SIGINT (Ctrl-C) or SIGKILL (a crash) to a real process, between or inside pages."""
    registry.page_delay = 0.15
    proc = _spawn(registry, store)
    _wait_for_pages(store, proc, 2)
    proc.send_signal(signal.SIGINT if how == "sigint" else signal.SIGKILL)
    _, err = proc.communicate(timeout=30)
    if how == "sigint":
        assert proc.returncode == 130, err
        assert "interrupted; every page stored so far is kept" in err
        assert "Traceback" not in err
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        kept = db.execute("SELECT count(*) FROM studies").fetchone()[0]
        (state, pages) = db.execute("SELECT state, pages FROM runs").fetchone()
    assert state == "running" and kept == 5 * pages and 2 <= pages < 7  # whole pages only
    registry.page_delay = 0
    registry.served.clear()
    code, _, err = fetch(registry, store, "--page-size", "5")
    assert code == 0, err
    assert "resuming an interrupted run" in err
    every = sorted(nct(s) for s in registry.studies)
    assert stored_ids(store) == every
    assert not set(registry.served) & set(every[: 5 * pages])  # what was stored is not asked again
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == 31
        assert db.execute("SELECT state FROM runs").fetchall() == [("done",)]


def test_a_terminal_gets_a_progress_bar(registry: FakeRegistry, store: Path) -> None:
    """stderr a real pseudo-terminal: the rich bar is drawn; piped (every other test): never."""
    pty = pytest.importorskip("pty", reason="no pseudo-terminals on this platform")
    pid, fd = pty.fork()
    if pid == 0:  # the child: mscref with its stdio on the terminal
        os.environ.update({"COLUMNS": "100", "PYTHONPATH": str(ROOT)})
        os.execv(
            sys.executable,
            [
                sys.executable,
                "-m",
                "mscref",
                "fetch",
                "ctgov",
                "--base-url",
                registry.url,
                "--store",
                str(store),
                "--page-size",
                "10",
                *FAST,
            ],
        )
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    text = out.decode("utf-8", errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "fetching" in text and "━" in text and "31/31" in text
    assert "fetched 31 studies in 4 pages" in text


def test_retry_after_takes_seconds_or_an_http_date() -> None:
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    from mscref.registry.client import _retry_after

    assert _retry_after("7") == 7.0
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: no wait
    later = _retry_after(format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True))
    assert later is not None and 100 < later <= 120
    assert _retry_after("soon") is None and _retry_after(None) is None
