"""What ingest may read in the inbox: regular files inside it, left alone for the settle period.

Links are never followed, and named pipes, devices, sockets and folders named like files are never
opened: each is listed as skipped, with the reason. A file modified less than `SETTLE_SECONDS` ago may
still be being written (a copy over a file share) and waits for the next run. Names starting with a
dot are a transfer's temporary files (rsync's `.name.XXXXXX`, a partner's write-then-rename) and are
left alone.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from assets.contract import SUBMISSION_TYPES, SubmissionType
from assets.ingest.catalog import Stamp

# Workbooks holding several returns (one sheet per submission type) are dropped here; every type
# reads the sheets that are its own, and the first type answers for the file as a whole.
RETURNS_FOLDER = "returns"
RETURNS_OWNER = next(iter(SUBMISSION_TYPES))
# Every entry point (the sensor, the schedule, `joinedup run`) reads a file only once it has been
# left alone this long.
SETTLE_SECONDS = 60
NOT_A_FILE = "not_a_file"
LINK = "a link, not a file: links are not followed, so it was not read; please send the file itself"
OUTSIDE = "outside the inbox (reached through a linked folder), so it was not read"
KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)

# (path, name) of a file to read; (path, name, reason) of an entry skipped
Found = tuple[str, str]
Skipped = tuple[str, str, str]


def settled(modified_ns: int, now_ns: int) -> bool:
    """Return whether a file last modified at `modified_ns` has been left alone for the settle period."""
    return modified_ns <= now_ns - SETTLE_SECONDS * 10**9


def _not_a_file(mode: int) -> str:
    what = next((name for test, name in KINDS if test(mode)), "an entry of another kind")
    return f"{what}, not a file: it was not read; please send the file itself"


def _ignored(name: str) -> bool:
    return name.startswith(".")


def scan_folder(folder: Path) -> tuple[list[Found], list[Skipped]]:
    """Return the regular files of `folder` and the entries skipped there, each in name order.

    The directory entries' own types decide (no call per file); folders without an extension are
    the operator's own and ignored. A linked folder is skipped whole.
    """
    if folder.is_symlink():
        return [], [(str(folder), folder.name, LINK)]
    if not folder.is_dir():
        return [], []
    files, skipped = [], []
    with os.scandir(folder) as entries:
        for entry in entries:
            if _ignored(entry.name):
                continue
            if entry.is_file(follow_symlinks=False):
                files.append((entry.path, entry.name))
            elif entry.is_symlink():
                skipped.append((entry.path, entry.name, LINK))
            elif entry.is_dir(follow_symlinks=False) and not Path(entry.name).suffix:
                continue  # the operator's own folder
            else:
                mode = entry.stat(follow_symlinks=False).st_mode
                skipped.append((entry.path, entry.name, _not_a_file(mode)))
    return sorted(files, key=lambda f: f[1]), sorted(skipped, key=lambda s: s[1])


def inbox_files(inbox: Path, kind: SubmissionType) -> tuple[list[tuple[str, str, bool]], list[Skipped]]:
    """Return (path, file name, is in the type's own folder) of every file this type should look at,
    and the entries it answers for as skipped: its own folder's, and the returns folder's for the first type.

    Paths stay text: at national scale a run lists some 70,000 files and reads only the new ones.
    """
    own, own_skipped = scan_folder(inbox / kind.name)
    returns, returns_skipped = scan_folder(inbox / RETURNS_FOLDER)
    return (
        [(path, name, True) for path, name in own] + [(path, name, False) for path, name in returns],
        own_skipped + (returns_skipped if kind.name == RETURNS_OWNER else []),
    )


def skip_reason(path: Path, inbox: Path) -> str | None:
    """Return why a path a source mapping names is not read (None: a regular file inside the inbox)."""
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        return LINK
    if not stat.S_ISREG(mode):
        return _not_a_file(mode)
    if not Path(os.path.realpath(path)).is_relative_to(os.path.realpath(inbox)):
        return OUTSIDE
    return None


def ignored(path: Path) -> bool:
    """Return whether a path is left alone without a word: a dot name, or a folder named like no file."""
    return _ignored(path.name) or (not path.is_symlink() and path.is_dir() and not path.suffix)


def read_unchanged(path: str, stamp: Stamp) -> bytes | None:
    """Return the bytes of the regular file at `path`, or None when it is no longer as `stamp` saw it.

    The file is opened without following a link and without blocking (a named pipe put in its place
    is never waited on), and read only if it is still a regular file of the size and time stamped.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOENT):  # replaced by a link, or gone
            return None
        raise
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or Stamp(status.st_size, status.st_mtime_ns) != stamp:
            return None
        content = _read_to_end(descriptor, stamp.bytes)
    finally:
        os.close(descriptor)
    return content if len(content) == stamp.bytes else None


def _read_to_end(descriptor: int, size: int) -> bytes:
    """Return the file's bytes to its end, or the first `size` + 1 when it has grown past `size`.

    Plain system calls: a file object per file costs as much again as the read, over 70,000 files.
    """
    parts, got = [], 0
    while chunk := os.read(descriptor, size + 1 - got):
        parts.append(chunk)
        got += len(chunk)
        if got > size:
            break
    return b"".join(parts)
