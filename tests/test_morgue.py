"""Run records: the morgue file, the high-score table, `runs` and the
replay of a run's battles."""

from __future__ import annotations

import json

import pytest
from test_autoplay import LateByOne

from cli import main
from game.records import finished, scores
from game.records.battle import load_battle, save_battle
from game.records.morgue import differed, morgue_text
from game.ui.screens.end import render_game_over
from game.world import autoplay, finish
from game.world.battle import Tally, battle_record


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    """One careful run with a model that errs on every fifth turn, its
    battles saved as play saves them, and its record written."""
    folder = tmp_path_factory.mktemp("saves")

    def keep(run, battle):
        data = battle_record(battle, seed=run.seed, weights={"name": "late", "sha256": ""}, depth=run.depth)
        return str(save_battle(data, folder, stem=f"battle-s{run.seed}-f{run.depth}").resolve())

    result, run = autoplay.play_run(autoplay.seeds(1, 1)[0], "careful", LateByOne(), trust=True, on_battle=keep)
    path = finish.write(run, folder, weights={"name": "late", "sha256": ""})
    return folder, result, run, path


def test_the_record_and_the_morgue_file(played):
    folder, result, run, path = played
    assert path.parent == folder / "runs" and path.name == f"run-s{run.seed}-001.json"
    rec = json.loads(path.read_text())
    assert rec["kind"] == finished.RECORD_KIND and rec["seed"] == run.seed
    assert rec["kills"] == run.kills and rec["deepest"] == result.depth
    assert rec["agreement"] == {"agreed": result.asked - result.divergent, "asked": result.asked}
    assert rec["diverged"] == [b["n"] for b in rec["battles"] if b["divergent"]] and rec["diverged"]
    text = path.with_suffix(".txt").read_text()
    assert f"seed {run.seed}" in text
    assert (run.cause[1:] in text) if run.cause else "Slew the dragon" in text
    assert f"Knight, deepest floor {result.depth} of 6" in text and f"{run.kills} kills" in text
    numbers = ", ".join(map(str, rec["diverged"]))
    assert (f"Battles where the model and the rules differed: {len(rec['diverged'])} of {len(rec['battles'])} "
            f"(battle{'s' if len(rec['diverged']) > 1 else ''} {numbers}).") in text
    assert run.log[-1] in text


def test_the_death_screen_and_the_morgue_give_one_agreement_figure(played):
    """199 of 200 read 100 % on the death screen and 99.5 % in the morgue:
    one definition now, over the same turns (the run's tally, as recorded)."""
    _, _, run, _ = played
    kept = run.tally  # the fixture's run is shared: its tally is put back
    run.tally = Tally(agreed=199, asked=200)
    rec = finish.record(run, weights={"name": "late", "sha256": ""})
    morgue = morgue_text(rec, run.log)
    screen = render_game_over(run, "late").plain.replace("\n", " ")
    assert "199/200 (99.5%)" in morgue and "199/200 (99.5%)" in screen
    assert "100%" not in screen
    run.tally = Tally(agreed=0, asked=0)
    rec = finish.record(run, weights=None)
    assert "it was never asked" in morgue_text(rec, run.log) and "was never asked" in render_game_over(run, "x").plain
    run.tally = kept


def test_the_morgue_counts_the_battles_that_differed_and_names_them():
    """'differed: 40' was battle number 40, read as a count of 40."""
    assert differed([40], 40) == "Battles where the model and the rules differed: 1 of 40 (battle 40)."
    assert differed([3, 7], 9) == "Battles where the model and the rules differed: 2 of 9 (battles 3, 7)."
    assert differed([], 5) == "Battles where the model and the rules differed: none of 5."


