"""A battle as it is saved: the battle save written when a fight ends (to
study it, replay it, and train on it: each turn's `prompt` and the engine's
next state `engine`), and the state of a battle under way that a suspended
run holds. Both declared here, once; game/world/battle.py fills them in.

    {"kind": "pico-rogue battle", "version": 1, "seed": 17,
     "weights": {"name": ..., "sha256": ...} | null, "template": "v1",
     "result": "won" | "lost" | "fled" | "unfinished", "depth": 3, "trust_model": false,
     "flights": [{"turn": 4, "got_away": false}, ...],
     "agreement": {"agreed": 9, "asked": 10},
     "content": {"packs": ["assets/packs/frost"], "digest": "63494aff91f341c2"},
     "turns": [{"prompt", "engine", "model", "model_valid", "model_error",
                "applied", "divergences", ...}, ...]}

`content` names the packs the battle was played with, as given to --pack,
and the digest of the rules in play (game/combat/content.py `digest`). It
is written only when the content was not the bundled one: a save without it
(every save from before it, and every one played on assets/ alone) was
played with the bundled content.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, Strict, ValidationError

from game.combat import limits
from game.combat.content import Content, bundled
from game.combat.encounter import LABELS, MONSTER_LABELS
from game.records import atomic
from game.records.fields import Bool, Count, Exact, Int, Name, Note, Record, Small, Text, later, problem, written
from game.records.files import SaveError, check_kind, dumps, folder_or_saves, inert_all, read_json
from game.records.rng import RngRecord

BATTLE_KIND, BATTLE_VERSION = "pico-rogue battle", 1
Label = Literal["hero", "m1", "m2", "m3"]
Result = Literal["won", "lost", "fled", "unfinished"]


class TurnRecord(Record):
    prompt: Text
    engine: Text
    model: Text | None
    model_valid: Bool
    model_error: Note | None
    asked_model: Bool = True
    applied: Literal["engine", "model"]
    divergences: list[Note] = Field(max_length=64)
    trusted: Bool = False
    fallback: Note | None = None
    narration: list[Note] = Field(default_factory=list, max_length=64)


# the keys every saved turn has had since the first version
TURN_KEYS = tuple(name for name, f in TurnRecord.model_fields.items() if f.is_required())


class WeightsRecord(Record):
    name: Note
    sha256: Note


class ContentRecord(Record):
    """The content a battle or a run was played with: the packs laid over
    assets/, in order, as they were given, and the digest of its rules."""

    packs: list[Note] = Field(max_length=limits.PACKS)
    digest: Annotated[str, Strict(), Field(pattern=r"^[0-9a-f]{16}$")]


def content_record(content: Content) -> dict | None:
    """The `content` a record of a battle or run played with `content` holds:
    None (the field left out) for the bundled content."""
    if not content.packs and content.digest == bundled().digest:
        return None
    return written(ContentRecord, packs=list(content.packs), digest=content.digest)


@dataclass(frozen=True)
class PlayedWith:
    """The content a record says it was played with (the bundled content
    when it says nothing), and how that reads beside the content in play."""

    packs: tuple[str, ...]
    digest: str

    @classmethod
    def of(cls, data: dict) -> PlayedWith:
        got = data.get("content")
        if not isinstance(got, dict):
            return cls((), bundled().digest)
        return cls(tuple(got["packs"]), got["digest"])

    @staticmethod
    def words(packs: tuple[str, ...] | list[str]) -> str:
        """'packs frost, ice' or 'the bundled content'."""
        return f"pack{'s' if len(packs) > 1 else ''} {', '.join(packs)}" if packs else "the bundled content"

    def differs(self, content: Content) -> bool:
        return self.digest != content.digest

    def mismatch(self, content: Content, what: str = "battle", again: str = "replay --rerun") -> str | None:
        """One line when `content` is not what the record was played with
        (None when it is): both, their digests, and how to get the right one."""
        if not self.differs(content):
            return None
        if self.packs and tuple(self.packs) == tuple(content.packs):
            how = "its packs have changed since"
        elif self.packs:
            how = f"{again} with {' '.join(f'--pack {p}' for p in self.packs)}"
        else:
            how = f"{again} without --pack" if content.packs else "the bundled assets have changed since"
        now = "the bundled one" if not content.packs else self.words(content.packs)
        return (f"this {what} was played with {self.words(self.packs)} (content {self.digest}), "
                f"the content in play is {now} (content {content.digest}): {how}")


class Agreement(Record):
    agreed: Count
    asked: Count


def agreement_words(agreed: int, asked: int) -> str:
    """The agreement figure, one definition for every place that shows it
    (the death screen, the morgue, the battle and dungeon screens):
    '199/200 (99.5%)', or '-' when the model was never asked. The share is
    rounded down to a tenth, so only a model that agreed on every turn reads
    100% (rounded to the nearest, 199 of 200 once showed as 100%)."""
    if not asked:
        return "-"
    return f"{agreed}/{asked} ({1000 * agreed // asked / 10:.1f}%)"


class Flight(Record):
    turn: Int
    got_away: Bool


class BattleRecord(Record):
    """A battle save (checked by hand first: its kind and version)."""

    kind: Literal["pico-rogue battle"]
    version: Int
    seed: Int | None = None
    battle_seed: Int | None = None
    weights: WeightsRecord | None = None
    template: Name
    source: Note = "play"
    depth: Int | None = None
    result: Result
    monsters: list[Name] = Field(default_factory=list, max_length=len(MONSTER_LABELS))
    trust_model: Bool = False
    flights: list[Flight] = Field(default_factory=list, max_length=limits.SAVE_TURNS)
    agreement: Agreement | None = None
    created: Note | None = None
    content: ContentRecord | None = later()
    turns: list[TurnRecord] = Field(max_length=limits.SAVE_TURNS)


# --- a battle under way, in a suspended run ----------------------------------------------


class StatusRecord(Exact):
    name: Name
    turns: Int
    power: Int


class CombatantRecord(Exact):
    label: Label
    kind: Name
    hp: Int
    max_hp: Int
    mp: Int
    max_mp: Int
    atk: Int
    defence: Int
    statuses: list[StatusRecord] = Field(max_length=16)
    cooldowns: list[tuple[Name, Int]] = Field(max_length=16)


class EncounterRecord(Exact):
    """Encounter.to_dict's form."""

    turn: Int
    actor: Literal["hero", "m1", "m2", "m3", "end"]
    combatants: list[CombatantRecord] = Field(min_length=2, max_length=len(LABELS))


