"""Run records: what is left of a run when it ends, in death or victory.

Under the saves folder the game writes

    runs/run-s<seed>-NNN.json   the run's record: seed, result, floors, kills,
                                cause of death, the model's agreement and a
                                summary of every battle (with its saved file)
    runs/run-s<seed>-NNN.txt    the morgue file: the same for a person to
                                read, with the run's last messages
    scores.json                 the high-score table, best first

A record's name is taken exclusively (two games never write the same one)
and every file is written whole or not at all (temporary file, then rename).
`load` reads a record back from its JSON or from its morgue file.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from game.combat import limits
from game.records import atomic
from game.records.formats import SAVES
from game.world.run import Run

RECORD_KIND = "pico-rogue run record"
RECORD_VERSION = 1
SCORES_KIND = "pico-rogue scores"
SCORES_VERSION = 1
SCORES_FILE = "scores.json"
SCORES_KEEP = 50
RUNS = "runs"
LAST_MESSAGES = 30


class RecordError(ValueError):
    """A file that is not a run record this game can read; one clear line."""


def score(run: Run) -> int:
    """Depth counts most, then kills and experience; a victory beats any death."""
    return 100 * run.deepest + 10 * run.kills + run.xp + (1000 if run.victory else 0)


def record(run: Run, *, weights: dict | None, source: str = "play") -> dict:
    """The run as its record holds it (see the module's docstring)."""
    fights = run.fights
    return {
        "kind": RECORD_KIND,
        "version": RECORD_VERSION,
        "seed": run.seed,
        "source": source,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "weights": weights,
        "result": "won" if run.victory else "died" if run.cause else "unfinished",
        "cause": run.cause,
        "depth": run.depth,
        "deepest": run.deepest,
        "floors": run.floors,
        "level": run.level,
        "xp": run.xp,
        "kills": run.kills,
        "moves": run.moves,
        "score": score(run),
        "agreement": {"agreed": run.tally.agreed, "asked": run.tally.asked},
        "turns": sum(f["turns"] for f in fights),
        "driven": sum(f["driven"] for f in fights),
        "diverged": [f["n"] for f in fights if f["divergent"]],
        "battles": fights,
    }


def morgue_text(rec: dict, log: list[str]) -> str:
    """The morgue file: the record in words, then the last messages."""
    agreement = rec["agreement"]
    asked = agreement["asked"]
    model = rec["weights"]["name"] if rec.get("weights") else "none"
    share = f" ({100 * agreement['agreed'] / asked:.1f}%)" if asked else ""
    end = ("Slew the dragon and conquered the dungeon." if rec["result"] == "won"
           else f"{rec['cause'][0].upper()}{rec['cause'][1:]}." if rec["cause"] else "The run did not end.")
    lines = [
        f"pico-rogue morgue: seed {rec['seed']} ({rec['source']}, {rec['created']})",
        "",
        end,
        f"Deepest floor {rec['deepest']} of {rec['floors']}; level {rec['level']} ({rec['xp']} xp); "
        f"{rec['kills']} kills; {rec['moves']} moves; score {rec['score']}.",
        f"Model: {model}; it agreed with the rules on {agreement['agreed']} of {asked} turns{share}; "
        f"its state drove {rec['driven']} of {rec['turns']} turns.",
        "",
        "Floors:",
    ]
    for depth in range(1, rec["deepest"] + 1):
        here = [b for b in rec["battles"] if b["depth"] == depth]
        lines.append(f"  {depth}: {len(here)} battles, {sum(b.get('killed', 0) for b in here)} kills"
                     + (f", fled {sum(b['result'] == 'fled' for b in here)}" if any(b["result"] == "fled" for b in here) else ""))
    lines += ["", "Battles:", "    #  floor  result  turns  divergent turns  monsters"]
    for b in rec["battles"]:
        diverged = ",".join(map(str, b["divergent"])) or "-"
        lines.append(f"  {b['n']:>3}  {b['depth']:>5}  {b['result']:<6}  {b['turns']:>5}  {diverged:<15}  "
                     f"{', '.join(b['monsters'])}")
        if b.get("file"):
            lines.append(f"       {b['file']}")
    diverged = ", ".join(map(str, rec["diverged"])) or "none"
    lines += ["", f"Battles where the model and the rules differed: {diverged}", "", "Last messages:"]
    lines += [f"  {line}" for line in log[-LAST_MESSAGES:]]
    return "\n".join(lines) + "\n"


def write(run: Run, folder: Path | None = None, *, weights: dict | None = None, source: str = "play") -> Path:
    """Write the run's record and morgue file and enter it in the high
    scores; returns the record's path."""
    folder = Path(folder) if folder else SAVES
    rec = record(run, weights=weights, source=source)
    path = _claim(folder / RUNS, f"run-s{run.seed}", rec)
    write_text_atomic(path.with_suffix(".txt"), morgue_text(rec, run.log))
    enter_score(folder, rec, path)
    return path


def _claim(folder: Path, stem: str, data: dict) -> Path:
    """Write `data` under the first free name stem-NNN.json, never over another's."""
    return atomic.create(folder, stem, (json.dumps(data, indent=1) + "\n").encode())


def write_text_atomic(path: Path, text: str) -> Path:
    return atomic.write_bytes(path, text.encode())


def _read(path: Path, what: str):
    """A JSON file within the limit for run records (limits.py)."""
    return limits.json_loads(limits.read_text(path, limits.RUN_BYTES, what))


# --- the high-score table ----------------------------------------------------


def scores(folder: Path | None = None) -> list[dict]:
    """The high-score table, best first ([] when there is none yet)."""
    path = (Path(folder) if folder else SAVES) / SCORES_FILE
    try:
        data = _read(path, "high-score table")
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise RecordError(f"{path}: not a high-score table ({exc})") from None
    if not isinstance(data, dict) or data.get("kind") != SCORES_KIND or not isinstance(data.get("runs"), list):
        raise RecordError(f"{path}: not a high-score table (no \"kind\": \"{SCORES_KIND}\")")
    return data["runs"]


def enter_score(folder: Path, rec: dict, path: Path) -> list[dict]:
    """Add a finished run to the table (a damaged table is kept aside, not lost)."""
    table_path = folder / SCORES_FILE
    try:
        table = scores(folder)
    except RecordError:
        table_path.replace(table_path.with_suffix(f".damaged-{time.strftime('%Y%m%d-%H%M%S')}.json"))
        table = []
    entry = {k: rec[k] for k in ("seed", "score", "result", "cause", "deepest", "level", "kills", "created", "source")}
    entry["agreement"] = rec["agreement"]
    entry["record"] = str(path.relative_to(folder))
    table = sorted([*table, entry], key=lambda e: (-e["score"], e["created"]))[:SCORES_KEEP]
    atomic.write_json(table_path, {"kind": SCORES_KIND, "version": SCORES_VERSION, "runs": table})
    return table


# --- reading records back ----------------------------------------------------


def load(path: Path) -> tuple[Path, dict]:
    """A run record from its JSON or its morgue file: (the JSON's path, the record)."""
    path = Path(path)
    if path.suffix == ".txt":
        path = path.with_suffix(".json")
        if not path.exists():
            raise RecordError(f"{path.with_suffix('.txt')}: its record {path.name} is missing")
    try:
        data = _read(path, "run record")
    except FileNotFoundError:
        raise RecordError(f"{path}: no such file") from None
    except limits.LimitError as exc:
        raise RecordError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordError(f"{path}: cannot read it ({exc})") from None
    except json.JSONDecodeError as exc:
        raise RecordError(f"{path}: not a run record (not valid JSON: {exc.msg} at line {exc.lineno})") from None
    if not is_record(data):
        raise RecordError(f"{path}: not a run record (no \"kind\": \"{RECORD_KIND}\")")
    if data.get("version") != RECORD_VERSION:
        raise RecordError(f"{path}: run record version {data.get('version')!r}, this game reads {RECORD_VERSION}")
    battles = data.get("battles")
    if not isinstance(battles, list) or not all(isinstance(b, dict) and {"n", "depth", "result", "turns", "divergent"}
                                                <= set(b) for b in battles):
        raise RecordError(f"{path}: run record without a list of battles")
    return path, data


def is_record(data: object) -> bool:
    return isinstance(data, dict) and data.get("kind") == RECORD_KIND


def names_a_run(path: Path) -> bool:
    """Whether `path` is a morgue file or a run record (rather than a battle)."""
    path = Path(path)
    if path.suffix == ".txt":
        return True
    try:
        return is_record(_read(path, "run record"))
    except (OSError, ValueError):
        return False


def records(folder: Path | None = None) -> list[tuple[Path, dict]]:
    """Every readable run record under the saves folder, newest first
    (unreadable ones are skipped: `runs` lists what it can)."""
    out = []
    for path in sorted(((Path(folder) if folder else SAVES) / RUNS).glob("run-*.json")):
        try:
            out.append(load(path))
        except RecordError:
            continue
    return sorted(out, key=lambda pr: (pr[1].get("created", ""), str(pr[0])), reverse=True)
