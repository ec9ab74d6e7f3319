"""`python -m provisioning` is `gaia-provision`."""

import sys

from provisioning.cli import main

sys.exit(main())
