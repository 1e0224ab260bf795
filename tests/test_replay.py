"""Replay: the viewer, the plain table, --rerun, and clear errors."""

from __future__ import annotations

import json

from rich.console import Console
from test_battle import Liar, fight, play_out

from cli import main
from game.combat.resolver import EngineResolver
from game.combat.template import block
from game.records.battle import load_battle, save_battle
from game.ui import replay
from game.world.battle import battle_record


def saved(tmp_path, model=None, trust=False):
    b = fight(("goblin", "rat"), model=model if model is not None else Liar())
    play_out(b, trust=trust)
    return save_battle(battle_record(b, seed=7, weights={"name": "liar", "sha256": "00"}), tmp_path)


def test_plain_shows_every_line_of_both_sides_with_the_difference_marked(tmp_path, capsys):
    path = saved(tmp_path)
    save = load_battle(path)
    assert main(["replay", str(path), "--plain", "--width", "150"]) == 0
    out = capsys.readouterr().out
    assert path.name in out and "differs: hero.hp" in out and "model (liar)" in out
    first = save.turns[0]
    rules_hp = block(first["engine"]).split("\n")[2].split()[2]
    model_hp = block(first["model"]).split("\n")[2].split()[2]
    assert f"hero hp [{rules_hp}]" in out and f"hero hp [{model_hp}]" in out  # the hero's line, both sides
    assert f"the model gave you {model_hp} hp, the rules {rules_hp}" in out
    hero_row = block(first["engine"]).split("\n")[2]
    for line in first["engine"].split("\n"):  # every line, the work's too, not only the first
        if line != hero_row:  # (its hp is marked: checked above)
            assert line.split(" st ")[0] in out, line
    assert max(len(line) for line in out.splitlines()) <= 150


def test_plain_is_as_wide_as_asked(tmp_path, capsys):
    path = saved(tmp_path)
    for width in (80, 200):
        assert main(["replay", str(path), "--plain", "--width", str(width)]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert max(len(line) for line in lines) == width  # the table spans the width it has


def test_plain_is_the_default_off_a_terminal(tmp_path, capsys):
    path = saved(tmp_path)
    assert main(["replay", str(path)]) == 0  # pytest's stdout is not a terminal
    assert "hero.hp" in capsys.readouterr().out


def test_rerun_shows_the_new_answer_beside_the_saved_one(tmp_path):
    save = load_battle(saved(tmp_path))
    again = replay.rerun(save, EngineResolver())
    console = Console(record=True, width=200)
    replay.plain(save, again, console)
    text = console.export_text()
    assert "model now" in text
    assert all(not d.startswith("now:") for t, a in zip(save.turns, again, strict=True) for d in replay.differs(t, a))


def test_bad_files_exit_2_with_one_line(tmp_path, capsys):
    for name, text in (("a.json", "{oops"), ("b.json", '{"kind": "pico-rogue battle", "version": 7, "turns": []}'),
                       ("c.json", json.dumps({"prompt": "x"}))):
        (tmp_path / name).write_text(text)
        assert main(["replay", str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
    assert main(["replay", str(tmp_path / "missing.json")]) == 2


async def test_viewer_steps_and_jumps_to_divergences(tmp_path):
    save = load_battle(saved(tmp_path))
    app = replay.ReplayApp(save)
    async with app.run_test(size=(140, 45)) as pilot:
        assert app.index == 0
        await pilot.press("right", "right")
        assert app.index == 2
        await pilot.press("left")
        assert app.index == 1
        await pilot.press("end")
        assert app.index == len(save.turns) - 1
        await pilot.press("home", "n")
        assert save.turns[app.index]["divergences"]
        await pilot.press("r")
        assert app.raw


async def test_viewer_of_an_agreeing_battle(tmp_path):
    save = load_battle(saved(tmp_path, model=EngineResolver()))
    app = replay.ReplayApp(save, replay.rerun(save, EngineResolver()))
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("n")
        assert app.index == 0


def test_a_try_to_flee_is_in_the_replay(tmp_path, capsys):
    """A play-tester's finding: a failed try to flee is no turn of the rules
    (the counter skips it), and replay showed nothing there: turn 6, then
    turn 8, the monster seemingly acting twice."""
    from game.combat.encounter import Action

    for seed in range(40):  # a battle whose first try to flee fails
        b = fight(("goblin", "rat"), model=EngineResolver(), seed=seed)
        b.play(Action("strike", "m1"))
        while not b.over and not b.hero_to_act:
            b.play_monster()
        if b.over:
            continue
        tried = b.encounter.turn
        away, _ = b.flee()
        if not away:
            break
    else:
        raise AssertionError("no seed's try to flee failed")
    play_out(b)
    path = save_battle(battle_record(b, seed=7, weights=None), tmp_path)
    save = load_battle(path)
    numbers = [replay.turn_of(t["prompt"]) for t in save.turns]
    after = next(i for i, n in enumerate(numbers) if n > tried)
    words = f"Turn {tried}: you tried to flee and the way was blocked; the monsters acted."
    assert replay.flights(save, after) == [words]
    assert all(replay.flights(save, i) == [] for i in range(len(save.turns) + 1) if i != after)
    assert main(["replay", str(path), "--plain", "--width", "150"]) == 0
    out = capsys.readouterr().out
    assert out.index(f"#{after}  ") < out.index(words) < out.index(f"#{after + 1}  ")
