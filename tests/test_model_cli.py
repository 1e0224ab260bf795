"""The model's commands against a small trained model: `resolve --model`
speaks the JSONL protocol, `eval --json` and `bench --json` give the promised
keys, and missing weights are one line on stderr with exit status 2."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_snapshots import key_lines, matches_snapshot
from model_fixtures import fresh_records

from cli import main
from game.combat.content import default
from game.combat.template import VERSION, parse_target
from model.resolver import load_resolver

pytestmark = pytest.mark.usefixtures("one_thread")
BIN = Path(sys.executable).parent / "pico-rogue"
CLI = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "cli"]


def _run(capsys, monkeypatch, argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_resolve_model_speaks_the_jsonl_protocol(tiny_model, capsys, monkeypatch):
    records = fresh_records(4, seed=61)
    bad_prompt = records[0]["prompt"].replace(VERSION, "v9", 1)
    lines = [json.dumps({"prompt": r["prompt"]}) for r in records[:2]]
    lines += [json.dumps({"prompt": bad_prompt}), "not json", json.dumps({"prompt": records[2]["prompt"]})]
    code, out, err = _run(capsys, monkeypatch, ["resolve", "--model", "--weights", str(tiny_model.path)],
                          "\n".join(lines) + "\n")
    assert code == 0 and err == ""
    answers = [json.loads(line) for line in out.splitlines()]
    assert len(answers) == 5
    for k in (0, 1, 4):
        assert set(answers[k]) == {"next", "valid"} and answers[k]["valid"] is True
        parse_target(answers[k]["next"], default())
    assert set(answers[2]) == {"error", "line"} and answers[2]["error"].startswith("line 3: ")
    assert set(answers[3]) == {"error", "line"} and answers[3]["error"].startswith("line 4: ")
    # the same answers as the resolver the game uses
    resolver = load_resolver(tiny_model.path)
    assert answers[0]["next"] == resolver.resolve(records[0]["prompt"]).text


def test_resolve_answers_the_same_on_either_runtime(tiny_model, capsys, monkeypatch):
    stdin = "".join(json.dumps({"prompt": r["prompt"]}) + "\n" for r in fresh_records(5, seed=62))
    outputs = []
    for runtime in ("numpy", "torch"):
        code, out, err = _run(capsys, monkeypatch, ["resolve", "--model", "--runtime", runtime,
                                                    "--weights", str(tiny_model.path)], stdin)
        assert code == 0, err
        outputs.append(out)
    assert outputs[0] == outputs[1] and outputs[0].count("\n") == 5


def test_eval_json(tiny_model, capsys, monkeypatch):
    code, out, err = _run(capsys, monkeypatch,
                          ["eval", "--json", "--n", "50", "--battles", "2", "--runs", "0", "--edges", "2",
                           "--weights", str(tiny_model.path)])
    assert code == 0, err
    result = json.loads(out)
    assert result["n"] == 50
    assert 0.0 <= result["exact_match"] <= 1.0
    assert result["valid"] == 1.0  # the grammar: every output parses, even from a weak model
    assert result["rollout"]["battles"] == 2
    assert {k: v["n"] for k, v in result["edges"].items()} == {"kill": 2, "tick": 2, "full": 2, "statuses": 2}
    assert "whole_runs" not in result  # --runs 0 (whole runs: tests/test_cli_surface.py, slow)
    assert result["weights"]["name"] == tiny_model.path.stem


@pytest.mark.slow  # a minute: 512 batched transitions and fresh processes, on each runtime
def test_bench_json(tiny_model, capsys, monkeypatch):
    from model.evaluation import bench

    monkeypatch.setattr(bench, "COLD_RUNS", 1)
    code, out, err = _run(capsys, monkeypatch, ["bench", "--json", "--n", "10", "--weights", str(tiny_model.path)])
    assert code == 0, err
    result = json.loads(out)
    assert result["n"] == 10 and result["runtime"] == "numpy"
    assert set(result["runtimes"]) == {"numpy", "torch"}  # side by side, from one run
    for figures in [result, *result["runtimes"].values()]:
        assert 0 < figures["p50_ms"] <= figures["p95_ms"]
        assert figures["uncached_p50_ms"] > 0
        assert 0 < figures["cold_start_s"] < 120
        assert figures["network_calls_per_transition"] < figures["tokens_per_transition"]
        assert figures["network_calls_per_transition"] <= figures["no_drafter"]["network_calls_per_transition"]
    # resolve --model in a fresh process: numpy's stays far below torch's memory
    assert 0 < result["runtimes"]["numpy"]["peak_rss_mb"] < result["runtimes"]["torch"]["peak_rss_mb"]
    for task in ("advice", "tactics"):  # a decision timed is one the network made: never 0 ms
        assert result[f"{task}_p50_ms"] > 0 and result["specialists"][task]["decisions"] > 0
    matches_snapshot("json-bench.txt", key_lines(result))  # the keys, as tests/test_cli_surface.py pins the others


@pytest.mark.parametrize("argv", [
    ["resolve", "--model"],
    ["eval", "--json", "--n", "5"],
    ["bench", "--json", "--n", "5"],
])
def test_missing_weights_are_one_line_and_exit_2(tmp_path, capsys, monkeypatch, argv):
    missing = tmp_path / "nowhere.safetensors"
    code, out, err = _run(capsys, monkeypatch, [*argv, "--weights", str(missing)], '{"prompt": "v1"}\n')
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and str(missing) in err and "Traceback" not in err


def test_corrupt_weights_from_the_real_command_line(tiny_model, tmp_path):
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(tiny_model.path.read_bytes()[:1000])
    broken.with_suffix(".json").write_text(tiny_model.path.with_suffix(".json").read_text())
    done = subprocess.run([*CLI, "resolve", "--model", "--weights", str(broken)], input="", capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and str(broken) in done.stderr and "Traceback" not in done.stderr
