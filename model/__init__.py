"""pico-rogue's model half: tokenizer, network, training, decoding and evaluation."""
