"""`python -m cli` is `pico-rogue`."""

import sys

from cli import main

sys.exit(main())
