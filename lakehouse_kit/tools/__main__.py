"""`python -m lakehouse_kit.tools ...`: the same as `lakehouse-dev ...`."""

import sys

from lakehouse_kit.tools.cli import main

sys.exit(main())
