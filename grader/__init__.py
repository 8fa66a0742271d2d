"""The auto-grader: checks a submission's ``dataset.py``, ``model.py`` and ``training.py``.

A grade flows one way, and the folders say so (``import-linter`` keeps the arrows pointing down):

- ``cli``, ``pipeline``: the arguments, and a grade as named steps (take in, admit, run the checks, report);
- ``integrations``: warm graders for a class, gradebooks, and the runs of Gradescope, Classroom and nbgrader;
- ``outputs``: what a grade is written as (the terminal, ``results.json``, JUnit, feedback pages);
- ``judge``: the checks, which judge observations against expectations, and the points they give;
- ``observe``: what runs in the sandbox, beside student code, and reports plain data;
- ``sandbox``: where and as whom student code runs, within which limits, and how it is ended;
- ``intake``: what a student handed in, made into the modules to grade; and MNIST;
- ``config``: the rubric and where things are.

The grading process never imports a submission: student code runs only in the sandbox's workers.
"""
