"""Each plotting function returns a figure whose axes hold the data they were given."""

import csv
import io

import numpy as np
import pytest
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.metrics import confusion_matrix as sk_confusion_matrix
from sklearn.metrics import recall_score

from linclass import report
from linclass.report._style import DPI, save_png


def rescaled(column):
    return (column - column.min()) / (column.max() - column.min())


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    images = (d.images * 16).clip(0, 255).astype(np.uint8)[..., None]  # (N, 8, 8, 1)
    return images, d.target, [str(k) for k in range(10)]


def png_size(fig, tmp_path, name="fig.png"):
    path = save_png(fig, tmp_path / name)
    assert path.stat().st_size > 0
    with Image.open(path) as image:
        return image.size


# --- templates ---------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(4, 3, 3), (5, 4), (5, 4, 1)])
def test_template_image_of_known_W_is_W_rescaled(shape):
    rng = np.random.default_rng(0)
    W = rng.standard_normal((int(np.prod(shape)), 4))
    fig = report.plot_templates(W, shape, ["a", "b", "c", "d"], ncols=3)
    assert isinstance(fig, Figure)
    assert fig.get_suptitle().startswith("Class templates: learned weights")
    assert report.plot_templates(W, shape, list("abcd"), title="T").get_suptitle() == "T"
    assert [ax.get_title() for ax in fig.axes] == ["a", "b", "c", "d"]
    for k, ax in enumerate(fig.axes):
        (image,) = ax.images
        expected = rescaled(W[:, k]).reshape(shape)
        np.testing.assert_allclose(np.asarray(image.get_array()), expected.squeeze(), atol=1e-12)
        if len(shape) == 2 or shape[2] == 1:
            assert image.get_cmap().name == "gray"


def test_template_rgb_pixel_order_follows_images_reshape():
    # the template of W = one flattened image is that image (rescaled)
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(2, 6, 5, 3)).astype(np.float64)
    W = images.reshape(2, -1).T  # (D, 2)
    templates = report.template_images(W, (6, 5, 3))
    for k in range(2):
        np.testing.assert_allclose(templates[k], (images[k] - images[k].min())
                                   / (images[k].max() - images[k].min()))


def test_templates_reject_a_W_that_is_not_raw_pixels():
    with pytest.raises(ValueError, match="W must be a 2-D array \\(48, C\\)"):
        report.plot_templates(np.zeros((50, 3)), (4, 4, 3), ["a", "b", "c"])
    with pytest.raises(ValueError, match="class_names must be 3 names"):
        report.plot_templates(np.ones((48, 3)), (4, 4, 3), ["a", "b"])


@pytest.mark.parametrize("block_rows", [7, 4096])
def test_class_patterns_are_covariance_times_weights(monkeypatch, block_rows):
    """For scores s = x W + b the pattern is Sigma W (numpy's covariance), in any block size."""
    from linclass.report import templates

    monkeypatch.setattr(templates, "BLOCK_ROWS", block_rows)
    rng = np.random.default_rng(4)
    images = rng.integers(0, 256, size=(50, 4, 3, 3)).astype(np.uint8)
    W, b = rng.standard_normal((36, 5)), rng.standard_normal(5)
    X = images.reshape(50, -1).astype(np.float64)
    patterns = report.class_patterns(images, X @ W + b)
    np.testing.assert_allclose(patterns, np.cov(X.T, bias=True) @ W, rtol=1e-10)
    with pytest.raises(ValueError, match="scores must be an array \\(N, C\\)"):
        report.class_patterns(images, np.zeros((49, 5)))


def test_class_pattern_of_a_class_mean_score_is_the_class_mean_difference():
    """A score that is 1 on class k, 0 elsewhere: Cov = p_k (1 - p_k) (mean_k - mean_rest)."""
    rng = np.random.default_rng(5)
    images = rng.integers(0, 256, size=(40, 2, 2, 3))
    is_k = np.arange(40) < 10
    pattern = report.class_patterns(images, is_k[:, None].astype(float))[:, 0]
    flat = images.reshape(40, -1).astype(np.float64)
    expected = 0.25 * 0.75 * (flat[is_k].mean(axis=0) - flat[~is_k].mean(axis=0))
    np.testing.assert_allclose(pattern, expected, rtol=1e-12)


