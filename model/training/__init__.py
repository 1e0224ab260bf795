"""Training the pico model: examples drawn by the engine, the recipe, the loop."""
