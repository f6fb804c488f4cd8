"""A polite client for the ClinicalTrials.gov API v2 (``/api/v2/studies``).

httpx does the HTTP, with explicit timeouts; tenacity retries what is worth retrying (429,
5xx, timeouts, dropped connections) with exponential backoff and jitter, waiting at least
as long as a ``Retry-After`` header asks; a small limiter keeps to a number of requests a
minute. Anything else that is wrong — a 4xx, an HTML error page, JSON cut short or not a page
of studies — ends in a :class:`FetchError` that says what the server did, never a traceback.

httpx and tenacity are imported when a client is made, so commands that never fetch never
load them.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mscref.data.errors import MscrefError
from mscref.data.files import loads_json

if TYPE_CHECKING:
    import tenacity

DEFAULT_BASE_URL = "https://clinicaltrials.gov/api/v2"
ENV_BASE_URL = "MSCREF_CTGOV_URL"
#: The API's largest page.
MAX_PAGE_SIZE = 1000
USER_AGENT = "mscref (https://github.com/; registry fetch)"


class FetchError(MscrefError):
    """The registry could not be read; what was stored before stays as it was."""


class TokenRejected(FetchError):
    """The server no longer takes a page token (it expired, or the query changed)."""


class _Retryable(Exception):
    """A response worth asking for again, with how long the server asked us to wait."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Settings:
    """How politely and patiently to fetch."""

    base_url: str = DEFAULT_BASE_URL
    rate: float = 50.0  # requests a minute at most
    timeout: float = 30.0  # seconds for connecting and for each read
    retries: int = 5  # attempts after the first
    backoff: float = 1.0  # first wait in seconds; doubles each attempt, with jitter
    max_wait: float = 300.0  # no single wait is longer, whatever Retry-After says


@dataclass(frozen=True)
class Page:
    studies: list[dict[str, Any]]
    next_token: str | None
    total: int | None


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _snippet(text: str) -> str:
    line = " ".join(text.split())[:120]
    return line or "(empty)"


class Client:
    """One connection pool to the registry; ``on_retry`` hears of every retry before its wait."""

    def __init__(self, settings: Settings, on_retry: Callable[[str, float], None] | None = None) -> None:
        import httpx

        self.settings = settings
        self.on_retry = on_retry
        try:
            self._http = httpx.Client(
                base_url=settings.base_url.rstrip("/"),
                timeout=httpx.Timeout(settings.timeout),
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                follow_redirects=True,
            )
        except httpx.InvalidURL as exc:  # a bad port, an impossible IPv4 address …
            raise FetchError(f"not a usable server address {settings.base_url!r}: {exc}") from None
        self._interval = 60.0 / settings.rate if settings.rate > 0 else 0.0
        self._last = 0.0
        self._lock = threading.Lock()
        self.requests = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pace(self) -> None:
        with self._lock:
            wait = self._last + self._interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last = time.monotonic()

    def _wait(self, state: tenacity.RetryCallState) -> float:
        """Exponential backoff with jitter, never shorter than Retry-After, never past max_wait."""
        import random

        s = self.settings
        backoff: float = s.backoff * 2.0 ** (state.attempt_number - 1)
        wait = backoff + random.uniform(0, backoff)
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            wait = max(wait, exc.retry_after)
        return min(wait, s.max_wait)

    def _before_sleep(self, state: tenacity.RetryCallState) -> None:
        """Tell of a retry (only when there will be one) before waiting for it."""
        if self.on_retry is not None and state.next_action is not None:
            exc = state.outcome.exception() if state.outcome else None
            self.on_retry(str(exc), state.next_action.sleep)

    def studies(self, params: dict[str, str]) -> Page:
        """One page of ``/studies``, retried as the settings allow."""
        import httpx
        import tenacity

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Retryable),
            stop=tenacity.stop_after_attempt(self.settings.retries + 1),
            wait=self._wait,
            before_sleep=self._before_sleep,
            reraise=True,
        )
        try:
            return retrying(self._get_page, params)
        except _Retryable as exc:
            raise FetchError(f"{exc} (gave up after {self.settings.retries + 1} attempts)") from None
        except httpx.InvalidURL as exc:
            raise FetchError(f"not a usable server address {self.settings.base_url!r}: {exc}") from None

    def _get_page(self, params: dict[str, str]) -> Page:
        import httpx

        url = f"{self.settings.base_url.rstrip('/')}/studies"
        self._pace()
        self.requests += 1
        try:
            response = self._http.get("/studies", params=params)
            body = response.read()
        except httpx.TimeoutException:
            raise _Retryable(f"{url}: no answer within {self.settings.timeout:g} s") from None
        except httpx.ConnectError as exc:
            if "Name or service not known" in str(exc) or "nodename nor servname" in str(exc):
                raise FetchError(
                    f"cannot reach {url}: the name does not resolve (is the network up?)"
                ) from None
            raise _Retryable(f"cannot reach {url}: {exc or 'connection refused'}") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"{url}: the connection broke off ({type(exc).__name__}: {exc})") from None
        status = response.status_code
        text = body.decode("utf-8", errors="replace")
        if status == 429 or status >= 500:
            raise _Retryable(
                f"{url}: HTTP {status} {response.reason_phrase}",
                _retry_after(response.headers.get("Retry-After")),
            )
        if status >= 400:
            message = _api_message(text)
            if "pageToken" in params and "token" in message.lower():
                raise TokenRejected(f"{url}: the server rejected the page token: {message}")
            raise FetchError(f"{url}: HTTP {status} {response.reason_phrase}: {message}")
        ctype = response.headers.get("Content-Type", "")
        if "json" not in ctype.lower():
            raise FetchError(
                f"{url}: the server answered with {ctype.split(';')[0] or 'no content type'}, not JSON"
                f" (is --base-url the API? it begins: {_snippet(text)})"
            )
        try:
            data = loads_json(text)
        except json.JSONDecodeError as exc:
            raise FetchError(
                f"{url}: the server's JSON is broken ({exc.msg} at line {exc.lineno}, column {exc.colno};"
                f" {len(body):,} bytes received — cut short?)"
            ) from None
        except ValueError as exc:  # NaN, Infinity, a number too long to read
            raise FetchError(f"{url}: the server's JSON is broken ({str(exc).split(';')[0][:200]})") from None
        except RecursionError:
            raise FetchError(f"{url}: the server's JSON is nested too deeply") from None
        return _page(url, data)


def _api_message(text: str) -> str:
    """The error message an API body carries (JSON or text), shortened."""
    try:
        data = loads_json(text)
    except (ValueError, RecursionError):
        return _snippet(text)
    if isinstance(data, dict):
        for key in ("message", "error", "detail"):
            if isinstance(data.get(key), str):
                return _snippet(data[key])
    return _snippet(text)


def _page(url: str, data: Any) -> Page:
    if not isinstance(data, dict) or not isinstance(data.get("studies"), list):
        shape = (
            f"an object with keys {', '.join(list(data)[:5])}"
            if isinstance(data, dict)
            else type(data).__name__
        )
        raise FetchError(f"{url}: the answer is not a page of studies ({shape}; expected 'studies')")
    bad = [
        i for i, s in enumerate(data["studies"], 1) if not isinstance(s, dict) or "protocolSection" not in s
    ]
    if bad:
        raise FetchError(f"{url}: record {bad[0]} of the page is not a study (no 'protocolSection')")
    token = data.get("nextPageToken")
    total = data.get("totalCount")
    return Page(
        studies=data["studies"],
        next_token=token if isinstance(token, str) and token else None,
        total=total if isinstance(total, int) and not isinstance(total, bool) else None,
    )
