"""Whether a SQLite database file can be used, checked before Hearth writes anything beside it
(not even its lease files): each problem is one line saying what is wrong, which file, and what
to do."""

from __future__ import annotations

import os
from pathlib import Path

from storage.database import DatabaseError

MAGIC = b"SQLite format 3\x00"
RESTORE = "restore it from a backup (hearth restore FILE) or point [hearth] database elsewhere"


def check_usable(database: str | Path) -> None:
    """Raise DatabaseError if the file (or its folder) can't hold a working Hearth database.
    A missing file is fine: Hearth creates it."""
    path = Path(database)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file; point [hearth] database "
                            "at a file inside it (e.g. {path}/hearth.sqlite3)".replace(
                                "{path}", str(path)))
    if path.exists():
        if not path.is_file():
            raise DatabaseError(f"{path} is not a regular file; point [hearth] database at one")
        if not _writable(path):
            raise DatabaseError(f"{path} is read-only for this user; Hearth must write to it: "
                                "let the user Hearth runs as write it (chmod u+rw, chown)")
        _check_header(path)
    elif folder.exists() and not folder.is_dir():
        raise DatabaseError(f"{folder} is a file, so {path} can't be created there; point "
                            "[hearth] database at a path in a folder")
    if folder.exists() and not _writable(folder):
        # SQLite keeps its -wal and -shm files beside the database; the lease goes there too.
        raise DatabaseError(f"the folder {folder} is read-only for this user; Hearth writes "
                            f"{path.name} and its -wal, -shm and lease files there: let the "
                            "user Hearth runs as write it")


def _writable(path: Path) -> bool:
    # The owner's write bit too: root may write anything, but a file or folder marked
    # read-only means "don't", and the service user Hearth runs as would be refused.
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & 0o200)


def _check_header(path: Path) -> None:
    size = path.stat().st_size
    if size == 0:
        return  # an empty file is a new database to SQLite
    with path.open("rb") as f:
        header = f.read(100)
    if len(header) < 100 or not header.startswith(MAGIC):
        raise DatabaseError(f"{path} is not a SQLite database (it doesn't start as one); "
                            f"{RESTORE}")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The page count in the header is valid when its check number matches the change counter.
    if pages and header[92:96] == header[24:28] and size < pages * page_size:
        raise DatabaseError(f"{path} is damaged: it is {size:,} bytes but its header says "
                            f"{pages * page_size:,} (truncated); {RESTORE}")
