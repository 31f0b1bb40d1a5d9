import sys

from mis_wizard.main import main

sys.exit(main())
