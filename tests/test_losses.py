"""The six data losses: the lecture's golden values, naive == vectorized, properties, oracles.

Losses act on scores ``(N, C)`` and labels ``(N,)`` and return ``(mean loss, dscores)``.
"""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import linclass as lc
from linclass.gradcheck import check
from linclass.losses import LOSSES, reference

HINGE_LOSSES = ["svm", "squared_hinge", "crammer_singer", "one_vs_all"]
#: The losses whose "every margin exceeds Delta" means zero loss (one-vs-all asks for more).
MARGIN_LOSSES = ["svm", "squared_hinge", "crammer_singer"]
#: The losses that take ``margin`` (least squares: the target magnitude).
MARGIN_TAKING = [*HINGE_LOSSES, "least_squares"]

# The lecture's three images (cat, car, frog) scored against (cat, car, frog), labels 0, 1, 2.
LECTURE_SCORES = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
LECTURE_LABELS = np.array([0, 1, 2])


def call(name, scores, y, margin=1.0, impl=lc.losses):
    return getattr(impl, name)(scores, y, margin=margin)  # one signature for every loss


def random_problem(seed, n=40, c=6, dtype=np.float64, scale=2.0):
    rng = np.random.default_rng(seed)
    scores = (scale * rng.standard_normal((n, c))).astype(dtype)
    y = rng.integers(0, c, size=n)
    return scores, y


# ---------------------------------------------------------------- golden values (the lecture)

@pytest.mark.parametrize(("row", "expected"), [(0, 2.9), (1, 0.0), (2, 12.9)])
def test_svm_lecture_images(row, expected):
    loss, _ = lc.losses.svm(LECTURE_SCORES[row:row + 1], LECTURE_LABELS[row:row + 1])
    assert loss == pytest.approx(expected, abs=1e-12)


def test_svm_lecture_mean():
    loss, _ = lc.losses.svm(LECTURE_SCORES, LECTURE_LABELS)
    assert loss == pytest.approx((2.9 + 0 + 12.9) / 3, abs=1e-12)
    assert round(loss, 2) == 5.27


def test_softmax_lecture_cat():
    cat = LECTURE_SCORES[:1]
    probs = lc.losses.softmax_probabilities(cat)[0]
    np.testing.assert_allclose(probs, [0.13, 0.87, 0.00], atol=0.005)
    loss, _ = lc.losses.softmax(cat, [0])
    assert loss == pytest.approx(2.04, abs=0.005)
    assert loss == pytest.approx(-math.log(probs[0]), rel=1e-12)


def test_svm_notes_example_margin_10():
    loss, _ = lc.losses.svm(np.array([[13.0, -7.0, 11.0]]), np.array([0]), margin=10)
    assert loss == pytest.approx(8.0, abs=1e-12)


def test_notes_example_svm_and_softmax():
    scores, y = np.array([[-2.85, 0.86, 0.28]]), np.array([2])
    assert lc.losses.svm(scores, y)[0] == pytest.approx(1.58, abs=1e-12)
    assert lc.losses.softmax(scores, y)[0] == pytest.approx(1.04, abs=0.005)


def test_lecture_gradient_by_hand():
    # cat row: only the car margin (2.9) is active, so d/ds = [-1, 1, 0] (one row, N = 1)
    _, dscores = lc.losses.svm(LECTURE_SCORES[:1], [0])
    np.testing.assert_array_equal(dscores, [[-1.0, 1.0, 0.0]])


@pytest.mark.parametrize(("row", "expected"), [(0, 21.27), (1, 14.75), (2, 19.65)])
def test_least_squares_lecture_images(row, expected):
    # cat: targets (1, -1, -1), residuals (2.2, 6.1, -0.7), (4.84 + 37.21 + 0.49) / 2 = 21.27
    # car: targets (-1, 1, -1), residuals (2.3, 3.9, 3.0), (5.29 + 15.21 + 9) / 2 = 14.75
    # frog: targets (-1, -1, 1), residuals (3.2, 3.5, -4.1), (10.24 + 12.25 + 16.81) / 2 = 19.65
    loss, dscores = lc.losses.least_squares(LECTURE_SCORES[row:row + 1],
                                            LECTURE_LABELS[row:row + 1])
    assert loss == pytest.approx(expected, abs=1e-12)
    if row == 0:  # one row, N = 1: the residuals themselves
        np.testing.assert_allclose(dscores, [[2.2, 6.1, -0.7]], atol=1e-12)


