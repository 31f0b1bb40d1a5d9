"""The frozen program's first module: the same entry point as the `mis-wizard` pip script."""

import sys

from mis_wizard.main import main

if __name__ == "__main__":
    sys.exit(main())
