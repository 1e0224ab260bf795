"""Every reproduction of issue 12 (saves, runs, data, streams, settings, the
command line), run as a hostile user ran it: the real command, a clear
one-line error or a valid answer, never an internal error or a hang, and
peak memory well under 300 MB. (Weights files and content names are
checked in their own tests.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from game.combat.encounter import Action
from game.combat.resolver import EngineResolver
from game.records.battle import save_battle
from game.records.examples import EXAMPLE_VERSION
from game.records.run import find_run, run_path
from game.world import roster
from game.world.battle import Battle, battle_record
from game.world.generate import transitions

BIN = Path(sys.executable).parent / "pico-rogue"
# the installed script; PICO_CLI_FORM=module runs every case as `python -m cli`
# (tests/test_command_forms.py runs this whole file that way too)
MODULE = [sys.executable, "-m", "cli"]
CLI = MODULE if os.environ.get("PICO_CLI_FORM") == "module" or not BIN.exists() else [str(BIN)]
PEAK_MB = 300


def cli(*args: str, stdin: bytes | str | None = None, timeout: float = 120, env: dict | None = None,
        cwd: Path | None = None) -> tuple[int, str, str, float]:
    """Run the real command under /usr/bin/time; (exit code, stdout, stderr,
    peak RSS in MB). Not the rusage of our own child: Linux carries a
    forked child's high-water mark across exec, so a child of this big test
    process would report this process's memory as its own."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        timed = ["/usr/bin/time", "-f", "%M", "-o", str(peak_file)] if Path("/usr/bin/time").exists() else []
        try:
            p = subprocess.run([*timed, *CLI, *args], input=stdin.encode() if isinstance(stdin, str) else stdin,
                               capture_output=True, timeout=timeout, env={**os.environ, **(env or {})}, cwd=cwd)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{' '.join(args)}: still running after {timeout} s")
        lines = peak_file.read_text().split() if timed and peak_file.exists() else []
        peak = int(lines[-1]) / 1024 if lines else 0.0
        return p.returncode, p.stdout.decode(), p.stderr.decode(), peak


def in_process(capsys, *args: str) -> tuple[int, str]:
    """The command line run in this process (cheaper than a new one that imports torch again)."""
    from cli import main

    try:
        code = main(list(args))
    except SystemExit as exit_:
        code = exit_.code
    return code, capsys.readouterr().err


def one_clear_line(code: int, err: str, *says: str) -> None:
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("pico-rogue") and "Traceback" not in err and "internal error" not in err, err
    for s in says:
        assert s in err, err


def a_save(folder: Path, **changes) -> Path:
    b = Battle(roster.encounter(roster.hero_at(2), ["rat"]), model=EngineResolver(), seed=5)
    while not b.over:
        b.play(Action("strike", "m1")) if b.hero_to_act else b.play_monster()
    data = battle_record(b, seed=1, weights={"name": "w", "sha256": "00"})
    data.update(changes)
    return save_battle(data, folder)


# --- unbounded reads ------------------------------------------------------------------


@pytest.mark.parametrize("command", [["replay", "--plain"], ["eval", "--data"]])
def test_a_save_or_data_that_is_a_link_to_dev_zero_is_refused_before_reading(tmp_path, command):
    link = tmp_path / "battle.json"
    link.symlink_to("/dev/zero")
    code, _, err, peak = cli(*command, str(link), timeout=60)
    one_clear_line(code, err, "a link to /dev/zero", "a character device")
    assert peak < PEAK_MB


def test_a_huge_save_is_refused_by_its_size(tmp_path):
    huge = tmp_path / "battle.json"
    with open(huge, "wb") as f:
        f.truncate(6 * 2**30)  # sparse
    code, _, err, peak = cli("replay", "--plain", str(huge))
    one_clear_line(code, err, "past the 33,554,432-byte limit")
    assert peak < PEAK_MB


