"""What a student handed in, made into the modules the grader grades: the contract's names (``contract``),
folders and single files (``submission``), archives (``archives``), notebooks (``notebook``), Canvas and
Moodle downloads (``lms``), the notes on what was done (``notes``), a submission's fingerprint
(``fingerprint``); and MNIST, read, staged and downloaded (``data``, ``download``). Nothing here runs
student code."""
