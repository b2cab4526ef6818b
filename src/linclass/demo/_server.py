"""A local HTTP server for the demo's static files.

It binds to the loopback address only (:data:`HOST`; nothing else on the network can reach
it) and serves only the regular files under :data:`STATIC_DIR`: no directory listings
(a folder without ``index.html`` is 404), and no path that resolves outside the folder,
whether by ``..``, its encoded forms (``%2e%2e``), an absolute path or a symbolic link
(all 404). Only GET and HEAD are answered. Each connection gets its own thread with a
:data:`TIMEOUT_S` socket timeout, and the listen queue holds :data:`QUEUE` connections, so a
burst of requests is served rather than refused.
"""

import errno
import functools
import os
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

#: The page's files, shipped as package data.
STATIC_DIR = Path(__file__).resolve().parent / "static"

HOST = "127.0.0.1"
#: Seconds a connection may stay idle before it is closed.
TIMEOUT_S = 10
#: Pending connections the listening socket holds.
QUEUE = 128


class _StaticHandler(SimpleHTTPRequestHandler):
    """Serves ``STATIC_DIR`` without logging, without caching, with JavaScript modules typed."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".json": "application/json",
    }

    timeout = TIMEOUT_S

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def translate_path(self, path):
        """The file for ``path``, or a path that does not exist when it resolves outside
        the static folder (``..``, ``%2e%2e``, absolute paths, symbolic links)."""
        candidate = os.path.realpath(super().translate_path(path))
        root = os.path.realpath(self.directory)
        if candidate != root and not candidate.startswith(root + os.sep):
            return os.path.join(root, ".refused", "outside")  # no such file: 404
        return candidate

    def list_directory(self, path):
        self.send_error(404, "Not Found")
        return None

    def log_message(self, format, *args):  # library code never prints
        pass


class _Server(ThreadingHTTPServer):
    request_queue_size = QUEUE
    daemon_threads = True


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
        return _Server((HOST, port), handler)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise OSError(f"port {port} on {HOST} is already in use; choose another with "
                          "--port N, or --port 0 for a free one") from None
        raise OSError(f"cannot serve on {HOST}:{port}: {error.strerror or error}") from None
