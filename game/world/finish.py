"""What a run leaves when it ends: its record (declared in
game/records/finished.py), filled in from the run, and its score. Writing it
(record, morgue file, high scores) is the persistence layer's."""

from __future__ import annotations

import time
from pathlib import Path

from game.records import finished
from game.records.battle import Agreement, content_record
from game.records.fields import written
from game.world.run import Run


def score(run: Run) -> int:
    """Depth counts most, then kills and experience; a victory beats any
    death; then what trusting the model won or lost (battle.Turn.stake)."""
    return max(0, 100 * run.deepest + 10 * run.kills + run.xp + (1000 if run.victory else 0) + run.stakes)


def record(run: Run, *, weights: dict | None, source: str = "play") -> dict:
    """The run as its record holds it."""
    fights = run.fights
    return written(
        finished.FinishedRecord,
        kind=finished.RECORD_KIND,
        version=finished.RECORD_VERSION,
        seed=run.seed,
        source=source,
        created=time.strftime("%Y-%m-%dT%H:%M:%S"),
        weights=weights,
        result="won" if run.victory else "died" if run.cause else "unfinished",
        cause=run.cause,
        depth=run.depth,
        deepest=run.deepest,
        floors=run.floors,
        level=run.level,
        xp=run.xp,
        kills=run.kills,
        moves=run.moves,
        score=score(run),
        agreement=written(Agreement, agreed=run.tally.agreed, asked=run.tally.asked),
        turns=sum(f["turns"] for f in fights),
        driven=sum(f["driven"] for f in fights),
        diverged=[f["n"] for f in fights if f["divergent"]],
        battles=fights,
        content=content_record(run.content),
        hero_class=run.hero_class,
    )


def write(run: Run, folder: Path | None = None, *, weights: dict | None = None, source: str = "play") -> Path:
    """Write the run's record and morgue file and enter it in the high
    scores; returns the record's path."""
    return finished.write(record(run, weights=weights, source=source), run.log, folder)
