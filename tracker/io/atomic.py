"""Transactional output files: write beside the target, move into place only when the run ends.

An :class:`AtomicFile` reserves its target before any work starts: it takes an exclusive lock
(``.NAME.tracker-lock`` beside the target, ``fcntl.flock``) and creates the temporary file
``.NAME.tracker-tmp-PID.EXT`` in the same folder (same filesystem, so ``os.replace`` is atomic; the
real extension stays last because ffmpeg and OpenCV choose the container from it). Writers fill the
temporary file; :meth:`AtomicFile.commit` moves it over the target, :meth:`AtomicFile.discard` removes
it. So an existing output is only ever replaced by a finished file: a crash before the commit, or a
SIGKILL at any moment, leaves the old file byte-for-byte intact (the killed run's temporary file is
removed by the next run that writes the same target).

Creating the lock and temporary file up front is also the honest writability check: ``os.access`` says
yes for root in ``/proc``, where creating a file still fails.

A target that exists and is not a regular file (``/dev/null``, ``/dev/stdout``, a named pipe) is
written directly: renaming over it would replace the device or pipe with a plain file.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import stat
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import TrackerError

__all__ = ["AtomicFile", "TEMP_TAG", "LOCK_TAG", "check_distinct", "file_identity", "reserve", "temp_name"]

TEMP_TAG = ".tracker-tmp-"
LOCK_TAG = ".tracker-lock"


def temp_name(name: str, pid: int) -> str:
    """Hidden temporary name for output ``name`` written by process ``pid``, ending in the real extension."""
    return f".{name}{TEMP_TAG}{pid}{Path(name).suffix}"


def file_identity(path: str | os.PathLike) -> tuple | None:
    """What makes two paths the same file: device and inode when it exists, else the resolved path.

    Symlinks, hard links, ``./`` and relative vs absolute spellings of one file give the same identity.
    None for an existing special file (``/dev/null``, a pipe): writing it twice is not damage.
    """
    p = Path(os.fspath(path)).expanduser()
    try:
        st = p.stat()
    except OSError:
        return ("path", os.path.realpath(p))
    if not stat.S_ISREG(st.st_mode):
        return None
    return ("inode", st.st_dev, st.st_ino)


def check_distinct(named: Sequence[tuple[str, str | os.PathLike]]) -> None:
    """One-line :class:`TrackerError` when two outputs (``(label, path)`` pairs) name the same file."""
    seen: dict[tuple, str] = {}
    for label, path in named:
        key = file_identity(path)
        if key is None:
            continue
        if key in seen:
            raise TrackerError(
                f"{seen[key]} and {label} name the same file ({os.fspath(path)}); give each output its own path"
            )
        seen[key] = label


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    except OSError:
        return True
    return True


class AtomicFile:
    """One output written to a temporary file beside ``target`` and moved into place by :meth:`commit`.

    ``target`` may be a symlink: the file it points to is the one replaced (as ``open(target, "w")``
    would have written it). A replaced file keeps its permission bits.

    Use :meth:`begin` (or the constructor's ``begin=True``) to lock and create :attr:`temp`, write to
    :attr:`temp`, then :meth:`commit` or :meth:`discard`; both are idempotent and release the lock. As a
    context manager it commits when the block ends normally and discards on an exception.
    """

    def __init__(self, target: str | os.PathLike, *, begin: bool = False) -> None:
        self.path = Path(os.fspath(target)).expanduser()
        # Resolve so that a symlinked target and its link share one lock and one temporary file.
        self.real = Path(os.path.realpath(self.path))
        self.temp = self.real.parent / temp_name(self.real.name, os.getpid())
        self.lock_path = self.real.parent / f".{self.real.name}{LOCK_TAG}"
        self._lock_fd: int | None = None
        self._mode: int | None = None
        self.direct = False  # True for special files, written in place
        self.state = "new"  # new -> open -> committed | discarded
        if begin:
            self.begin()

    # -- lifecycle --------------------------------------------------------------------------------

    def begin(self) -> "AtomicFile":
        """Take the lock, remove stale temporaries of dead runs and create an empty :attr:`temp`."""
        if self.state != "new":
            raise RuntimeError(f"{self.path}: begin() called twice")
        if _is_special(self.path):
            self.temp = self.path  # written in place (see the module docstring); nothing to lock or move
            self.state = "open"
            self.direct = True
            return self
        self._lock()
        try:
            self._remove_stale()
            try:
                os.close(os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666))
            except OSError as exc:
                raise TrackerError(f"cannot write {self.path}: {exc.strerror}") from None
            try:
                self._mode = stat.S_IMODE(self.real.stat().st_mode)
            except OSError:
                self._mode = None  # no old file: keep the umask's mode
        except BaseException:
            self._unlock()
            raise
        self.state = "open"
        return self

    def commit(self) -> None:
        """Move the finished temporary file over the target (atomic on one filesystem) and unlock."""
        if self.state != "open":
            return
        if self.direct:
            self.state = "committed"
            return
        try:
            if self._mode is not None:  # set only now: a read-only old mode must not stop the writers
                os.chmod(self.temp, self._mode)
            _fsync(self.temp)
            os.replace(self.temp, self.real)
            _fsync_dir(self.real.parent)
        except OSError as exc:
            self.discard()
            raise TrackerError(f"cannot write {self.path}: {exc.strerror}") from None
        self.state = "committed"
        self._unlock()

    def discard(self) -> None:
        """Remove the temporary file, leaving any old target untouched, and unlock."""
        if self.state != "open":
            return
        if self.direct:
            self.state = "discarded"
            return
        try:
            os.unlink(self.temp)
        except FileNotFoundError:
            pass
        except OSError:  # pragma: no cover - the next run's stale clean-up gets it
            pass
        self.state = "discarded"
        self._unlock()

    @property
    def active(self) -> bool:
        """True between :meth:`begin` and :meth:`commit` / :meth:`discard`."""
        return self.state == "open"

    def __enter__(self) -> "AtomicFile":
        if self.state == "new":
            self.begin()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()

    def __repr__(self) -> str:
        return f"AtomicFile({os.fspath(self.path)!r}, state={self.state!r})"

    # -- lock ---------------------------------------------------------------------------------------

    def _lock(self) -> None:
        # The lock file is removed on unlock. A waiter could then hold a lock on the removed inode, so
        # after locking, check that the name still points at the inode we locked; retry if not.
        for _ in range(100):
            try:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as exc:
                raise TrackerError(f"cannot write {self.path}: {exc.strerror}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    holder = _read_pid(self.lock_path)
                    by = f" (pid {holder})" if holder else ""
                    raise TrackerError(
                        f"{self.path} is being written by another tracker run{by}; wait for it to finish "
                        "or choose another output path"
                    ) from None
                raise TrackerError(f"cannot lock {self.path}: {exc.strerror}") from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.lock_path))
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._lock_fd = fd
                return
            os.close(fd)
        raise TrackerError(f"cannot lock {self.path}: the lock file keeps changing")  # pragma: no cover

    def _unlock(self) -> None:
        if self._lock_fd is None:
            return
        try:
            os.unlink(self.lock_path)  # while still holding it: see _lock
        except OSError:
            pass
        os.close(self._lock_fd)
        self._lock_fd = None

    def _remove_stale(self) -> None:
        """Delete temporaries of this target left by runs that died (SIGKILL, power loss)."""
        pattern = re.compile(
            re.escape(f".{self.real.name}{TEMP_TAG}") + r"(\d+)" + re.escape(self.real.suffix) + r"\Z"
        )
        try:
            names = os.listdir(self.real.parent)
        except OSError:
            return
        for name in names:
            m = pattern.match(name)
            if m is None:
                continue
            pid = int(m.group(1))
            if pid == os.getpid() or not _pid_alive(pid):
                try:
                    os.unlink(self.real.parent / name)
                except OSError:
                    pass


def _is_special(path: Path) -> bool:
    try:
        return not stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - folders that cannot be opened cannot be synced either
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse fsync on folders
        pass
    finally:
        os.close(fd)


def reserve(paths: Iterable[tuple[str, str | os.PathLike]]) -> dict[str, AtomicFile]:
    """Begin an :class:`AtomicFile` for each ``(key, path)``; on any failure release those already taken."""
    files: dict[str, AtomicFile] = {}
    try:
        for key, path in paths:
            files[key] = AtomicFile(path, begin=True)
    except BaseException:
        for f in files.values():
            f.discard()
        raise
    return files
