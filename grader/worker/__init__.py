"""What runs inside the sandbox: a zygote that forks one child per check, and the observers.

Nothing here judges. Observers run student code on given inputs and return plain data; the
grading process decides what that data is worth.
"""
