"""The combat core: the state, the rules and the template, pure.

No screen, no files but the content's YAML, no randomness but the dice a
caller writes into the prompt. Everything else in the project stands on it.
"""
