"""The one read path and the one write path: regular files only, links written through, every
target checked before anything is written."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from mscref.data.errors import MscrefError
from mscref.data.files import (
    FileRefused,
    Outputs,
    OutputsRefused,
    check_target,
    output_path,
    read_regular,
    write_atomic,
)

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="needs root (device nodes, owners, read-only files)")


@pytest.fixture()
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
    except OSError as exc:  # a path too long for AF_UNIX on some systems
        pytest.skip(f"cannot make a unix socket here: {exc}")
    yield path
    server.close()


# ------------------------------------------------------------------------------------------
# Reading


def test_a_regular_file_and_a_link_to_one_are_read(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"{}\n")
    link = tmp_path / "link.json"
    link.symlink_to(path)
    assert read_regular(path) == read_regular(link) == b"{}\n"


def test_a_fifo_is_refused_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)  # no writer: reading it would block for ever
    with pytest.raises(FileRefused, match="is a FIFO \\(named pipe\\), not a regular file"):
        read_regular(fifo)


def test_dev_zero_is_refused_before_it_is_read() -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this system")
    with pytest.raises(FileRefused, match="is a character device, not a regular file"):
        read_regular(Path("/dev/zero"))


def test_a_socket_and_a_directory_are_refused(tmp_path: Path, unix_socket: Path) -> None:
    with pytest.raises(FileRefused, match="is a socket"):
        read_regular(unix_socket)
    with pytest.raises(FileRefused, match="is a directory, not a file"):
        read_regular(tmp_path)


def test_the_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b"x" * 2048)
    assert read_regular(path, limit=2048) == b"x" * 2048
    with pytest.raises(FileRefused, match="larger than 0 MiB, the most mscref reads"):
        read_regular(path, limit=2047)


def test_missing_and_broken_link(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match=r"no such file$"):
        read_regular(tmp_path / "nope.json")
    (tmp_path / "broken").symlink_to(tmp_path / "nowhere")
    with pytest.raises(FileRefused, match="broken symbolic link"):
        read_regular(tmp_path / "broken")


# ------------------------------------------------------------------------------------------
# Writing: what is not a regular file is never replaced


def test_a_fifo_output_is_refused_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    with pytest.raises(MscrefError, match="is a FIFO \\(named pipe\\), not a regular file"):
        write_atomic(fifo, "x", force=True)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_socket_output_is_refused(unix_socket: Path) -> None:
    with pytest.raises(MscrefError, match="is a socket"):
        write_atomic(unix_socket, "x", force=True)
    assert stat.S_ISSOCK(os.lstat(unix_socket).st_mode)


def test_dev_null_is_never_replaced() -> None:
    if not os.path.exists("/dev/null"):
        pytest.skip("no /dev/null on this system")
    with pytest.raises(MscrefError, match="is a character device, not a regular file"):
        write_atomic(Path("/dev/null"), "x", force=True)
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


@needs_root
def test_a_device_node_is_never_replaced_as_root(tmp_path: Path) -> None:
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError as exc:  # a container without CAP_MKNOD
        pytest.skip(f"cannot make a device node here: {exc}")
    with pytest.raises(MscrefError, match="is a character device"):
        write_atomic(node, "x", force=True)
    assert stat.S_ISCHR(os.lstat(node).st_mode)
    link = tmp_path / "link"
    link.symlink_to(node)
    with pytest.raises(MscrefError, match="is a character device"):
        write_atomic(link, "x", force=True)
    assert link.is_symlink() and stat.S_ISCHR(os.lstat(node).st_mode)


def test_dev_stdout_is_refused_with_a_hint() -> None:
    if not os.path.islink("/dev/stdout"):
        pytest.skip("/dev/stdout is not a symbolic link here")
    with pytest.raises(MscrefError, match="to write to standard output, leave out the option"):
        write_atomic(Path("/dev/stdout"), "x", force=True)
    assert os.path.islink("/dev/stdout")


def test_a_directory_and_a_trailing_slash_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MscrefError, match="is a directory; give the name of a file"):
        write_atomic(tmp_path, "x", force=True)
    with pytest.raises(MscrefError, match="names a folder"):
        output_path("newdir/")
    with pytest.raises(MscrefError, match="names a folder"):
        output_path(".")
    assert output_path("r.md") == Path("r.md")


def test_a_symbolic_link_is_written_through_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old\n", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "link.md"
    link.symlink_to("real.md")
    with pytest.raises(MscrefError, match="exists; use --force"):
        write_atomic(link, "new\n")
    write_atomic(link, "new\n", force=True)
    assert link.is_symlink() and os.readlink(link) == "real.md"
    assert real.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640  # the mode is kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.md", "real.md"]


def test_a_dangling_link_needs_force_and_then_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.md"
    link.symlink_to(tmp_path / "made.md")
    with pytest.raises(MscrefError, match="exists; use --force"):
        write_atomic(link, "x\n")
    write_atomic(link, "x\n", force=True)
    assert link.is_symlink() and (tmp_path / "made.md").read_text(encoding="utf-8") == "x\n"


def test_a_read_only_file_is_refused_even_with_force(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    path.write_text("keep\n", encoding="utf-8")
    path.chmod(0o444)
    with pytest.raises(MscrefError, match=r"is read-only \(mode 0444\).*even with --force"):
        write_atomic(path, "new\n", force=True)
    assert path.read_text(encoding="utf-8") == "keep\n"
    # a dry run only reads it
    assert check_target(path, force=True, read_only_ok=True).exists


@needs_root
def test_the_owner_of_a_replaced_file_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    path.write_text("old\n", encoding="utf-8")
    os.chown(path, 4321, 4322)
    write_atomic(path, "new\n", force=True)
    info = path.stat()
    assert (info.st_uid, info.st_gid) == (4321, 4322)
    assert path.read_text(encoding="utf-8") == "new\n"


def test_a_file_that_appears_after_the_check_is_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    outputs = Outputs(force=False)
    outputs.add(path, "mine\n")
    outputs.check()
    path.write_text("someone else's\n", encoding="utf-8")
    with pytest.raises(MscrefError, match="exists; use --force"):
        outputs.write()
    assert path.read_text(encoding="utf-8") == "someone else's\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.md"]


def test_a_target_that_becomes_a_fifo_after_the_check_is_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    path.write_text("old\n", encoding="utf-8")
    outputs = Outputs(force=True)
    outputs.add(path, "new\n")
    outputs.check()
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(MscrefError, match="became a FIFO"):
        outputs.write()
    assert stat.S_ISFIFO(os.lstat(path).st_mode)


def test_every_target_is_checked_before_any_is_written(tmp_path: Path) -> None:
    taken = tmp_path / "b.svg"
    taken.write_text("old\n", encoding="utf-8")
    outputs = Outputs(force=False)
    for name in ("a.svg", "b.svg", "c.svg"):
        outputs.add(tmp_path / name, "new\n")
    with pytest.raises(OutputsRefused) as refused:
        outputs.check()
    assert refused.value.reasons == (f"{taken} exists; use --force to overwrite it",)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.svg"]


def test_a_planned_folder_is_made_only_when_writing(tmp_path: Path) -> None:
    folder = tmp_path / "plots" / "svg"
    outputs = Outputs()
    outputs.make_folder(folder)
    outputs.add(folder / "a.svg", "<svg/>")
    outputs.check()
    assert not folder.exists()
    assert outputs.write() == [(folder / "a.svg", 6)]
    assert (folder / "a.svg").read_text(encoding="utf-8") == "<svg/>"


def test_the_same_file_twice_is_refused(tmp_path: Path) -> None:
    outputs = Outputs()
    outputs.add(tmp_path / "a.md", "1")
    outputs.add(tmp_path / "." / "a.md", "2")
    with pytest.raises(MscrefError, match="written twice"):
        outputs.check()


def test_an_input_is_never_written_over(tmp_path: Path) -> None:
    source = tmp_path / "in.json"
    source.write_text("{}", encoding="utf-8")
    outputs = Outputs(force=True, reads=(source,))
    outputs.add(source, "x")
    with pytest.raises(MscrefError, match="a file this command reads"):
        outputs.check()
    assert source.read_text(encoding="utf-8") == "{}"


def test_content_written_piece_by_piece_lands_whole(tmp_path: Path) -> None:
    target = tmp_path / "r.html"

    def fill(handle: BinaryIO) -> None:
        for i in range(1000):
            handle.write(f"<p>{i}</p>\n".encode())

    outputs = Outputs()
    outputs.add(target, fill)
    [(path, size)] = outputs.write()
    expected = "".join(f"<p>{i}</p>\n" for i in range(1000))
    assert path == target
    assert target.read_text(encoding="utf-8") == expected
    assert size == len(expected)


def test_a_fill_that_fails_half_way_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    target.write_text("the user's page\n", encoding="utf-8")

    def fill(handle: BinaryIO) -> None:
        handle.write(b"<p>half</p>" * 10_000)
        raise MscrefError("refusing to embed an SVG that holds script")

    outputs = Outputs(force=True)
    outputs.add(target, fill)
    with pytest.raises(MscrefError, match="holds script"):
        outputs.write()
    assert target.read_text(encoding="utf-8") == "the user's page\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]
