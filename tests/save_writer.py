"""A process that saves battles as fast as it can, for the concurrency and
kill -9 tests: `save_writer.py FOLDER STEM COUNT LOG`. Each save carries
this writer's pid and a sequence number; after each save returns, its name
and mark are appended to LOG, so the test can tell a save that was lost or
overwritten from one that was never finished."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from game.records.battle import BATTLE_KIND, BATTLE_VERSION, save_battle  # noqa: E402
from game.records.files import saves_folder  # noqa: E402


def main() -> None:
    folder, stem, count, log = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    saves_folder(folder)  # as play and selfplay start: stale temporary files go
    turn = {"prompt": "p", "engine": "e", "model": None, "model_valid": False, "model_error": None,
            "applied": "engine", "divergences": [], "narration": ["x" * 200] * 20}
    with open(log, "a") as out:
        for i in range(count):
            mark = f"{os.getpid()}-{i}"
            data = {"kind": BATTLE_KIND, "version": BATTLE_VERSION, "template": "v1", "result": "won",
                    "source": mark, "turns": [turn] * 10}
            path = save_battle(data, folder, stem)
            out.write(json.dumps([str(path), mark]) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
