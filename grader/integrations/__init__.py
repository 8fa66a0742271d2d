"""The grader in the places it is used: a class graded by warm graders, locally or on Dask (``warm``,
``batch``), gradebook imports for Canvas and Moodle (``gradebook``), Gradescope's ``run_autograder``
(``gradescope``), GitHub Classroom's check steps (``classroom``) and nbgrader's check cells (``nbgrader``).
``grader.batch``, ``grader.gradescope``, ``grader.classroom`` and ``grader.notebook_checks`` stay where
released templates and notebooks call them, as shims."""
