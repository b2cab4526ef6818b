"""Golden cases for the page's JavaScript losses, computed by :mod:`linclass.losses`.

The page re-implements the losses in JavaScript (``static/js/losses.mjs``). So that the two
cannot drift, this module writes cases computed by the library to ``tests/js/golden.json``;
the JavaScript tests (``node --test tests/js/``) check the page's functions against them, and a
Python test checks the committed file equals what the library computes now.

Regenerate from the repository root with::

    python -m linclass.demo.golden            # writes tests/js/golden.json
    python -m linclass.demo.golden PATH       # writes PATH

Each loss case holds ``scores (N, C)``, ``y (N,)``, ``margin``, the mean ``loss``, ``dscores``
and the per-row losses ``per_point`` (the library's loss of each row alone). Each objective case
holds ``W (D, C)``, ``b (C,)``, ``X (N, D)``, ``y``, the loss name, ``reg_strength``, ``margin``
and :func:`linclass.linear_loss`'s ``loss``, ``dW`` and ``db`` with L2 regularization.
"""

import json
import sys
from pathlib import Path

import numpy as np

from linclass._files import atomic_write
from linclass.losses import LOSSES
from linclass.objective import linear_loss

DEFAULT_PATH = Path("tests") / "js" / "golden.json"


def _score_sets(rng):
    """(label, scores, y) inputs: random, the lecture's three images, ties, huge scores."""
    lecture = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    ties = np.array([[1.0, 1.0, 1.0], [0.0, 2.0, 2.0], [2.0, 0.5, 0.5], [-1.0, 3.0, 3.0]])
    return [
        ("random", rng.normal(scale=2.0, size=(7, 3)), rng.integers(0, 3, 7)),
        ("lecture", lecture, np.array([0, 1, 2])),
        ("ties", ties, np.array([0, 0, 0, 0])),
        ("large", rng.normal(scale=1e4, size=(4, 3)), rng.integers(0, 3, 4)),
        ("one_row", rng.normal(size=(1, 3)), np.array([2])),
    ]


def golden_cases(seed=0):
    """All golden cases as a JSON-ready dict (floats are float64, written with full precision)."""
    rng = np.random.default_rng(seed)
    losses = []
    for label, scores, y in _score_sets(rng):
        for name in LOSSES:
            for margin in (1.0, 0.5):
                loss, dscores = LOSSES[name](scores, y, margin=margin)
                per_point = [LOSSES[name](scores[i:i + 1], y[i:i + 1], margin=margin)[0]
                             for i in range(len(y))]
                losses.append({"case": label, "loss_name": name, "margin": margin,
                               "scores": scores.tolist(), "y": y.tolist(), "loss": loss,
                               "dscores": dscores.tolist(), "per_point": per_point})
    objectives = []
    for name in LOSSES:
        for reg_strength in (0.0, 0.1):
            W, b = rng.normal(size=(2, 3)), rng.normal(size=3)
            X, y = rng.normal(scale=2.0, size=(9, 2)), rng.integers(0, 3, 9)
            loss, dW, db = linear_loss(W, b, X, y, loss=name, reg="l2",
                                       reg_strength=reg_strength, margin=0.8)
            objectives.append({"loss_name": name, "reg_strength": reg_strength, "margin": 0.8,
                               "W": W.tolist(), "b": b.tolist(), "X": X.tolist(),
                               "y": y.tolist(), "loss": loss, "dW": dW.tolist(),
                               "db": db.tolist()})
    return {"generator": "python -m linclass.demo.golden", "seed": seed,
            "losses": losses, "objectives": objectives}


def write(path=DEFAULT_PATH, seed=0):
    """Write :func:`golden_cases` to ``path`` atomically (temporary file, then rename)."""
    text = json.dumps(golden_cases(seed), indent=1) + "\n"
    return atomic_write(path, lambda f: f.write(text), text=True)


if __name__ == "__main__":
    print(write(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_PATH))
