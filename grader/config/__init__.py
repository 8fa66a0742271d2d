"""What a grade is configured by: the rubric (``rubric``), a check's limits (``limits``) and where the kit,
its data and its reference are (``paths``). Everything else in the grader, ``kit/`` and ``bench/`` read it
from here."""
