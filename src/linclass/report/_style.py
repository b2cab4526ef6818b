"""One look for every figure: readable fonts, colour-blind-safe colours, fixed pixel sizes.

Figures are built with the object-oriented API (:class:`matplotlib.figure.Figure`), never
through ``pyplot``, so plotting touches no global figure state and needs no display.
Figures in Korean (``lang="ko"``) are set in a font with Hangul (:func:`hangul_font`).
"""

import functools
import re

import matplotlib
from matplotlib import cycler, font_manager
from matplotlib.figure import Figure

from linclass._files import atomic_write
from linclass._validation import fail
from linclass.report._text import check_lang

#: Dots per inch of every figure; a figure of ``w x h`` inches is ``100 w x 100 h`` pixels.
DPI = 100

#: Okabe & Ito's palette, distinguishable with every common colour-vision deficiency
#: (M. Okabe and K. Ito, "Color Universal Design", 2002, https://jfly.uni-koeln.de/color/).
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
          "#000000")

#: Diverging map for signed weights (zero is white), sequential map for everything else.
DIVERGING, SEQUENTIAL = "RdBu_r", "viridis"

STYLE = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "figure.titlesize": 14,
    "axes.prop_cycle": cycler(color=COLORS),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.interpolation": "nearest",
}


#: Font families with Hangul, in order of preference: Noto Sans CJK (Debian's fonts-noto-cjk),
#: Nanum Gothic (fonts-nanum), Noto Sans KR, and the system fonts of Windows and macOS.
HANGUL_FAMILIES = ("Noto Sans CJK KR", "NanumGothic", "Noto Sans KR", "Malgun Gothic",
                   "Apple SD Gothic Neo", "AppleGothic")
#: File names of fonts with Hangul that matplotlib's font cache may predate (installed later).
_HANGUL_FILES = re.compile(r"(?i)(NotoSansCJK|NotoSansKR|NanumGothic|malgun|AppleSDGothicNeo|"
                           r"AppleGothic)[^/]*\.(ttf|otf|ttc)$")
#: How to install one, for the error when none is found.
HANGUL_INSTALL = ("apt-get install fonts-nanum (or fonts-noto-cjk) on Debian and Ubuntu; any "
                  "of " + ", ".join(HANGUL_FAMILIES) + " elsewhere")


@functools.cache
def hangul_font():
    """The family name of an installed font with Hangul, for figures in Korean.

    Fonts installed after matplotlib built its font cache are found on disk and registered.

    Raises
    ------
    ValueError
        No font with Hangul is installed; the message says how to install one.
    """
    family = _installed_hangul_family()
    if family is None:
        for path in font_manager.findSystemFonts():
            if _HANGUL_FILES.search(path):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue  # unreadable file or a collection this matplotlib can't open
        family = _installed_hangul_family()
    if family is not None:
        return family
    raise ValueError("a Korean report (--lang ko) needs a font with Hangul and none is "
                     f"installed; install one: {HANGUL_INSTALL}")


def _installed_hangul_family():
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((family for family in HANGUL_FAMILIES if family in installed), None)


def style(lang="en"):
    """The rcParams of every figure in ``lang``: :data:`STYLE`, plus a Hangul font for "ko".

    In Korean, DejaVu Sans (matplotlib's font) stays first and the Hangul font is its
    per-glyph fallback: Latin letters, digits and symbols look as in English, and mathtext
    (the ticks of log axes, which has no fallback) keeps DejaVu's minus sign U+2212, which
    Korean fonts such as Nanum Gothic lack.
    """
    if lang == "ko":
        return {**STYLE, "font.family": ["DejaVu Sans", hangul_font()]}
    return STYLE


def styled(plot):
    """Decorator: build the figure under :func:`style` for the plot's ``lang`` keyword
    (default "en"; the caller's rcParams are restored)."""

    @functools.wraps(plot)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(style(check_lang(kwargs.get("lang", "en")))):
            return plot(*args, **kwargs)

    return wrapper


def new_figure(width, height, layout="constrained"):
    """A blank :class:`~matplotlib.figure.Figure` of ``width x height`` inches at :data:`DPI`.

    ``layout=None`` skips the constrained layout solver, which is slow for grids of dozens
    of images; the caller then places the axes (``subplots_adjust``).
    """
    return Figure(figsize=(width, height), dpi=DPI, layout=layout)


def save_png(fig, path):
    """Write ``fig`` to ``path`` as PNG atomically.

    The PNG has exactly ``fig.get_size_inches() * DPI`` pixels (no tight bounding box).
    """
    return atomic_write(path, lambda handle: fig.savefig(handle, format="png", dpi=DPI))


def show_image(ax, image, title=None, **title_kwargs):
    """Draw one image without ticks: ``(H, W, 3)`` in colour, ``(H, W)`` or ``(H, W, 1)`` grey."""
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    gray = {"cmap": "gray"} if image.ndim == 2 else {}
    ax.imshow(image, **gray)
    hide_frame(ax)
    if title is not None:
        ax.set_title(title, **title_kwargs)


def check_class_names(class_names, n_classes, per):
    """``class_names`` as a list of ``n_classes`` str (one per ``per``)."""
    names = [str(name) for name in class_names]
    if len(names) != n_classes:
        raise fail("class_names", f"{n_classes} names (one per {per})", f"{len(names)} names")
    return names


def hide_frame(ax):
    """No ticks and no spines (the axis labels stay visible)."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
