"""``python -m pregel`` is the ``pregel`` command."""

import sys

from pregel.cli import main

sys.exit(main())
