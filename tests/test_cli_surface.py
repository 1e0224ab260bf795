"""The command line's surface, pinned: every command's `--help` text and the
JSON keys of the `--json` (and JSONL) outputs, compared exactly with the files
under tests/__snapshots__/cli/. The command layer may be restructured; what a
user types and what a script reads must not change with it. (bench's keys are
pinned by tests/test_model_cli.py::test_bench_json, the one test that runs it.)

After a deliberate change, regenerate and review the diff:

    PICO_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q -m "slow or not slow" tests/test_cli_surface.py
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_snapshots import SNAPSHOTS, key_lines, matches_snapshot

import cli

COMMANDS = ("play", "serve", "replay", "selfplay", "runs", "generate", "resolve", "train", "quantize", "eval", "bench",
            "specialists")
BIN = Path(sys.executable).parent / "pico-rogue"


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch):
    """argparse wraps its help to the terminal's width, read from COLUMNS."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")


def run(capsys, monkeypatch, *argv: str, stdin: str = "") -> str:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    code = cli.main(list(argv))
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


# --- the help texts ------------------------------------------------------------------------
def help_text(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exited:
        cli.main([*argv, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


def test_every_command_has_a_help_snapshot():
    """A new command needs its snapshot (and this list)."""
    sub = next(a for a in cli.parser()._actions if a.dest == "command")
    assert tuple(sub.choices) == COMMANDS


def test_main_help(capsys):
    matches_snapshot("help.txt", help_text(capsys))


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help(capsys, command):
    matches_snapshot(f"help-{command}.txt", help_text(capsys, command))


@pytest.mark.skipif(not BIN.exists(), reason="no pico-rogue script beside the interpreter (not installed)")
def test_the_installed_script_prints_the_same_help():
    done = subprocess.run([str(BIN), "--help"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "COLUMNS": "80"})
    assert done.returncode == 0 and done.stdout == (SNAPSHOTS / "help.txt").read_text()


# --- the JSON outputs' keys ----------------------------------------------------------------
def test_selfplay_runs_json_and_runs_json(capsys, monkeypatch, tmp_path):
    played = json.loads(run(capsys, monkeypatch, "selfplay", "--runs", "2", "--engine-only", "--json", "--seed", "1",
                            "--saves", str(tmp_path)))
    assert len(played["runs"]) == 2
    matches_snapshot("json-selfplay-runs.txt", key_lines(played))
    listed = json.loads(run(capsys, monkeypatch, "runs", "--json", "--saves", str(tmp_path)))
    assert len(listed) == 2
    matches_snapshot("json-runs.txt", key_lines(listed))
    best = json.loads(run(capsys, monkeypatch, "runs", "--json", "--best", "--saves", str(tmp_path)))
    assert len(best) == 2
    matches_snapshot("json-runs-best.txt", key_lines(best))
    assert json.loads(run(capsys, monkeypatch, "runs", "--json", "--saves", str(tmp_path / "none"))) == []


def test_generate_and_resolve_jsonl(capsys, monkeypatch):
    lines = run(capsys, monkeypatch, "generate", "--n", "20", "--seed", "1").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 20
    matches_snapshot("jsonl-generate.txt", key_lines(*records))
    stdin = "".join(json.dumps({"prompt": r["prompt"]}) + "\n" for r in records[:3]) + "not json\n"
    answers = [json.loads(line) for line in run(capsys, monkeypatch, "resolve", "--engine", stdin=stdin).splitlines()]
    assert len(answers) == 4 and "error" in answers[-1]
    matches_snapshot("jsonl-resolve-engine.txt", key_lines(*answers))
    answers = [json.loads(line) for line in run(capsys, monkeypatch, "resolve", "--model", stdin=stdin).splitlines()]
    matches_snapshot("jsonl-resolve-model.txt", key_lines(*answers))


def test_eval_json(capsys, monkeypatch):
    result = json.loads(run(capsys, monkeypatch, "eval", "--json", "--n", "5", "--battles", "1", "--runs", "0",
                            "--edges", "2"))
    matches_snapshot("json-eval.txt", key_lines(result))


@pytest.mark.slow
def test_eval_json_with_whole_runs(capsys, monkeypatch):
    """One whole run with the model driving (~10 s)."""
    result = json.loads(run(capsys, monkeypatch, "eval", "--json", "--n", "5", "--battles", "1", "--runs", "1",
                            "--edges", "0"))
    matches_snapshot("json-eval-whole-runs.txt", key_lines(result["whole_runs"]))


def test_eval_perturb_json(capsys, monkeypatch):
    result = json.loads(run(capsys, monkeypatch, "eval", "--json", "--suite", "perturb", "--n", "1", "--battles", "1"))
    matches_snapshot("json-eval-perturb.txt", key_lines(result))


# bench's keys: tests/test_model_cli.py::test_bench_json (bench takes a minute: it runs once)