def test_colour_contrast_share():
    rng = np.random.default_rng(6)
    gray = np.repeat(rng.standard_normal((16, 1, 4)), 3, axis=1).reshape(48, 4)
    assert report.colour_contrast_share(gray, (4, 4, 3)) == pytest.approx(0.0, abs=1e-15)
    contrast = rng.standard_normal((16, 3, 4))
    contrast -= contrast.mean(axis=1, keepdims=True)
    assert report.colour_contrast_share(contrast.reshape(48, 4), (4, 4, 3)) == pytest.approx(1.0)
    # isotropic weights: two of the three channel directions are contrast
    share = report.colour_contrast_share(rng.standard_normal((3 * 100_000, 2)), (1000, 100, 3))
    assert share == pytest.approx(2 / 3, abs=0.005)
    assert report.colour_contrast_share(gray + contrast.reshape(48, 4), (4, 4, 3)) == (
        pytest.approx(np.sum(contrast ** 2) / (np.sum(gray ** 2) + np.sum(contrast ** 2))))
    with pytest.raises(ValueError, match="colour \\(H, W, 3\\) weights"):
        report.colour_contrast_share(np.ones((16, 4)), (4, 4))


def test_feature_weights_heat_map_per_block():
    rng = np.random.default_rng(2)
    W = rng.standard_normal((30, 3))
    fig = report.plot_feature_weights(W, [("hog", 20), ("hsv", 10)], ["x", "y", "z"])
    heat_maps = [ax for ax in fig.axes if ax.images and ax.get_title()]
    assert [ax.get_title() for ax in heat_maps] == ["hog (20 features)", "hsv (10 features)"]
    for ax, rows in zip(heat_maps, (slice(0, 20), slice(20, 30)), strict=True):
        (image,) = ax.images
        np.testing.assert_array_equal(image.get_array(), W[rows].T)
        low, high = image.get_clim()
        assert low == -high == -np.abs(W[rows]).max()
    with pytest.raises(ValueError, match="blocks must be"):
        report.plot_feature_weights(W, {"hog": 20, "hsv": 11}, ["x", "y", "z"])


# --- learning curves ---------------------------------------------------------------------------

def test_moving_average_matches_convolution():
    values = np.random.default_rng(3).random(50)
    centres, means = report.moving_average(values, 7)
    np.testing.assert_allclose(means, np.convolve(values, np.ones(7) / 7, mode="valid"))
    np.testing.assert_array_equal(centres, np.arange(44) + 3)


