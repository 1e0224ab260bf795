"""Measuring the pico model against the rules engine: eval, bench, the perturb lab."""
