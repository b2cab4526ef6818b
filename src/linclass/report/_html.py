"""The report page: one self-contained ``index.html`` (inline CSS, no scripts, nothing fetched)
linking the PNGs written beside it."""

import html
from dataclasses import dataclass

from linclass._files import atomic_write

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto;
       max-width: 1300px; padding: 0 1em; color: #1a1a1a; background: #fff; line-height: 1.45; }
h1 { font-size: 1.8em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; font-size: 1.35em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.7em; text-align: left; }
th { background: #f2f2f2; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; } figcaption { color: #444; margin-top: 0.3em; }
img { max-width: 100%; height: auto; border: 1px solid #e4e4e4; }
.tables { display: flex; flex-wrap: wrap; gap: 2em; align-items: flex-start; }
"""


@dataclass(frozen=True)
class Figure:
    """One PNG on the page: its file name, section heading, caption and pixel size."""

    file: str
    heading: str
    caption: str
    width: int
    height: int


def render(title, tables, figures, *, lang="en"):
    """The HTML text of the page.

    Parameters
    ----------
    title : str
    tables : list of (heading, list of (key, value)) pairs, shown side by side at the top
    figures : list of :class:`Figure`, in page order
    lang : str, the page's language (BCP 47 code, for ``<html lang>``)
    """
    parts = ["<!DOCTYPE html>", f'<html lang="{html.escape(lang)}">', "<head>",
             '<meta charset="utf-8">',
             f"<title>{html.escape(title)}</title>", f"<style>{CSS}</style>", "</head>",
             "<body>", f"<h1>{html.escape(title)}</h1>", '<div class="tables">']
    for heading, rows in tables:
        parts.append(f"<table><tr><th colspan=\"2\">{html.escape(heading)}</th></tr>")
        for key, value in rows:
            cell = "num" if isinstance(value, int | float) else ""
            parts.append(f"<tr><td>{html.escape(str(key))}</td>"
                         f'<td class="{cell}">{html.escape(_format(value))}</td></tr>')
        parts.append("</table>")
    parts.append("</div>")
    for fig in figures:
        parts += [f"<h2>{html.escape(fig.heading)}</h2>", "<figure>",
                  f'<img src="{html.escape(fig.file)}" width="{fig.width}" '
                  f'height="{fig.height}" alt="{html.escape(fig.heading)}">',
                  f"<figcaption>{html.escape(fig.caption)}</figcaption>", "</figure>"]
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def write_text(path, text):
    """Write ``text`` to ``path`` as UTF-8, atomically."""
    return atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


def _format(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)
