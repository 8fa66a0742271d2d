"""What runs inside the sandbox, beside student code: a zygote that forks one child per check
(``zygote``), the observers that run student code on the grader's inputs (``observers``, ``probes``,
``student``), and what keeps them out of its reach (``disguise``, ``seal``). Which observers there are,
and what each is doing in words a student reads, is ``catalogue``: the grading process imports that alone.

Nothing here judges. Observers return plain data; the grading process decides what it is worth.
"""
