"""Update rules, schedules, minibatches and derivative-free search (linclass.optim)."""

import math

import numpy as np
import pytest

import linclass.optim as lo

# -- every optimizer on the same two problems --------------------------------------------------

#: A quadratic over two parameter arrays (W, b): f = 1/2 tr((W-C) A (W-C)^T) + 3/2 |b - 2|^2,
#: condition number 10; the minimum is W = C, b = 2.
A = np.diag([1.0, 10.0])
C = np.array([[1.0, -2.0], [0.5, 3.0]])


def quadratic_grad(params):
    W, b = params
    return (W - C) @ A, 3 * (b - 2)  # float64 (C and A are): the optimizer casts


def rosenbrock_grad(params):
    """f = (1 - x)^2 + 100 (y - x^2)^2, minimum at (1, 1), from the classic start (-1.2, 1)."""
    x, y = params
    return -2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)


QUADRATIC = (quadratic_grad, lambda: (np.zeros((2, 2)), np.zeros(2)), (C, np.full(2, 2.0)))
ROSENBROCK = (rosenbrock_grad, lambda: (np.array([-1.2]), np.array([1.0])),
              (np.ones(1), np.ones(1)))

#: (learning rate, steps) per optimizer and problem, tuned by hand.
SETTINGS = {
    "sgd": {"quadratic": (1e-2, 2000), "rosenbrock": (1e-3, 20000)},
    "momentum": {"quadratic": (1e-3, 2000), "rosenbrock": (1e-4, 20000)},
    "nesterov": {"quadratic": (1e-3, 2000), "rosenbrock": (1e-4, 20000)},
    "adagrad": {"quadratic": (1.0, 2000), "rosenbrock": (0.5, 10000)},
    "rmsprop": {"quadratic": (1e-2, 2000), "rosenbrock": (1e-3, 20000)},
    "adam": {"quadratic": (1e-1, 2000), "rosenbrock": (1e-2, 5000)},
}
#: Largest allowed distance to the minimum (max over coordinates).
TOLERANCE = {"quadratic": 1e-4, "rosenbrock": 1e-3}


def minimize(opt, grad, params, lr, steps):
    state = opt.init(params)
    for _ in range(steps):
        updates, state = opt.update(grad(params), state, params, lr)
        params = lo.apply_updates(params, updates)
    return params, state


def test_settings_cover_every_optimizer():
    assert set(SETTINGS) == set(lo.OPTIMIZERS)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("problem", ["quadratic", "rosenbrock"])
@pytest.mark.parametrize("name", list(lo.OPTIMIZERS))
def test_every_optimizer_reaches_the_minimum(name, problem, dtype):
    grad, start, optimum = {"quadratic": QUADRATIC, "rosenbrock": ROSENBROCK}[problem]
    params = tuple(p.astype(dtype) for p in start())
    lr, steps = SETTINGS[name][problem]
    params, state = minimize(lo.make(name), grad, params, lr, steps)
    for p, p_star in zip(params, optimum, strict=True):
        assert p.dtype == dtype  # never silently upcast
        np.testing.assert_allclose(p, p_star, rtol=0, atol=TOLERANCE[problem])
    for leaf in state:
        for array in leaf if isinstance(leaf, tuple) else ():
            assert array.dtype == dtype  # state stays in the parameters' dtype


# -- PyTorch's implementations as the oracle ---------------------------------------------------

def torch_optimizer(name, params, lr):
    torch = pytest.importorskip("torch")
    return {
        "sgd": lambda: torch.optim.SGD(params, lr=lr),
        "momentum": lambda: torch.optim.SGD(params, lr=lr, momentum=0.9),
        "nesterov": lambda: torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=True),
        "adagrad": lambda: torch.optim.Adagrad(params, lr=lr, eps=1e-8),
        "rmsprop": lambda: torch.optim.RMSprop(params, lr=lr, alpha=0.99, eps=1e-8),
        "adam": lambda: torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8),
    }[name]()


