"""`python -m codetracker.cli`, as the `codetracker` console script."""

import sys

from codetracker.cli.entry import main

if __name__ == "__main__":  # importing the package's modules (e.g. to check them) runs nothing
    sys.exit(main())
