"""Who holds a database file: the lease a running Hearth keeps beside it.

`<database>.pid` is locked (flock, shared) for as long as a Hearth has the database open and
holds the process id of the one that opened it last. The lock, not the file, is the truth: the
kernel drops it when the process ends, however it ends, so a stale file after a crash means
nothing. `hearth restore` takes the lock exclusively (so it refuses while any Hearth runs, and
no Hearth starts during a restore); `hearth reload` signals the process id when the lock is held.

`<database>.serving` is the serving lease: locked exclusively by the one process that serves
platforms from a SQLite file (`hearth run`, `hearth console`). A second one is refused at start
with a clear line, so two overlapping processes can never both close a contest and post its
winners. (On PostgreSQL several workers are allowed: jobs are claimed with leases there.)
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from storage.database import DatabaseError


def lease_path(database: str | Path) -> Path:
    return Path(f"{database}.pid")


class Lease:
    """A held lock on a database's lease file; `release` (or process exit) lets it go."""

    def __init__(self, fd: int, path: Path) -> None:
        self._fd: int | None = fd
        self.path = path

    @classmethod
    def acquire(cls, database: str | Path, *, exclusive: bool = False) -> Lease:
        """Take the lease: shared for a running Hearth, exclusive for a restore. Raises
        DatabaseError saying who holds it when it can't be had at once."""
        path = lease_path(database)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            if exclusive:
                raise DatabaseError(
                    f"{database} is in use by a running Hearth"
                    f"{f' (process {pid})' if pid else ''}; stop it first") from None
            raise DatabaseError(f"{database} is being restored; start Hearth when that "
                                "finishes") from None
        except BaseException:
            os.close(fd)
            raise
        if not exclusive:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(fd, path)

    @classmethod
    def serve(cls, database: str | Path) -> Lease:
        """Take the serving lease: only one process serves a SQLite database at a time.
        Raises DatabaseError naming the process that serves it."""
        path = Path(f"{database}.serving")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            raise DatabaseError(
                f"{database} is already served by another Hearth"
                f"{f' (process {pid})' if pid else ''}; stop it first (one process serves a "
                "SQLite database; several workers need PostgreSQL)") from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(fd, path)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None


def running_pid(database: str | Path) -> int | None:
    """The process id of a Hearth holding this database, or None when none does."""
    path = lease_path(database)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_pid(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None  # nobody holds it: the file is left over from an earlier run
    finally:
        os.close(fd)


def _read_pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return int(text) if text.isdigit() else None
