"""Win-back propensity: how likely a lapsed guest is to come back, learnt from the property's
own history by a time split.

Labels (:func:`train_winback`): the snapshot is ``today - horizon_days`` (default six months).
The examples are the guests *lapsed at the snapshot*: with some stay or visit before it, but
none in the ``lapse_days`` (default 90) before it. Their features are computed as of the
snapshot (:func:`~tools.reactivation.features.guest_features` with ``as_of=snapshot``: only
data before it, so nothing of the outcome leaks in). The label is 1 if they came back (a stay
checked in or a completed dining visit) between the snapshot and ``today``, else 0.

The model is ``StandardScaler`` + ``LogisticRegression`` (balanced class weights) on
log spend, log frequency, recency, log stays and log dining visits. It is evaluated on a
stratified, seeded held-out split (ROC AUC, base rate, precision among the top
``top_fraction`` of scores and its lift over the base rate), then refit on all the examples for
scoring. Too few examples of either outcome raise :class:`NotEnoughHistory`.

``WinbackModel.score(features)`` gives a probability per guest; ``lapsed(features)`` picks
today's lapsed guests (the same definition) to score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sqlalchemy.orm import Session

from tools.reactivation.features import GuestFeatures, guest_features
from tools.reactivation.segments import numeric_features

LAPSE_DAYS = 90
HORIZON_DAYS = 182  # about six months
MIN_PER_CLASS = 5  # of each outcome, overall
MIN_TEST_PER_CLASS = 2  # of each outcome, in the held-out split


class NotEnoughHistory(ValueError):
    """The history has too few guests who came back, or too few who did not, to learn from."""


def model_matrix(features: Sequence[GuestFeatures]) -> NDArray[np.float64]:
    base = numeric_features(features)
    extra = np.asarray(
        [(np.log1p(f.stays), np.log1p(f.dining_visits)) for f in features], dtype=np.float64
    ).reshape(len(features), 2)
    return np.hstack([base, extra])


def lapsed(features: Sequence[GuestFeatures], lapse_days: int = LAPSE_DAYS) -> list[GuestFeatures]:
    """The guests with some stay or visit, but none in the last ``lapse_days`` days."""
    return [f for f in features if f.recency_days is not None and f.recency_days >= lapse_days]


@dataclass(frozen=True)
class WinbackModel:
    pipeline: Pipeline
    auc: float  # held-out ROC AUC
    base_rate: float  # share of held-out examples that came back
    precision_at_top: float  # share that came back among the top `top_fraction` of scores
    top_fraction: float
    n_train: int
    n_test: int
    n_positive: int  # examples that came back, overall
    snapshot: date | None = None
    lapse_days: int = LAPSE_DAYS
    horizon_days: int = HORIZON_DAYS

    @property
    def lift(self) -> float:
        return self.precision_at_top / self.base_rate if self.base_rate else 0.0

    def score(self, features: Sequence[GuestFeatures]) -> dict[int, float]:
        """Guest id -> probability of coming back within the horizon."""
        if not features:
            return {}
        proba = self.pipeline.predict_proba(model_matrix(features))[:, 1]
        return {f.guest_id: float(p) for f, p in zip(features, proba, strict=True)}


def fit_winback(
    features: Sequence[GuestFeatures],
    labels: Sequence[bool],
    *,
    seed: int = 0,
    test_size: float = 0.3,
    top_fraction: float = 0.2,
) -> WinbackModel:
    """Fit and evaluate on labelled examples (see the module docstring)."""
    if len(features) != len(labels):
        raise ValueError("one label per guest")
    y = np.asarray(labels, dtype=np.int_)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if positives < MIN_PER_CLASS or negatives < MIN_PER_CLASS:
        raise NotEnoughHistory(
            f"Not enough history to learn win-back: {positives} lapsed guests came back and "
            f"{negatives} did not; at least {MIN_PER_CLASS} of each are needed."
        )
    x = model_matrix(features)
    n_test = max(round(len(y) * test_size), 2 * MIN_TEST_PER_CLASS)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=n_test, stratify=y, random_state=seed
    )
    if min(int(y_test.sum()), int(len(y_test) - y_test.sum())) < MIN_TEST_PER_CLASS:
        raise NotEnoughHistory("Not enough history for a held-out test of both outcomes.")
    if len(np.unique(y_train)) < 2:
        raise NotEnoughHistory("Not enough history: the training split has one outcome only.")

    def pipeline() -> Pipeline:
        return make_pipeline(
            StandardScaler(),
            LogisticRegression(class_weight="balanced", random_state=seed, max_iter=1000),
        )

    held_out = pipeline().fit(x_train, y_train)
    scores = held_out.predict_proba(x_test)[:, 1]
    top = max(1, round(top_fraction * len(y_test)))
    # Stable order: equal scores keep the split's order, so a seed gives one answer.
    ranked = np.argsort(-scores, kind="stable")[:top]
    return WinbackModel(
        pipeline=pipeline().fit(x, y),
        auc=float(roc_auc_score(y_test, scores)),
        base_rate=float(y_test.mean()),
        precision_at_top=float(y_test[ranked].mean()),
        top_fraction=top_fraction,
        n_train=len(y_train),
        n_test=len(y_test),
        n_positive=positives,
    )


def winback_examples(
    session: Session,
    today: date,
    *,
    lapse_days: int = LAPSE_DAYS,
    horizon_days: int = HORIZON_DAYS,
) -> tuple[date, list[GuestFeatures], list[bool]]:
    """The snapshot, the features as of it of the guests lapsed then, and whether each came
    back before ``today``."""
    snapshot = today - timedelta(days=horizon_days)
    examples = lapsed(guest_features(session, snapshot), lapse_days)
    last_seen = {f.guest_id: f.recency_days for f in guest_features(session, today)}
    labels = []
    for f in examples:
        recency = last_seen.get(f.guest_id)
        # Last activity on or after the snapshot: they came back within the horizon.
        labels.append(recency is not None and recency <= horizon_days)
    return snapshot, examples, labels


def train_winback(
    session: Session,
    today: date,
    *,
    lapse_days: int = LAPSE_DAYS,
    horizon_days: int = HORIZON_DAYS,
    seed: int = 0,
    test_size: float = 0.3,
    top_fraction: float = 0.2,
) -> WinbackModel:
    """Train the win-back model of the session's property on its history up to ``today``."""
    snapshot, examples, labels = winback_examples(
        session, today, lapse_days=lapse_days, horizon_days=horizon_days
    )
    model = fit_winback(examples, labels, seed=seed, test_size=test_size, top_fraction=top_fraction)
    return replace(model, snapshot=snapshot, lapse_days=lapse_days, horizon_days=horizon_days)
