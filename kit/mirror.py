"""A mirror of MNIST on the loopback: the four files gzipped as MNIST's mirrors hold them, served over HTTP.

Where torchvision's mirrors are out of reach (these machines, CI, a container built offline), ``MNIST_MIRROR``
pointed here lets the real downloader (``grader.download``, checksums and all) fetch a copy of MNIST.
Used by the kit's tests of the download path and by ``kit.gradescope_image``.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from grader.intake.data import FILES, raw_folder


def gzipped(data_dir: Path, into: Path) -> Path:
    """MNIST's four files from ``data_dir`` (DIR/MNIST/raw/), gzipped into ``into``, as a mirror holds them."""
    into.mkdir(parents=True, exist_ok=True)
    for name in FILES.values():
        (into / f"{name}.gz").write_bytes(gzip.compress((raw_folder(data_dir) / name).read_bytes(), compresslevel=1))
    return into


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, *args: object) -> None:  # torchvision's redirect probe hangs up mid-answer
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on the loopback; yield its URL (ending in /)."""
    server = QuietServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
