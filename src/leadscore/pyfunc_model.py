"""The MLflow pyfunc model, logged from code (DESIGN section 9).

MLflow copies this file into the logged model and runs it on load; it unpickles nothing. The
scorer itself travels as an artifact folder of LightGBM text models and JSON, read by
:meth:`leadscore.LeadScorer.load`. ``predict`` takes a feature table (as from
:func:`leadscore.build_features`) and returns the scores table; pass ``params={"as_of": ...}`` to
stamp the ``as_of`` column, and ``params={"reasons": False}`` for probabilities, scores and grades
at prediction speed (no criteria columns nor reasons).
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
        from leadscore.scoring import scores_table

        params = params or {}
        reasons = params.get("reasons", True)
        if isinstance(reasons, str):  # a parameter given as text
            reasons = reasons.strip().lower() not in ("false", "0", "no")
        return scores_table(self.scorer, frame, params.get("as_of"), reasons=bool(reasons))


mlflow.models.set_model(LeadScorerModel())
