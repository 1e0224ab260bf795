"""Training: a short real run lowers the loss; Ctrl-C and a time limit leave a
checkpoint that --resume continues exactly; --data mixes saved battles and
JSONL in, and a broken data file is one clear line, not a traceback."""

from __future__ import annotations

import _thread
import json
import math
import signal
import threading
import time
from pathlib import Path

import pytest
import torch
from model_fixtures import TINY_STEPS, fresh_records, tiny_recipe, untrained

from cli import main
from game.combat.encounter import Action
from game.combat.resolver import EngineResolver
from game.combat.template import VERSION
from game.records.battle import save_battle
from game.world import roster
from game.world.battle import Battle, battle_record
from model.tokenizer import Tokenizer
from model.training.data import BatchStream, loader, mixed_stream, saved_pairs
from model.training.train import exact_match, held_out, train
from model.weights import load, read_metadata, read_tensors

pytestmark = pytest.mark.usefixtures("one_thread")
# the quick preset's network made tiny (`--set`): the held-out check decodes fast
SMALL = ["n_layer=1", "n_head=2", "d_model=32", "d_ff=64"]


def test_a_short_quick_run_lowers_the_loss(tiny_model):
    history = tiny_model.meta["history"]
    assert [h["step"] for h in history] == [10, 20, 30, 40]
    first, last = history[0], history[-1]
    assert first["loss"] < math.log(tiny_model.meta["config"]["vocab_size"])  # already below chance at step 10
    assert last["loss"] < 0.7 * first["loss"]
    assert last["token_acc"] > first["token_acc"]
    assert tiny_model.metrics["steps"] == TINY_STEPS
    assert tiny_model.meta["metrics"] == tiny_model.metrics
    assert tiny_model.meta["recipe"]["name"] == "quick" and tiny_model.meta["recipe"]["steps"] == TINY_STEPS
    assert tiny_model.meta["template"] == VERSION


def test_the_trained_model_beats_an_untrained_one_on_held_out_tokens(tiny_model):
    model, tok, _ = load(tiny_model.path)
    check = held_out(tok, 64)
    _, trained_acc = exact_match(model, tok, check, "cpu")
    _, random_acc = exact_match(untrained(seed=0, n_layer=2, d_model=128, d_ff=512)[0], tok, check, "cpu")
    assert trained_acc > random_acc + 0.3


def _checkpoint(out: Path) -> tuple[dict, dict[str, torch.Tensor]]:
    """(the card, the tensors) of the checkpoint beside `out`: one file."""
    from model.training.train import CHECKPOINT

    path = out.with_name(out.stem + "-ckpt.safetensors")
    meta = json.loads(read_metadata(path)[CHECKPOINT])
    return meta, {k: torch.from_numpy(v) for k, v in read_tensors(path).items()}


@pytest.mark.usefixtures("few_range_samples")
def test_ctrl_c_saves_a_checkpoint_that_resume_continues(tmp_path, capsys):
    out = tmp_path / "new-folder" / "c.safetensors"  # a folder that does not exist yet
    recipe = tiny_recipe(steps=10_000)
    first_checkpoint = out.with_name("c-ckpt.safetensors")

    def press_ctrl_c() -> None:
        deadline = time.monotonic() + 120
        while not first_checkpoint.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        _thread.interrupt_main()  # what Ctrl-C does: KeyboardInterrupt in the main thread

    # a runner started in the background (`cmd &` without job control) ignores
    # SIGINT, and then interrupt_main does nothing: give Python its handler back
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    presser = threading.Thread(target=press_ctrl_c, daemon=True)
    presser.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            train(recipe, out, quiet=True)
    finally:
        signal.signal(signal.SIGINT, before)
    presser.join()
    meta, tensors = _checkpoint(out)
    step = meta["step"]
    assert 2 <= step < recipe.steps
    assert f"interrupted at step {step}" in capsys.readouterr().out
    assert any(k.startswith("opt.exp_avg.") for k in tensors)  # the optimizer's moments are kept

    # resuming with nothing left to do gives back exactly the checkpoint
    assert train(recipe.but(steps=step), out, resume=True, quiet=True)["steps"] == step
    model, _, _ = load(out)
    for name, value in model.state_dict().items():
        assert torch.equal(value, tensors[f"model.{name}"]), name
    again_meta, again = _checkpoint(out)
    assert again_meta["step"] == step
    for name in tensors:
        assert torch.equal(again[name], tensors[name]), name

    # and resuming for longer goes on from that step
    metrics = train(recipe.but(steps=step + 4), out, resume=True, quiet=True)
    assert metrics["steps"] == step + 4
    history = [h["step"] for h in json.loads(out.with_suffix(".json").read_text())["history"]]
    assert history == sorted(history) and history[-1] == step + 4  # the run's history carries on across the resume
    assert _checkpoint(out)[0]["step"] == step + 4
    moved = load(out)[0].state_dict()
    assert any(not torch.equal(moved[n], tensors[f"model.{n}"]) for n in moved)


