"""A local HTTP server for the demo's static files."""

import errno
import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

#: The page's files, shipped as package data.
STATIC_DIR = Path(__file__).resolve().parent / "static"

HOST = "127.0.0.1"


class _StaticHandler(SimpleHTTPRequestHandler):
    """Serves ``STATIC_DIR`` without logging, without caching, with JavaScript modules typed."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".json": "application/json",
    }

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format, *args):  # library code never prints
        pass


def make_server(port=0):
    """A threading HTTP server for the demo page on ``127.0.0.1:port`` (not yet serving).

    Parameters
    ----------
    port : int, the TCP port; 0 picks a free one.

    Returns
    -------
    server : http.server.ThreadingHTTPServer; ``server.server_address[1]`` is the port bound.
    Call ``serve_forever()`` (in a thread if needed), then ``shutdown()`` and ``server_close()``.

    Raises
    ------
    OSError
        One line naming the port when it is in use or cannot be bound.
    """
    handler = functools.partial(_StaticHandler, directory=str(STATIC_DIR))
    try:
        return ThreadingHTTPServer((HOST, port), handler)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise OSError(f"port {port} on {HOST} is already in use; choose another with "
                          "--port N, or --port 0 for a free one") from None
        raise OSError(f"cannot serve on {HOST}:{port}: {error.strerror or error}") from None