def test_a_save_of_100000_turns_is_refused_at_once(tmp_path):
    turn = {"prompt": "p", "engine": "e", "model": None, "model_valid": False, "model_error": None,
            "applied": "engine", "divergences": []}
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"kind": "pico-rogue battle", "version": 1, "template": "v1", "result": "won",
                                "turns": [turn] * 100_000}))
    start = time.monotonic()
    code, _, err, peak = cli("replay", "--plain", str(path))
    one_clear_line(code, err, "100,000 turns, past the limit of 10,000")
    assert time.monotonic() - start < 30 and peak < PEAK_MB


def test_resolve_reading_dev_zero_answers_line_1_and_stays_small():
    with open("/dev/zero", "rb") as zero:
        p = subprocess.Popen([*CLI, "resolve", "--engine"], stdin=zero, stdout=subprocess.PIPE)
        first = json.loads(p.stdout.readline())
        time.sleep(2)  # it keeps discarding the endless line
        rss = int(next(line for line in Path(f"/proc/{p.pid}/status").read_text().splitlines()
                       if line.startswith("VmRSS")).split()[1]) / 1024
        p.kill()
        p.wait()
    assert first == {"error": "line 1: longer than 1,048,576 bytes (the line cap); skipped", "line": 1}
    assert rss < PEAK_MB


# --- one bad line never ends resolve ---------------------------------------------------------


def test_resolve_answers_every_line_after_hostile_ones(tmp_path):
    good = next(transitions(1, 3))
    lines = [
        json.dumps({"prompt": good["prompt"].replace("turn ", "turn " + "9" * 3500, 1)}).encode(),  # a 3,500-digit number
        b'{"prompt": ' + b"9" * 5000 + b"}",  # a 5,000-digit JSON integer
        b"[" * 100_000,  # nested 100,000 deep
        b'{"prompt": "v1 \xff\xfe turn"}',  # not UTF-8
        b"x" * (3 * 2**20),  # a 3 MB line
        b'{"prompt": "' + b"a" * 10_000 + b'"}',
        json.dumps({"prompt": good["prompt"]}).encode(),
    ]
    env = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0", "PYTHONIOENCODING": "ascii:strict"}
    code, out, err, peak = cli("resolve", "--engine", stdin=b"\n".join(lines) + b"\n", env=env)
    answers = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and err == "" and peak < PEAK_MB
    assert len(answers) == len(lines)
    assert answers[-1] == {"next": good["target"]}
    for n, a in enumerate(answers[:-1], 1):
        assert a["line"] == n and a["error"].startswith(f"line {n}: ") and "internal" not in a["error"], a
    assert "a number of 3,50" in answers[0]["error"] and "digits is outside 1..999" in answers[0]["error"]
    assert "5,000 characters" in answers[1]["error"]
    assert "nested too deeply" in answers[2]["error"] and "not UTF-8" in answers[3]["error"]
    assert "line cap" in answers[4]["error"] and "10,000 characters" in answers[5]["error"]


# --- saves trusted too much -----------------------------------------------------------------------

def each_turn(**fields):
    return lambda d: [t.update(fields) for t in d["turns"]]


WRONG_TYPES = {
    "model": (each_turn(model=5), "turn 1, 'model'"),
    "applied": (each_turn(applied=["engine"]), "turn 1, 'applied'"),
    "divergences": (each_turn(divergences="hp"), "turn 1, 'divergences'"),
    "narration": (each_turn(narration=[{"x": 1}]), "turn 1, 'narration[0]'"),
    "monsters": (lambda d: d.update(monsters="rat"), "'monsters'"),
    "weights": (lambda d: d.update(weights="pico"), "'weights'"),
    "agreement": (lambda d: d.update(agreement={"agreed": "all", "asked": 3}), "'agreement.agreed'"),
    "turns": (lambda d: d.update(turns={"1": {}}), "'turns'"),
    "version": (lambda d: d.update(version=True), "battle save version True"),
}


