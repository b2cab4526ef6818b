"""The wheel built from pyproject.toml installs in a fresh virtual environment outside the
repository and works there: ``linclass train`` on the digits, the demo's static files."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_trains_outside_the_repository(tmp_path):
    built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir",
                            str(tmp_path / "dist"), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    log = built.stdout + built.stderr
    assert "SetuptoolsDeprecationWarning" not in log and "deprecated" not in log.lower()
    (wheel,) = (tmp_path / "dist").glob("linclass-*.whl")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)],
                               capture_output=True, text=True, timeout=900)
    assert installed.returncode == 0, installed.stderr[-2000:]

    work = tmp_path / "elsewhere"
    work.mkdir()
    done = subprocess.run([str(venv / "bin" / "linclass"), "train", "--data", "digits",
                           "--json", "--out", "m.npz"],
                          capture_output=True, text=True, cwd=work, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["val_accuracy"] > 0.9 and (work / "m.npz").is_file()
    static = subprocess.run(
        [str(python), "-c", "import linclass, pathlib; p = pathlib.Path(linclass.__file__)"
         ".parent / 'demo' / 'static'; print(sorted(x.name for x in p.iterdir()))"],
        capture_output=True, text=True, cwd=work, check=True)
    assert "index.html" in static.stdout and "js" in static.stdout
    assert str(ROOT) not in subprocess.run(
        [str(python), "-c", "import linclass; print(linclass.__file__)"],
        capture_output=True, text=True, cwd=work, check=True).stdout
