"""leadscore: predictive lead scoring that says why.

Point-in-time features from CRM activity, calibrated LightGBM models of reaching *prospect* and
*customer*, explanations per qualification criterion, MLflow tracking and batch scoring.
"""

from leadscore.accounts import account_scores
from leadscore.check import CheckReport, check
from leadscore.config import Config, DataConfig, FeatureConfig, LabelConfig, load_config
from leadscore.data import CRMData
from leadscore.features import build_features, build_training_table, feature_columns
from leadscore.labels import make_labels
from leadscore.model import LeadModel
from leadscore.scorer import LeadScorer
from leadscore.scoring import ScoringSummary, score_export
from leadscore.synthetic import make_crm

__all__ = [
    "CRMData",
    "CheckReport",
    "Config",
    "DataConfig",
    "FeatureConfig",
    "LabelConfig",
    "LeadModel",
    "LeadScorer",
    "ScoringSummary",
    "account_scores",
    "build_features",
    "build_training_table",
    "check",
    "feature_columns",
    "load_config",
    "make_crm",
    "make_labels",
    "score_export",
]

__version__ = "0.1.0"
