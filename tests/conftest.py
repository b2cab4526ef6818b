"""Shared fixtures: real data from ../shared (skipped with the reason where absent)."""

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")  # headless rendering everywhere in the tests

ROOT = Path(__file__).resolve().parents[1]
CIFAR_ARCHIVE = ROOT.parent / "shared" / "data" / "cifar10-train-jpeg.tar.gz"


def pytest_collection_modifyitems(items):
    """Every test on the real CIFAR-10 archive is ``slow`` (deselect with ``-m "not slow"``)."""
    for item in items:
        if "cifar_archive" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory):
    """Every test session decodes into its own cache directory ($LINCLASS_DATA)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("LINCLASS_DATA", str(tmp_path_factory.mktemp("linclass-cache")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def cifar_archive():
    """Path of the 50,000-image CIFAR-10 training archive, or skip."""
    if not CIFAR_ARCHIVE.is_file():
        pytest.skip(f"real CIFAR-10 archive not found at {CIFAR_ARCHIVE} "
                    "(../shared/data is absent on this machine)")
    return CIFAR_ARCHIVE
