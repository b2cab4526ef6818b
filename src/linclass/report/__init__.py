"""Pictures of a linear classifier: figures as :class:`matplotlib.figure.Figure` objects and a
report page (``index.html`` with PNGs beside it).

Every ``plot_*`` function returns a figure and never shows or prints anything; compute
functions (landscapes, mistakes, confusion) return arrays and are separate from the plots.
"""

from linclass.report.confusion import (
    confusion_matrix,
    per_class_accuracy,
    plot_confusion,
    plot_per_class_accuracy,
)
from linclass.report.curves import moving_average, plot_learning_curves
from linclass.report.landscape import (
    loss_along_line,
    loss_on_plane,
    plot_landscape_1d,
    plot_landscape_2d,
    random_directions,
)
from linclass.report.misclassified import (
    Mistakes,
    find_mistakes,
    plot_confident_mistakes,
    plot_misclassified,
)
from linclass.report.page import report_files, write_report
from linclass.report.search import plot_search, search_columns
from linclass.report.templates import (
    class_patterns,
    colour_contrast_share,
    feature_blocks,
    plot_feature_weights,
    plot_templates,
    template_images,
)

__all__ = [
    "Mistakes",
    "class_patterns",
    "colour_contrast_share",
    "confusion_matrix",
    "feature_blocks",
    "find_mistakes",
    "loss_along_line",
    "loss_on_plane",
    "moving_average",
    "per_class_accuracy",
    "plot_confident_mistakes",
    "plot_confusion",
    "plot_feature_weights",
    "plot_landscape_1d",
    "plot_landscape_2d",
    "plot_learning_curves",
    "plot_misclassified",
    "plot_per_class_accuracy",
    "plot_search",
    "plot_templates",
    "random_directions",
    "report_files",
    "search_columns",
    "template_images",
    "write_report",
]
