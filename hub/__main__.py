"""`python -m hub` is `gaia-hub`."""

import sys

from hub.cli import main

sys.exit(main())
