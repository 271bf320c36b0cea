"""User-named outputs: '-' is standard output, symlinks are written through, devices and FIFOs in
place, regular files atomically."""

import os
import subprocess
import sys
import threading

import pytest

from socsim.fileio import write_output

from paths import ROOT


def test_regular_file_is_replaced_atomically(tmp_path):
    p = tmp_path / "r.json"
    p.write_text("old")
    before = p.stat().st_ino
    write_output(p, b"new")
    assert p.read_bytes() == b"new" and p.stat().st_ino != before
    assert [q.name for q in tmp_path.iterdir()] == ["r.json"]


def test_symlink_is_written_through(tmp_path):
    target = tmp_path / "real" / "r.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_output(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == b"new"


def test_fifo_and_device_are_written_in_place(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_output(fifo, b"through the pipe")
    reader.join(10)
    assert got == [b"through the pipe"] and fifo.is_fifo()
    write_output("/dev/null", b"x")
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")


def test_folder_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError):
        write_output(tmp_path, b"x")


def test_dash_is_standard_output(capsysbinary):
    write_output("-", b"{}\n")
    assert capsysbinary.readouterr().out == b"{}\n"


def test_dev_stdout_is_the_open_stream_not_replaced(tmp_path):
    """/dev/stdout redirected to a file: the bytes follow what was printed, the link is untouched."""
    out = tmp_path / "out.txt"
    code = "from socsim.fileio import write_output; print('table', flush=True); write_output('/dev/stdout', b'{}\\n')"
    with out.open("wb") as fh:
        subprocess.run([sys.executable, "-c", code], stdout=fh, check=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.read_text() == "table\n{}\n"
    assert os.path.islink("/dev/stdout")
