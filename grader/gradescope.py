"""``python -m grader.gradescope``: kept where released templates call it; see ``grader.integrations.gradescope``."""

import sys

from grader.integrations.gradescope import main

if __name__ == "__main__":
    sys.exit(main())