def test_learning_curves_hold_the_history():
    rng = np.random.default_rng(4)
    n = 200
    data = 2 * np.exp(-np.arange(n) / 50) + 0.1 * rng.random(n)
    reg = np.full(n, 0.25)
    history = {"loss": data + reg, "data_loss": data, "reg_loss": reg,
               "lr": 1e-3 * 0.1 ** (np.arange(n) // 100),
               "train_accuracy": [0.2, 0.4, 0.5], "val_accuracy": [0.2, 0.35, 0.33],
               "best_epoch": 1}
    fig = report.plot_learning_curves(history, window=10)
    total, parts, accuracy, lr = fig.axes
    raw, smooth = total.lines
    np.testing.assert_allclose(raw.get_ydata(), data + reg)
    np.testing.assert_allclose(smooth.get_ydata(),
                               np.convolve(data + reg, np.ones(10) / 10, mode="valid"))
    np.testing.assert_allclose(parts.lines[0].get_ydata(), data)
    np.testing.assert_allclose(parts.lines[2].get_ydata(), reg)
    train, val, best = accuracy.lines
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(val.get_ydata(), [0.2, 0.35, 0.33])
    assert best.get_xdata()[0] == 2  # best_epoch 1 (0-based) is epoch 2
    np.testing.assert_allclose(lr.lines[0].get_ydata(), history["lr"])
    assert lr.get_yscale() == "log"
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel()


def test_learning_curves_with_loss_only_and_bad_history():
    fig = report.plot_learning_curves({"loss": [3.0, 2.0, 1.0]})
    assert len(fig.axes) == 1
    with pytest.raises(ValueError, match="history must be a dict with a non-empty"):
        report.plot_learning_curves({"val_accuracy": [0.5]})


# --- confusion ---------------------------------------------------------------------------------

def test_confusion_matrix_and_per_class_accuracy_match_scikit_learn():
    rng = np.random.default_rng(5)
    y_true, y_pred = rng.integers(0, 6, 500), rng.integers(0, 6, 500)
    confusion = report.confusion_matrix(y_true, y_pred, 6)
    np.testing.assert_array_equal(confusion, sk_confusion_matrix(y_true, y_pred, labels=range(6)))
    np.testing.assert_allclose(report.per_class_accuracy(confusion),
                               recall_score(y_true, y_pred, average=None))


def test_plot_confusion_counts_and_row_normalized():
    confusion = np.array([[5, 1, 0], [2, 2, 0], [0, 0, 0]])
    fig = report.plot_confusion(confusion, ["a", "b", "c"])
    counts, normalized = (ax for ax in fig.axes if ax.images and ax.get_xlabel())
    np.testing.assert_array_equal(counts.images[0].get_array(), confusion)
    np.testing.assert_allclose(normalized.images[0].get_array(),
                               [[5 / 6, 1 / 6, 0], [0.5, 0.5, 0], [0, 0, 0]])
    assert counts.get_xlabel() == "predicted class" and counts.get_ylabel() == "true class"
    assert [t.get_text() for t in counts.texts][:3] == ["5", "1", "0"]


def test_per_class_accuracy_bars():
    confusion = np.array([[3, 1], [2, 6]])
    fig = report.plot_per_class_accuracy(confusion, ["a", "b"])
    (ax,) = fig.axes
    np.testing.assert_allclose([bar.get_width() for bar in ax.patches], [0.75, 0.75])
    with pytest.raises(ValueError, match="confusion must be a square"):
        report.plot_per_class_accuracy(np.array([[0.5, 0.5]]), ["a"])


# --- misclassified -----------------------------------------------------------------------------

def test_find_mistakes_matches_a_loop():
    rng = np.random.default_rng(6)
    scores, labels = rng.standard_normal((300, 5)), rng.integers(0, 5, 300)
    m = report.find_mistakes(scores, labels)
    expected = [(scores[i].max() - scores[i, labels[i]], i) for i in range(300)
                if scores[i].argmax() != labels[i]]
    expected.sort(key=lambda t: -t[0])
    np.testing.assert_array_equal(m.index, [i for _, i in expected])
    np.testing.assert_allclose(m.margin, [margin for margin, _ in expected])
    assert (m.predicted != m.true).all() and (m.margin >= 0).all()


def test_misclassified_rows_per_predicted_class(digits):
    images, labels, names = digits
    scores = np.random.default_rng(7).standard_normal((len(labels), 10))
    fig = report.plot_misclassified(images, labels, scores, names, per_class=4)
    assert len(fig.axes) == 40
    m = report.find_mistakes(scores, labels)
    for k in range(10):
        row = fig.axes[4 * k:4 * k + 4]
        assert row[0].get_ylabel() == f"as {names[k]}"
        for ax, pos in zip(row, m.predicted_as(k, 4), strict=True):
            index = m.index[pos]
            assert scores[index].argmax() == k != labels[index]
            np.testing.assert_array_equal(ax.images[0].get_array(), images[index, :, :, 0])
            assert ax.get_title() == f"{names[labels[index]]}\n+{m.margin[pos]:.2f}"


def test_confident_mistakes_in_order(digits):
    images, labels, names = digits
    scores = np.random.default_rng(8).standard_normal((len(labels), 10))
    fig = report.plot_confident_mistakes(images, labels, scores, names, n=10, ncols=5)
    m = report.find_mistakes(scores, labels)
    assert len(fig.axes) == 10
    for ax, index in zip(fig.axes, m.index[:10], strict=True):
        np.testing.assert_array_equal(ax.images[0].get_array(), images[index, :, :, 0])
    with pytest.raises(ValueError, match="images must be an array"):
        report.plot_confident_mistakes(images[:5], labels, scores, names)


# --- search ------------------------------------------------------------------------------------

SEARCH = {"trial": [0, 1, 2, 3], "lr": [1e-7, 1e-6, 1e-5, 1e-4],
          "reg_strength": [1e3, 1e4, 0.0, 1e2], "train_accuracy": [0.3, 0.4, 0.35, np.nan],
          "val_accuracy": [0.28, 0.38, 0.33, np.nan], "diverged": [False, False, False, True],
          "seconds": [1.0, 1.0, 1.0, 0.5]}


def test_search_scatter_from_a_dict_a_list_and_a_csv():
    rows = [dict(zip(SEARCH, values, strict=True)) for values in zip(*SEARCH.values(),
                                                                     strict=True)]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(SEARCH))
    writer.writeheader()
    writer.writerows(rows)
    from_csv = list(csv.DictReader(io.StringIO(text.getvalue())))
    for results in (SEARCH, rows, from_csv):
        fig = report.plot_search(results)
        val, train = (ax for ax in fig.axes if ax.get_title())
        assert val.get_title() == "Validation accuracy" and val.get_xscale() == "log"
        assert val.get_yscale() == "symlog"  # one trial without regularization
        finished = val.collections[0]
        np.testing.assert_allclose(finished.get_offsets(),
                                   [[1e-7, 1e3], [1e-6, 1e4], [1e-5, 0.0]])
        np.testing.assert_allclose(finished.get_array(), [0.28, 0.38, 0.33])
        np.testing.assert_allclose(train.collections[0].get_array(), [0.3, 0.4, 0.35])
        np.testing.assert_allclose(val.collections[1].get_offsets(), [[1e-4, 1e2]])  # diverged
        np.testing.assert_allclose(val.collections[2].get_offsets(), [[1e-6, 1e4]])  # best


