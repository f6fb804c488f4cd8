"""The SVG embedded in an HTML report: real elements and attributes are checked, not words."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.render.output import Document, Figure, document_html, svg_script
from tests.conftest import Edit

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{}</svg>'


@pytest.mark.parametrize(
    "inner",
    [
        "<!-- rank one = lowest -->",
        "<text>javascript:alert(1) and onload=x</text>",
        '<g id="one=two"><title>see javascript: links</title></g>',
        '<a xlink:href="#glyph-1"><path d="M 0 0"/></a>',
        '<image xlink:href="data:image/png;base64,iVBORw0KGgo="/>',
        "<style>text { font: 10px sans-serif }</style>",
        "<text><![CDATA[<script>alert(1)</script>]]></text>",
    ],
)
def test_text_that_mentions_script_is_only_text(inner: str) -> None:
    assert svg_script(SVG.format(inner)) is None


@pytest.mark.parametrize(
    ("inner", "found"),
    [
        ("<script>alert(1)</script>", "a <script> element"),
        ('<svg:script xmlns:svg="http://www.w3.org/2000/svg">x</svg:script>', "a <script> element"),
        ("<SCRIPT>alert(1)</SCRIPT>", "a <script> element"),
        ("<foreignObject><div/></foreignObject>", "a <foreignobject> element"),
        ('<rect onload="alert(1)"/>', "an event attribute 'onload'"),
        ('<rect ONMOUSEOVER="alert(1)"/>', "an event attribute 'onmouseover'"),
        ('<a href="javascript:alert(1)"><text>x</text></a>', "a javascript: link in 'href'"),
        ('<a xlink:href=" java&#x09;script:alert(1)">x</a>', "a javascript: link in 'href'"),
        ('<a href="&#106;avascript:alert(1)">x</a>', "a javascript: link in 'href'"),
        ('<image href="data:text/html,&lt;script&gt;"/>', "a data: link in 'href'"),
        ('<image href="data:image/svg+xml;base64,PHN2Zz4="/>', "a data: link in 'href'"),
        ('<set attributeName="href" to="javascript:alert(1)"/>', "a javascript: link in 'to'"),
        ("<?x ><img src=x onerror=alert(1)>?>", "a processing instruction"),
    ],
)
def test_script_in_an_element_attribute_or_link_is_found(inner: str, found: str) -> None:
    assert svg_script(SVG.format(inner)) == found


def test_declarations_and_broken_markup_are_refused() -> None:
    bomb = '<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>'
    assert svg_script(bomb) == "a DTD or entity declaration"
    assert (svg_script("<svg><g></svg>") or "").startswith("markup that does not parse")
    assert (svg_script("<svg>&undefined;</svg>") or "").startswith("markup that does not parse")
    assert (svg_script("<svg><!-- a -- b --></svg>") or "").startswith("markup that does not parse")


def test_a_refused_figure_is_never_embedded() -> None:
    doc = Document("t", (Figure("c", SVG.format('<rect onclick="x"/>'), "f.svg"),))
    with pytest.raises(ValueError, match="onclick"):
        document_html(doc)
    xml = '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n'
    page = document_html(Document("t", (Figure("c", xml + SVG.format("<g/>"), "f.svg"),)))
    assert "<svg" in page and "DOCTYPE svg" not in page and "<?xml" not in page


def test_a_report_plots_text_that_reads_like_script(edit: Edit, tmp_path: Path) -> None:
    name = '    name: "rank one = lowest; javascript:alert(1) onload=x <script>"'
    data = edit("sources.yaml", "    name: Immunogenicity", name)
    target = tmp_path / "r.html"
    argv = ["report", "--format", "html", "--data-dir", str(data), "-o", str(target)]
    result = CliRunner().invoke(app, argv, env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    page = target.read_text(encoding="utf-8")
    assert "<svg" in page and "<script" not in page


def test_an_element_judged_safe_once_still_has_its_links_read_every_time() -> None:
    # the same element with the same attributes: its names are judged once, its values each time
    safe = '<a href="#glyph-1"><text>x</text></a>'
    assert svg_script(SVG.format(safe * 3)) is None
    bad = '<a href="javascript:alert(1)"><text>x</text></a>'
    assert svg_script(SVG.format(safe * 3 + bad)) == "a javascript: link in 'href'"
    assert svg_script(SVG.format('<rect x="1"/>' * 2 + '<rect x="1" onload="x"/>')) == (
        "an event attribute 'onload'"
    )


def test_the_judged_names_are_kept_within_a_bound() -> None:
    from mscref.render import output

    many = "".join(f'<rect a{i}="1"/>' for i in range(2 * output._MOST_VERDICTS))
    assert svg_script(SVG.format(many + '<rect a0="1" onclick="x"/>')) == "an event attribute 'onclick'"
    assert len(output._VERDICTS) <= output._MOST_VERDICTS
