"""Forest, funnel and source charts drawn as scenes: the SVG is real, escaped, stable XML and the
PNG a real picture, whatever the numbers and labels."""

from __future__ import annotations

import dataclasses
import io
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from mscref.data.dataset import Dataset
from mscref.evidence.methods import Subgroup
from mscref.evidence.stats import EggerTest, EvidenceFilter, PooledEstimate, analyse
from mscref.render.bars import source_scene
from mscref.render.chart import Polygon, Rect, Text, to_png, to_svg
from mscref.render.forest import BLUE, RATIO_TICKS, RED, _forest_axis, evidence_scene, pools_scene
from mscref.render.i18n import Lang
from mscref.render.output import svg_script

NS = "{http://www.w3.org/2000/svg}"


def _pool(ds: Dataset, kind: str = "single-arm proportion") -> PooledEstimate:
    """A pool of the bundled data: the odds ratio pools two comparator classes, as subgroups."""
    flt = EvidenceFilter(indication="gvhd", endpoints=("overall-response",))
    ev = analyse(ds, flt, subgroup=Subgroup.COMPARATOR)
    return next(p for p in ev.pooled if p.kind == kind)


def _texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{NS}text")]


def test_the_svg_holds_every_study_its_estimate_and_the_diamond(bundled: Dataset) -> None:
    p = _pool(bundled, "odds ratio")
    svg = to_svg(pools_scene(bundled, [p]))
    root = ET.fromstring(svg)
    assert root.get("viewBox") and root.get("width", "").endswith("pt")
    assert (root.findtext(f"{NS}title") or "").startswith("Graft-versus-host disease: Overall response")
    (markers,) = [r.get("d", "") for r in root.iter(f"{NS}path") if r.get("fill") == BLUE]
    assert markers.count("M") == markers.count("z") == p.k  # one square a study
    texts = _texts(svg)
    for s in p.studies:
        assert f"{p.fmt(s.estimate)} [{p.fmt(s.low)}, {p.fmt(s.high)}]" in texts
    assert f"{p.fmt(p.estimate)} [{p.fmt(p.low)}, {p.fmt(p.high)}]" in texts
    assert f"Total, random effects (k = {p.k})" in texts
    assert [g.get("fill") for g in root.iter(f"{NS}polygon")].count(RED) == 1  # the summary diamond
    assert "favours control" in texts and "favours MSC" in texts
    assert "Odds ratio (log scale)" in texts
    assert svg_script(svg) is None


def test_a_hostile_label_stays_text(bundled: Dataset) -> None:
    p = _pool(bundled)
    label = "<script>alert('x')</script> & \"quoted\" ]]> \x00\x1b"
    odd = dataclasses.replace(
        p,
        endpoint_label=label,
        studies=tuple(dataclasses.replace(s, label=label + " (1/2)") for s in p.studies),
    )
    svg = to_svg(pools_scene(bundled, [odd]))
    root = ET.fromstring(svg)
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    shown = "<script>alert('x')</script> & \"quoted\" ]]> \ufffd\ufffd"
    assert _texts(svg).count(shown) == p.k
    assert svg_script(svg) is None
    assert Image.open(io.BytesIO(to_png(pools_scene(bundled, [odd])))).size[0] > 1000


def test_the_same_data_gives_the_same_bytes(bundled: Dataset) -> None:
    ev = analyse(bundled, EvidenceFilter())
    assert ev.pooled
    assert to_svg(evidence_scene(bundled, ev)) == to_svg(evidence_scene(bundled, ev))
    assert to_png(evidence_scene(bundled, ev)) == to_png(evidence_scene(bundled, ev))


def test_the_png_is_a_picture_of_the_page(bundled: Dataset) -> None:
    scene = pools_scene(bundled, [_pool(bundled)])
    image = Image.open(io.BytesIO(to_png(scene)))
    image.load()
    assert image.format == "PNG"
    assert image.size == (math.ceil(scene.width * 150 / 72), math.ceil(scene.height * 150 / 72))
    assert 1700 < image.size[0] < 2500 and image.size[1] > 600
    colours = {c for _n, c in image.convert("RGB").getcolors(1 << 16) or []}
    assert (255, 255, 255) in colours and (0xC0, 0x39, 0x2B) in colours and (0x1F, 0x4E, 0x79) in colours


@pytest.mark.parametrize(
    ("low", "high", "arrows"),
    [
        (1e-6, 1e6, 2),
        (0.0, math.inf, 2),
        (math.nan, 3.0, 0),
        (-math.inf, math.nan, 0),
        (200.0, 500.0, 1),
        (0.5, 2.0, 0),
    ],
)
def test_numbers_off_the_axis_are_kept_on_it(bundled: Dataset, low: float, high: float, arrows: int) -> None:
    p = _pool(bundled, "odds ratio")
    wild = dataclasses.replace(
        p,
        studies=(
            dataclasses.replace(p.studies[0], low=low, high=high, estimate=math.sqrt(abs(low * high))),
            *p.studies[1:],
        ),
        pi_low=low,
        pi_high=high,
    )
    axis = _forest_axis(wild, 0.0, 100.0)
    values = [v for v, _ in axis.ticks]
    assert values and set(values) <= set(RATIO_TICKS)
    assert all(axis.lo <= v <= axis.hi for v in values) and 0.01 <= axis.lo < 1 < axis.hi <= 100
    scene = pools_scene(bundled, [wild])
    left = min(i.x for i in scene.items if isinstance(i, Text) and i.text == f"{axis.ticks[0][1]}")
    for item in scene.items:
        if isinstance(item, Rect | Polygon):
            xs = [item.x, item.x + item.w] if isinstance(item, Rect) else [x for x, _ in item.points]
            assert all(math.isfinite(x) and left - 10 <= x <= scene.width for x in xs)
    # the study's interval (black) runs off the axis at an arrow; an unknown end draws nothing
    assert sum(1 for i in scene.items if isinstance(i, Polygon) and i.fill == "#000000") == arrows
    ET.fromstring(to_svg(scene))


