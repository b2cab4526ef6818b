"""The demo server: loopback only, its static files only, and up under a burst."""

import http.client
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from linclass.demo import _server


@pytest.fixture
def server(tmp_path, monkeypatch):
    static = tmp_path / "static"
    (static / "js").mkdir(parents=True)
    (static / "index.html").write_text("<h1>demo</h1>")
    (static / "js" / "app.js").write_text("export const x = 1;")
    (static / "empty").mkdir()
    (tmp_path / "secret.txt").write_text("top secret")
    (static / "link.txt").symlink_to(tmp_path / "secret.txt")
    (static / "linkdir").symlink_to(tmp_path)
    monkeypatch.setattr(_server, "STATIC_DIR", static)
    srv = _server.make_server(0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def get(srv, path, method="GET"):
    conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=10)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_binds_to_loopback_only(server):
    assert server.server_address[0] == "127.0.0.1"
    assert _server.HOST == "127.0.0.1"


def test_serves_its_files(server):
    assert get(server, "/") == (200, b"<h1>demo</h1>")
    assert get(server, "/js/app.js") == (200, b"export const x = 1;")
    assert get(server, "/index.html", "HEAD")[0] == 200
    assert get(server, "/index.html", "POST")[0] == 501


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/js/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/%2e%2e/secret.txt",
    "/js/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "//etc/passwd", "/etc/passwd",
    "/%2Fetc%2Fpasswd", "/link.txt", "/linkdir/secret.txt", "/empty/", "/js/", "/missing",
])
def test_nothing_outside_the_static_folder_and_no_listings(server, path):
    status, body = get(server, path)
    assert status == 404, (path, status)
    assert b"secret" not in body and b"root:" not in body and b"app.js" not in body


def test_stays_up_under_a_burst_of_concurrent_requests(server):
    n, workers = 300, 32
    start = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda i: get(server, "/js/app.js" if i % 2 else "/")[0],
                                range(n)))
    assert results.count(200) == n
    assert time.monotonic() - start < 60
    # half-open connections that never send a request do not block others
    idle = [http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
            for _ in range(20)]
    for conn in idle:
        conn.connect()
    assert get(server, "/")[0] == 200
    for conn in idle:
        conn.close()
    assert get(server, "/")[0] == 200
