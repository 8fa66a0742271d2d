"""``python -m grader.download``: kept where commands and released templates call it; see ``grader.intake.download``."""

import sys

from grader.intake.download import main

if __name__ == "__main__":
    sys.exit(main())
