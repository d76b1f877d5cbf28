"""Transactional output files: replace on success, old file kept otherwise, same-file detection, lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tracker.errors import TrackerError
from tracker.io.atomic import AtomicFile, check_distinct, file_identity, reserve, temp_name

REPO = Path(__file__).resolve().parents[2]


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_temp_name_keeps_the_extension_last():
    assert temp_name("o.mp4", 123) == ".o.mp4.tracker-tmp-123.mp4"
    assert temp_name("noext", 7) == ".noext.tracker-tmp-7"


def test_commit_replaces_the_old_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    target.chmod(0o640)
    f = AtomicFile(target, begin=True)
    assert f.temp.parent == tmp_path and f.temp.name.startswith(".out.txt.tracker-tmp-")
    f.temp.write_text("new")
    assert target.read_text() == "old"  # untouched until the commit
    f.commit()
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640  # keeps the old file's permissions
    assert listing(tmp_path) == ["out.txt"]  # neither temporary nor lock file left
    f.commit()  # idempotent
    f.discard()
    assert target.read_text() == "new"


def test_exception_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_bytes(b"old bytes")
    with pytest.raises(ValueError):
        with AtomicFile(target) as f:
            f.temp.write_text("half a result")
            raise ValueError("crash mid-run")
    assert target.read_bytes() == b"old bytes" and listing(tmp_path) == ["out.txt"]
    with AtomicFile(tmp_path / "fresh.txt") as f:
        f.temp.write_text("done")
    assert (tmp_path / "fresh.txt").read_text() == "done"


def test_discard_without_old_file_leaves_nothing(tmp_path):
    f = AtomicFile(tmp_path / "new.jsonl", begin=True)
    assert f.temp.exists() and f.active
    f.discard()
    assert listing(tmp_path) == [] and f.state == "discarded"


def test_symlinked_target_writes_through_the_link(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    with AtomicFile(link) as f:
        assert f.temp.name.startswith(".real.txt.")  # one temporary file and lock per real file
        f.temp.write_text("new")
    assert link.is_symlink() and real.read_text() == "new"


def make_links(tmp_path: Path, how: str) -> tuple[str, str]:
    """Two spellings of one file."""
    a = tmp_path / "a.txt"
    if how == "relative":  # the test runs in tmp_path
        return "a.txt", str(a)
    if how == "dot":
        return str(a), f"{tmp_path}/./sub/../a.txt"
    a.write_text("x")
    b = tmp_path / "b.txt"
    if how == "symlink":
        b.symlink_to(a)
    elif how == "hardlink":
        os.link(a, b)
    elif how == "symlinked folder":
        (tmp_path / "dir").symlink_to(tmp_path)
        b = tmp_path / "dir" / "a.txt"
    return str(a), str(b)


@pytest.mark.parametrize("how", ["relative", "dot", "symlink", "hardlink", "symlinked folder"])
def test_same_file_detection(tmp_path, how, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    a, b = make_links(tmp_path, how)
    assert file_identity(a) == file_identity(b)
    with pytest.raises(TrackerError, match="--mot-out and --json-out name the same file") as err:
        check_distinct([("--out", tmp_path / "v.mp4"), ("--mot-out", a), ("--json-out", b)])
    assert "\n" not in str(err.value)


def test_distinct_files_pass(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.txt").write_text("x")  # same content, different files
    check_distinct([("--mot-out", tmp_path / "a.txt"), ("--json-out", tmp_path / "b.txt"),
                    ("--csv-out", tmp_path / "c.csv")])  # fmt: skip


def test_lock_refuses_a_second_writer_in_this_process(tmp_path):
    first = AtomicFile(tmp_path / "o.txt", begin=True)
    with pytest.raises(TrackerError, match=rf"being written by another tracker run \(pid {os.getpid()}\)"):
        AtomicFile(tmp_path / "o.txt", begin=True)
    first.commit()
    AtomicFile(tmp_path / "o.txt", begin=True).commit()  # free again once the first is done


_HOLDER = textwrap.dedent(
    """
    import sys, time
    from tracker.io.atomic import AtomicFile
    f = AtomicFile(sys.argv[1], begin=True)
    f.temp.write_text("partial")
    print("locked", flush=True)
    time.sleep(60)
    """
)


def test_lock_refuses_a_second_process_and_a_killed_writer_leaves_the_old_file(tmp_path):
    target = tmp_path / "o.txt"
    target.write_text("old")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(target)], stdout=subprocess.PIPE, env=env)
    try:
        assert proc.stdout.readline().strip() == b"locked"
        with pytest.raises(TrackerError, match=f"pid {proc.pid}"):
            AtomicFile(target, begin=True)
        stale = tmp_path / temp_name("o.txt", proc.pid)
        assert stale.read_text() == "partial"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert target.read_text() == "old" and stale.exists()
    # The dead run's lock is free (the kernel dropped it) and its temporary file is cleaned up.
    with AtomicFile(target) as f:
        assert not stale.exists()
        f.temp.write_text("new")
    assert target.read_text() == "new" and listing(tmp_path) == ["o.txt"]


def test_stale_temp_cleanup_spares_live_runs_and_other_targets(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / temp_name("o.mp4", dead.pid)
    alive = tmp_path / temp_name("o.mp4", os.getppid())  # a live process (no lock: an odd leftover)
    other = tmp_path / temp_name("o.mp4.bak", dead.pid)
    for p in (stale, alive, other):
        p.write_text("x")
    AtomicFile(tmp_path / "o.mp4", begin=True).discard()
    assert not stale.exists() and alive.exists() and other.exists()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
def test_unwritable_folder_is_one_line(tmp_path):
    with pytest.raises(TrackerError, match="cannot write /proc/o.mp4") as err:
        AtomicFile("/proc/o.mp4", begin=True)
    assert "\n" not in str(err.value)


def test_reserve_releases_what_it_took_when_one_fails(tmp_path):
    held = AtomicFile(tmp_path / "b.txt", begin=True)
    with pytest.raises(TrackerError, match="being written"):
        reserve([("a", tmp_path / "a.txt"), ("b", tmp_path / "b.txt")])
    held.discard()
    assert listing(tmp_path) == []
    files = reserve([("a", tmp_path / "a.txt"), ("b", tmp_path / "b.txt")])
    assert all(f.active for f in files.values())
    for f in files.values():
        f.commit()
    assert listing(tmp_path) == ["a.txt", "b.txt"]


def test_special_files_are_written_in_place(tmp_path):
    """/dev/null or a named pipe must never be renamed over: they are written directly."""
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    for target in (Path(os.devnull), fifo):
        f = AtomicFile(target, begin=True)
        assert f.temp == target and f.active
        f.commit()
        assert f.state == "committed"
    assert Path(os.devnull).is_char_device() and fifo.is_fifo()
    assert listing(tmp_path) == ["pipe.txt"]
    check_distinct([("--mot-out", os.devnull), ("--json-out", os.devnull)])  # discarding twice is fine