@pytest.mark.usefixtures("few_range_samples")
def test_sigterm_stops_training_like_ctrl_c(tmp_path, capsys):
    import os

    from model.training.train import Terminated

    out = tmp_path / "t.safetensors"
    first_checkpoint = out.with_name("t-ckpt.safetensors")

    def send_sigterm() -> None:  # what a job scheduler or `kill` does
        deadline = time.monotonic() + 120
        while not first_checkpoint.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)

    before = signal.getsignal(signal.SIGTERM)
    killer = threading.Thread(target=send_sigterm, daemon=True)
    killer.start()
    with pytest.raises(Terminated) as stop:
        train(tiny_recipe(steps=10_000), out, quiet=True)
    killer.join()
    assert stop.value.exit_status == 143 and signal.getsignal(signal.SIGTERM) == before
    step = _checkpoint(out)[0]["step"]
    assert 2 <= step < 10_000 and f"stopped by SIGTERM at step {step}" in capsys.readouterr().out
    model, _, meta = load(out)  # usable weights, marked partial
    assert meta["partial"] is True and sum(p.numel() for p in model.parameters()) > 0


@pytest.mark.usefixtures("few_range_samples")
def test_a_checkpoint_is_replaced_whole_or_not_at_all(tmp_path, monkeypatch):
    from game.records import atomic
    from model.training.train import save_checkpoint

    out = tmp_path / "c.safetensors"
    recipe = tiny_recipe(steps=2)
    train(recipe, out, quiet=True)
    assert not out.with_name("c-ckpt.json").exists()  # its card is inside it: one file, one rename
    before = out.with_name("c-ckpt.safetensors").read_bytes()

    def full_disk(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", full_disk)
    model = untrained(n_layer=1, n_head=2, d_model=32, d_ff=64)[0]
    opt = torch.optim.AdamW(model.parameters())
    with pytest.raises(OSError):
        save_checkpoint(out, model, opt, 99, recipe, {})
    assert out.with_name("c-ckpt.safetensors").read_bytes() == before
    # what a failed write leaves is a temporary file the next start removes
    assert all(atomic.TEMPORARY.match(p.name) for p in tmp_path.iterdir() if p.name.startswith("."))


def _as_older_pair(out: Path) -> tuple[Path, Path]:
    """The checkpoint beside `out` rewritten as an older pico-rogue wrote it:
    tensors with no card inside, the card in -ckpt.json beside, written after."""
    import os

    import safetensors.numpy

    meta, tensors = _checkpoint(out)
    tensor_file, card = out.with_name(out.stem + "-ckpt.safetensors"), out.with_name(out.stem + "-ckpt.json")
    safetensors.numpy.save_file({k: v.numpy() for k, v in tensors.items()}, str(tensor_file))
    card.write_text(json.dumps(meta))
    written = os.stat(tensor_file).st_mtime_ns
    os.utime(card, ns=(written + 10**9, written + 10**9))  # the card renamed second, as that version did
    return tensor_file, card


@pytest.mark.usefixtures("few_range_samples")
def test_an_older_checkpoint_pair_still_resumes(tmp_path):
    out = tmp_path / "o.safetensors"
    train(tiny_recipe(steps=2), out, quiet=True)
    _, card = _as_older_pair(out)
    assert train(tiny_recipe(steps=4), out, resume=True, quiet=True)["steps"] == 4
    assert not card.exists() and _checkpoint(out)[0]["step"] == 4  # rewritten as one file


@pytest.mark.usefixtures("few_range_samples")
def test_an_older_checkpoint_pair_cut_between_its_renames_is_refused(tmp_path, capsys):
    """The bug this replaces: step-N tensors beside an older card, resumed
    without a word. An older version's pair whose card predates its tensors
    is such a cut; resuming it is one line, exit 2, and trains nothing."""
    import os

    out = tmp_path / "k.safetensors"
    train(tiny_recipe(steps=2), out, quiet=True)
    tensor_file, card = _as_older_pair(out)
    written = os.stat(tensor_file).st_mtime_ns
    os.utime(card, ns=(written - 10**9, written - 10**9))  # the previous save's card: the kill came between
    before = tensor_file.read_bytes()
    code = main(["train", "--preset", "quick", "--steps", "4", "--resume", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert f"{card}: older than k-ckpt.safetensors, so not its card" in err
    assert tensor_file.read_bytes() == before


@pytest.mark.parametrize("inside", [True, False], ids=["card inside", "older pair"])
def test_a_damaged_checkpoint_is_one_clear_line(tmp_path, capsys, inside):
    import numpy as np
    import safetensors.numpy

    from model.training.train import CHECKPOINT

    out = tmp_path / "d.safetensors"
    bad = '{"step": "7"}'
    tensors = {"model.x": np.zeros(2, np.float32)}
    safetensors.numpy.save_file(tensors, str(out.with_name("d-ckpt.safetensors")),
                                metadata={CHECKPOINT: bad} if inside else None)
    if not inside:
        out.with_name("d-ckpt.json").write_text(bad)
    code = main(["train", "--preset", "quick", "--steps", "1", "--resume", "--out", str(out)])
    err = capsys.readouterr().err
    named = "d-ckpt.safetensors" if inside else "d-ckpt.json"
    assert code == 2 and f"{named}: not a checkpoint" in err and "Traceback" not in err


@pytest.mark.usefixtures("few_range_samples")
def test_a_time_limit_stops_early_and_resume_finishes(tmp_path):
    out = tmp_path / "m.safetensors"
    recipe = tiny_recipe(steps=10_000, eval_every=10_000)
    stopped = train(recipe, out, minutes=0.01, quiet=True)["steps"]
    assert 0 < stopped < recipe.steps
    assert _checkpoint(out)[0]["step"] == stopped
    assert train(recipe.but(steps=stopped + 3), out, resume=True, quiet=True)["steps"] == stopped + 3


def test_resume_without_a_checkpoint_is_a_usage_error(tmp_path, capsys):
    code = main(["train", "--preset", "quick", "--steps", "1", "--resume", "--out", str(tmp_path / "x.safetensors")])
    err = capsys.readouterr().err
    assert code == 2 and "no checkpoint" in err and "Traceback" not in err


# --- saved battles and JSONL as training data ---


def _battle_file(folder: Path) -> Path:
    b = Battle(roster.encounter(roster.hero_at(2), ["rat", "bat"]), model=EngineResolver(), seed=3)
    while not b.over:
        b.play(Action("strike", b.living_monsters()[0].label)) if b.hero_to_act else b.play_monster()
    return save_battle(battle_record(b, seed=42, weights={"name": "x", "sha256": "ab"}, depth=1), folder)


def _jsonl_file(path: Path, n: int = 20) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in fresh_records(n, seed=55)))
    return path


def test_saved_battles_jsonl_and_folders_are_read(tmp_path):
    battle = _battle_file(tmp_path / "saves")
    jsonl = _jsonl_file(tmp_path / "run-extra.jsonl")  # a named file is read whatever its name
    turns = json.loads(battle.read_text())["turns"]
    records = fresh_records(20, seed=55)
    pairs = saved_pairs([battle, jsonl])
    assert pairs == [(t["prompt"], t["engine"]) for t in turns] + [(r["prompt"], r["target"]) for r in records]
    (tmp_path / "saves" / "run.json").write_text('{"kind": "pico-rogue run"}')  # the suspended run: skipped
    assert saved_pairs([tmp_path / "saves"]) == pairs[: len(turns)]
    # about a quarter of the mixed stream comes from the saved examples
    stream = mixed_stream(9, pairs, 0.25)
    share = sum(next(stream) in pairs for _ in range(400)) / 400
    assert 0.15 < share < 0.35


@pytest.mark.usefixtures("few_range_samples")
def test_train_with_data_from_the_command_line(tmp_path, capsys):
    battle = _battle_file(tmp_path)
    jsonl = _jsonl_file(tmp_path / "extra.jsonl")
    out = tmp_path / "d.safetensors"
    code = main(["train", "--preset", "quick", "--steps", "1", "--data", str(battle), str(jsonl),
                 "--out", str(out), "--quiet", "--set", *SMALL])
    assert code == 0, capsys.readouterr().err
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["data"] == [str(battle), str(jsonl)]
    assert meta["metrics"]["steps"] == 1


BROKEN = {
    "a bad line": ("bad.jsonl", '{"prompt": "v1", "target": "x"}\nnot json\n', "line 2"),
    "no target": ("short.jsonl", '{"prompt": "v1"}\n', "line 1"),
    "another kind of JSON": ("other.json", '{"kind": "something else", "turns": []}', "not a battle save"),
    "a JSON list": ("list.json", "[1, 2, 3]", "not a battle save"),
    "turns without prompts": ("turns.json", '{"kind": "pico-rogue battle", "turns": [{"engine": "x"}]}', "battle"),
}


@pytest.mark.parametrize("name, text, says", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_data_file_is_one_clear_line(tmp_path, capsys, name, text, says):
    data = tmp_path / name
    data.write_text(text)
    out = tmp_path / "never.safetensors"
    code = main(["train", "--preset", "quick", "--steps", "1", "--data", str(data), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and str(data) in err and says in err and "Traceback" not in err
    assert not out.exists()


def test_missing_or_empty_data_is_one_clear_line(tmp_path, capsys):
    for data, says in [(tmp_path / "nowhere.jsonl", "no such file"), (tmp_path, "no battles or examples")]:
        code = main(["train", "--preset", "quick", "--steps", "1", "--data", str(data),
                     "--out", str(tmp_path / "never.safetensors")])
        err = capsys.readouterr().err
        assert code == 2 and says in err and str(data) in err and "Traceback" not in err


def test_worker_processes_make_the_same_batches_for_the_same_seed():
    tok = Tokenizer.for_content()
    dataset = BatchStream(3, [], 0.0, 0.2, tok, 8, 400)

    def first(n: int) -> list[torch.Tensor]:
        it = loader(dataset, 2, False)
        return [next(it)[0] for _ in range(n)]

    a, b = first(4), first(4)
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    # the two workers draw different examples: batches 0 and 1 come from each
    assert a[0].shape != a[1].shape or not torch.equal(a[0], a[1])


@pytest.mark.usefixtures("few_range_samples")
def test_set_changes_recipe_fields_and_refuses_unknown_ones(tmp_path, capsys):
    out = tmp_path / "w.safetensors"
    assert main(["train", "--preset", "quick", "--steps", "2", "--set", "batch=4", "eval_every=2", "wide_share=0.5",
                 *SMALL, "--out", str(out), "--quiet"]) == 0
    recipe = json.loads(out.with_suffix(".json").read_text())["recipe"]
    assert (recipe["batch"], recipe["wide_share"], recipe["d_model"]) == (4, 0.5, 32)
    assert main(["train", "--preset", "quick", "--set", "nope=1"]) == 2
    assert "nope=1" in capsys.readouterr().err


def test_the_schedule_decays_by_the_time_budget_when_it_ends_first():
    from model.training.recipe import PRESETS
    from model.training.train import lr_at

    r = PRESETS["bundled"]
    assert lr_at(0, r) < lr_at(r.warmup, r) == pytest.approx(r.lr)
    assert lr_at(r.steps, r) == pytest.approx(r.min_lr)
    mid = r.warmup + 10
    assert lr_at(mid, r, time_used=1.0) == pytest.approx(r.min_lr)  # out of time: fully decayed
    assert lr_at(mid, r, time_used=0.5) < lr_at(mid, r)


def test_focus_gives_the_named_actions_their_share():
    from model.training.data import action_of

    stream = mixed_stream(4, [], 0.0, focus=frozenset({"heal"}), focus_share=0.5)
    actions = [action_of(next(stream)[0]) for _ in range(400)]
    assert actions.count("heal") / len(actions) > 0.45
    plain = mixed_stream(4, [], 0.0)
    assert [action_of(next(plain)[0]) for _ in range(400)].count("heal") / 400 < 0.2


def test_an_unknown_focus_action_is_one_clear_line(tmp_path, capsys):
    assert main(["train", "--preset", "quick", "--set", "focus=heal,fireball", "--out", str(tmp_path / "x.safetensors")]) == 2
    assert "fireball" in capsys.readouterr().err


def test_the_weights_carry_the_ranges_of_their_training_distribution(tiny_model):
    from game.combat import schema
    from model.training.train import trained_ranges

    ranges = tiny_model.meta["ranges"]
    assert set(ranges) == set(schema.PROMPT_NUMBERS)  # a v3 prompt's numbers (v4's rule numbers: test_rules_in_prompt)
    assert ranges["status_power"] == [0, 3] and ranges["turn"] == [1, 999]  # play's powers; any turn
    wide = trained_ranges([], tiny_recipe(wide_share=1.0), None)
    assert wide["status_power"] == [0, 9] and wide["cooldown"] == [0, 9]
    joined = trained_ranges([], tiny_recipe(), {"atk": [0, 30]})  # a fine-tune keeps what its start saw
    assert joined["atk"] == [0, 30]


def test_every_preset_is_a_checked_recipe_whose_sizes_are_the_config_s():
    from model.config import CAPS, Config
    from model.training.recipe import PRESETS, SIZES, Recipe
    from model.training.settings import RANGES, check_recipe

    vocab = len(Tokenizer.for_content())
    assert Recipe("x").config(vocab) == Config(vocab)  # a recipe's default sizes are Config's, not a copy
    assert not set(SIZES) & set(RANGES)  # one table of size limits: config.CAPS
    assert all(CAPS[name] for name in SIZES)
    for name, recipe in PRESETS.items():
        assert check_recipe(recipe) is recipe, name
        assert recipe.sized_as(recipe.config(vocab)) == recipe


def test_the_advisor_s_label_settings_are_refused_for_other_tasks():
    from model.training.recipe import PRESETS
    from model.training.settings import SettingsError, check_recipe

    assert check_recipe(PRESETS["advice"].but(asks=0.6, soft=0.03))
    for field in ("asks", "soft"):
        with pytest.raises(SettingsError, match=f"{field}=0.5: only for task=advice"):
            check_recipe(PRESETS["tactics"].but(**{field: 0.5}))
        with pytest.raises(SettingsError, match=f"{field}=1.5: must be from 0"):
            check_recipe(PRESETS["advice"].but(**{field: 1.5}))
