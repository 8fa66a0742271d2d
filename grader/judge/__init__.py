"""Judging a submission: the checks (``checks``), what a verdict says (``verdict``), a check's result
(``result``, readable without pytest), one grading run's shared state (``grading``), the pytest plugin
that turns outcomes into points (``plugin``), and the reference's observations (``reference``)."""
