"""The HTML report: self-contained, escaped, and rendered by a real browser where one is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.dataset import Dataset
from mscref.data.loader import load_dataset
from mscref.data.query import TrialFilter, select
from mscref.render.i18n import Lang
from mscref.render.output import document_html
from mscref.render.report import build_report

runner = CliRunner()


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.rows: list[int] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        if tag == "tr":
            self.rows.append(0)
        elif tag in ("td", "th"):
            self.rows[-1] += 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Tags:
    p = Tags()
    p.feed(html)
    return p


def html_report(ds: Dataset, **flt: str) -> str:
    f = TrialFilter(**flt)  # type: ignore[arg-type]
    return document_html(build_report(ds, select(ds, f), f, Lang.EN, figures=True))


def test_html_report_is_self_contained(tmp_path: Path) -> None:
    target = tmp_path / "gvhd.html"
    result = runner.invoke(app, ["report", "--indication", "gvhd", "--format", "html", "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    html = target.read_text(encoding="utf-8")
    tags = parse(html)
    assert "script" not in tags.tags
    assert tags.tags.count("svg") == 4  # the source chart and three forest plots
    assert tags.tags.count("table") >= 10
    for name, value in tags.attrs:
        if name == "src" and value:
            assert not value.startswith(("http:", "https:", "//")), value
        if name == "href" and value:  # links to the outside are https only (and load nothing)
            assert value.startswith(("#", "https://")), value
    text = "".join(tags.text)
    assert "38/54 (70.4%)" in text
    assert "Total, random effects (k = 3)" in text
    assert "Content-Security-Policy" in html


def test_html_escapes_hostile_text(edit: Callable[[str, str, str], Path]) -> None:
    d = edit(
        "trials.yaml",
        "intervention: UC-MSCs",
        'intervention: "<script>alert(1)</script><img src=x onerror=y>"',
    )
    html = html_report(load_dataset(d))
    tags = parse(html)
    assert "script" not in tags.tags
    assert "img" not in tags.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_markdown_report_links_saved_plots(tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    plots = tmp_path / "plots"
    plots.mkdir()
    result = runner.invoke(app, ["report", "--indication", "gvhd", "-o", str(out), "--plots-dir", str(plots)])
    assert result.exit_code == 0, result.stderr
    md = out.read_text(encoding="utf-8")
    assert (
        "![Forest plot: Overall response (CR+PR), day 28, single-arm proportion](<plots/forest-2.svg>)" in md
    )
    assert sorted(p.name for p in plots.iterdir()) == [
        "forest-1.svg",
        "forest-2.svg",
        "forest-3.svg",
        "sources.svg",
    ]
    bad = runner.invoke(app, ["report", "--format", "html", "--plots-dir", str(plots)])
    assert bad.exit_code == 2


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.skipif(
    _chromium() is None and not os.environ.get("MSCREF_REQUIRE_BROWSER"),
    reason="no Chromium here (CI installs it; see README)",
)
def test_html_report_renders_in_a_browser(tmp_path: Path) -> None:
    browser = _chromium()
    assert browser, "MSCREF_REQUIRE_BROWSER is set but no Chromium is installed"
    page = tmp_path / "gvhd.html"
    runner.invoke(app, ["report", "--indication", "gvhd", "--format", "html", "-o", str(page)])
    profile = tmp_path / "profile"
    run = subprocess.run(
        [browser, *BROWSER_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dom = parse(run.stdout)
    assert dom.tags.count("svg") == 4
    assert "Total, random effects (k = 3)" in "".join(dom.text)
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            browser,
            *BROWSER_FLAGS,
            f"--user-data-dir={profile}",
            "--window-size=1200,9000",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    from PIL import Image

    image = Image.open(shot).convert("L")
    lo, hi = image.getextrema()
    assert hi - lo > 100  # something was drawn, not a blank page
    # the forest plots' red diamonds are drawn: look for the pooled-estimate colour
    rgb = Image.open(shot).convert("RGB")
    colours = {c for _n, c in rgb.getcolors(maxcolors=1 << 20) or []}
    assert any(abs(r - 0xC0) < 20 and abs(g - 0x39) < 20 and abs(b - 0x2B) < 20 for r, g, b in colours)
