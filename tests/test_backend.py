"""The array-backend dispatch: NumPy and PyTorch CPU tensors, float32 and float64."""

import numpy as np
import pytest

from linclass import backend

torch = pytest.importorskip("torch", reason="the PyTorch backend needs torch "
                                             "(pip install 'linclass[torch]')")

DTYPES = [np.float32, np.float64]


def both(x):
    """``x`` as a NumPy array and as a torch CPU tensor (sharing nothing)."""
    return [np.array(x), torch.tensor(np.array(x))]


@pytest.mark.parametrize("dtype", DTYPES)
def test_namespace_is_numpy_itself_or_the_compat_torch_module(dtype):
    x_np, x_t = both(np.ones((2, 3), dtype))
    assert backend.namespace(x_np) is np
    assert backend.namespace([1.0, 2.0]) is np
    xp = backend.namespace(x_t)
    assert xp.__name__ == "array_api_compat.torch"
    assert backend.namespace(x_np, x_t) is xp  # a tensor among the inputs decides
    assert tuple(xp.max(x_t, axis=1, keepdims=True).shape) == (2, 1)


@pytest.mark.parametrize("dtype", DTYPES)
def test_in_place_ops_agree_and_keep_the_object(dtype):
    rng = np.random.default_rng(0)
    values = rng.standard_normal((4, 5)).astype(dtype)
    for op, reference in [(lambda x: backend.maximum_(x, 0), np.maximum(values, 0)),
                          (backend.exp_, np.exp(values))]:
        for x in both(values):
            assert op(x) is x
            got = backend.to_numpy(x)
            assert got.dtype == dtype
            np.testing.assert_allclose(got, reference, rtol=1e-6 if dtype == np.float32
                                       else 1e-14)


@pytest.mark.parametrize("dtype", DTYPES)
def test_asarray_moves_between_devices_and_keeps_dtype(dtype):
    x = np.arange(6, dtype=dtype).reshape(2, 3)
    t = backend.asarray(x, device="torch")
    assert isinstance(t, torch.Tensor) and backend.device_name(t) == "torch"
    assert backend.numpy_dtype(t) == dtype
    assert np.shares_memory(backend.to_numpy(t), x)  # torch.from_numpy: no copy on the CPU
    back = backend.asarray(t, device="cpu")
    assert type(back) is np.ndarray and back.dtype == dtype
    np.testing.assert_array_equal(back, x)
    assert backend.asarray(x, device="cpu") is x
    assert backend.numpy_dtype(backend.asarray(x, "torch", dtype=np.float32)) == np.float32
    assert backend.device_name(x) == "cpu"


def test_bad_device_names_the_choices():
    with pytest.raises(ValueError, match=r"device must be 'cpu' \(NumPy\), 'torch'.*got 'gpu'"):
        backend.check_device("gpu")
    with pytest.raises(ValueError, match="device must be"):
        backend.check_device("cuda:x")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="without a CUDA GPU, got 'cuda'"):
            backend.check_device("cuda")
