import sys

from simprof.cli import main

sys.exit(main())