def test_a_funnel_plot_under_a_pool_of_ten(bundled: Dataset) -> None:
    p = _pool(bundled)
    studies = tuple(
        dataclasses.replace(s, trial_id=f"{s.trial_id}-{i}", label=f"{s.label}-{i}", weight=s.weight / 3)
        for i in range(3)
        for s in p.studies
    )
    ten = dataclasses.replace(p, studies=studies, egger=EggerTest(t=1.5, df=10, p=0.16, limit=0.1))
    texts = _texts(to_svg(pools_scene(bundled, [ten])))
    assert any(
        t.startswith(f"Funnel plot: Overall response (CR+PR) (k = {ten.k}); Egger t = 1.50") for t in texts
    )
    assert "standard error" in texts and "logit proportion" in texts


def test_nothing_pooled_lists_what_was_not(bundled: Dataset) -> None:
    ev = analyse(bundled, EvidenceFilter(indication="gvhd", endpoints=("overall-response",)))
    none = dataclasses.replace(ev, pooled=())
    texts = _texts(to_svg(evidence_scene(bundled, none)))
    assert texts[0] == "Nothing to pool for this selection."


def test_charts_in_chinese(bundled: Dataset) -> None:
    p = _pool(bundled, "odds ratio")
    texts = _texts(to_svg(pools_scene(bundled, [p], Lang.ZH)))
    assert "研究" in texts and "权重" in texts
    assert any(t.startswith("移植物抗宿主病:") for t in texts)
    assert "Study" not in texts and "Weight" not in texts
    sources = [s for s in bundled.sources if s.traits]
    assert "采集便利性" in _texts(to_svg(source_scene(bundled, sources, Lang.ZH)))


def test_a_png_too_large_to_draw_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from mscref.cli import app
    from mscref.render import chart

    monkeypatch.setattr(chart, "MAX_PIXELS", 1000 * 1000)
    target = tmp_path / "f.png"
    result = CliRunner().invoke(app, ["evidence", "--indication", "gvhd", "--plot", str(target)])
    assert result.exit_code == 2
    assert "too large to draw: write it as .svg, or narrow the selection" in result.stderr
    assert not target.exists()


def test_a_word_report_with_a_chart_too_large_for_a_picture_still_stands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The forests of a pool of thousands of studies: the caption says where to see it."""
    import docx
    from typer.testing import CliRunner

    from mscref.cli import app
    from mscref.render import chart

    monkeypatch.setattr(chart, "MAX_PIXELS", 1000 * 1000)
    target = tmp_path / "r.docx"
    result = CliRunner().invoke(
        app, ["report", "--indication", "gvhd", "--format", "docx", "-o", str(target)]
    )
    assert result.exit_code == 0, result.stderr
    text = "\n".join(p.text for p in docx.Document(str(target)).paragraphs)
    assert "not drawn: a picture of" in text and "evidence --plot FILE.svg" in text
    assert "Forest plot" in text


def test_a_long_level_name_keeps_the_bars_on_the_page(bundled: Dataset) -> None:
    long = "a level name that goes on and on " * 6
    levels = tuple(dataclasses.replace(lv, name=long + lv.name) for lv in bundled.levels)
    ds = dataclasses.replace(bundled, levels=levels)
    scene = source_scene(ds, [ds.source("uc"), ds.source("bm")])
    bars = [item for item in scene.items if isinstance(item, Rect)]
    assert bars and all(r.x >= 0 and r.x + r.w <= scene.width and r.w > 0 for r in bars)
    names = [t.text for t in scene.items if isinstance(t, Text) and t.anchor == "end"]
    assert names and all(n.endswith("…") for n in names)
    assert Image.open(io.BytesIO(to_png(scene))).size[0] > 0


def test_a_label_too_long_for_a_picture_is_cut_not_fatal() -> None:
    from mscref.render.chart import Scene
    from mscref.render.chart import png_size as chart_png_size

    scene = Scene(300, 60, (Text(10, 30, "e" + "\u0301" * 1_200_000, 8), Text(10, 50, "ok", 8)))
    assert Image.open(io.BytesIO(to_png(scene))).size == chart_png_size(scene)


def test_text_width_measures_each_character_and_keeps_a_bounded_memo() -> None:
    from mscref.render import chart

    def by_hand(text: str, size: float, bold: bool) -> float:
        return sum(chart._char_units(ch, bold) for ch in text) * size / 1000

    assert chart.text_width("Study", 8) == pytest.approx(by_hand("Study", 8, False))
    assert chart.text_width("研究", 8) == pytest.approx(16.0)  # wide characters are an em each
    assert chart.text_width("e\u0301", 10) < chart.text_width("ee", 10)  # a combining accent adds nothing
    mixed = "τ² ≥ 95% – 研究 Å"
    for bold in (False, True):
        assert chart.text_width(mixed, 7, bold) == pytest.approx(by_hand(mixed, 7, bold))
    many = "".join(chr(c) for c in range(0x3400, 0x3400 + 3 * chart._MOST_MEASURED))  # more than it keeps
    assert chart.text_width(many, 10) == pytest.approx(by_hand(many, 10, False))
    assert all(len(units) <= chart._MOST_MEASURED for units in chart._UNITS)