@pytest.mark.parametrize("change, says", WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_wrong_types_in_a_save_are_refused_naming_the_field(tmp_path, change, says):
    path = a_save(tmp_path)
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    code, _, err, _ = cli("replay", "--plain", str(path))
    one_clear_line(code, err, str(path), says)


def test_escape_sequences_in_a_save_never_reach_the_terminal(tmp_path):
    evil = "\x1b]0;owned\x07\x1b[2J[/]"
    path = a_save(tmp_path, monsters=[evil], weights={"name": evil, "sha256": evil}, template=evil)
    data = json.loads(path.read_text())
    data["turns"][0].update(model=evil + "\nhp 1", model_error=evil, divergences=[evil], narration=[evil])
    data["turns"][0]["prompt"] = evil + data["turns"][0]["prompt"]
    path.write_text(json.dumps(data))
    code, out, err, _ = cli("replay", "--plain", str(path))
    assert code == 0, err
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;owned" in out  # shown, escaped


def test_a_bad_path_name_is_shown_escaped_in_the_error(tmp_path):
    code, _, err, _ = cli("replay", str(tmp_path / "\x1b[2Jgone.json"))
    one_clear_line(code, err, "\\x1b[2Jgone.json", "no such file")


# --- training data poisoning ---------------------------------------------------------------------------


def _poisoned(tmp_path: Path) -> Path:
    records_ = list(transitions(6, 9))
    data = tmp_path / "poison.jsonl"
    rows = [
        records_[0],
        {**records_[1], "target": records_[1]["target"] + " <eos>"},  # a literal <eos>
        {**records_[2], "target": "tick +0 hit 99\nturn 1 next hero"},  # garbage
        {**records_[3], "target": records_[4]["target"]},  # parses, but the rules say otherwise
        {**records_[5], "prompt": records_[5]["prompt"].replace("hero knight", "hero wizard")},  # a bad prompt
        {**records_[0], "version": EXAMPLE_VERSION + 1},  # a newer format
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows) + "not json\n")
    return data


def _summary_of_poison(err: str, data: Path) -> None:
    summary = next(line for line in err.splitlines() if "--data: kept" in line)
    assert "kept 1 examples from 1 file; skipped 6" in summary
    first_bad_target = summary.split("targets that do not parse (first: ")[1]
    assert first_bad_target.startswith(f"{data} line 2: line ") and "'<eos>'" in first_bad_target  # file and line
    assert "possible poisoning" in summary and f"{data} line 4" in summary
    assert f"{data} line 5: line 2 (hero): the hero is a knight" in summary
    assert f"{data} line 6: 'version'" in summary


