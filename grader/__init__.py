"""The auto-grader: checks a submission's ``dataset.py``, ``model.py`` and ``training.py``.

The grading process never imports a submission. Student code runs only in worker processes
(``grader.worker``) that return plain data; the checks in ``grader/checks`` judge that data.
"""