class BattleTurnRecord(TurnRecord):
    actor: Label
    action: tuple[Name, Label]


class BattleStateRecord(Record):
    start: EncounterRecord
    encounter: EncounterRecord
    seed: Int
    rng: RngRecord
    potions: dict[Name, Small] = Field(max_length=64)
    fled: Bool = False
    flights: list[tuple[Int, Bool]] = Field(default_factory=list, max_length=limits.SAVE_TURNS)
    parting: Literal[MONSTER_LABELS] | None = None  # type: ignore[valid-type]  # a fled battle's striker, its blow to come
    turns: list[BattleTurnRecord] = Field(max_length=limits.SAVE_TURNS)


# --- reading and writing battle saves -----------------------------------------------------


@dataclass(frozen=True)
class BattleSave:
    """A battle save that passed every check: `data` is the file's JSON."""

    path: Path
    data: dict

    @property
    def turns(self) -> list[dict]:
        return self.data["turns"]

    @property
    def weights(self) -> dict | None:
        return self.data.get("weights")

    @property
    def played_with(self) -> PlayedWith:
        return PlayedWith.of(self.data)


def load_battle(path: Path | str) -> BattleSave:
    """Read and check a battle save; raises SaveError with one clear line."""
    path = Path(path)
    data = read_json(path, limits.BATTLE_SAVE_BYTES, "battle save", SaveError)
    check_kind(path, data, BATTLE_KIND, (BATTLE_VERSION,), "battle save", SaveError)
    turns = data.get("turns")
    if isinstance(turns, list) and len(turns) > limits.SAVE_TURNS:  # before checking each of them
        raise SaveError(f"{path}: {len(turns):,} turns, past the limit of {limits.SAVE_TURNS:,} for a battle save")
    try:
        BattleRecord.model_validate(data)
    except ValidationError as exc:
        raise SaveError(f"{path}: {problem(exc)}") from None
    return BattleSave(path, inert_all(data))


def save_battle(data: dict, folder: Path | None = None, stem: str = "battle") -> Path:
    """Write a battle record under a fresh name `STEM-NNN.json` in `folder`
    (default saves/); never replaces a file, even with other games saving
    under the same stem at the same moment."""
    return atomic.create(folder_or_saves(folder), stem, dumps(data))
