"""Writes never damage or lie; output folders are locked against a second writer."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import pytest

from isometry._internal import files
from isometry._internal.locks import DirectoryLock, DirectoryLockedError


def test_write_replaces_a_regular_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    files.write_text_atomically(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_directories_fifos_and_devices_are_refused(tmp_path):
    (tmp_path / "dir").mkdir()
    with pytest.raises(IsADirectoryError, match="directory, not a regular file"):
        files.write_text_atomically(tmp_path / "dir", "x")
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(OSError, match="FIFO"):
        files.write_text_atomically(tmp_path / "fifo", "x")
    assert stat.S_ISFIFO(os.stat(tmp_path / "fifo").st_mode)
    with pytest.raises(OSError, match="character device"):
        files.write_text_atomically("/dev/null", "x")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_symlink_is_written_through(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    files.write_text_atomically(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_a_failing_flush_is_reported_and_nothing_is_replaced(tmp_path, monkeypatch):
    target = tmp_path / "t.txt"
    target.write_text("old")

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        files.write_text_atomically(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"]


def test_stale_temporaries_of_killed_writers_are_removed(tmp_path):
    target = tmp_path / "table.csv"
    # A writer killed mid-write: its temporary names a process that no longer exists.
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=False,
        capture_output=True,
        text=True,
    ).stdout.strip()
    orphan = tmp_path / f".table.csv{files.TEMPORARY_MARK}{dead}-abc.csv"
    orphan.write_text("half")
    alive = tmp_path / f".table.csv{files.TEMPORARY_MARK}{os.getpid()}-def.csv"
    alive.write_text("in progress")  # a live writer's temporary stays
    files.write_text_atomically(target, "x")
    assert not orphan.exists() and alive.exists()


def test_sigkill_during_writes_leaves_only_complete_files(tmp_path):
    """Kill a process writing a 20 MB file over and over: the file is always complete, and the
    next write removes the temporaries the killed process left."""
    target = tmp_path / "big.txt"
    code = textwrap.dedent(f"""
        from isometry._internal.files import write_text_atomically
        i = 0
        while True:
            write_text_atomically({str(target)!r}, str(i % 10) * 20_000_000)
            i += 1
        """)
    for _ in range(3):
        p = subprocess.Popen([sys.executable, "-c", code])
        time.sleep(2.0)
        p.send_signal(signal.SIGKILL)
        p.wait()
        if target.exists():
            text = target.read_text()
            assert len(text) == 20_000_000 and len(set(text)) == 1
    files.write_text_atomically(target, "done")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt"]


def test_directory_lock_refuses_a_second_process_and_detects_a_stale_one(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import sys, time
        from isometry._internal.locks import DirectoryLock
        with DirectoryLock({str(tmp_path)!r}, what="test holder"):
            print("locked", flush=True)
            time.sleep(60)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(
            DirectoryLockedError, match=f"in use by process {holder.pid} .*test holder"
        ):
            DirectoryLock(tmp_path).acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        holder.stdout.close()
    # The holder was killed: its lock is stale and is taken over, with the dead holder recorded.
    lock = DirectoryLock(tmp_path)
    with lock:
        assert lock.stale_holder is not None and lock.stale_holder["pid"] == holder.pid
        assert lock.stale_holder["alive"] is False
    with DirectoryLock(tmp_path) as again:  # released cleanly: nothing stale
        assert again.stale_holder is None
