"""The Textual screens of the game: one mode of play per file."""
