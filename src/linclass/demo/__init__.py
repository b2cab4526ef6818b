"""The interactive demo page: linear classification of 2-D points in a browser.

The page is static (``static/``: HTML, CSS and JavaScript modules, nothing fetched from the
internet). :func:`make_server` serves it on 127.0.0.1; ``linclass demo`` runs that server.
It speaks English and Korean: every word it shows comes from the catalogs of
``static/js/i18n.mjs``, chosen by ``?lang=en|ko`` in the URL (``linclass demo --lang ko``) or
the switch on the page, which writes the choice back to the URL.
The page's losses are JavaScript copies of :mod:`linclass.losses`, held to the library by the
golden cases of :mod:`linclass.demo.golden`.
"""

from linclass.demo._server import STATIC_DIR, make_server

__all__ = ["STATIC_DIR", "make_server"]