def test_search_rejects_a_table_without_the_columns():
    with pytest.raises(ValueError, match="results must be a non-empty table with columns"):
        report.plot_search({"lr": [1e-3], "val_accuracy": [0.5]})
    with pytest.raises(ValueError, match="diverged"):
        report.plot_search({"lr": [1e-3], "reg_strength": [1.0], "val_accuracy": [0.5],
                            "diverged": ["maybe"]})


# --- rendering ---------------------------------------------------------------------------------

def test_landscape_plots_hold_their_arrays():
    steps = np.linspace(-1, 1, 5)
    curve = steps ** 2
    fig = report.plot_landscape_1d(steps, {"one": curve, "batch": 2 * curve})
    assert len(fig.axes) == 2
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), 2 * curve)
    grid = np.add.outer(steps ** 2, steps)
    fig = report.plot_landscape_2d(steps, {"one": grid})
    (mesh,) = [c for c in fig.axes[0].collections if isinstance(c, QuadMesh)]
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(5, 5), grid)
    with pytest.raises(ValueError, match="curves\\['one'\\] must be an array of shape \\(5,\\)"):
        report.plot_landscape_1d(steps, {"one": curve[:4]})


def test_png_has_the_figure_size_in_pixels(tmp_path, digits):
    images, labels, names = digits
    W = np.random.default_rng(9).standard_normal((64, 10))
    fig = report.plot_templates(W, (8, 8), names)
    width, height = fig.get_size_inches() * DPI
    assert png_size(fig, tmp_path) == (round(width), round(height))
    assert (tmp_path / "fig.png").stat().st_mode & 0o444 == 0o444
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.png"]  # no temporary left


def test_plotting_leaves_no_pyplot_state():
    import sys

    report.plot_learning_curves({"loss": [1.0, 0.5]})
    if "matplotlib.pyplot" in sys.modules:
        assert not sys.modules["matplotlib.pyplot"].get_fignums()