def test_least_squares_lecture_mean_and_margin_scales_the_targets():
    loss, _ = lc.losses.least_squares(LECTURE_SCORES, LECTURE_LABELS)
    assert loss == pytest.approx((21.27 + 14.75 + 19.65) / 3, abs=1e-12)
    # targets +-2: scores 2 s have exactly 4 times the loss of s against +-1
    loss2, dscores2 = lc.losses.least_squares(2 * LECTURE_SCORES, LECTURE_LABELS, margin=2.0)
    assert loss2 == pytest.approx(4 * loss, rel=1e-12)
    targets = np.where(np.eye(3, dtype=bool)[LECTURE_LABELS], 1.0, -1.0)
    assert lc.losses.least_squares(targets, LECTURE_LABELS)[0] == 0.0


@pytest.mark.parametrize("name", list(LOSSES))
def test_every_loss_on_the_lecture_scores_matches_reference(name):
    got, expected = call(name, LECTURE_SCORES, LECTURE_LABELS), call(
        name, LECTURE_SCORES, LECTURE_LABELS, impl=reference)
    assert got[0] == pytest.approx(expected[0], rel=1e-12)
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------------ sanity at W = 0

@pytest.mark.parametrize("c", [2, 3, 10])
def test_small_weights_give_c_minus_1_and_log_c(c):
    rng = np.random.default_rng(c)
    X = rng.standard_normal((200, 30))
    W = 1e-6 * rng.standard_normal((30, c))
    y = rng.integers(0, c, size=200)
    b = np.zeros(c)
    assert lc.linear_loss(W, b, X, y, loss="svm")[0] == pytest.approx(c - 1, rel=1e-3)
    assert lc.linear_loss(W, b, X, y, loss="softmax")[0] == pytest.approx(math.log(c), rel=1e-3)


# ------------------------------------------------------------- vectorized == naive loops

