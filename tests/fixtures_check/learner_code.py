"""A learner's loss functions, as written for CS231n's assignment 1 (and linclass's signature).

The correct versions come first; each ``*_with_*`` function below them plants one mistake the
checker must name. ``linclass check`` imports this file (tests/test_check*.py use it).
"""

import numpy as np

print("a learner's file may print while it is imported")


# ---- correct: the assignment's signature f(W, X, y, reg) -> (loss, dW) ----

def svm_loss_naive(W, X, y, reg):
    dW = np.zeros(W.shape)
    num_classes, num_train = W.shape[1], X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1  # note delta = 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW


def svm_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X.dot(W)
    margins = np.maximum(0, scores - scores[rows, y][:, np.newaxis] + 1)
    margins[rows, y] = 0
    loss = np.sum(margins) / num_train + reg * np.sum(W * W)
    binary = (margins > 0).astype(W.dtype)
    binary[rows, y] = -np.sum(binary, axis=1)
    dW = X.T.dot(binary) / num_train + 2 * reg * W
    return loss, dW


def softmax_loss_naive(W, X, y, reg):
    loss, dW = 0.0, np.zeros_like(W)
    num_classes, num_train = W.shape[1], X.shape[0]
    for i in range(num_train):
        scores = X[i].dot(W)
        scores = scores - np.max(scores)
        probs = np.exp(scores) / np.sum(np.exp(scores))
        loss += -np.log(probs[y[i]])
        for j in range(num_classes):
            dW[:, j] += (probs[j] - (j == y[i])) * X[i]
    loss = loss / num_train + reg * np.sum(W * W)
    dW = dW / num_train + 2 * reg * W
    return loss, dW


def softmax_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    scores = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(num_train), y])) + reg * np.sum(W * W)
    probs[np.arange(num_train), y] -= 1
    dW = X.T.dot(probs) / num_train + 2 * reg * W
    return loss, dW


# ---- correct: linclass's signature f(scores, y) -> (loss, dscores) ----

def svm_scores(scores, y):
    rows = np.arange(len(y))
    margins = np.maximum(0, scores - scores[rows, y][:, None] + 1)
    margins[rows, y] = 0
    binary = (margins > 0).astype(scores.dtype)
    binary[rows, y] = -binary.sum(axis=1)
    return margins.sum() / len(y), binary / len(y)


def softmax_scores(scores, y):
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(len(y)), y]))
    probs[np.arange(len(y)), y] -= 1
    return loss, probs / len(y)


def my_loss(a, b):
    """The softmax under a name that says nothing: detected by its values."""
    return softmax_scores(a, b)


# ---- one planted mistake each ----

def svm_loss_with_half_penalty_gradient(W, X, y, reg):
    loss, dW = svm_loss_vectorized(W, X, y, reg)
    return loss, dW - reg * W  # dW += reg * W instead of 2 * reg * W


def svm_loss_naive_with_correct_class_counted(W, X, y, reg):
    dW = np.zeros(W.shape)
    loss = 0.0
    for i in range(X.shape[0]):
        scores = X[i].dot(W)
        for j in range(W.shape[1]):  # no `if j == y[i]: continue`
            margin = scores[j] - scores[y[i]] + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    return loss / X.shape[0] + reg * np.sum(W * W), dW / X.shape[0] + 2 * reg * W


def svm_loss_vectorized_with_correct_class_counted(W, X, y, reg):
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X.dot(W)
    margins = np.maximum(0, scores - scores[rows, y][:, np.newaxis] + 1)  # margins[rows, y] = 1
    binary = (margins > 0).astype(W.dtype)
    binary[rows, y] = -np.sum(binary, axis=1)
    loss = np.sum(margins) / num_train + reg * np.sum(W * W)
    return loss, X.T.dot(binary) / num_train + 2 * reg * W


def svm_loss_naive_without_division_by_n(W, X, y, reg):
    dW = np.zeros(W.shape)
    loss = 0.0
    for i in range(X.shape[0]):
        scores = X[i].dot(W)
        for j in range(W.shape[1]):
            if j == y[i]:
                continue
            margin = scores[j] - scores[y[i]] + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    return loss + reg * np.sum(W * W), dW + 2 * reg * W


def softmax_loss_vectorized_unstable(W, X, y, reg):
    num_train = X.shape[0]
    exp_scores = np.exp(X.dot(W))  # no shift by the row maximum
    probs = exp_scores / exp_scores.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(num_train), y])) + reg * np.sum(W * W)
    probs[np.arange(num_train), y] -= 1
    return loss, X.T.dot(probs) / num_train + 2 * reg * W


def svm_loss_vectorized_modifying_x(W, X, y, reg):
    X -= X.mean(axis=0)  # "preprocessing" inside the loss: changes the caller's X
    X[:, -1] = 1.0
    return svm_loss_vectorized(W, X, y, reg)


def softmax_scores_modifying_scores(scores, y):
    scores -= scores.max(axis=1, keepdims=True)  # shifts the caller's array
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(len(y)), y]))
    probs[np.arange(len(y)), y] -= 1
    return loss, probs / len(y)


def softmax_loss_vectorized_wrong_axis(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    exp_scores = np.exp(scores - scores.max(axis=0))
    probs = exp_scores / exp_scores.sum(axis=0, keepdims=True)  # sums over the examples
    loss = -np.mean(np.log(probs[np.arange(num_train), y])) + reg * np.sum(W * W)
    probs[np.arange(num_train), y] -= 1
    return loss, X.T.dot(probs) / num_train + 2 * reg * W


def svm_loss_vectorized_wrong_axis(W, X, y, reg):
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X.dot(W)
    margins = np.maximum(0, scores - scores[rows, y][:, np.newaxis] + 1)
    margins[rows, y] = 0
    loss = np.mean(np.sum(margins, axis=0)) + reg * np.sum(W * W)  # mean over the classes
    binary = (margins > 0).astype(W.dtype)
    binary[rows, y] = -np.sum(binary, axis=0)  # a count per class, not per example
    return loss, X.T.dot(binary) / num_train + 2 * reg * W


def svm_loss_with_half_penalty(W, X, y, reg):
    loss, dW = svm_loss_vectorized(W, X, y, reg)
    return loss - 0.5 * reg * np.sum(W * W), dW - reg * W  # 0.5 * reg * sum(W**2)


def svm_loss_returning_loss_only(W, X, y, reg):
    return svm_loss_vectorized(W, X, y, reg)[0]
