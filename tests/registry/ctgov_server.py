"""A small, real HTTP server that answers like ClinicalTrials.gov's ``/api/v2/studies``.

It serves the real API v2 records copied into ``tests/fixtures/ctgov/real/`` and SYNTHETIC MSC
records made here from ``tests/fixtures/ctgov/synthetic_bm_msc_gvhd.json`` (every one has an
NCT id in the unused NCT999900xx range and a title that starts ``SYNTHETIC:``). It pages with
``pageSize``/``pageToken``, counts with ``countTotal``, filters with ``filter.ids`` and
``AREA[LastUpdatePostDate]RANGE[date,MAX]``, logs every request, and injects the faults a test
plans: 429 with Retry-After, 500, a slow answer, truncated JSON, an HTML page, a rejected page
token, a connection reset mid-page.

Run it alone (``python tests/registry/ctgov_server.py``) to try ``mscref fetch ctgov`` by hand.
"""

from __future__ import annotations

import copy
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ctgov"

# (tissue words in the intervention, condition, phases, status, country, start)
_SYNTHETIC = [
    (
        "Umbilical cord-derived mesenchymal stem cells",
        "Knee Osteoarthritis",
        ["PHASE1", "PHASE2"],
        "RECRUITING",
        "China",
        "2021-05",
    ),
    (
        "Wharton’s jelly mesenchymal stromal cells",
        "Acute Respiratory Distress Syndrome",
        ["PHASE2"],
        "COMPLETED",
        "Spain",
        "2020-04-01",
    ),
    (
        "Bone‑marrow‑derived mesenchymal stromal cells",
        "Graft Versus Host Disease",
        ["PHASE3"],
        "ACTIVE_NOT_RECRUITING",
        "United States",
        "2016",
    ),
    ("AdiposeDerived MSCs", "Knee Osteoarthritis", ["PHASE2"], "COMPLETED", "Korea, Republic of", "2018-09"),
    ("Mesenchymal stromal cells", "Crohn's Disease", ["PHASE1"], "UNKNOWN", "Italy", "2014-02"),
    ("Placental mesenchymal stem cells", "Made-up Condition Nobody Lists", [], "WITHDRAWN", "Testland", None),
]


def synthetic_studies(count: int) -> list[dict[str, Any]]:
    """``count`` SYNTHETIC MSC records, NCT99990001 upwards."""
    template = json.loads((FIXTURES / "synthetic_bm_msc_gvhd.json").read_text(encoding="utf-8"))
    template.pop("_comment")
    out = []
    for i in range(count):
        words, condition, phases, status, country, start = _SYNTHETIC[i % len(_SYNTHETIC)]
        s = copy.deepcopy(template)
        ps = s["protocolSection"]
        ps["identificationModule"] = {
            "nctId": f"NCT9999{i + 1:04d}",
            "briefTitle": f"SYNTHETIC: {words} for {condition} ({i + 1})",
            "officialTitle": "SYNTHETIC test record for mscref (not a real study)",
        }
        ps["statusModule"]["overallStatus"] = status
        ps["statusModule"]["startDateStruct"] = {"date": start} if start else {}
        ps["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2024-01-15", "type": "ACTUAL"}
        ps["conditionsModule"]["conditions"] = [condition]
        ps["designModule"]["phases"] = phases or ["NA"]
        ps["armsInterventionsModule"]["interventions"][0]["name"] = words
        ps["contactsLocationsModule"]["locations"] = [{"country": country}]
        out.append(s)
    return out


