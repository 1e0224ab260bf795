"""Every way out of `play` keeps the run, and nothing is left running: a bad
saves folder or weights are refused before the game starts, one folder
serves one game, and a closed terminal ends the game with its run saved."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from cli import main
from game.records.lock import SavesInUse, lock_saves

ROOT = Path(__file__).resolve().parent.parent


def test_a_file_as_saves_is_refused_before_play(tmp_path, capsys):
    (tmp_path / "f").write_text("")
    assert main(["play", "--saves", str(tmp_path / "f")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_missing_weights_are_refused_before_play(tmp_path, capsys):
    assert main(["play", "--saves", str(tmp_path), "--weights", str(tmp_path / "nope.safetensors")]) == 2
    assert "nope.safetensors: no such file" in capsys.readouterr().err


def test_one_saves_folder_one_game(tmp_path, capsys):
    held = lock_saves(tmp_path)
    try:
        with pytest.raises(SavesInUse, match=f"in use by another game \\(pid {os.getpid()}\\)"):
            lock_saves(tmp_path)
        assert main(["play", "--saves", str(tmp_path)]) == 2
        assert "--saves OTHER_FOLDER" in capsys.readouterr().err
    finally:
        held.release()
    lock_saves(tmp_path).release()  # free again once the first game is gone


@pytest.mark.slow
def test_a_closed_terminal_under_make_ends_the_game_and_keeps_the_run(tmp_path):
    """`make play` is the terminal's process, not the game: closing the
    terminal signals make alone, and the game's terminal just goes dead
    (it once ran on for 80 minutes at 70 % of a core)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    parent = ("import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))")  # stands in for make
    env = dict(os.environ, TERM="xterm-256color")
    proc = subprocess.Popen(
        [sys.executable, "-c", parent, sys.executable, "-m", "cli", "play", "--saves", str(tmp_path), "--seed", "3",
         "--class", "knight"],
        stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env, start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
    os.close(slave)
    seen = bytearray()
    stop = threading.Event()

    def drain() -> None:
        # never blocked in read() when the test closes the master: a read in
        # flight holds the file open, and the terminal would not really close
        while not stop.is_set():
            if not select.select([master], [], [], 0.1)[0]:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            seen.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while b"Floor 1" not in seen and time.monotonic() < deadline:
            time.sleep(0.2)
        assert b"Floor 1" in seen, "the game never drew the dungeon"
        os.write(master, b"l")
        time.sleep(0.5)
        game = int((tmp_path / ".lock").read_text())
    finally:
        stop.set()
        reader.join()
        os.close(master)  # the terminal window closes
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(game, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.kill(game, 9)
        raise AssertionError("the game outlived its terminal")
    saved = json.loads((tmp_path / "run.json").read_text())
    assert saved["seed"] == 3 and saved["moves"] >= 1
