"""The import merge keeps the user's text byte for byte: it only inserts new entries and
replaces the registry block of an updated one (comments, line endings, indentation, spacing
and escapes elsewhere stay exactly as written)."""

from __future__ import annotations

import difflib
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.loader import bundled_data_dir, load_dataset
from mscref.registry.ctgov import map_studies, read_studies
from mscref.registry.merge import merge_trials
from tests.conftest import FIXTURES

runner = CliRunner()
SYNTHETIC = FIXTURES / "ctgov" / "synthetic_bm_msc_gvhd.json"

# A hand-written trials file with everything the old merge rewrote: 4-space lists, flow lists
# with odd spacing and a comment inside, a \u escape, a comment after '...', a last comment.
HAND_WRITTEN = """\
# my trials, kept by hand
trials:
    - id: my-knee  # hand-made
      title: "Randomized trial in knee OA, caf\\u00e9"
      intervention: UC-MSCs
      product_type: cells
      source: uc
      indication: knee-oa
      phase: "1/2"
      design: {randomized: true,   blinding: double-blind, control: active}  # flow
      n: 30
      arms:
          - {id: msc, label: UC-MSCs, n: 15}
          - {id: control, label: triamcinolone, n: 15}
      outcomes:
          - endpoint: pain
            endpoint_label: pain score
            timepoint: month 12
            result: improved
      refs: [ seed,  # the seed article
              seed ]


# end of the trials
...
# after the end
"""


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def inserted(before: str, after: str) -> list[str]:
    """The lines ``after`` adds to ``before``; fails if anything of ``before`` changed."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        assert tag in ("equal", "insert"), f"{tag}: {a[i1:i2]!r} -> {b[j1:j2]!r}"
        if tag == "insert":
            out += b[j1:j2]
    return out


def newer_study(tmp_path: Path, title: str = "A newer registry title") -> Path:
    study = json.loads(SYNTHETIC.read_text(encoding="utf-8"))
    study["protocolSection"]["identificationModule"]["briefTitle"] = title
    path = tmp_path / "newer.json"
    path.write_text(json.dumps(study), encoding="utf-8")
    return path


@pytest.mark.parametrize("eol", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_adding_keeps_every_byte_the_user_wrote(tmp_path: Path, eol: str) -> None:
    target = tmp_path / "mine.yaml"
    before = HAND_WRITTEN.replace("\n", eol)
    write(target, before)
    code, _, err = run("import", "ctgov", str(SYNTHETIC), "-o", str(target))
    assert code == 0, err
    after = read(target)
    new = inserted(before, after)
    # the new entry comes right after the last entry, before the blank lines and comments
    assert after.index("- id: ctgov-nct99999901") < after.index("# end of the trials")
    assert after.endswith(f"...{eol}# after the end{eol}")
    # in the file's own style: its line ending on every line, its 4-space list indentation
    assert all(line.endswith(eol) for line in new)
    if eol == "\r\n":
        assert after.count("\n") == after.count("\r\n")
    assert new[0] == "    - id: ctgov-nct99999901" + eol
    assert "      registry:" + eol in new
    assert run("import", "ctgov", str(SYNTHETIC), "-o", str(target))[2].endswith("file unchanged\n")
    assert read(target) == after


def test_a_last_line_without_a_line_end(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    before = HAND_WRITTEN.split("\n\n\n")[0]  # ends in 'seed ]' with no line end
    write(target, before)
    code, _, err = run("import", "ctgov", str(SYNTHETIC), "-o", str(target))
    assert code == 0, err
    after = read(target)
    assert after.startswith(before + "\n    - id: ctgov-nct99999901\n")


def test_an_empty_flow_list_becomes_a_block_list_and_its_comment_stays(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    write(target, "# mine\ntrials: [ ]  # none yet\n\n# tail\n")
    code, _, err = run("import", "ctgov", str(SYNTHETIC), "-o", str(target))
    assert code == 0, err
    after = read(target)
    assert after.startswith("# mine\ntrials:  # none yet\n  - id: ctgov-nct99999901\n")
    assert after.endswith("\n\n# tail\n")


def test_a_flow_list_of_trials_gets_a_flow_entry(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    before = (
        "trials: [{id: my-knee, title: T, intervention: UC-MSCs, product_type: cells, source: uc,"
        " indication: knee-oa, n: 30, refs: [seed]}]  # flow\n"
    )
    write(target, before)
    code, _, err = run("import", "ctgov", str(SYNTHETIC), "-o", str(target))
    assert code == 0, err
    after = read(target)
    head, tail = before.split("}]")
    assert after.startswith(head + "}, {")
    assert after.endswith("}]" + tail)
    assert '"id": "ctgov-nct99999901"' in after
    assert run("import", "ctgov", str(SYNTHETIC), "-o", str(target))[2].endswith("file unchanged\n")


def curated(tmp_path: Path, eol: str) -> tuple[Path, str]:
    """An imported trial reindented to 4 spaces, with a curator's comments, in ``eol`` endings."""
    from ruamel.yaml import YAML

    target = tmp_path / "mine.yaml"
    assert run("import", "ctgov", str(SYNTHETIC), "-o", str(target))[0] == 0
    yaml = YAML()
    yaml.indent(mapping=4, sequence=6, offset=4)
    yaml.width = 4096
    out = io.StringIO()
    yaml.dump(yaml.load(read(target)), out)
    text = out.getvalue()
    assert "\n      status: completed\n" in text and "\n      registry:\n" in text
    text = text.replace(
        "\n      status: completed\n", "\n      status: completed   # checked against the paper\n"
    )
    text = text.replace(
        "\n      registry:\n", "\n\n      # the registry block below is mscref's\n      registry:\n"
    )
    text = "# curated by hand\n" + text + "\n\n# the end\n"
    text = text.replace("\n", eol)
    write(target, text)
    return target, text


