"""``python -m pregel`` is the ``pregel`` command."""

import sys

from pregel.cli.main import main

sys.exit(main())
