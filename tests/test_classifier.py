"""LinearClassifier: scikit-learn's estimator suite, labels, probabilities, warm start."""

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_dense_data,
    check_sample_weight_equivalence_on_sparse_data,
    parametrize_with_checks,
)

from linclass import LinearClassifier

LOSSES = ("svm", "softmax", "squared_hinge", "crammer_singer", "one_vs_all", "least_squares")

@parametrize_with_checks([LinearClassifier(loss=loss) for loss in LOSSES])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("loss", ["squared_hinge", "least_squares"])
@pytest.mark.parametrize("check", [check_sample_weight_equivalence_on_dense_data,
                                   check_sample_weight_equivalence_on_sparse_data])
def test_sample_weights_equal_repeated_rows_at_a_tight_tolerance(loss, check):
    """A well-conditioned objective (lambda 3) solved to tol 1e-10: L-BFGS's line search
    stalls once f changes below float64 round-off, so a weak penalty leaves ~1e-7 in W."""
    check("LinearClassifier", LinearClassifier(loss=loss, tol=1e-10, reg_strength=3.0))


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(("loss", "lr"), [("svm", 1e-3), ("softmax", 1e-2)])
def test_class_weight_favours_the_heavy_class(loss, lr, n_classes):
    """scikit-learn's check_class_weight_classifiers data on minibatch descent (the default
    full-batch solver passes the check itself), at a rate that suits the weights."""
    from sklearn.datasets import make_blobs
    from sklearn.model_selection import train_test_split

    X, y = make_blobs(centers=n_classes, random_state=0, cluster_std=20)
    X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.5, random_state=0)
    weights = {0: 1000.0, **{c: 1e-4 for c in range(1, n_classes)}}
    weighted = LinearClassifier(loss=loss, solver="minibatch", lr=lr, class_weight=weights,
                                random_state=0)
    plain = LinearClassifier(loss=loss, solver="minibatch", lr=lr, random_state=0)
    share_weighted = np.mean(weighted.fit(X_train, y_train).predict(X_test) == 0)
    share_plain = np.mean(plain.fit(X_train, y_train).predict(X_test) == 0)
    assert share_weighted > 0.87
    assert share_plain < share_weighted - 0.2


def _digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_string_labels_and_coef_shape():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = LinearClassifier(loss="softmax", lr=0.5, epochs=100, random_state=0).fit(X, names)
    assert clf.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    assert clf.coef_.shape == (4, 3) and clf.intercept_.shape == (3,)
    assert set(clf.predict(X)) <= set(clf.classes_)
    assert clf.score(X, names) > 0.9
    scores = clf.decision_function(X)
    np.testing.assert_allclose(scores, X @ clf.coef_ + clf.intercept_, rtol=1e-6)


def test_predict_proba_only_for_softmax():
    X, y = _digits()
    softmax = LinearClassifier(loss="softmax", random_state=0).fit(X, y)
    proba = softmax.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(proba.argmax(axis=1), softmax.decision_function(X).argmax(1))
    svm = LinearClassifier(loss="svm", random_state=0).fit(X, y)
    assert not hasattr(svm, "predict_proba")
    with pytest.raises(AttributeError):
        svm.predict_proba(X)


def test_early_stopping_keeps_the_best_validation_epoch():
    X, y = _digits()
    clf = LinearClassifier(loss="svm", lr=0.5, schedule="constant", epochs=15,
                           early_stopping=True, random_state=0).fit(X, y)
    history = clf.history_
    assert len(history["val_accuracy"]) == clf.n_iter_
    best = history["best_epoch"]
    assert history["val_accuracy"][best] == max(history["val_accuracy"])


def test_partial_fit_continues_and_needs_classes():
    X, y = _digits()
    clf = LinearClassifier(loss="softmax", lr=0.05, random_state=0)
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:900], y[:900], classes=np.arange(10))
    first = clf.score(X, y)
    for _ in range(5):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 6
    assert clf.score(X, y) > max(first, 0.9)
    with pytest.raises(ValueError, match="label"):
        clf.partial_fit(X[:5], np.full(5, 42))


def test_warm_start_starts_from_the_previous_weights():
    X, y = _digits()
    clf = LinearClassifier(loss="softmax", lr=0.05, epochs=3, random_state=0).fit(X, y)
    loss_cold = clf.history_["loss"][0]
    clf.set_params(warm_start=True).fit(X, y)
    assert loss_cold == pytest.approx(np.log(10))  # zeros: every class equally likely
    assert clf.history_["loss"][0] < 0.6 * loss_cold


def test_to_torch_and_from_sklearn_round_trip_the_head():
    torch = pytest.importorskip("torch")
    from sklearn.linear_model import LogisticRegression

    X, y = _digits()
    sk = LogisticRegression(max_iter=500).fit(X, y)
    clf = LinearClassifier.from_sklearn(sk)
    np.testing.assert_array_equal(clf.predict(X), sk.predict(X))
    np.testing.assert_allclose(clf.predict_proba(X), sk.predict_proba(X), atol=1e-12)
    layer = clf.to_torch()
    np.testing.assert_allclose(layer(torch.from_numpy(X)).numpy(), clf.scores(X), atol=1e-10)
