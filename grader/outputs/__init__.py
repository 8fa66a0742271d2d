"""What a grade is written as, for whom: the report and what each audience reads of it (``report``), the
terminal (``terminal``), Gradescope's ``results.json`` (``results``, its only writer and reader), JUnit
(``junit``), feedback pages (``pages``) with training curves (``curves``); text from student code made
safe to show (``printable``); files written whole or not at all (``files``)."""
