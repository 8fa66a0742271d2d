"""``python -m grader.similarity``: kept where commands call it; see ``grader.integrations.similarity``."""

import sys

from grader.integrations.similarity import main

if __name__ == "__main__":
    sys.exit(main())
