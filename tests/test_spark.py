"""The Spark engine gives the pandas engine's features, scores, rejects and drift."""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import leadscore as ls
from leadscore.data import read_tables
from leadscore.errors import DataWarning
from leadscore.scoring import score_export
from leadscore.triage import triage

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'leadscore[spark]')")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs Java 17+; no java on PATH nor JAVA_HOME", allow_module_level=True)

from leadscore import spark as lsp

AS_OF = "2025-10-01"


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    session = lsp.session(
        "local[2]",
        spark_ui_enabled="false",
        spark_sql_shuffle_partitions="2",
        spark_default_parallelism="2",
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 2,000-contact export with a few bad rows, and a scorer trained on it."""
    folder = tmp_path_factory.mktemp("spark")
    crm = ls.make_crm(2_000, seed=0)
    months = pd.date_range("2024-09-01", periods=9, freq="MS")
    scorer = ls.LeadScorer().fit(ls.build_training_table(crm, months))
    scorer.save(folder / "model")
    crm.write(folder / "export", format="parquet")
    activities = pd.read_parquet(folder / "export" / "activities.parquet")
    activities.loc[[3, 40], "timestamp"] = pd.NaT  # bad rows: rejected, their contacts scored
    activities.loc[77, "contact_id"] = "nobody"
    activities.to_parquet(folder / "export" / "activities.parquet")
    return folder / "export", folder / "model"


def _same(spark_values: pd.Series, pandas_values: pd.Series, name: str) -> None:
    if pd.api.types.is_float_dtype(pandas_values):
        np.testing.assert_allclose(
            spark_values.to_numpy(dtype=float), pandas_values.to_numpy(dtype=float),
            rtol=0, atol=1e-9, err_msg=name,
        )  # fmt: skip
    else:
        left = spark_values.astype("str").fillna("<missing>").tolist()
        assert left == pandas_values.astype("str").fillna("<missing>").tolist(), name


def test_features_equal_the_pandas_engine(spark: object, export: tuple[Path, Path]) -> None:
    data, _ = export
    crm = lsp.read_crm(spark, data, contacts_per_group=1_000)  # two groups of accounts
    assert crm.n_groups == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        batch = lsp.triage_features(crm, AS_OF)
        checked = triage(read_tables(data), pd.Timestamp(AS_OF, tz="UTC"))
        expected = ls.build_features(checked.crm, AS_OF)
    X = lsp.to_pandas(batch.features).set_index("contact_id").loc[expected["contact_id"]]
    X = X.reset_index()
    assert list(X.columns) == list(expected.columns)
    for name in expected.columns:
        _same(X[name], expected[name], name)
    assert batch.tables() == checked.tables
    rejects = batch.rejects.toPandas().sort_values(["table", "row"]).reset_index(drop=True)
    pandas_rejects = checked.rejects.sort_values(["table", "row"]).reset_index(drop=True)
    for name in pandas_rejects.columns:
        _same(rejects[name], pandas_rejects[name], name)
    batch.unpersist()


def test_scoring_job_equals_the_pandas_engine(
    spark: object, export: tuple[Path, Path], tmp_path: Path
) -> None:
    data, model = export
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        done = lsp.score_export(
            data, model, tmp_path / "spark" / "scores.parquet", as_of=AS_OF, spark=spark,
            contacts_per_group=1_000,
        )  # fmt: skip
        expected = score_export(
            data, model, tmp_path / "pandas" / "scores.parquet", as_of=AS_OF, history=False
        )
    assert done.contacts == 2_000 == done.scored + sum(done.not_scored.values())
    assert (done.tables, done.not_scored, done.grades, done.prospect_grades) == (
        expected.tables, expected.not_scored, expected.grades, expected.prospect_grades,
    )  # fmt: skip
    assert (tmp_path / "spark" / "scores.parquet" / "_SUCCESS").exists()
    assert not [p for p in (tmp_path / "spark").iterdir() if p.name.endswith(".tmp")]
    scores = pd.read_parquet(tmp_path / "spark" / "scores.parquet")
    reference = pd.read_parquet(tmp_path / "pandas" / "scores.parquet")
    scores = scores.set_index("contact_id").loc[reference["contact_id"]].reset_index()
    assert list(scores.columns) == list(reference.columns)
    for name in reference.columns:  # probabilities, scores, grades, criteria, reasons, codes
        _same(scores[name], reference[name], name)
    rejects = pd.read_parquet(tmp_path / "spark" / "scores.rejects.parquet")
    assert rejects.equals(pd.read_parquet(tmp_path / "pandas" / "scores.rejects.parquet"))
    drift = pd.read_csv(tmp_path / "spark" / "scores.drift.csv")
    pandas_drift = pd.read_csv(tmp_path / "pandas" / "scores.drift.csv")
    assert drift["name"].tolist() == pandas_drift["name"].tolist()
    np.testing.assert_allclose(drift["psi"], pandas_drift["psi"], rtol=0, atol=1e-12)
