"""The saves folder as a game holds it: checked before the game starts, and
locked so two games never write one folder's run over each other."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from game.records.files import RecordError, saves_folder

LOCK_FILE = ".lock"


class SavesInUse(Exception):
    """The saves folder cannot be used: one clear line for the player."""


def check_saves(folder: Path | None) -> Path:
    """The folder to save in, made if missing; SavesInUse if it cannot be
    (a file, a device, a dangling link, no permission), so a bad --saves is
    refused before play starts. files.saves_folder checks it."""
    try:
        return saves_folder(folder)
    except RecordError as exc:
        raise SavesInUse(f"--saves {exc}") from None


class SavesLock:
    """An exclusive lock on a saves folder for as long as the game runs; the
    system drops it when the process ends, however it ends."""

    def __init__(self, fd: int):
        self.fd = fd

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def lock_saves(folder: Path) -> SavesLock:
    path = Path(folder) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise SavesInUse(f"--saves {folder}: cannot make the lock file ({exc.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
        os.close(fd)
        who = f" (pid {holder})" if holder.isdigit() else ""
        raise SavesInUse(f"{folder} is in use by another game{who}: quit that one first, "
                         "or play with --saves OTHER_FOLDER") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return SavesLock(fd)
