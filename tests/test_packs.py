"""Content packs: laid over assets/ in order, an entry replaced whole or
added; read as untrusted input (an alias bomb, a 10 MB file, a duplicate
entry, a misspelt field or file are one line naming the pack's file and
entry, in well under a second)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cli import main
from game.combat import content, limits
from game.combat.content import ASSETS, ContentError, bundled, default, load

FROST = ASSETS / "packs" / "frost"
RAT = "rat:\n  glyph: r\n  depth: 1\n  hp: 6\n  mp: 0\n  atk: 2\n  def: 0\n  xp: 2\n  abilities: [strike]\n  style: brute\n"


@pytest.fixture(autouse=True)
def bundled_after():
    yield
    content.use(None)


def _pack(tmp_path: Path, files: dict[str, str], name: str = "pack") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for file, text in files.items():
        (folder / file).write_text(text)
    return folder


def _refused(pack: Path, *says: str) -> str:
    with pytest.raises(ContentError) as err:
        load(ASSETS, [pack])
    message = str(err.value)
    assert "\n" not in message and len(message) < 300, message
    for word in says:
        assert word in message, message
    return message


def test_an_entry_of_a_known_name_is_replaced_whole_and_a_new_one_added(tmp_path):
    pack = _pack(tmp_path, {"monsters.yaml": RAT.replace("hp: 6", "hp: 7").replace("  mp: 0\n", "  mp: 3\n")
                            + RAT.replace("rat:", "giant_rat:").replace("glyph: r", "glyph: R")})
    got = load(ASSETS, [pack])
    assert got.monsters["rat"].hp == 7 and got.monsters["rat"].mp == 3
    assert got.monsters["rat"].grow == {}  # replaced whole: the bundled rat's `grow` is gone
    assert list(got.monsters)[-1] == "giant_rat" and list(got.monsters)[:-1] == list(bundled().monsters)
    assert got.packs == (str(pack),)


def test_packs_apply_in_order(tmp_path):
    first = _pack(tmp_path, {"monsters.yaml": RAT.replace("hp: 6", "hp: 7")}, "first")
    second = _pack(tmp_path, {"monsters.yaml": RAT.replace("hp: 6", "hp: 8")}, "second")
    assert load(ASSETS, [first, second]).monsters["rat"].hp == 8
    assert load(ASSETS, [second, first]).monsters["rat"].hp == 7


def test_hero_and_dungeon_are_replaced_whole(tmp_path):
    pack = _pack(tmp_path, {"dungeon.yaml": "floors: 7\ngroups: 2\ngroups_per_floor: 1\nitems: [0, 2]\n"})
    assert load(ASSETS, [pack]).descent.floors == 7


def test_the_shipped_pack_loads_and_adds_a_status_last():
    frost = load(ASSETS, [FROST])
    assert frost.status_order[-1] == "chill" and frost.status_order[:-1] == bundled().status_order
    assert frost.abilities["frost_bite"].applies.status == "chill"
    assert {"frost_wisp", "yeti", "ice_golem", "frost_witch"} <= set(frost.monsters)


def test_the_bundled_content_is_what_it_was():
    """The safe reader changes nothing of assets/: the same entries, same order."""
    assert load(ASSETS) == bundled() == default()
    assert list(bundled().monsters)[:3] == ["rat", "bat", "snake"] and bundled().packs == ()


@pytest.mark.parametrize("files,says", [
    ({"monsters.yaml": RAT.replace("  xp: 2\n", "  xp: 2\n  abilites: [strike]\n")},
     ["monsters.yaml", "entry 'rat'", "unknown field 'abilites'", "did you mean 'abilities'"]),
    ({"monsters.yaml": RAT + RAT.replace("hp: 6", "hp: 60")}, ["monsters.yaml", "entry 'rat' appears twice", "line 1"]),
    ({"monsters.yaml": RAT.replace("  hp: 6\n", "  hp: 6\n  hp: 9\n")}, ["entry 'rat': field 'hp' appears twice"]),
    ({"monster.yaml": RAT}, ["monster.yaml", "not an asset file", "did you mean 'monsters.yaml'"]),
    ({"README": "words"}, ["holds none of the asset files"]),
    ({"monsters.yaml": RAT.replace("hp: 6", "hp: '" + "9" * 5000 + "'")}, ["entry 'rat'", "'hp' must be int", "..."]),
    ({"abilities.yaml": "zap:\n  target: enemy\n  applies: {status: frost, turns: 2}\n"},
     ["abilities.yaml", "'zap.applies'", "unknown status 'frost'"]),
    ({"monsters.yaml": RAT.replace("style: brute", "style: brute\n  boss: true")}, ["exactly one", "rat in"]),
    ({"monsters.yaml": "rat: &r\n  glyph: r\nbat: *r\n"}, ["monsters.yaml", "alias", "line 3"]),
    ({"monsters.yaml": "rat:\n  <<: {glyph: r}\n"}, ["monsters.yaml", "merge key"]),
])
def test_a_broken_pack_is_one_line_naming_its_file_and_entry(tmp_path, files, says):
    message = _refused(_pack(tmp_path, files), *says)
    assert str(tmp_path / "pack") in message


def test_an_alias_bomb_is_refused_before_anything_is_built(tmp_path):
    bomb = "a0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    bomb += "".join(f"a{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10))
    bomb += "strike:\n  target: enemy\n  uses_atk: true\n  describe: *l9\n"
    pack = _pack(tmp_path, {"abilities.yaml": bomb})
    t0 = time.perf_counter()
    _refused(pack, "abilities.yaml", "alias", "anchors and aliases")
    assert time.perf_counter() - t0 < 1.0


def test_a_file_past_the_cap_is_refused_unread(tmp_path):
    pack = _pack(tmp_path, {"monsters.yaml": "rat:\n  describe: '" + "x" * (limits.CONTENT_BYTES + 1) + "'\n"})
    _refused(pack, "monsters.yaml", "past the", "content file")


def test_too_many_values_are_refused(tmp_path):
    pack = _pack(tmp_path, {"monsters.yaml": "rat: [" + ",".join(["1"] * (limits.CONTENT_NODES + 1)) + "]\n"})
    _refused(pack, "monsters.yaml", f"more than {limits.CONTENT_NODES:,} values")


def test_a_missing_pack_folder(tmp_path):
    _refused(tmp_path / "nowhere", "no such folder")


def test_every_command_of_the_issue_takes_pack():
    from cli.parser import parser

    for command in ("play", "serve", "selfplay", "generate", "resolve", "eval", "bench", "train", "replay"):
        args = parser().parse_args([command, *(["--engine"] if command == "resolve" else []),
                                    *(["x.json"] if command == "replay" else []), "--pack", "a", "--pack", "b"])
        assert [str(p) for p in args.pack] == ["a", "b"], command


def test_a_hostile_pack_on_the_command_line_is_one_line_and_exit_2(tmp_path, capsys):
    pack = _pack(tmp_path, {"monsters.yaml": RAT + RAT})
    assert main(["generate", "--n", "1", "--pack", str(pack)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "monsters.yaml: entry 'rat' appears twice" in err
    assert default() is bundled()


def test_generate_follows_the_pack(capsys):
    assert main(["generate", "--n", "200", "--seed", "3", "--pack", str(FROST)]) == 0
    out = capsys.readouterr().out
    assert " chill " in out or "frost_" in out or "yeti" in out
    assert default() is bundled()  # the command's content is its own


def test_replay_takes_pack_only_with_rerun(tmp_path, capsys):
    assert main(["replay", str(tmp_path / "x.json"), "--pack", str(FROST)]) == 2
    assert "--pack goes with --rerun" in capsys.readouterr().err


@pytest.mark.slow
def test_a_hostile_pack_costs_a_second_and_little_memory(tmp_path):
    """The issue's target: exit 2, one line, at most 300 MB and 5 s, for each
    hostile pack. Memory by /usr/bin/time, a small process between: a child
    forked from this large one would count this one's pages as its own."""
    import shutil
    import subprocess
    import sys

    timer = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    bomb = "a0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    bomb += "".join(f"a{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10))
    hostile = {
        "bomb": {"abilities.yaml": bomb + "strike:\n  target: enemy\n  describe: *l9\n"},
        "big": {"monsters.yaml": "rat:\n  describe: '" + "x" * (10 * 2**20) + "'\n"},
        "twice": {"monsters.yaml": RAT + RAT},
        "misspelt": {"monsters.yaml": RAT.replace("  xp: 2\n", "  xp: 2\n  descibe: a rat\n")},
    }
    for name, files in hostile.items():
        pack = _pack(tmp_path, files, name)
        peak = tmp_path / f"{name}.kb"
        command = [sys.executable, "-m", "cli", "selfplay", "--runs", "1", "--engine-only", "--pack", str(pack)]
        start = time.perf_counter()
        done = subprocess.run([timer, "-f", "%M", "-o", str(peak), *command] if timer else command,
                              capture_output=True, timeout=60)
        seconds = time.perf_counter() - start
        assert done.returncode == 2 and done.stdout == b"" and done.stderr.count(b"\n") == 1, (name, done.stderr)
        assert str(pack).encode() in done.stderr, (name, done.stderr)
        assert seconds < 5, (name, seconds)
        if timer:
            assert int(peak.read_text().split()[-1]) < 300 * 1024, (name, peak.read_text())  # KiB
