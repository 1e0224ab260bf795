"""`pico-rogue` and `python -m cli` are one program: on every bad input the
same exit status and the same one line. (Run as `python -m`, a command that
imported its error class from the entry module got a second copy of it, and
a user's mistake became an internal error.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "pico-rogue"
FORMS = {"script": [str(BIN)], "module": [sys.executable, "-m", "cli"]}


def bad_inputs(tmp: Path) -> dict[str, list[str]]:
    return {
        "replay a broken save": ["replay", "--plain", str(tmp / "bad.json")],
        "runs in a file": ["runs", "--saves", str(tmp / "a-file")],
        "play saving into a file": ["play", "--saves", str(tmp / "a-file")],
        "play with missing weights": ["play", "--saves", str(tmp / "s"), "--weights", str(tmp / "nope.safetensors")],
        "selfplay both counts": ["selfplay", "--runs", "1", "--battles", "1"],
        "serve with missing weights": ["serve", "--weights", str(tmp / "nope.safetensors")],
        "replay a run record of a future version": ["replay", "--plain", str(tmp / "record.json")],
        "eval without its data": ["eval", "--data", str(tmp / "missing.jsonl")],
        "quantize onto its own input": ["quantize", "--weights", str(tmp / "nope.safetensors"), "--out",
                                        str(tmp / "nope.safetensors")],
        "train an unknown preset": ["train", "--preset", "nope", "--out", str(tmp / "w.safetensors")],
    }


QUICK = ("replay a broken save", "runs in a file")


@pytest.mark.parametrize("case", [c if c in QUICK else pytest.param(c, marks=pytest.mark.slow)
                                  for c in bad_inputs(Path())])
def test_both_forms_say_the_same_one_line(tmp_path, case):
    if not BIN.exists():
        pytest.skip("the pico-rogue script is not installed in this environment")
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "a-file").write_text("")
    (tmp_path / "record.json").write_text('{"kind": "pico-rogue run record", "version": 99}')
    args = bad_inputs(tmp_path)[case]
    said = {}
    for form, command in FORMS.items():
        p = subprocess.run([*command, *args], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        said[form] = (p.returncode, p.stderr)
        assert p.returncode == 2, p.stderr
        assert len(p.stderr.strip().splitlines()) == 1 and "internal error" not in p.stderr, p.stderr
    assert said["script"] == said["module"]


def test_the_bare_command_plays(monkeypatch):
    import types

    import cli

    seen = []
    monkeypatch.setitem(sys.modules, "stand_in_play", types.SimpleNamespace(main=lambda args: seen.append(args) or 0))
    monkeypatch.setitem(cli.COMMANDS, "play", "stand_in_play:main")
    assert cli.main([]) == 0
    assert [a.command for a in seen] == ["play"] and seen[0].seed is None and seen[0].saves is None
    assert cli.main(["--seed", "7", "--trust-model"]) == 0  # play's flags without the word
    assert seen[1].command == "play" and seen[1].seed == 7 and seen[1].trust_model


def test_version_names_the_package(capsys):
    import cli

    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("pico-rogue ")


@pytest.mark.slow
def test_every_hostile_input_gets_the_same_answer_from_python_m_cli(tmp_path):
    """The whole hostile-input file again, every command run as `python -m cli`."""
    tests = Path(__file__).resolve().parent
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
                        "-m", "slow or not slow", str(tests / "test_hostile_inputs.py")],
                       capture_output=True, text=True, timeout=900, cwd=tests.parent,
                       env={**os.environ, "PICO_CLI_FORM": "module"})
    assert p.returncode == 0, p.stdout[-3000:]
    assert " passed" in p.stdout and "failed" not in p.stdout
