"""``linclass demo``: serve the interactive page on 127.0.0.1 and open it in a browser, in
English or Korean (``--lang ko`` opens ``/?lang=ko``; the page's own switch keeps the choice
in the URL)."""

import argparse
import sys
import webbrowser

from linclass.cli._common import emit

#: The page's languages (js/i18n.mjs's catalogs).
LANGUAGES = ("en", "ko")


def _port(text):
    """argparse type: a TCP port in [0, 65535] (0: any free port)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be in [0, 65535], got {text!r}")
    return value


def add_parser(subparsers, parent):
    p = subparsers.add_parser(
        "demo", parents=[parent],
        help="open the interactive linear-classification page",
        description="Serve the interactive demo page (points, W and b, the losses, gradient "
                    "descent) on 127.0.0.1 and open it in the web browser, in English or "
                    "Korean (the page has a switch too). Ctrl-C stops it.")
    p.add_argument("--port", type=_port, default=8231,
                   help="TCP port on 127.0.0.1 (default: 8231; 0 picks a free port)")
    p.add_argument("--lang", choices=LANGUAGES, default="en",
                   help="language the page opens in: en (English, default) or ko (Korean)")
    p.add_argument("--no-browser", action="store_true",
                   help="only print the address; do not open a browser")
    return p


def run(args):
    from linclass.demo import make_server  # the web server: imported only when it runs

    server = make_server(args.port)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    if args.lang != "en":
        url += f"?lang={args.lang}"
    try:
        emit(args, {"url": url}, f"linclass demo: serving {url} (Ctrl-C to stop)")
        sys.stdout.flush()
        if not args.no_browser:
            webbrowser.open(url)
        server.serve_forever()
    except KeyboardInterrupt:
        print("linclass demo: stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
