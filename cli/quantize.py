"""`pico-rogue quantize`: smaller weights (int8 with scales, or fp16), and how far
the largest value moved."""

from __future__ import annotations

import argparse
import json

import numpy as np

from model import quantize, weights


def main(args: argparse.Namespace) -> int:
    made = quantize.quantize(args.weights, args.out, args.dtype, args.group)
    size = made.path.stat().st_size
    worst = 0.0
    source = weights.read(args.weights)
    for name, w in source.tensors.items():
        worst = max(worst, float(np.abs(made.tensors[name] - w).max()))
    print(json.dumps({"out": str(made.path), "dtype": args.dtype, "bytes": size,
                      "from_bytes": source.path.stat().st_size, "largest_change": worst}))
    return 0
