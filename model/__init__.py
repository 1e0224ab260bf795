"""pico-rogue's model half: tokenizer, network, training, the numpy and torch
runtimes, decoding and evaluation."""

import os

# The game's matrices are small: OpenBLAS's extra threads only wait on one
# another (measured on 2 busy cores: a 71-token prompt through the numpy
# runtime took 19 ms with OpenBLAS's default threads, 1.9 ms with one). It
# reads this when numpy loads; a setting of the user's own wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
