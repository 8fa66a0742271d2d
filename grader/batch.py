"""``python -m grader.batch``: kept where commands and released templates call it; see ``grader.integrations.batch``."""

import sys

from grader.integrations.batch import main

if __name__ == "__main__":
    sys.exit(main())
