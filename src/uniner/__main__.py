"""``python -m uniner`` runs the command line (same as the ``uniner`` script)."""

import sys

from uniner.cli import main

sys.exit(main())