@pytest.mark.parametrize("name", list(lo.OPTIMIZERS))
def test_matches_pytorch_step_for_step(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    start = (rng.standard_normal((4, 3)), rng.standard_normal(3))
    gradients = [tuple(rng.standard_normal(p.shape) for p in start) for _ in range(25)]
    lr = 0.05

    ours = tuple(p.copy() for p in start)
    opt = lo.make(name)
    state = opt.init(ours)
    theirs = [torch.tensor(p, requires_grad=True) for p in start]
    reference = torch_optimizer(name, theirs, lr)
    for grads in gradients:
        updates, state = opt.update(grads, state, ours, lr)
        lo.apply_updates(ours, updates)
        for t, g in zip(theirs, grads, strict=True):
            t.grad = torch.tensor(g)
        reference.step()
    for p, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_momentum_matches_the_lecture_form():
    """v = mu v - lr dx; x += v (the notes) gives the same iterates at a constant lr."""
    rng = np.random.default_rng(2)
    x_lecture = rng.standard_normal(5)
    ours = (x_lecture.copy(),)
    opt = lo.momentum(0.9)
    state = opt.init(ours)
    v = np.zeros(5)
    for _ in range(10):
        dx = rng.standard_normal(5)
        v = 0.9 * v - 0.1 * dx
        x_lecture += v
        updates, state = opt.update((dx,), state, ours, 0.1)
        lo.apply_updates(ours, updates)
    np.testing.assert_allclose(ours[0], x_lecture, rtol=1e-12)


def test_updates_take_the_parameter_dtype_and_apply_in_place():
    params = (np.ones(3, dtype=np.float32),)
    grads = (np.array([1.0, -2.0, 0.5]),)  # float64 gradient
    updates, _ = lo.sgd().update(grads, lo.sgd().init(params), params, 0.5)
    assert updates[0].dtype == np.float32
    np.testing.assert_array_equal(updates[0], [-0.5, 1.0, -0.25])  # the step goes downhill
    same = lo.apply_updates(params, updates)
    assert same[0] is params[0]
    np.testing.assert_array_equal(params[0], [0.5, 2.0, 0.75])


def test_hyperparameters_are_used():
    params = (np.zeros(1),)
    grads = (np.ones(1),)
    opt = lo.make("momentum", momentum=0.5)
    state = opt.init(params)
    for _ in range(2):
        updates, state = opt.update(grads, state, params, 1.0)
    assert updates[0][0] == -1.5  # v = 0.5 * 1 + 1


# -- schedules --------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "kw", "expected"), [
    ("constant", {}, [0.1, 0.1, 0.1, 0.1]),
    ("step", {"factor": 0.1, "every": 2}, [0.1, 0.1, 0.01, 0.01]),
    ("step", {}, [0.1, 0.1, 0.1, 0.1, 0.1, 0.05]),
    ("exponential", {"decay": 0.5}, [0.1, 0.05, 0.025, 0.0125]),
    ("exponential", {}, [0.1, 0.095, 0.09025]),
    ("inverse_time", {"k": 1.0}, [0.1, 0.05, 0.1 / 3, 0.025]),
    ("cosine", {"total": 2}, [0.1, 0.05, 0.0, 0.0]),
    ("cosine", {"total": 4, "floor": 0.02},
     [0.1, 0.02 + 0.04 * (1 + math.cos(math.pi / 4)), 0.06,
      0.02 + 0.04 * (1 - math.cos(math.pi / 4)), 0.02]),
])
def test_schedule_values(name, kw, expected):
    s = lo.schedule(name, 0.1, **kw)
    np.testing.assert_allclose([s(t) for t in range(len(expected))], expected, rtol=1e-12,
                               atol=1e-15)


def test_schedules_pickle():
    import pickle

    s = lo.schedule("cosine", 0.1, total=10)
    assert pickle.loads(pickle.dumps(s))(5) == s(5)


# -- minibatches ------------------------------------------------------------------------------

