"""Regenerate tests/golden/bundled.jsonl: the bundled model's exact outputs on
12 fixed prompts, which tests/test_bundled.py then checks token for token.

Run it after retraining the bundled model, and commit both:

    .venv/bin/python tests/golden/make_golden.py

Each line: the prompt, the output's token ids and text, and the sha256 of the
weights that produced them.
"""

from __future__ import annotations

import json
from pathlib import Path

from game.world.generate import transitions
from model.resolver import ModelResolver, load_resolver

GOLDEN = Path(__file__).resolve().parent / "bundled.jsonl"
PROMPTS, SEED = 12, 2024


def output_ids(resolver: ModelResolver, prompt: str) -> list[int]:
    """The token ids the game's resolver decodes for `prompt`."""
    return resolver.decode(prompt).ids


def main() -> None:
    resolver = load_resolver()
    lines = []
    answers = []
    for record in transitions(PROMPTS, SEED):
        reading, decoded = resolver.read_and_decode(record["prompt"])
        ids = decoded.ids
        lines.append({"prompt": record["prompt"], "ids": ids, "next": resolver.tok.decode(ids),
                      "weights_sha256": resolver.weights_sha256})
        answers.append(resolver.answer(reading, ids))  # a v4 model's `next` is in slots: the names put back
    GOLDEN.write_text("".join(json.dumps(line) + "\n" for line in lines))
    right = sum(a == r["target"] for a, r in zip(answers, transitions(PROMPTS, SEED), strict=True))
    print(f"wrote {GOLDEN}: {len(lines)} outputs of {resolver.weights_name}, {right} equal to the engine's")


if __name__ == "__main__":
    main()
