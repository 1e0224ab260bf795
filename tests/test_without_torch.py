"""Playing needs numpy, not torch: with torch's import blocked (a folder
first on PYTHONPATH whose `torch/__init__.py` raises ImportError, as if it
were not installed), `play` loads the bundled model and fights a battle with
it, `resolve --model` answers as the in-process resolver does, `selfplay`,
`replay --rerun` and `eval` run on it, and asking for `--runtime torch` is one clear line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from model_fixtures import fresh_records

from model.weights import BUNDLED

pytestmark = pytest.mark.skipif(not BUNDLED.exists(), reason="no bundled weights")
TESTS = Path(__file__).resolve().parent


@pytest.fixture
def no_torch(tmp_path) -> dict:
    """An environment in which `import torch` fails."""
    blocker = tmp_path / "blocked" / "torch"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text('raise ImportError("torch is blocked for this test")\n')
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker.parent), str(TESTS)])}


def run(env: dict, *argv: str, stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *argv], input=stdin, capture_output=True, text=True, env=env, timeout=300,
                          cwd=cwd)


def test_the_blocker_blocks(no_torch):
    done = run(no_torch, "-c", "import torch")
    assert done.returncode == 1 and "torch is blocked" in done.stderr


def test_resolve_model_answers_without_torch(no_torch):
    from model.resolver import load_resolver

    records = fresh_records(3, seed=71)
    stdin = "".join(json.dumps({"prompt": r["prompt"]}) + "\n" for r in records)
    done = run(no_torch, "-m", "cli", "resolve", "--model", stdin=stdin)
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    resolver = load_resolver()
    assert [a["next"] for a in answers] == [resolver.resolve(r["prompt"]).text for r in records]
    assert all(a["valid"] for a in answers)


def test_asking_for_the_torch_runtime_without_torch_is_one_line(no_torch):
    done = run(no_torch, "-m", "cli", "resolve", "--model", "--runtime", "torch", stdin="")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "pico-rogue[train]" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow  # three fresh processes
def test_selfplay_replay_rerun_and_eval_run_without_torch(no_torch, tmp_path):
    done = run(no_torch, "-m", "cli", "selfplay", "--battles", "1", "--seed", "5", "--saves", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "turns agree" in done.stdout
    (save,) = tmp_path.glob("*.json")
    done = run(no_torch, "-m", "cli", "replay", str(save), "--rerun", "--plain")
    assert done.returncode == 0, done.stderr
    done = run(no_torch, "-m", "cli", "eval", "--json", "--n", "20", "--battles", "1", "--runs", "0", "--edges", "2")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["valid"] == 1.0


PLAY = textwrap.dedent("""
    import asyncio, sys
    from pilot import SIZE, bump_a_monster, fight_to_the_end, settle
    from game.ui.app import PicoRogueApp
    from cli.loading import load_model

    async def main():
        app = PicoRogueApp(seed=3, saves=sys.argv[1], model_loader=load_model, turn_pause=0, hero_class="knight")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert app.model.ready, app.model.detail
            await bump_a_monster(pilot)
            battle = app.screen.battle
            await fight_to_the_end(pilot)
            assert battle.tally.asked == len(battle.turns) > 0  # the model answered every turn
            print("model turns", battle.tally.asked, "agreed", battle.tally.agreed)
        assert "torch" not in sys.modules

    asyncio.run(main())
""")


@pytest.mark.slow  # the app in a fresh process, a whole battle
def test_play_fights_a_battle_with_the_model_without_torch(no_torch, tmp_path):
    done = run(no_torch, "-c", PLAY, str(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "model turns" in done.stdout
