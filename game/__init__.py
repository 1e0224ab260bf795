"""pico-rogue's game half: content, combat rules, the template, the dungeon and the app."""