def test_record_names_are_never_reused_and_scores_stay_sorted(played, tmp_path):
    _, _, run, _ = played
    first = finish.write(run, tmp_path)
    second = finish.write(run, tmp_path)
    assert first != second and first.exists() and second.exists()
    table = scores.scores(tmp_path)
    assert len(table) == 2 and table[0]["score"] >= table[1]["score"] == finish.score(run)
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_damaged_score_table_is_kept_aside(played, tmp_path):
    _, _, run, _ = played
    (tmp_path / "scores.json").write_text('{"kind": "pico-rogue scores", "runs": [')
    finish.write(run, tmp_path)
    assert len(scores.scores(tmp_path)) == 1
    assert len(list(tmp_path.glob("scores.damaged-*.json"))) == 1


def test_runs_lists_past_runs(played, capsys):
    folder, _, run, path = played
    assert main(["runs", "--saves", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["date", "seed", "result"]
    assert str(run.seed) in out[1] and "runs/" + path.name in out[1]
    assert main(["runs", "--saves", str(folder), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["seed"] == run.seed and listed[0]["record"] == str(path)
    assert main(["runs", "--saves", str(folder), "--best"]) == 0
    assert str(finish.score(run)) in capsys.readouterr().out


def test_runs_in_an_empty_folder(tmp_path, capsys):
    assert main(["runs", "--saves", str(tmp_path)]) == 0
    assert "no finished runs" in capsys.readouterr().out


def test_replay_lists_a_run_s_battles_from_its_record_or_morgue(played, capsys):
    _, _, run, path = played
    for given in (path, path.with_suffix(".txt")):
        assert main(["replay", str(given), "--plain"]) == 0
        out = capsys.readouterr().out
        assert f"seed {run.seed}" in out
        first_diverged = next(b for b in run.fights if b["divergent"])
        assert f"battle {first_diverged['n']} (floor {first_diverged['depth']})" in out
        for b in run.fights:
            assert b["file"] and b["file"].split("/")[-1] in out.replace("\n", "")


def test_a_file_that_is_not_a_record(tmp_path, capsys):
    bad = tmp_path / "run-s1-001.txt"
    bad.write_text("not a morgue")
    assert main(["replay", str(bad)]) == 2
    assert "its record run-s1-001.json is missing" in capsys.readouterr().err
    fake = tmp_path / "x.json"
    fake.write_text(json.dumps({"kind": finished.RECORD_KIND, "version": 9}))
    assert main(["replay", str(fake)]) == 2
    assert "run record version 9" in capsys.readouterr().err


def test_selfplay_runs_write_their_battles_and_records(tmp_path):
    assert main(["selfplay", "--runs", "1", "--seed", "3", "--engine-only", "--saves", str(tmp_path)]) == 0
    (path, rec), = finished.records(tmp_path)
    assert rec["source"] == "selfplay careful" and rec["battles"]
    for b in rec["battles"]:
        save = load_battle(b["file"])
        assert len(save.turns) == b["turns"] and save.data["depth"] == b["depth"]


async def test_the_run_viewer_opens_at_a_divergence_and_crosses_battles(played):
    from game.ui.replay import differs
    from game.ui.runs import RunReplayApp, battles_of

    _, _, run, path = played
    _, rec = finished.load(path)
    saved = [(b, save) for b, save, _ in battles_of(rec) if save is not None and save.turns]
    app = RunReplayApp(rec, saved)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        first = next(i for i, (b, _) in enumerate(saved) if b["divergent"])
        assert app.at == first and app.index == 0
        await pilot.press("n")
        assert differs(app.save.turns[app.index], None)
        assert app.index + 1 in saved[app.at][0]["divergent"]  # the next divergent turn, this battle's or a later one's
        # n keeps going across battles, p comes back
        seen = [(app.at, app.index)]
        for _ in range(len(rec["diverged"]) + 2):
            await pilot.press("n")
            seen.append((app.at, app.index))
        assert len({at for at, _ in seen}) > 1
        await pilot.press("p")
        assert (app.at, app.index) in seen
        app.show(0, 3)
        await pilot.press("right_square_bracket")
        assert (app.at, app.index) == (1, 0)
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert (app.at, app.index) == (0, 0)
