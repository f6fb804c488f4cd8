"""Chinese all the way: every command that takes ``--lang zh`` shows no English label that has
a Chinese one in ``mscref.render.i18n`` — table headers, titles, row labels, field names, the
start of each note, and the words of the charts."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mscref.cli import app
from mscref.render import i18n

runner = CliRunner()


def _english_labels() -> set[str]:
    pairs = [*i18n._LABELS.values(), *i18n._ENUMS.values(), *i18n._ZH_PHRASES.items()]
    return {en for en, zh in pairs if en != zh and "{" not in en and len(en) > 2}


ENGLISH = _english_labels()
PREFIXES = tuple(en for en, _zh in i18n._ZH_PREFIXES)

# Every command with --lang, and what to run it with (a new one must be added here).
WALK: dict[str, list[list[str]]] = {
    "compare": [["compare"], ["compare", "uc", "ad", "bm", "am"]],
    "trials": [["trials"], ["trials", "--indication", "gvhd", "--refs"]],
    "show": [["show", "msb-gvhd001"], ["show", "remestemcel-l"], ["show", "uc"], ["show", "protocol-280"]],
    "summary": [["summary"]],
    "indications": [["indications"]],
    "products": [["products"]],
    "claims": [["claims"]],
    "evidence": [
        ["evidence", "--indication", "gvhd"],
        ["evidence", "--indication", "gvhd", "--subgroup", "comparator"],
    ],
    "report": [["report", "--indication", "gvhd"]],
}


def _commands_with_lang() -> set[str]:
    group = typer.main.get_command(app)
    found = set()
    for name, cmd in getattr(group, "commands", {}).items():
        if any(p.name == "lang" for p in cmd.params):
            found.add(name)
    return found


def test_the_walk_covers_every_command_with_lang() -> None:
    assert _commands_with_lang() == set(WALK)


def _units(markdown: str) -> list[str]:
    """Table cells, titles, headings, field labels and paragraphs of a markdown output."""
    out: list[str] = []
    for line in markdown.splitlines():
        line = line.strip()
        if not line or set(line) <= {"|", "-"}:
            continue
        if line.startswith("|"):
            out += [c.strip() for c in re.split(r"(?<!\\)\|", line.strip("|"))]
        elif line.startswith("#"):
            out.append(line.lstrip("#").strip())
        elif m := re.match(r"^- \*\*(.+?):\*\*", line):
            out.append(m[1])
        else:
            out.append(line.strip("*"))
    return [re.sub(r"\\(.)", r"\1", u) for u in out]


def _english_in(units: list[str]) -> list[str]:
    return sorted({u for u in units if u in ENGLISH or u.startswith(PREFIXES)})


def test_the_check_sees_english() -> None:
    assert _english_in(_units("| Study | Weight |\n|---|---|\n\nHeterogeneity: τ² = 0")) == [
        "Heterogeneity: τ² = 0",
        "Study",
        "Weight",
    ]


@pytest.mark.parametrize("args", [a for runs in WALK.values() for a in runs], ids=lambda a: " ".join(a))
def test_no_english_label_in_chinese_output(args: list[str]) -> None:
    fmt = [] if args[0] == "report" else ["--format", "markdown"]
    result = runner.invoke(app, [*args, "--lang", "zh", *fmt], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.stderr
    assert _english_in(_units(result.stdout)) == []


def _svg_words(svg: str) -> list[str]:
    return [html.unescape(t).strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_charts_in_chinese(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = runner.invoke(
        app, ["report", "--indication", "gvhd", "--lang", "zh", "--format", "html", "-o", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    words = [w for svg in re.findall(r"<svg.*?</svg>", page, re.S) for w in _svg_words(svg)]
    assert "研究" in words and "权重" in words  # the forest's column heads
    assert "采集便利性" in words  # the source chart's axis
    assert _english_in(words) == []
    plot = tmp_path / "f.svg"
    result = runner.invoke(
        app,
        ["evidence", "--indication", "gvhd", "--subgroup", "comparator", "--lang", "zh", "--plot", str(plot)],
    )
    assert result.exit_code == 0, result.stderr
    words = _svg_words(plot.read_text(encoding="utf-8"))
    assert "倾向间充质干细胞" in words
    assert _english_in(words) == []


def test_regions_in_chinese() -> None:
    result = runner.invoke(app, ["products", "--lang", "zh", "--format", "csv"])
    assert "韩国" in result.stdout and ",Korea," not in result.stdout
