"""``python -m isometry.cli`` is ``python -m isometry``."""

import sys

from isometry.cli import main

sys.exit(main())
