"""Hostile files around the commands that write: devices, FIFOs, links, read-only files, the data
folder itself, several targets at once, and import inputs that are not what they seem.

The cases that could hang (a FIFO, ``/dev/zero``) run mscref in a subprocess with a generous
timeout, so a regression fails the test instead of hanging the run."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.loader import bundled_data_dir
from tests.conftest import FIXTURES

runner = CliRunner()
SYNTHETIC = FIXTURES / "ctgov" / "synthetic_bm_msc_gvhd.json"
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="needs root (device nodes, read-only files as root)")


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"SOURCE_DATE_EPOCH": "1768435200"})
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def run_process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """mscref in its own process (standard streams of its own, a timeout against hangs)."""
    return subprocess.run(
        [sys.executable, "-m", "mscref", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "dd"
    shutil.copytree(bundled_data_dir(), target)
    return target


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# ------------------------------------------------------------------------------------------
# 1. Outputs that are not regular files


@needs_root
def test_import_into_a_device_node_as_root_leaves_it_a_device(tmp_path: Path) -> None:
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    code, _, err = run("import", "ctgov", str(SYNTHETIC), "-o", str(node))
    assert code == 1
    assert f"error: {node}: is a character device, not a regular file" in err
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def test_import_into_dev_null_is_refused() -> None:
    if not os.path.exists("/dev/null"):
        pytest.skip("no /dev/null on this system")
    code, _, err = run("import", "ctgov", str(SYNTHETIC), "-o", "/dev/null")
    assert code == 1
    assert "error: /dev/null: is a character device, not a regular file" in err
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_report_to_dev_stdout_keeps_the_link_and_says_leave_out_o(tmp_path: Path) -> None:
    if not os.path.islink("/dev/stdout"):
        pytest.skip("/dev/stdout is not a symbolic link here")
    before = os.readlink("/dev/stdout")
    # stdout redirected to a file appended to: replacing that file would lose what it held
    log = tmp_path / "log.md"
    log.write_text("kept\n", encoding="utf-8")
    with log.open("a", encoding="utf-8") as out:
        result = subprocess.run(
            [sys.executable, "-m", "mscref", "report", "-o", "/dev/stdout", "--force"],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 1
    assert "to write to standard output, leave out the option" in result.stderr
    assert "Traceback" not in result.stderr
    assert log.read_text(encoding="utf-8") == "kept\n"
    assert os.readlink("/dev/stdout") == before


def test_a_fifo_output_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    for argv in (
        ("report", "-o", str(fifo), "--force"),
        ("import", "ctgov", str(SYNTHETIC), "-o", str(fifo)),
        ("import", "ctgov", str(SYNTHETIC), "-o", str(fifo), "--dry-run"),
    ):
        result = run_process(*argv, cwd=tmp_path)
        assert result.returncode == 1, argv
        assert "is a FIFO (named pipe), not a regular file" in result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("command", ["report", "import"])
def test_a_trailing_slash_names_a_folder(
    tmp_path: Path, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = (
        ("report", "-o", "newdir/")
        if command == "report"
        else ("import", "ctgov", str(SYNTHETIC), "-o", "newdir/")
    )
    monkeypatch.chdir(tmp_path)
    code, _, err = run(*argv)
    assert code == 1
    assert err == "error: -o newdir/: names a folder; give the name of a file to write\n"
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_refused(tmp_path: Path) -> None:
    code, _, err = run("import", "ctgov", str(SYNTHETIC), "-o", str(tmp_path))
    assert code == 1
    assert f"error: {tmp_path}: is a directory; give the name of a file to write" in err


def test_a_read_only_trials_file_is_not_replaced_by_import(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    assert run("import", "ctgov", str(SYNTHETIC), "-o", str(target))[0] == 0
    before = target.read_bytes()
    study = json.loads(SYNTHETIC.read_text(encoding="utf-8"))
    study["protocolSection"]["identificationModule"]["briefTitle"] = "A newer title"
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(study), encoding="utf-8")
    target.chmod(0o444)
    code, _, err = run("import", "ctgov", str(newer), "-o", str(target))
    assert code == 1
    assert "is read-only (mode 0444); mscref will not replace it" in err
    assert target.read_bytes() == before
    code, out, err = run("import", "ctgov", str(newer), "-o", str(target), "--dry-run")
    assert code == 0, err  # a dry run only reads it
    assert "+      brief_title: A newer title" in out


def test_report_read_only_refused_even_with_force(tmp_path: Path) -> None:
    target = tmp_path / "r.md"
    target.write_text("mine\n", encoding="utf-8")
    target.chmod(0o444)
    code, _, err = run("report", "-o", str(target), "--force")
    assert code == 1
    assert "even with --force" in err
    assert target.read_text(encoding="utf-8") == "mine\n"


# ------------------------------------------------------------------------------------------
# 2. Import into a symbolic link


def test_import_through_a_linked_trials_file_writes_the_real_file(data_copy: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "kept" / "trials.yaml"
    elsewhere.parent.mkdir()
    shutil.move(data_copy / "trials.yaml", elsewhere)
    (data_copy / "trials.yaml").symlink_to(elsewhere)
    code, _, err = run("import", "ctgov", str(SYNTHETIC), "-o", str(data_copy / "trials.yaml"))
    assert code == 0, err
    assert f"(through the link to {elsewhere})" in err
    assert (data_copy / "trials.yaml").is_symlink()
    assert os.readlink(data_copy / "trials.yaml") == str(elsewhere)
    assert "ctgov-nct99999901" in elsewhere.read_text(encoding="utf-8")
    assert run("validate", "--data-dir", str(data_copy))[0] == 0


# ------------------------------------------------------------------------------------------
# 3. Inputs must be regular files


def test_import_from_dev_zero_is_refused_at_once(tmp_path: Path) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this system")
    result = run_process("import", "ctgov", "/dev/zero", "-o", str(tmp_path / "out.yaml"), cwd=tmp_path)
    assert result.returncode == 1
    assert "/dev/zero: is a character device, not a regular file; mscref reads only regular files" in (
        result.stderr
    )
    assert not (tmp_path / "out.yaml").exists()


def test_import_from_a_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    result = run_process("import", "ctgov", str(fifo), "-o", str(tmp_path / "out.yaml"), cwd=tmp_path)
    assert result.returncode == 1
    assert f"{fifo}: is a FIFO (named pipe), not a regular file" in result.stderr


def test_import_input_over_the_size_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mscref.registry.ctgov as ctgov

    monkeypatch.setattr(ctgov, "MAX_JSON_BYTES", 1024 * 1024)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (1024 * 1024 + 1))
    code, _, err = run("import", "ctgov", str(big), "-o", str(tmp_path / "out.yaml"))
    assert code == 1
    assert f"{big}: larger than 1 MiB, the most mscref reads from one file" in err


# ------------------------------------------------------------------------------------------
# 5. Outputs that would break the data folder


def test_report_never_writes_over_a_data_file(data_copy: Path) -> None:
    before = snapshot(data_copy)
    code, _, err = run(
        "report", "--data-dir", str(data_copy), "-o", str(data_copy / "trials.yaml"), "--force"
    )
    assert code == 1
    assert f"is the data file {data_copy / 'trials.yaml'} this command reads" in err
    assert snapshot(data_copy) == before


def test_report_through_a_link_to_a_data_file_is_refused(data_copy: Path, tmp_path: Path) -> None:
    link = tmp_path / "r.md"
    link.symlink_to(data_copy / "sources.yaml")
    before = snapshot(data_copy)
    code, _, err = run("report", "--data-dir", str(data_copy), "-o", str(link), "--force")
    assert code == 1
    assert "this command reads" in err
    assert snapshot(data_copy) == before


def test_import_never_writes_over_another_data_file(data_copy: Path) -> None:
    before = snapshot(data_copy)
    code, _, err = run(
        "import", "ctgov", str(SYNTHETIC), "--data-dir", str(data_copy), "-o", str(data_copy / "sources.yaml")
    )
    assert code == 1
    assert "this command reads" in err
    assert snapshot(data_copy) == before


def test_import_never_writes_over_its_input(tmp_path: Path) -> None:
    source = tmp_path / "in.json"
    shutil.copy(SYNTHETIC, source)
    code, _, err = run("import", "ctgov", str(source), "-o", str(source))
    assert code == 1
    assert f"error: {source}: is a file this command reads; write the output somewhere else" in err
    assert source.read_bytes() == SYNTHETIC.read_bytes()


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (("report", "--data-dir", "{dd}", "-o", "{dd}/report.yaml"), "report.yaml"),
        (("import", "ctgov", str(SYNTHETIC), "-o", "{dd}/trials.yml"), "trials.yml"),
    ],
)
def test_an_output_the_loader_would_read_is_written_with_a_warning(
    data_copy: Path, argv: tuple[str, ...], name: str
) -> None:
    code, _, err = run(*(a.replace("{dd}", str(data_copy)) for a in argv))
    assert code == 0, err
    assert f"warning: {data_copy / name} is in the data folder {data_copy}" in err
    assert "loading that folder will fail until it is moved" in err
    assert (data_copy / name).exists()


def test_report_into_a_data_file_name_the_folder_lacks_warns(tmp_path: Path) -> None:
    data = tmp_path / "dd"
    shutil.copytree(FIXTURES / "minimal", data)
    (data / "claims.yaml").unlink()
    code, _, err = run("report", "--data-dir", str(data), "-o", str(data / "claims.yaml"))
    assert code == 0, err
    assert f"warning: {data / 'claims.yaml'} is in the data folder {data}: mscref will read it as data" in err


# ------------------------------------------------------------------------------------------
# 6. All targets checked before anything is written


def test_a_refused_report_writes_no_chart(tmp_path: Path) -> None:
    report = tmp_path / "r.md"
    report.write_text("mine\n", encoding="utf-8")
    plots = tmp_path / "p"
    code, _, err = run("report", "--plots-dir", str(plots), "-o", str(report))
    assert code == 1
    assert err == f"error: {report} exists; use --force to overwrite it\n"
    assert not plots.exists()
    assert report.read_text(encoding="utf-8") == "mine\n"


def test_plots_dir_is_created_and_every_clash_is_listed(tmp_path: Path) -> None:
    plots = tmp_path / "p" / "svg"
    report = tmp_path / "r.md"
    code, _, err = run("report", "--plots-dir", str(plots), "-o", str(report))
    assert code == 0, err
    charts = sorted(p.name for p in plots.iterdir())
    assert charts and all(name.endswith(".svg") for name in charts)
    assert f"](<p/svg/{charts[0]}>)" in report.read_text(encoding="utf-8")
    before = snapshot(plots)
    code, _, err = run("report", "--plots-dir", str(plots), "-o", str(report))
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == len(charts) + 2
    assert lines[-1] == f"error: {len(charts) + 1} problems with the files to write; nothing was written"
    assert snapshot(plots) == before


def test_plots_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    plots = tmp_path / "p"
    plots.write_text("x", encoding="utf-8")
    code, _, err = run("report", "--plots-dir", str(plots), "-o", str(tmp_path / "r.md"))
    assert code == 1
    assert err == f"error: {plots}: is a file, not a folder\n"
    assert not (tmp_path / "r.md").exists()


def test_schema_checks_every_file_first(tmp_path: Path) -> None:
    (tmp_path / "trials.schema.json").write_text("{}", encoding="utf-8")
    code, _, err = run("schema", "-o", str(tmp_path))
    assert code == 1
    assert "trials.schema.json exists; use --force" in err
    assert [p.name for p in tmp_path.iterdir()] == ["trials.schema.json"]


# ------------------------------------------------------------------------------------------
# 7. The same NCT id twice in the input


def test_the_same_record_twice_is_fine_but_two_versions_are_refused(tmp_path: Path) -> None:
    study = json.loads(SYNTHETIC.read_text(encoding="utf-8"))
    copy = tmp_path / "copy.json"
    copy.write_text(json.dumps(study), encoding="utf-8")
    target = tmp_path / "out.yaml"
    code, _, err = run("import", "ctgov", str(SYNTHETIC), str(copy), "-o", str(target))
    assert code == 0, err
    assert err.count("added: ") == 1
    study["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(study), encoding="utf-8")
    before = target.read_bytes()
    code, _, err = run("import", "ctgov", str(SYNTHETIC), str(other), "-o", str(target))
    assert code == 1
    assert err.splitlines() == [
        f"{other}: record 1 (NCT99999901): NCT99999901 is also in {SYNTHETIC}: record 1, with different "
        "content; import one of the two records",
        "error: 1 problem in the input; nothing was written",
    ]
    assert target.read_bytes() == before


def test_a_trials_file_changed_during_the_import_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mscref.registry.merge as merge

    target = tmp_path / "mine.yaml"
    assert run("import", "ctgov", str(SYNTHETIC), "-o", str(target))[0] == 0
    edited = target.read_text(encoding="utf-8") + "# an edit made meanwhile\n"
    real_merge = merge.merge_trials

    def merge_while_someone_edits(*args: object, **kwargs: object) -> merge.MergeResult:
        result = real_merge(*args, **kwargs)  # type: ignore[arg-type]
        target.write_text(edited, encoding="utf-8")
        return result

    monkeypatch.setattr(merge, "merge_trials", merge_while_someone_edits)
    other = FIXTURES / "ctgov" / "real" / "NCT03418623_no_results.json"
    code, _, err = run("import", "ctgov", str(other), "-o", str(target))
    assert code == 1
    assert f"error: {target} changed while mscref was importing into it" in err
    assert target.read_text(encoding="utf-8") == edited
