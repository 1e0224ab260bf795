"""limits.py, atomic.py and inert.py: regular files only, caps checked before
reading, lines bounded, writes atomic and exclusive, control characters
shown, never sent."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from game.combat import limits
from game.combat.inert import inert
from game.records import atomic


def test_only_regular_files_within_their_cap_are_read(tmp_path):
    good = tmp_path / "a.json"
    good.write_text("{}")
    assert limits.read_text(good, 10, "battle save") == "{}"
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    with pytest.raises(limits.LimitError, match=r"a link to /dev/zero.*a character device, not a battle save"):
        limits.read_bytes(link, 10, "battle save")
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(limits.LimitError, match="a fifo"):  # and it does not hang waiting for a writer
        limits.read_bytes(fifo, 10, "battle save")
    with pytest.raises(limits.LimitError, match="a folder"):
        limits.read_bytes(tmp_path, 10, "battle save")
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(6 * 2**30)  # sparse: 6 GB that take no disk
    with pytest.raises(limits.LimitError, match="6,442,450,944 bytes, past the 10-byte limit"):
        limits.read_bytes(big, 10, "battle save")
    dangling = tmp_path / "gone.json"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(limits.LimitError, match="which does not exist"):
        limits.read_bytes(dangling, 10, "battle save")
    with pytest.raises(FileNotFoundError):
        limits.read_bytes(tmp_path / "missing.json", 10, "battle save")
    (tmp_path / "latin.txt").write_bytes(b"ok\n\xff")
    with pytest.raises(limits.LimitError, match="not UTF-8 text \\(line 2"):
        limits.read_text(tmp_path / "latin.txt", 10, "content file")


def test_lines_are_capped_and_numbered():
    stream = io.BytesIO(b"one\n" + b"x" * 100 + b"\nthree\r\n\nlast")
    assert list(limits.lines(stream, cap=10)) == [(1, b"one"), (2, None), (3, b"three"), (4, b""), (5, b"last")]
    exact = io.BytesIO(b"x" * 10 + b"\n" + b"y" * 11)
    assert list(limits.lines(exact, cap=10)) == [(1, b"x" * 10), (2, None)]


def test_an_endless_line_costs_a_fixed_amount_of_memory():
    # /dev/zero has no newline: the first None comes after the cap, and the reader never grows
    # VmHWM, this process's own peak (ru_maxrss would carry the forking parent's across exec)
    code = ("from game.combat import limits\n"
            "it = limits.lines(open('/dev/zero', 'rb'), cap=1 << 20)\n"
            "print(next(it))\n"
            "print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout.split()
    assert out[:2] == ["(1,", "None)"] and int(out[2]) < 150_000  # KB


def test_json_limits():
    assert limits.json_loads('{"a": [1, 2.5]}') == {"a": [1, 2.5]}
    for text, says in [("9" * 5000, "5,000 characters"), ("[" * 100_000, "nested too deeply"), ("NaN", "NaN"),
                       ('{"a": -Infinity}', "Infinity")]:
        with pytest.raises(limits.LimitError, match=says):
            limits.json_loads(text)
    with pytest.raises(ValueError):
        limits.json_loads("{broken")


def test_counts_have_ranges():
    parse = limits.count("eval --n")
    assert parse("5") == 5
    for bad in ("0", "-1", "1e8", "100001", "9" * 5000, "five"):
        with pytest.raises(Exception, match="expected a whole number from 1 to 100,000"):
            parse(bad)
    with pytest.raises(limits.LimitError):
        limits.check_count("eval --battles", -1)


def test_atomic_write_replaces_whole_or_not_at_all(tmp_path, monkeypatch):
    path = tmp_path / "run.json"
    atomic.write_json(path, {"v": 1})
    atomic.write_json(path, {"v": 2})
    assert path.read_text() == '{\n "v": 2\n}\n'

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(OSError):
        atomic.write_json(path, {"v": 3})
    assert path.read_text() == '{\n "v": 2\n}\n' and [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_new_names_are_exclusive_and_numbered_after_the_last(tmp_path):
    names = [atomic.create(tmp_path, "battle", b"x").name for _ in range(3)]
    assert names == ["battle-001.json", "battle-002.json", "battle-003.json"]
    (tmp_path / "battle-041.json").write_text("kept")
    assert atomic.create(tmp_path, "battle", b"y").name == "battle-042.json"
    assert (tmp_path / "battle-041.json").read_text() == "kept"


def test_move_aside_keeps_everything(tmp_path):
    run = tmp_path / "run.json"
    run.write_text("damaged")
    (tmp_path / "run-damaged-001.json").write_text("older")
    kept = atomic.move_aside(run, "run-damaged")
    assert kept.name == "run-damaged-002.json" and kept.read_text() == "damaged" and not run.exists()
    assert (tmp_path / "run-damaged-001.json").read_text() == "older"
    run.symlink_to("/dev/zero")  # a link is moved as a link, never followed
    assert atomic.move_aside(run, "run-damaged").readlink() == type(run)("/dev/zero")


def test_stale_temporary_files_of_dead_writers_are_cleaned(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".battle-001.json.tmp-{dead.stdout.strip()}-ab12"
    live = atomic.temporary(tmp_path / "battle-002.json")  # this process: a write in flight
    old = tmp_path / ".x.json.tmp-1-ff"
    for p in (stale, live, old):
        p.write_text("partial")
    os.utime(old, (0, 0))  # whoever wrote it, an hour-old temporary file is left over
    other = tmp_path / "notes.tmp"
    other.write_text("not ours")
    assert sorted(atomic.clean_stale(tmp_path)) == sorted([stale, old])
    assert live.exists() and other.exists()


def test_control_characters_are_shown_not_sent():
    assert inert("hp 5\x1b]0;owned\x07\x1b[2J") == "hp 5\\x1b]0;owned\\x07\\x1b[2J"
    assert inert("a\nb") == "a\nb" and inert("a\nb", lines=False) == "a\\nb"
    assert inert("\u202egnp.exe") == "\\u202egnp.exe" and inert("\x9b31m") == "\\x9b31m"
    assert inert("plain [bold] text ✔") == "plain [bold] text ✔"
