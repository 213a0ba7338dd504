"""`python -m newswatch.cli`: the same as the `newswatch` command (the daemon runs crawls this way)."""

import sys

from newswatch.cli import main

sys.exit(main())
