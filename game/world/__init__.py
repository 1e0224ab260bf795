"""The roguelike on top of the combat core: the dungeon, a run, a battle turn by
turn with the rules and the model side by side, the monsters' tactics, the
scripted hero, and the fights drawn for training data."""
