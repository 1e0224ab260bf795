"""Files written so that nothing is lost: a reader (or a crash, or kill -9)
sees the old file or the new one, never half of one, and a new name is never
taken twice.

Every write goes to a temporary file beside the target, is fsynced, renamed
over the target, and the folder is fsynced so the rename itself survives a
power cut. A new save's name is claimed with a hard link, which fails if the
name exists (the O_EXCL of a finished file): two processes saving under one
stem at once get two names. A temporary file names its writer's process, so
a later start removes those of writers that died (`clean_stale`) and leaves
the ones still being written alone.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

STALE_SECONDS = 600  # a temporary file this old is left over, whoever wrote it (writes take milliseconds)
# .NAME.tmp-PID-TOKEN, and anything a writer appended to it
TEMPORARY = re.compile(r"^\..+\.tmp-(?P<pid>\d+)-[0-9a-f]+(\..*)?$")


def temporary(path: Path) -> Path:
    """A fresh temporary name beside `path`, naming this process."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")


def sync_folder(folder: Path) -> None:
    """fsync a folder, so the names created or renamed in it are on disk."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # a platform without folder handles: nothing more to do
    try:
        with naming(folder):
            os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)


def make_folder(folder: Path) -> None:
    """`folder` and those above it, made if missing. A file standing where a
    folder is needed says so (mkdir's own word for it is `File exists`)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        where = exc.filename if exc.filename is not None else folder
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), where) from None


@contextlib.contextmanager
def naming(path: Path | str) -> Iterator[None]:
    """An OSError inside the block names `path` if it names no file: write,
    fsync and close fail on a descriptor (a full disk is `No space left on
    device` and nothing more), and the user needs to know where."""
    try:
        yield
    except OSError as exc:
        if exc.filename is not None or isinstance(exc, BrokenPipeError):
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), os.fspath(path)) from exc


def _write_new(path: Path, data: bytes, target: Path | None = None) -> None:
    """Create `path` (it must not exist), write `data`, fsync it; an error
    names `target` (what the user asked for), not the temporary name."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
    with naming(target or path):
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)


def write_bytes(path: Path | str, data: bytes) -> Path:
    """Replace `path` with `data` atomically and durably."""
    path = Path(path)
    make_folder(path.parent)
    tmp = temporary(path)
    try:
        _write_new(tmp, data, path)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    sync_folder(path.parent)
    return path


def write_json(path: Path | str, data: object, indent: int | None = 1) -> Path:
    return write_bytes(path, (json.dumps(data, indent=indent) + "\n").encode())


@contextlib.contextmanager
def replacing(path: Path | str) -> Iterator[Path]:
    """A temporary path for a writer that wants a file name (e.g. a tensor
    writer); when the block ends it is fsynced and renamed over `path`."""
    path = Path(path)
    make_folder(path.parent)
    tmp = temporary(path)
    try:
        with naming(path):
            yield tmp
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    sync_folder(path.parent)


def create(folder: Path | str, stem: str, data: bytes, suffix: str = ".json") -> Path:
    """Write `data` under the first free name `STEM-NNN.json` in `folder`,
    never replacing a file: the name is claimed only once the data is on
    disk, with a link that fails if another process took it first."""
    folder = Path(folder)
    make_folder(folder)
    tmp = temporary(folder / f"{stem}{suffix}")
    try:
        _write_new(tmp, data, folder / f"{stem}-NNN{suffix}")
        n = _last_number(folder, stem, suffix) + 1
        while True:
            path = folder / f"{stem}-{n:03d}{suffix}"
            try:
                os.link(tmp, path)
                break
            except FileExistsError:
                n += 1
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                    raise
                # a file system without hard links: claim the name with O_EXCL and write it in place
                path = _create_in_place(folder, stem, suffix, n, data)
                break
    finally:
        tmp.unlink(missing_ok=True)
    sync_folder(folder)
    return path


def move_aside(path: Path | str, stem: str) -> Path:
    """Give `path` (a file, a link, a folder) the first free name `STEM-NNN`
    plus its suffix beside it, replacing nothing; returns the new name."""
    path = Path(path)
    folder, suffix = path.parent, path.suffix
    n = _last_number(folder, stem, suffix) + 1
    while True:
        aside = folder / f"{stem}-{n:03d}{suffix}"
        try:
            os.link(path, aside, follow_symlinks=False)
        except FileExistsError:
            n += 1
            continue
        except OSError:
            # a folder, or no hard links here: a rename to a name checked free
            if os.path.lexists(aside):
                n += 1
                continue
            os.rename(path, aside)
            break
        os.unlink(path)
        break
    sync_folder(folder)
    return aside


def _create_in_place(folder: Path, stem: str, suffix: str, n: int, data: bytes) -> Path:
    while True:
        path = folder / f"{stem}-{n:03d}{suffix}"
        try:
            _write_new(path, data)
            return path
        except FileExistsError:
            n += 1


def _last_number(folder: Path, stem: str, suffix: str) -> int:
    """The highest N of the files `STEM-N.json` already there (0 if none):
    claiming starts after it, so a folder of thousands costs one listing."""
    last = 0
    prefix = f"{stem}-"
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if name.startswith(prefix) and name.endswith(suffix):
                number = name[len(prefix): len(name) - len(suffix)]
                if number.isascii() and number.isdigit() and len(number) < 12:
                    last = max(last, int(number))
    return last


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process: assume it is writing
    return True


def clean_stale(folder: Path | str, now: float | None = None) -> list[Path]:
    """Remove the temporary files of writes that never finished in `folder`
    (their writer is dead, or they are older than STALE_SECONDS); returns them."""
    folder = Path(folder)
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return removed
    for entry in entries:
        match = TEMPORARY.match(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        try:
            old = now - entry.stat(follow_symlinks=False).st_mtime > STALE_SECONDS
        except FileNotFoundError:
            continue  # its writer just renamed it
        if old or not _alive(int(match["pid"])):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed
