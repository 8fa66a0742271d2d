"""Text that student code or a student's files wrote, made safe to show anywhere: as text, never as commands.

What student code prints, the messages of its exceptions and the names of its files reach the reader's
terminal, the feedback pages, JUnit and ``results.json``. An escape sequence in them could clear the
screen, retitle the window, paint a green "all checks passed" or hide the lines below; a bidirectional
control could reorder what is read. ``printable`` shows every such character as an escape (``\\x1b``),
keeps tabs and line breaks, and turns a carriage return (a progress bar's redraw) into a line break.
"""

from __future__ import annotations

import re

# C0 and C1 controls but tab and newline, DEL, and the format characters that reorder or hide text.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def printable(text: str) -> str:
    """``text`` with every character that could act on a terminal or a page shown as an escape."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return UNSAFE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)