def test_eval_data_refuses_garbage_and_eos_targets_and_reports_what_it_kept(tmp_path, capsys, tiny_model, one_thread):
    from cli import main

    data = _poisoned(tmp_path)
    code = main(["eval", "--data", str(data), "--battles", "0", "--runs", "0", "--edges", "0", "--json",
                 "--weights", str(tiny_model.path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    _summary_of_poison(err, data)
    assert json.loads(out)["n"] == 1


@pytest.mark.slow
def test_train_data_refuses_garbage_and_eos_targets_before_a_step(tmp_path):
    data = _poisoned(tmp_path)
    out = tmp_path / "w.safetensors"
    code, _, err, _ = cli("train", "--preset", "quick", "--steps", "1", "--data", str(data), "--out", str(out), "--quiet",
                          timeout=300)
    assert code == 0, err
    _summary_of_poison(err, data)


def test_train_data_of_nothing_but_garbage_is_one_clear_line(tmp_path, capsys):
    data = tmp_path / "bad.jsonl"
    data.write_text(json.dumps({"prompt": "v1 turn 1", "target": "<eos>"}) + "\n")
    code, err = in_process(capsys, "train", "--preset", "quick", "--steps", "1", "--data", str(data),
                           "--out", str(tmp_path / "w"))
    one_clear_line(code, err, str(data), "no usable examples", "line 1")


def test_battle_saves_of_another_version_are_skipped_with_a_reason(tmp_path, capsys):
    from model.training.data import read_examples

    a_save(tmp_path)
    other = a_save(tmp_path, version=2)
    vetted = read_examples([tmp_path])
    assert vetted.files == 2 and len(vetted.kept) > 0
    err = vetted.summary()
    assert f"{other}: battle save version 2, this game reads version 1" in err


# --- settings ---------------------------------------------------------------------------------------------

SETTINGS = {
    "batch=0": (["--set", "batch=0"], "batch=0: must be from 1 to 4,096"),
    "batch=100000": (["--set", "batch=100000"], "batch=100000: must be from 1 to 4,096"),
    "n_head=3": (["--set", "n_head=3"], "d_model=128: must be a multiple of n_head (3)"),
    "d_model=7": (["--set", "d_model=7"], "d_model=7: must be a multiple of n_head (4)"),
    "n_layer=65": (["--set", "n_layer=65"], "n_layer=65: must be a whole number from 1 to 64"),
    "lr=nan": (["--set", "lr=nan"], "lr=nan: must be a finite number"),
    "lr=inf": (["--set", "lr=inf"], "lr=inf: must be a finite number"),
    "eval_every=0": (["--set", "eval_every=0"], "eval_every=0"),
    "n_layer=0": (["--set", "n_layer=0"], "n_layer=0"),
    "saved_share=2": (["--set", "saved_share=2"], "saved_share=2.0: must be from 0 to 1"),
    "warmup=-10": (["--set", "warmup=-10"], "warmup=-10"),
    "steps=1e3": (["--set", "steps=1e3"], "'1e3' is not a whole number"),
    "--minutes 0": (["--minutes", "0"], "--minutes 0.0: must be more than 0"),
    "--minutes nan": (["--minutes", "nan"], "--minutes nan"),
    "--workers -1": (["--workers", "-1"], "--workers: expected a whole number from 0 to 64"),
    "--steps 0": (["--steps", "0"], "--steps: expected a whole number from 1"),
}


@pytest.mark.parametrize("argv, says", SETTINGS.values(), ids=SETTINGS.keys())
def test_training_settings_are_checked_before_anything_is_built(tmp_path, capsys, argv, says):
    out = tmp_path / "w.safetensors"
    code, err = in_process(capsys, "train", "--preset", "quick", *argv, "--out", str(out))
    one_clear_line(code, err, says)
    assert not out.exists()


@pytest.mark.slow
def test_a_bad_setting_costs_no_more_than_the_command_start(tmp_path):
    code, _, err, peak = cli("train", "--preset", "quick", "--set", "batch=100000", "--out", str(tmp_path / "w"))
    one_clear_line(code, err, "batch=100000")
    assert peak < PEAK_MB


COUNTS = {
    "eval --n 0": (["eval", "--n", "0"], "--n: expected a whole number from 1"),
    "eval --battles -1": (["eval", "--battles", "-1"], "--battles: expected a whole number from 0"),
    "bench --n 0": (["bench", "--n", "0"], "--n: expected a whole number from 1"),
    "bench --n 1e8": (["bench", "--n", "1e8"], "'1e8'"),
    "eval --n 100000000": (["eval", "--n", "100000000"], "from 1 to 100,000"),
    "selfplay --battles -1": (["selfplay", "--battles", "-1"], "--battles"),
    "serve --max-games 0": (["serve", "--max-games", "0"], "--max-games: expected a whole number from 1 to 64"),
}


@pytest.mark.parametrize("argv, says", COUNTS.values(), ids=COUNTS.keys())
def test_counts_out_of_range_are_one_clear_line(capsys, argv, says):
    code, err = in_process(capsys, *argv)
    one_clear_line(code, err, says)


# --- errors the command line names -----------------------------------------------------------------------


def test_a_full_disk_is_named(tmp_path):
    code, _, err, _ = cli("generate", "--n", "2000", "--out", "/dev/full")
    one_clear_line(code, err, "/dev/full: no space left on device")
    with open("/dev/full", "w") as full:  # stdout on a full disk
        p = subprocess.run([*CLI, "generate", "--n", "2000"], stdout=full, stderr=subprocess.PIPE, text=True)
    one_clear_line(p.returncode, p.stderr, "<stdout>: no space left on device")


@pytest.mark.parametrize("bad", ["file", "/dev/null", "dangling"])
@pytest.mark.parametrize("command", ["selfplay", "play"])
def test_a_bad_saves_folder_is_refused_at_start(tmp_path, bad, command):
    if bad == "file":
        path = tmp_path / "a-file"
        path.write_text("x")
    elif bad == "dangling":
        path = tmp_path / "link"
        path.symlink_to(tmp_path / "nowhere")
    else:
        path = Path(bad)
    extra = ["--battles", "1", "--engine-only"] if command == "selfplay" else []
    code, _, err, _ = cli(command, "--saves", str(path), *extra, timeout=60)
    one_clear_line(code, err, str(path))
    assert "not a folder" in err or "does not exist" in err


def test_stale_temporary_files_are_cleaned_at_start(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".selfplay-s1-b0000.json.tmp-{dead.stdout.strip()}-00ff"
    stale.write_text("{half a save")
    code, _, err, _ = cli("selfplay", "--battles", "1", "--engine-only", "--saves", str(tmp_path))
    assert code == 0, err
    assert not stale.exists() and len(list(tmp_path.glob("selfplay-*.json"))) == 1


# --- runs that cannot be loaded: kept aside, never deleted ---------------------------------------------------

DAMAGED_RUNS = {
    "version 4": (lambda d: d.update(version=4), "suspended run version 4, this game reads versions 1, 2 and 3"),
    "version true": (lambda d: d.update(version=True), "suspended run version True"),
    "no tiles": (lambda d: d["floor"].update(tiles=[]), "'floor.tiles'"),
    "ragged tiles": (lambda d: d["floor"]["tiles"].__setitem__(2, "#"), "rows of different lengths"),
    "off the map": (lambda d: d.update(pos=[500, 3]), "'pos' (500, 3) is off the"),
    "unknown monster": (lambda d: d["floor"]["monsters"][0].__setitem__(1, "balrog"), "unknown monster 'balrog'"),
    "a bad rng": (lambda d: d.update(rng=[3, [1, 2], None]), "'rng"),
    "log of numbers": (lambda d: d.update(log=[1, 2]), "'log[0]'"),
}


def _run_file(folder: Path, change) -> Path:
    from game.world.run import Run, suspend

    run = Run.new(5)
    path = suspend(run, folder)
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("change, says", DAMAGED_RUNS.values(), ids=DAMAGED_RUNS.keys())
def test_a_run_that_cannot_be_loaded_is_moved_aside_and_reported(tmp_path, change, says):
    path = _run_file(tmp_path, change)
    before = path.read_bytes()
    found = find_run(tmp_path)
    assert found.data is None and says in found.damaged, found.damaged
    assert not path.exists() and found.kept.read_bytes() == before and found.kept.name == "run-damaged-001.json"


def test_run_json_that_is_a_link_to_dev_zero_is_kept_aside(tmp_path):
    run_path(tmp_path).symlink_to("/dev/zero")
    found = find_run(tmp_path)
    assert "a character device" in found.damaged and found.kept.is_symlink()


async def test_the_game_starts_anew_and_says_where_the_damaged_run_is(tmp_path):
    from game.ui.app import PicoRogueApp
    from game.ui.screens.dungeon import DungeonScreen
    from game.world.model_side import model_side

    path = _run_file(tmp_path, lambda d: d["floor"].update(tiles=[]))  # an IndexError in see_from, once
    side = model_side(EngineResolver())
    app = PicoRogueApp(seed=3, saves=tmp_path, model_loader=lambda: side, turn_pause=0, hero_class="knight")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DungeonScreen) and app.game.seed == 3
        shown = [n.message for n in app._notifications]
        assert any("cannot be continued" in m and "run-damaged-001.json" in m for m in shown), shown
        await pilot.press("q", "q")
    assert (tmp_path / "run-damaged-001.json").exists() and not path.read_text().count('"tiles": []')
