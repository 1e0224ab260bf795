"""What is saved: battle saves, runs (suspended and finished), morgue files,
scores and training examples, each declared once (its pydantic schema, in
the module named for it) and written atomically.

The persistence layer stands on the combat core and nothing else:
game.world owns the state and fills in the records declared here, so the
dependencies point one way, game.world -> game.records -> game.combat.

    fields.py    the schemas' field types; `written`, a record's dict as declared
    files.py     the saves folder, reading a record file, the RecordError family
    rng.py       a random state as JSON
    battle.py    the battle save, and a battle under way in a suspended run
    run.py       the suspended run (run.json)
    finished.py  a finished run's record (runs/run-s<seed>-NNN.json)
    morgue.py    the morgue file: that record in words
    scores.py    the high-score table (scores.json)
    examples.py  JSONL training examples, and the reader of --data
    atomic.py    writes that are whole or absent
    lock.py      the saves folder held by one game at a time
"""
