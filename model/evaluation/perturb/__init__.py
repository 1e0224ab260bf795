"""`pico-rogue eval --suite perturb`: the failure-mode lab.

Named, seeded perturbation families over fresh prompts, each answered twice:

- guarded: as the game asks, through the input guard (model/guard.py), which
  refuses what the model cannot be trusted with;
- raw: the model reads the perturbed text anyway, the way the field note's
  model did. Decoding keeps the template's grammar, taking the structure from
  the perturbed prompt if it parses, else from the nearest valid prompt (the
  clean one it came from); with neither, plain greedy decoding.

A guarded answer is the raw one when the guard lets the prompt through, so
each prompt is decoded once. Every output is compared with the rules engine:
exactly, where the engine answers the perturbed prompt; and field by field
(game.combat.divergence's paths) against the reference, the engine's answer to the
perturbed prompt or else to the nearest valid one, to see how far structure
collapsed (fields lost, duplicated, wrong; row labels changed; status
effects kept). Token drift is measured on whole battles where the model reads
its own outputs. docs/lab.md explains the families and how to read the
numbers.

The lab in four files: `families.py` makes the perturbed prompts (named,
seeded families of kinds); `scoring.py` compares answers with the engine's
(exact, and field by field: how far structure collapsed) and sums them up,
and measures token drift on whole battles (model/rollout.py); `runner.py`
runs the suite (`eval --suite perturb`); `report.py` prints its tables.
Answers come from model/answers.py (`raw`: guard off, decoded in batches).
"""
