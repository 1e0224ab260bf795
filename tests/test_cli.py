"""The command line: generate -> resolve --engine round trip, and errors that
are one clear line, never a traceback."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli import main
from game.combat.template import VERSION

BIN = Path(sys.executable).parent / "pico-rogue"
CLI = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "cli"]


def _generate(capsys, *args: str) -> list[dict]:
    assert main(["generate", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _resolve(capsys, monkeypatch, lines: list[str]) -> tuple[int, list[dict], str]:
    feed = "".join(line + "\n" for line in lines).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(feed)))
    code = main(["resolve", "--engine"])
    out = capsys.readouterr()
    return code, [json.loads(line) for line in out.out.splitlines()], out.err


def test_generate_then_resolve_reproduces_every_target(capsys, monkeypatch):
    records = _generate(capsys, "--n", "300", "--seed", "7")
    assert len(records) == 300
    code, answers, err = _resolve(capsys, monkeypatch, [json.dumps({"prompt": r["prompt"]}) for r in records])
    assert code == 0 and err == ""
    assert [a["next"] for a in answers] == [r["target"] for r in records]


def test_generate_to_a_file_matches_stdout(capsys, tmp_path):
    out = tmp_path / "g.jsonl"
    assert main(["generate", "--n", "50", "--seed", "3", "--out", str(out)]) == 0
    written = out.read_text()
    assert capsys.readouterr().out == ""
    assert main(["generate", "--n", "50", "--seed", "3"]) == 0
    assert capsys.readouterr().out == written


def test_malformed_lines_get_an_error_and_resolve_goes_on(capsys, monkeypatch):
    good = _generate(capsys, "--n", "2", "--seed", "5")
    lines = [
        json.dumps({"prompt": good[0]["prompt"]}),
        "not json at all",
        json.dumps({"prompt": good[0]["prompt"].replace(VERSION, "v9", 1)}),
        json.dumps({"text": "no prompt key"}),
        json.dumps({"prompt": 42}),
        json.dumps({"prompt": good[0]["prompt"] + "\nm9 rat"}),
        "",
        json.dumps({"prompt": good[1]["prompt"]}),
    ]
    code, answers, err = _resolve(capsys, monkeypatch, lines)
    assert code == 0 and err == ""
    assert len(answers) == 7  # the blank line is skipped
    assert answers[0] == {"next": good[0]["target"]}
    assert answers[-1] == {"next": good[1]["target"]}
    assert answers[1]["error"].startswith("line 2: ") and answers[1]["line"] == 2  # the input's line number
    assert "version" in answers[2]["error"] and "line 1 (head)" in answers[2]["error"] and answers[2]["line"] == 3
    assert all(set(a) == {"error", "line"} for a in answers[1:-1])


def test_an_illegal_action_is_an_error_line(capsys, monkeypatch):
    prompt = ("v1 turn 1 hero heal m1 roll 5 1\nhero knight hp 30/30 mp 10/10 atk 4 def 1 st cd\n"
              "m1 rat hp 6/6 mp 0/0 atk 2 def 0 st cd")
    code, answers, _ = _resolve(capsys, monkeypatch, [json.dumps({"prompt": prompt})])
    assert code == 0 and "error" in answers[0]


def _one_line_error(code: int, err: str) -> None:
    assert code != 0
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("pico-rogue")


def test_missing_out_folder(capsys, tmp_path):
    code = main(["generate", "--n", "3", "--out", str(tmp_path / "nowhere" / "g.jsonl")])
    _one_line_error(code, capsys.readouterr().err)


@pytest.mark.parametrize("argv", [
    ["generate", "--bogus"],
    ["generate", "--n", "many"],
    ["resolve"],
    ["frobnicate"],
])
def test_bad_flags(capsys, argv):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    _one_line_error(exit_.value.code, capsys.readouterr().err)


# --- the installed command, as a user runs it --------------------------------


def test_pipe_through_the_real_command():
    gen = subprocess.run([*CLI, "generate", "--n", "300", "--seed", "7"], capture_output=True, text=True, check=True)
    records = [json.loads(line) for line in gen.stdout.splitlines()]
    feed = "".join(json.dumps({"prompt": r["prompt"]}) + "\n" for r in records) + "{broken\n"
    res = subprocess.run([*CLI, "resolve", "--engine"], input=feed, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    answers = [json.loads(line) for line in res.stdout.splitlines()]
    assert [a.get("next") for a in answers[:-1]] == [r["target"] for r in records]
    assert "error" in answers[-1]


def test_real_command_errors_are_one_line(tmp_path):
    for argv in (["generate", "--n", "3", "--out", str(tmp_path / "no" / "x.jsonl")], ["generate", "--nope"]):
        r = subprocess.run([*CLI, *argv], capture_output=True, text=True)
        _one_line_error(r.returncode, r.stderr)
