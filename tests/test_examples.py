"""Every example runs from a copy of examples/ and writes its figure.

Each script runs in a subprocess, headless (MPLBACKEND=Agg), from a
temporary copy of the folder, so the figures land there and not in the work
tree. ``plot_*.py`` scripts must write ``plot_*.png`` next to themselves.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def test_there_are_examples():
    assert any(path.name.startswith("plot_") for path in EXAMPLES)


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_runs_and_writes_its_figure(example, tmp_path):
    script = tmp_path / example.name
    shutil.copy(example, script)
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
        ),
    }
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip(), "an example prints a short table"
    if example.name.startswith("plot_"):
        figure = script.with_suffix(".png")
        assert figure.is_file() and figure.stat().st_size > 0