def real_studies() -> list[dict[str, Any]]:
    """The real API v2 records in the fixtures (one file may hold a page of them)."""
    out = []
    for path in sorted((FIXTURES / "real").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out += data.get("studies", [data])
    return out


def nct(study: dict[str, Any]) -> str:
    return str(study["protocolSection"]["identificationModule"]["nctId"])


def _updated(study: dict[str, Any]) -> str:
    return str(
        study["protocolSection"].get("statusModule", {}).get("lastUpdatePostDateStruct", {}).get("date", "")
    )


class FakeRegistry:
    """The server's state: its studies, the faults planned, and what it was asked."""

    def __init__(self, studies: list[dict[str, Any]]) -> None:
        self.studies = studies
        self.faults: dict[int, list[str]] = {}  # page number (1-based) -> faults, one per request
        self.page_delay = 0.0  # seconds before every answer (to interrupt a run mid-fetch)
        self.log: list[dict[str, str]] = []
        self.served: list[str] = []  # NCT ids in every page answered in full
        self.lock = threading.Lock()
        self.url = ""

    def fail(self, page: int, *faults: str) -> None:
        """Answer the next requests for ``page`` with these faults, one each, then normally."""
        self.faults.setdefault(page, []).extend(faults)

    def select(self, params: dict[str, str]) -> list[dict[str, Any]]:
        chosen = list(self.studies)
        if "filter.ids" in params:
            ids = set(re.split(r"[,|]", params["filter.ids"]))
            chosen = [s for s in chosen if nct(s) in ids]
        m = re.search(r"AREA\[LastUpdatePostDate\]RANGE\[([0-9-]+),MAX\]", params.get("filter.advanced", ""))
        if m:
            chosen = [s for s in chosen if _updated(s) >= m.group(1)]
        return sorted(chosen, key=nct)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        reg = self.server.registry
        url = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        with reg.lock:
            reg.log.append(params)
        if url.path != "/api/v2/studies":
            self._send(404, b'{"message": "not found"}', "application/json")
            return
        size = int(params.get("pageSize", "10"))
        token = params.get("pageToken")
        offset = 0
        if token is not None:
            m = re.fullmatch(r"tok-([0-9]+)", token)
            if m is None:
                self._send(400, b'{"message": "pageToken is not valid"}', "application/json")
                return
            offset = int(m.group(1))
        page_no = offset // size + 1
        with reg.lock:
            planned = reg.faults.get(page_no)
            fault = planned.pop(0) if planned else None
        if reg.page_delay:
            time.sleep(reg.page_delay)
        chosen = reg.select(params)
        page = chosen[offset : offset + size]
        body: dict[str, Any] = {"studies": page}
        if offset + size < len(chosen):
            body["nextPageToken"] = f"tok-{offset + size}"
        if params.get("countTotal") == "true" and token is None:
            body = {"totalCount": len(chosen), **body}
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        if fault == "429":
            self._send(429, b'{"message": "too many requests"}', "application/json", {"Retry-After": "1"})
        elif fault == "500":
            self._send(500, b"Internal Server Error", "text/plain")
        elif fault == "slow":
            time.sleep(self.server.slow_seconds)
            self._send(200, raw, "application/json")
        elif fault == "truncated":
            self._send(200, raw[: len(raw) // 2], "application/json")
        elif fault == "html":
            self._send(
                200, b"<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>", "text/html"
            )
        elif fault == "badtoken":
            self._send(400, b'{"message": "pageToken is not valid"}', "application/json")
        elif fault == "reset":
            # promise the whole page, send half of it, and drop the connection
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw[: len(raw) // 2])
            self.wfile.flush()
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            self.connection.close()
            self.close_connection = True
        else:
            self._send(200, raw, "application/json")
            with reg.lock:
                reg.served += [nct(s) for s in page]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    registry: FakeRegistry
    slow_seconds = 1.0

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (a timeout, a killed fetch) is not the server's error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(registry: FakeRegistry, slow_seconds: float = 1.0) -> Iterator[FakeRegistry]:
    """Serve ``registry`` on 127.0.0.1 (a free port) until the generator is closed."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.registry = registry
    server.slow_seconds = slow_seconds
    registry.url = f"http://127.0.0.1:{server.server_address[1]}/api/v2"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield registry
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    gen = serve(FakeRegistry(real_studies() + synthetic_studies(24)))
    reg = next(gen)
    print(f"serving {len(reg.studies)} studies at {reg.url} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        gen.close()
