"""The MLflow pyfunc model, logged from code (DESIGN section 9).

MLflow copies this file into the logged model and runs it on load; it unpickles nothing. The
scorer itself travels as an artifact folder of LightGBM text models and JSON, read by
:meth:`leadscore.LeadScorer.load`. ``predict`` takes a feature table (as from
:func:`leadscore.build_features`) and returns the scores table; pass ``params={"as_of": ...}`` to
stamp the ``as_of`` column.
"""

from __future__ import annotations

from typing import Any

import mlflow
import pandas as pd
from mlflow.pyfunc.model import PythonModel

SCORER_ARTIFACT = "scorer"


class LeadScorerModel(PythonModel):
    """Scores a feature table with the LeadScorer stored in the model's artifacts."""

    # The model declares its schema by signature. Without this flag MLflow (3.x) wraps
    # ``predict`` for type-hint validation when the class is defined, on logging and on every
    # load, and warns each time that there are no hints; if MLflow drops the flag, only the
    # warning comes back.
    _skip_type_hint_validation = True

    def load_context(self, context: Any) -> None:
        from leadscore.scorer import LeadScorer

        self.scorer = LeadScorer.load(context.artifacts[SCORER_ARTIFACT])

    # no type hints here: MLflow would read them as an input schema
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        as_of = (params or {}).get("as_of")
        return self.scorer.scores(frame, as_of=as_of)


mlflow.models.set_model(LeadScorerModel())
