"""Nothing lost: battle saves under several writers at once, and under
kill -9. Each writer logs a save's name and mark once `save_battle`
returned; a logged save must exist with its own mark (not overwritten),
every file in the folder must be a whole save, and no temporary file may
outlive the next start."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from game.records.battle import load_battle
from game.records.files import saves_folder

WRITER = Path(__file__).with_name("save_writer.py")


def _start(folder: Path, stem: str, count: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WRITER), str(folder), stem, str(count), str(log)])


def _logged(logs: list[Path]) -> list[tuple[str, str]]:
    out = []
    for log in logs:
        if log.exists():
            for line in log.read_text().splitlines():
                try:
                    out.append(tuple(json.loads(line)))
                except json.JSONDecodeError:
                    pass  # the line a killed writer was writing: its save is counted from the folder
    return out


def _check(folder: Path, logged: list[tuple[str, str]]) -> dict:
    files = sorted(folder.glob("*.json"))
    marks = {}
    for f in files:
        marks[str(f)] = load_battle(f).data["source"]  # every file a whole save: raises otherwise
    lost = [(p, m) for p, m in logged if marks.get(p) != m]
    return {"files": len(files), "logged": len(logged), "lost": lost, "names": len({p for p, _ in logged})}


def _concurrent(tmp_path: Path, writers: int, each: int) -> None:
    folder, logs = tmp_path / "saves", [tmp_path / f"w{k}.log" for k in range(writers)]
    procs = [_start(folder, "battle-s1-f1", each, log) for log in logs]
    assert all(p.wait(timeout=600) == 0 for p in procs)
    result = _check(folder, _logged(logs))
    assert result == {"files": writers * each, "logged": writers * each, "lost": [], "names": writers * each}
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_four_writers_under_one_stem_lose_nothing(tmp_path):
    _concurrent(tmp_path, 4, 40)


@pytest.mark.slow
def test_four_writers_saving_300_each_leave_1200_files(tmp_path):
    _concurrent(tmp_path, 4, 300)


def _kill_nine(tmp_path: Path, kills: int) -> dict:
    folder = tmp_path / "saves"
    rng = random.Random(12)
    logs: list[Path] = []

    def start() -> subprocess.Popen:
        logs.append(tmp_path / f"w{len(logs)}.log")
        return _start(folder, "battle", 10**9, logs[-1])

    procs = [start() for _ in range(4)]
    deadline = time.monotonic() + 120  # the writers are saving (they start slowly on a busy machine)
    while len(_logged(logs)) < 8 and time.monotonic() < deadline:
        time.sleep(0.1)
    for _ in range(kills):
        time.sleep(rng.uniform(0.05, 0.3))
        k = rng.randrange(len(procs))
        procs[k].send_signal(signal.SIGKILL)
        procs[k].wait()
        procs[k] = start()
    time.sleep(1.0)
    for p in procs:
        p.send_signal(signal.SIGKILL)
        p.wait()
    saves_folder(folder)  # the next start: temporary files of the dead go
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]
    result = _check(folder, _logged(logs))
    # a save may be finished by a writer killed before it logged it: at most one per kill
    assert result["logged"] <= result["files"] <= result["logged"] + kills + 4
    assert result["lost"] == [] and result["names"] == result["logged"]
    assert result["logged"] >= 8  # the writers did save
    return result


def test_kill_nine_loses_no_save(tmp_path):
    _kill_nine(tmp_path, 4)


@pytest.mark.slow
def test_four_writers_twenty_kill_nines_lose_no_save(tmp_path):
    result = _kill_nine(tmp_path, 20)
    print(f"kill -9 x20, 4 writers: {result['files']} files, {result['logged']} logged, {len(result['lost'])} lost")
