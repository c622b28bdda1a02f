"""``python -m carrier_tracker.cli``."""

from __future__ import annotations

import sys

from carrier_tracker.cli.main import main

sys.exit(main())
