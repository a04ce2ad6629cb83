"""The notebooks run from top to bottom without errors, at their small size, and are committed
without outputs.

Each runs in a copy of the repository's layout (``notebooks/`` beside a link to ``data/``), so
that it reads the shipped data as it does in a clone and writes nothing into the repository.
``LEADSCORE_NOTEBOOK_SIZE=full`` is the real size (run by hand, not here).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSCORE_NOTEBOOK_SIZE", "small")
    if "spark" in path.stem and shutil.which("java") is None:
        pytest.skip("the Spark notebook needs Java (.ci/run installs a headless JRE)")
    (tmp_path / "data").symlink_to(ROOT / "data", target_is_directory=True)
    workdir = tmp_path / "notebooks"
    workdir.mkdir()
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(workdir)}}).execute()  # fmt: skip
    seconds = time.perf_counter() - start
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(o.output_type in ("execute_result", "display_data") for o in outputs)
    print(f"{path.name}: {seconds:.0f} s")


def test_there_are_the_four_notebooks() -> None:
    assert [p.name[:2] for p in NOTEBOOKS][:4] == ["01", "02", "03", "04"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    with_outputs = [i for i, cell in enumerate(code) if cell.outputs or cell.execution_count]
    assert not with_outputs, (
        f"{path.name}: code cells {with_outputs} hold outputs; clear them before committing "
        "(Jupyter: Edit > Clear Outputs of All Cells, or `jupyter nbconvert --clear-output "
        "--inplace notebooks/*.ipynb`)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_reads_nothing_outside_the_repository(path: Path) -> None:
    text = path.read_text()
    assert "../shared" not in text
    assert "LEADSCORE_NOTEBOOK_SIZE" in text