@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorized_equals_naive(name, seed):
    scores, y = random_problem(seed)
    margin = [1.0, 0.5, 3.0][seed]
    loss, dscores = call(name, scores, y, margin)
    ref_loss, ref_dscores = call(name, scores, y, margin, impl=reference)
    assert loss == pytest.approx(ref_loss, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(dscores, ref_dscores, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", list(LOSSES))
def test_vectorized_equals_naive_with_ties_and_hinges_at_zero(name):
    # integer scores: margins that are exactly 0 and ties for the best wrong class
    rng = np.random.default_rng(7)
    scores = rng.integers(-2, 3, size=(60, 5)).astype(np.float64)
    y = rng.integers(0, 5, size=60)
    loss, dscores = call(name, scores, y)
    ref_loss, ref_dscores = call(name, scores, y, impl=reference)
    assert loss == pytest.approx(ref_loss, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(dscores, ref_dscores, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["svm", "crammer_singer", "one_vs_all"])
@pytest.mark.parametrize("smoothing", [0.3, 1e-2])
@pytest.mark.parametrize("seed", [0, 1])
def test_smoothed_hinges_equal_naive_and_their_gradient(name, smoothing, seed):
    scores, y = random_problem(seed)
    loss, dscores = LOSSES[name](scores, y, smoothing=smoothing)
    ref_loss, ref_dscores = getattr(reference, name)(scores, y, smoothing=smoothing)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(dscores, ref_dscores, rtol=1e-10, atol=1e-15)
    h = 1e-4 * smoothing  # well inside the smoothing's width: truncation ~1e-8 relative
    numerical = np.zeros_like(scores)
    for index in np.ndindex(scores.shape):
        step = np.zeros_like(scores)
        step[index] = h
        numerical[index] = (LOSSES[name](scores + step, y, smoothing=smoothing)[0]
                            - LOSSES[name](scores - step, y, smoothing=smoothing)[0]) / (2 * h)
    np.testing.assert_allclose(dscores, numerical, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ["svm", "crammer_singer", "one_vs_all"])
def test_smoothed_hinges_keep_float32_and_reject_a_negative_width(name):
    scores, y = random_problem(4, dtype=np.float32)
    assert LOSSES[name](scores, y, smoothing=0.1)[1].dtype == np.float32
    with pytest.raises(ValueError, match=r"^smoothing must be a finite number >= 0"):
        LOSSES[name](scores, y, smoothing=-1.0)


@pytest.mark.parametrize("name", list(LOSSES))
def test_dscores_is_the_gradient_of_the_loss(name):
    scores, y = random_problem(3, n=8, c=4, scale=1.0)
    loss, dscores = call(name, scores, y)
    # least squares is quadratic: the central difference is exact but for round-off
    # (eps |L| / h), so a larger step only lowers the noise; the others keep h off their kinks
    h = 1e-3 if name == "least_squares" else 1e-5
    result = check(lambda s: call(name, s, y)[0], scores, dscores, h)
    assert result.max_relative_error < 1e-7, result


# ----------------------------------------------------------------------------- properties

def score_matrices(min_rows=1, max_rows=8, min_classes=2, max_classes=6, bound=50.0):
    shapes = st.tuples(st.integers(min_rows, max_rows), st.integers(min_classes, max_classes))
    elements = st.floats(-bound, bound, allow_nan=False, allow_infinity=False)
    return shapes.flatmap(lambda shape: arrays(np.float64, shape, elements=elements))


@st.composite
def scored_problems(draw, **kwargs):
    scores = draw(score_matrices(**kwargs))
    n, c = scores.shape
    y = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    return scores, y


@settings(max_examples=60, deadline=None)
@given(scored_problems(), st.data())
def test_softmax_unchanged_by_a_constant_added_to_a_row(problem, data):
    scores, y = problem
    row = data.draw(st.integers(0, scores.shape[0] - 1))
    shift = data.draw(st.floats(-1e3, 1e3, allow_nan=False))
    shifted = scores.copy()
    shifted[row] += shift
    loss, dscores = lc.losses.softmax(scores, y)
    loss2, dscores2 = lc.losses.softmax(shifted, y)
    assert loss2 == pytest.approx(loss, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(dscores2, dscores, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(scored_problems(), st.sampled_from(HINGE_LOSSES), st.floats(0.01, 10))
def test_hinge_losses_are_nonnegative(problem, name, margin):
    scores, y = problem
    assert call(name, scores, y, margin)[0] >= 0


@settings(max_examples=60, deadline=None)
@given(scored_problems(), st.sampled_from(MARGIN_LOSSES), st.floats(0.01, 10),
       st.floats(1e-3, 10))
def test_zero_loss_once_every_margin_exceeds_delta(problem, name, margin, extra):
    scores, y = problem
    rows = np.arange(len(y))
    wrong = scores.copy()
    wrong[rows, y] = -np.inf
    scores = scores.copy()
    scores[rows, y] = wrong.max(axis=1) + margin + extra  # every s_j - s_y + margin < 0
    loss, dscores = call(name, scores, y, margin)
    assert loss == 0.0
    assert not dscores.any()
    # and one step inside the margin makes it positive again
    scores[0, y[0]] -= 2 * extra
    assert call(name, scores, y, margin)[0] > 0


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 6), st.floats(1.0, 10.0))
def test_zero_svm_loss_for_w_implies_zero_for_2w(seed, c, margin):
    # the lecture's point: W with zero loss is not unique, any lambda > 1 times it works too
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((30, 5))
    W = rng.standard_normal((5, c))
    scores = X @ W
    y = scores.argmax(axis=1)
    top2 = np.sort(scores, axis=1)[:, -2:]
    gap = (top2[:, 1] - top2[:, 0]).min()
    assume(gap > 1e-6)
    W = W * (1.01 * margin / gap)  # now every margin exceeds Delta
    b = np.zeros(c)
    assert lc.linear_loss(W, b, X, y, loss="svm", margin=margin)[0] == 0.0
    assert lc.linear_loss(2 * W, b, X, y, loss="svm", margin=margin)[0] == 0.0


@settings(max_examples=40, deadline=None)
@given(scored_problems(min_rows=2), st.sampled_from(list(LOSSES)), st.data())
def test_mean_loss_unchanged_by_permuting_samples(problem, name, data):
    scores, y = problem
    order = np.array(data.draw(st.permutations(range(len(y)))))
    loss, dscores = call(name, scores, y)
    loss2, dscores2 = call(name, scores[order], y[order])
    assert loss2 == pytest.approx(loss, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(dscores2, dscores[order], rtol=1e-12, atol=1e-15)


# ------------------------------------------------------- other projects' code as oracles

def test_softmax_against_sklearn_log_loss():
    from sklearn.metrics import log_loss

    scores, y = random_problem(11, n=100, c=10)
    loss, _ = lc.losses.softmax(scores, y)
    probs = lc.losses.softmax_probabilities(scores)
    assert loss == pytest.approx(log_loss(y, probs, labels=np.arange(10)), rel=1e-10)


def test_least_squares_against_sklearn_mean_squared_error():
    from sklearn.metrics import mean_squared_error

    scores, y = random_problem(13, n=100, c=7)
    targets = np.where(np.arange(7) == y[:, None], 1.0, -1.0)  # (N, C), +-1
    loss, _ = lc.losses.least_squares(scores, y)
    # mean over N * C entries -> 1/N sum_i 1/2 sum_j: times C / 2
    assert loss == pytest.approx(mean_squared_error(targets, scores) * 7 / 2, rel=1e-12)


def test_crammer_singer_against_sklearn_multiclass_hinge_loss():
    from sklearn.metrics import hinge_loss

    scores, y = random_problem(12, n=100, c=7)
    loss, _ = lc.losses.crammer_singer(scores, y)
    assert loss == pytest.approx(hinge_loss(y, scores, labels=np.arange(7)), rel=1e-12)


@pytest.mark.parametrize(("name", "p"), [("svm", 1), ("squared_hinge", 2)])
@pytest.mark.parametrize("margin", [1.0, 2.5])
def test_weston_watkins_against_torch_multi_margin_loss(name, p, margin):
    torch = pytest.importorskip("torch", reason="PyTorch not installed (optional test extra)")
    scores, y = random_problem(13, n=64, c=10)
    t_scores = torch.tensor(scores, requires_grad=True)
    # torch averages over the C classes as well as the N rows: times C is the lecture's loss
    t_loss = torch.nn.MultiMarginLoss(p=p, margin=margin)(t_scores, torch.tensor(y)) * 10
    t_loss.backward()
    loss, dscores = call(name, scores, y, margin)
    assert loss == pytest.approx(t_loss.item(), rel=1e-12)
    np.testing.assert_allclose(dscores, t_scores.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_softmax_against_torch_cross_entropy():
    torch = pytest.importorskip("torch", reason="PyTorch not installed (optional test extra)")
    scores, y = random_problem(14, n=64, c=10)
    t_scores = torch.tensor(scores, requires_grad=True)
    t_loss = torch.nn.functional.cross_entropy(t_scores, torch.tensor(y))
    t_loss.backward()
    loss, dscores = lc.losses.softmax(scores, y)
    assert loss == pytest.approx(t_loss.item(), rel=1e-12)
    np.testing.assert_allclose(dscores, t_scores.grad.numpy(), rtol=1e-10, atol=1e-15)


# ---------------------------------------------------------------------- numerical safety

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_finite_for_huge_scores(dtype):
    scores = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4]], dtype=dtype)
    loss, dscores = lc.losses.softmax(scores, [1, 2])
    assert np.isfinite(loss) and np.isfinite(dscores).all()
    # row 0: -s_1 + log sum exp = 1e4 (+ e^-1e4); row 1: log 3
    assert loss == pytest.approx((1e4 + math.log(3)) / 2, rel=1e-6)
    ref_loss, ref_dscores = reference.softmax(scores, [1, 2])
    assert ref_loss == pytest.approx(loss, rel=1e-6)
    np.testing.assert_allclose(ref_dscores, dscores, atol=1e-7)


# ------------------------------------------------------------------------------ dtypes

@pytest.mark.parametrize("impl", [lc.losses, reference], ids=["vectorized", "reference"])
@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(impl, name, dtype):
    scores, y = random_problem(5, n=10, c=4, dtype=dtype)
    loss, dscores = call(name, scores, y, impl=impl)
    assert dscores.dtype == dtype
    assert np.isfinite(loss)


@pytest.mark.parametrize("name", list(LOSSES))
def test_float32_agrees_with_float64(name):
    scores, y = random_problem(6, n=30, c=5)
    loss64, d64 = call(name, scores, y)
    loss32, d32 = call(name, scores.astype(np.float32), y)
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    np.testing.assert_allclose(d32, d64, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", list(LOSSES))
def test_integer_scores_promoted_to_float64(name):
    loss, dscores = call(name, np.array([[3, 5, -1], [1, 4, 2]]), np.array([0, 1]))
    assert dscores.dtype == np.float64


@pytest.mark.parametrize("name", list(LOSSES))
def test_inputs_not_modified(name):
    scores, y = random_problem(8, n=10, c=4)
    before, y_before = scores.copy(), y.copy()
    call(name, scores, y)
    np.testing.assert_array_equal(scores, before)
    np.testing.assert_array_equal(y, y_before)


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("impl", [lc.losses, reference], ids=["vectorized", "reference"])
@pytest.mark.parametrize("name", list(LOSSES))
class TestBadInput:
    def test_labels_of_wrong_length(self, impl, name):
        message = r"^y must be a 1-D array of 3 labels .*got shape \(2,\)"
        with pytest.raises(ValueError, match=message):
            call(name, LECTURE_SCORES, [0, 1], impl=impl)

    @pytest.mark.parametrize("bad", [3, -1])
    def test_label_outside_classes(self, impl, name, bad):
        message = rf"^y must be class indices in \[0, 3\), got label {bad}"
        with pytest.raises(ValueError, match=message):
            call(name, LECTURE_SCORES, [0, bad, 1], impl=impl)

    def test_float_labels(self, impl, name):
        message = r"^y must be integer class indices, got dtype float64"
        with pytest.raises(ValueError, match=message):
            call(name, LECTURE_SCORES, [0.0, 1.0, 2.0], impl=impl)

    @pytest.mark.parametrize("bad", [np.nan, np.inf])
    def test_non_finite_scores(self, impl, name, bad):
        scores = LECTURE_SCORES.copy()
        scores[1, 2] = bad
        with pytest.raises(ValueError, match=r"^scores must be finite .*got a non-finite value"):
            call(name, scores, LECTURE_LABELS, impl=impl)

    def test_one_dimensional_scores(self, impl, name):
        with pytest.raises(ValueError, match=r"^scores must be a 2-D array .*got shape \(3,\)"):
            call(name, LECTURE_SCORES[0], [0], impl=impl)


@pytest.mark.parametrize("impl", [lc.losses, reference], ids=["vectorized", "reference"])
@pytest.mark.parametrize("name", list(LOSSES))
def test_empty_scores(impl, name):
    with pytest.raises(ValueError, match=r"^scores must be non-empty \(at least one row\), "
                                         r"got 0 rows"):
        call(name, np.zeros((0, 3)), np.zeros(0, dtype=int), impl=impl)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_softmax_probabilities_rows_sum_to_one(dtype):
    scores = np.array([[1, 2, 3], [0, 0, 0], [1000, 0, -1000]], dtype=dtype)
    probs = lc.losses.softmax_probabilities(scores)
    assert probs.dtype == (np.float64 if dtype == np.int64 else dtype)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(probs[1], 1 / 3, rtol=1e-6)
    np.testing.assert_array_equal(scores, np.array([[1, 2, 3], [0, 0, 0], [1000, 0, -1000]]))


def test_softmax_probabilities_needs_2d():
    with pytest.raises(ValueError, match=r"^scores must be a 2-D array \(N, C\), got shape \(3,\)"):
        lc.losses.softmax_probabilities(np.array([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("name", MARGIN_TAKING)
@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
def test_bad_margin(name, bad):
    with pytest.raises(ValueError, match=r"^margin must be a finite number > 0, got"):
        call(name, LECTURE_SCORES, LECTURE_LABELS, margin=bad)


def test_registry_lists_the_six_losses():
    assert set(LOSSES) == {"svm", "squared_hinge", "crammer_singer", "one_vs_all", "softmax",
                           "least_squares"}
    for name, fn in LOSSES.items():
        assert fn is getattr(lc.losses, name)
        assert callable(getattr(reference, name))


@pytest.mark.parametrize("name", list(LOSSES))
def test_every_loss_takes_margin_as_a_keyword_only(name):
    scores, y = random_problem(7)
    with pytest.raises(TypeError):
        LOSSES[name](scores, y, 1.0)
    assert LOSSES[name](scores, y, margin=1.0)[0] == LOSSES[name](scores, y)[0]


def test_softmax_accepts_and_ignores_margin():
    scores, y = random_problem(8)
    loss, dscores = lc.losses.softmax(scores, y)
    for margin in (0.5, 3.0):
        loss_m, dscores_m = lc.losses.softmax(scores, y, margin=margin)
        assert loss_m == loss
        np.testing.assert_array_equal(dscores_m, dscores)
        assert reference.softmax(scores, y, margin=margin)[0] == pytest.approx(loss, rel=1e-12)


# ---------------------------------------------------------------- row-weighted kernels

def test_weighted_registry_matches_the_losses():
    assert list(lc.losses.WEIGHTED) == list(LOSSES)


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_weighted_none_is_the_mean_and_a_float_scales_the_sum(name, dtype):
    scores, y = random_problem(9, dtype=dtype)
    kernel = lc.losses.WEIGHTED[name]
    mean = LOSSES[name](scores, y, margin=1.5)
    none = kernel(scores, y, None, margin=1.5)
    assert none[0] == mean[0]
    np.testing.assert_array_equal(none[1], mean[1])
    scaled = kernel(scores, y, 0.25, margin=1.5)
    n = len(y)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert scaled[0] == pytest.approx(0.25 * n * mean[0], rel=tol)
    np.testing.assert_allclose(scaled[1], 0.25 * n * mean[1], rtol=tol, atol=tol)
    assert scaled[1].dtype == dtype


@pytest.mark.parametrize("name", list(LOSSES))
def test_integer_row_weights_equal_repeated_rows(name):
    scores, y = random_problem(10, n=30)
    counts = np.random.default_rng(10).integers(0, 4, size=30)
    counts[0] = 2
    loss, dscores = lc.losses.WEIGHTED[name](scores, y, counts.astype(float), margin=1.3)
    rep = np.repeat(np.arange(30), counts)
    rep_loss, rep_dscores = LOSSES[name](scores[rep], y[rep], margin=1.3)
    total = counts.sum()
    assert loss == pytest.approx(total * rep_loss, rel=1e-12)
    # the gradient of row i is the sum over its copies
    summed = np.zeros_like(dscores)
    np.add.at(summed, rep, rep_dscores)
    np.testing.assert_allclose(dscores, total * summed, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", list(LOSSES))
def test_weighted_gradient_checks(name):
    scores, y = random_problem(11, n=12, c=4)
    weights = np.random.default_rng(11).uniform(0, 2, size=12)
    kernel = lc.losses.WEIGHTED[name]
    _, dscores = kernel(scores, y, weights, margin=1.0)
    result = check(lambda s: kernel(s, y, weights, margin=1.0)[0], scores, dscores)
    assert result.passed and result.max_relative_error < 1e-4


def test_weighted_rejects_weights_of_the_wrong_length():
    scores, y = random_problem(12)
    with pytest.raises(ValueError, match=r"^weights must be a float or a 1-D array of 40"):
        lc.losses.WEIGHTED["svm"](scores, y, np.ones(39))


@settings(max_examples=60, deadline=None)
@given(problem=scored_problems(), smoothing=st.floats(1e-4, 10.0),
       name=st.sampled_from(["svm", "crammer_singer", "one_vs_all"]))
def test_smoothed_hinge_lies_within_its_stated_gap_above_the_hinge(problem, smoothing, name):
    from linclass.losses import SMOOTHING_GAP

    scores, y = problem
    hinge = LOSSES[name](scores, y)[0]
    smoothed = LOSSES[name](scores, y, smoothing=smoothing)[0]
    gap = SMOOTHING_GAP[name](scores.shape[1]) * smoothing
    assert hinge - 1e-9 * (1 + hinge) <= smoothed <= hinge + gap + 1e-9 * (1 + hinge)
