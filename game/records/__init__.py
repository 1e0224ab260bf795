"""What is saved: battle saves, runs (suspended and finished), morgue files,
scores and training examples, each declared once and written atomically."""
