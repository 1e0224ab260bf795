"""The Textual screens: the game, the battle beside the model, replay, serve."""