@pytest.mark.parametrize("batch_size", [1, 7, 32, 100, 1000])
def test_epoch_mode_covers_every_index_once(batch_size):
    n = 100
    batches = list(lo.minibatches(n, batch_size, np.random.default_rng(0)))
    everything = np.concatenate(batches)
    np.testing.assert_array_equal(np.sort(everything), np.arange(n))
    assert len(batches) == -(-n // batch_size)
    assert all(len(b) == min(batch_size, n) for b in batches[:-1])


def test_epoch_mode_shuffles():
    order = np.concatenate(list(lo.minibatches(100, 10, np.random.default_rng(0))))
    assert not np.array_equal(order, np.arange(100))


@pytest.mark.parametrize("mode", ["epoch", "replacement"])
def test_minibatches_are_seeded(mode):
    def draw(seed):
        return np.concatenate(list(lo.minibatches(50, 8, np.random.default_rng(seed), mode)))

    np.testing.assert_array_equal(draw(3), draw(3))
    assert not np.array_equal(draw(3), draw(4))


def test_replacement_mode_draws_full_batches_with_repeats():
    batches = list(lo.minibatches(100, 32, np.random.default_rng(0), mode="replacement"))
    assert [len(b) for b in batches] == [32] * 4
    everything = np.concatenate(batches)
    assert everything.min() >= 0 and everything.max() < 100
    assert len(np.unique(everything)) < len(everything)  # with replacement, 128 draws of 100


# -- derivative-free search -------------------------------------------------------------------

def bowl(W):
    return float(((W - 0.5) ** 2).sum())


def test_random_search_keeps_the_best_and_is_reproducible():
    result = lo.random_search(bowl, (3, 2), 200, np.random.default_rng(0), scale=0.5)
    assert result.W.shape == (3, 2) and result.W.dtype == np.float32
    assert result.loss == bowl(result.W) == result.history[-1]
    assert np.all(np.diff(result.history) <= 0) and result.history[-1] < result.history[0]
    again = lo.random_search(bowl, (3, 2), 200, np.random.default_rng(0), scale=0.5)
    np.testing.assert_array_equal(result.W, again.W)


def test_random_local_search_descends_and_is_reproducible():
    W0 = np.zeros((3, 2))
    result = lo.random_local_search(bowl, W0, 500, np.random.default_rng(0), step_size=0.05)
    assert np.array_equal(W0, np.zeros((3, 2)))  # the start is not modified
    assert result.W.dtype == np.float64
    assert result.loss == bowl(result.W) < bowl(W0) / 10
    assert np.all(np.diff(result.history) <= 0)
    again = lo.random_local_search(bowl, W0, 500, np.random.default_rng(0), step_size=0.05)
    np.testing.assert_array_equal(result.W, again.W)


# -- errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("call", "message"), [
    (lambda: lo.make("adamw"), "optimizer must be one of 'sgd', 'momentum'"),
    (lambda: lo.make("adam", beta=0.9), "hyperparameters of optimizer 'adam' must be among"),
    (lambda: lo.make("momentum", momentum=1.0), r"momentum must be a number in \[0, 1\), got 1.0"),
    (lambda: lo.make("rmsprop", decay=-0.1), r"decay must be a number in \[0, 1\)"),
    (lambda: lo.make("adam", eps=0), "eps must be a finite number > 0, got 0"),
    (lambda: lo.sgd().update((np.ones(1),), (), (np.ones(1),), -0.1), "lr must be a finite"),
    (lambda: lo.sgd().update((np.ones(1),), (), (np.ones(1),), float("nan")), "lr must be"),
    (lambda: lo.schedule("linear", 0.1), "schedule must be one of 'constant'"),
    (lambda: lo.schedule("cosine", 0.1),
     "arguments of schedule 'cosine' must be .* got no 'total'"),
    (lambda: lo.schedule("step", 0.1, gamma=0.5), "got unknown \\['gamma'\\]"),
    (lambda: lo.schedule("step", 0.1, every=0), "every must be an integer >= 1, got 0"),
    (lambda: lo.schedule("step", 0.1, factor=2.0), r"factor must be a number in \(0, 1\]"),
    (lambda: lo.schedule("cosine", 0.1, total=5, floor=0.2), r"floor must be <= lr"),
    (lambda: lo.schedule("constant", 0.0), "lr must be a finite number > 0, got 0.0"),
    (lambda: lo.schedule("constant", 0.1)(-1), r"t \(epoch\) must be a number >= 0"),
    (lambda: lo.minibatches(0, 8, 0), "n must be an integer >= 1, got 0"),
    (lambda: lo.minibatches(10, 2.5, 0), "batch_size must be an integer >= 1, got 2.5"),
    (lambda: lo.minibatches(10, 2, 0, mode="bootstrap"), "mode must be one of 'epoch'"),
    (lambda: lo.random_search(bowl, (2,), 0, 0), "n_tries must be an integer >= 1"),
    (lambda: lo.random_search(bowl, (2,), 5, 0, dtype=np.int32), "dtype must be float32"),
    (lambda: lo.random_local_search(bowl, np.zeros(2), 5, 0, step_size=0),
     "step_size must be a finite number > 0"),
    (lambda: lo.random_local_search(lambda W: float("nan"), np.zeros(2), 5, 0),
     r"loss_fn\(W\) must be a number, got NaN"),
])
def test_bad_values_name_the_parameter(call, message):
    with pytest.raises(ValueError, match=message):
        call()
