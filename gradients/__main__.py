"""``python -m gradients``: the same as the ``gradients`` command."""

import sys

from gradients.cli import main

sys.exit(main())