@pytest.mark.parametrize("eol", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_updating_replaces_only_the_registry_block(tmp_path: Path, eol: str) -> None:
    target, before = curated(tmp_path, eol)
    code, _, err = run("import", "ctgov", str(newer_study(tmp_path)), "-o", str(target))
    assert code == 0, err
    assert "updated: ctgov-nct99999901 (NCT99999901)" in err
    after = read(target)
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    start = a.index("      registry:" + eol)
    end = next(i for i in range(start + 1, len(a)) if not a[i].startswith("          "))
    changed = [
        (i1, i2)
        for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        if tag != "equal"
    ]
    assert changed and all(start < i1 and i2 <= end for i1, i2 in changed), changed
    assert "          brief_title: A newer registry title" + eol in b
    assert after.count("\n") == after.count(eol)
    assert "# checked against the paper" in after and "below is mscref's" in after
    assert after.endswith(f"{eol}{eol}# the end{eol}")


def test_an_updated_registry_block_at_the_very_end(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    assert run("import", "ctgov", str(SYNTHETIC), "-o", str(target))[0] == 0
    before = read(target).rstrip("\n")  # no final line end, the registry block last
    write(target, before)
    code, _, err = run("import", "ctgov", str(newer_study(tmp_path)), "-o", str(target))
    assert code == 0, err
    after = read(target)
    assert not after.endswith("\n")
    assert after.replace("brief_title: A newer registry title", "brief_title: X") == before.replace(
        "brief_title: 'SYNTHETIC: Allogeneic Bone Marrow Mesenchymal Stromal Cells for Steroid-refractory"
        " Acute GVHD'",
        "brief_title: X",
    )


def test_a_registry_block_ending_in_a_block_scalar_keeps_the_blank_lines_after_it(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    assert run("import", "ctgov", str(SYNTHETIC), "-o", str(target))[0] == 0
    # a block scalar (with the blank line it swallows) in a curated field before the block
    text = read(target).replace(
        "    registry:\n", "    intervention_note: |\n      written by hand\n\n    registry:\n"
    )
    merged = merge(text, newer_study(tmp_path))
    assert "    intervention_note: |\n      written by hand\n\n    registry:\n" in merged


def merge(text: str, *inputs: Path) -> str:
    ds = load_dataset(bundled_data_dir())
    mapped = map_studies(read_studies(list(inputs)), ds)
    return merge_trials(text, mapped, set(ds.all_ids()), "mine.yaml").text


@pytest.mark.parametrize(
    ("before", "starts"),
    [
        ("trials:   # none yet\n\n# tail\n", "trials:   # none yet\n  - id: ctgov-nct99999901\n"),
        ("trials: null\n", "trials:\n  - id: ctgov-nct99999901\n"),
        ("products: []  # p\n# tail\n", "products: []  # p\ntrials:\n  - id: ctgov-nct99999901\n"),
        ("# only a comment\n", "# only a comment\ntrials:\n  - id: ctgov-nct99999901\n"),
    ],
)
def test_a_list_that_is_not_there_yet(before: str, starts: str) -> None:
    after = merge(before, SYNTHETIC)
    assert after.startswith(starts)
    if "null" not in before:  # 'null' itself goes; everything else stays
        inserted(before, after)
