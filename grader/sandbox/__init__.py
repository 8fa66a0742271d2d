"""Where student code runs: a worker in a jail (``jail``), run as a user of its own (``users``), one
child per check whose whole process tree is bounded (``limits``, ``cgroups``) and ended with the check
(``processes``), speaking plain data over a wire format that cannot run code (``wire``, ``session``)."""
