"""``linclass demo``: serves the page on 127.0.0.1, reports the address, fails clearly."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.request

import pytest

from linclass.cli.demo import LANGUAGES
from linclass.demo import STATIC_DIR, make_server


def _start(*args):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "linclass", "demo", "--no-browser", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _stop(proc):
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    return proc.returncode, out, err


def _get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers.get_content_type(), response.read()


def test_port_0_prints_the_address_serves_the_page_and_stops_on_ctrl_c():
    proc = _start("--port", "0")
    try:
        line = proc.stdout.readline()
        assert line.startswith("linclass demo: serving http://127.0.0.1:"), line
        url = line.split()[3]
        kind, body = _get(url)
        assert kind == "text/html"
        assert b"<canvas id=\"view\"" in body
        kind, body = _get(url + "js/losses.mjs")
        assert kind == "text/javascript"  # module scripts need a JavaScript MIME type
        assert body == (STATIC_DIR / "js" / "losses.mjs").read_bytes()
    finally:
        code, _, err = _stop(proc)
    assert code == 0
    assert "stopped" in err


def test_json_prints_one_object_with_the_url():
    proc = _start("--port", "0", "--json")
    try:
        result = json.loads(proc.stdout.readline())
        assert _get(result["url"])[0] == "text/html"
    finally:
        _stop(proc)
    assert set(result) == {"url"}


def test_a_port_in_use_is_one_clear_line_and_exit_1():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "linclass", "demo", "--no-browser",
                               "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"linclass: port {port} on 127.0.0.1 is already in use; choose another with --port N, "
        "or --port 0 for a free one"]


@pytest.mark.parametrize("port", ["-1", "65536", "http"])
def test_a_bad_port_is_a_usage_error(port):
    done = subprocess.run([sys.executable, "-m", "linclass", "demo", "--no-browser",
                           "--port", port], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--port" in done.stderr


def test_make_server_serves_every_static_file_and_nothing_outside():
    server = make_server(0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        files = [p for p in STATIC_DIR.rglob("*") if p.is_file()]
        assert {p.name for p in files} >= {"index.html", "style.css", "app.mjs", "losses.mjs"}
        for path in files:
            assert _get(base + path.relative_to(STATIC_DIR).as_posix())[1] == path.read_bytes()
        with pytest.raises(urllib.error.HTTPError, match="404"):
            _get(base + "../__init__.py")
    finally:
        server.shutdown()
        server.server_close()


def test_lang_ko_opens_the_page_in_korean():
    proc = _start("--port", "0", "--lang", "ko", "--json")
    try:
        url = json.loads(proc.stdout.readline())["url"]
        assert url.endswith("/?lang=ko")
        kind, body = _get(url)  # the query names the language; the server serves the page
        assert kind == "text/html" and body == (STATIC_DIR / "index.html").read_bytes()
    finally:
        _stop(proc)
    catalogs = (STATIC_DIR / "js" / "i18n.mjs").read_text(encoding="utf-8")
    languages = re.findall(r"^  (\w+): \{$", catalogs, flags=re.MULTILINE)
    assert tuple(languages) == LANGUAGES  # the flag offers exactly the page's catalogs
    done = subprocess.run([sys.executable, "-m", "linclass", "demo", "--no-browser",
                           "--lang", "fr"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--lang" in done.stderr
