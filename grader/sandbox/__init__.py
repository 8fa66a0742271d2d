"""Where student code runs: a worker in a jail (``jail``), run as a user of its own (``users``), one
child per check whose whole process tree is bounded (``limits``) and ended with the check
(``processes``), speaking plain data over a wire format that cannot run code (``wire``, ``session``).
What the machine allows is the host layer's alone (``host``: Linux's prctl, /proc, rlimits, uids,
namespaces, control groups and bubblewrap; psutil on every other system)."""
