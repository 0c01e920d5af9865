"""``python -m isometry`` runs the command line."""

import sys

from isometry.cli import main

sys.exit(main())
