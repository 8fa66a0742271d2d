"""``python -m grader.classroom``: kept where released templates call it; see ``grader.integrations.classroom``."""

import sys

from grader.integrations.classroom import main

if __name__ == "__main__":
    sys.exit(main())
