"""Segments of a property's guests: k-means over standardised RFM features, with names.

The numbers clustered are ``log1p(spend)``, ``log1p(frequency)`` and ``recency_days`` (capped
at :data:`RECENCY_CAP`; a guest with no stay or visit counts as the cap). They are standardised
(``StandardScaler``: a constant feature becomes all zeros, not a division by zero) and clustered
by ``KMeans`` with ``random_state=seed``, so one seed gives one answer.

Choosing k: given ``k`` is used as is (but never more clusters than distinct guests); with
``k=None`` the k in 3..6 with the best silhouette score wins (on a seeded sample of at most
:data:`SILHOUETTE_SAMPLE` guests, so that it scales). Fewer than two distinct guests: one
segment. No guests: an empty segmentation.

Each cluster is named by rules on its centroid in the original units (see :func:`_name`);
when two clusters get the same name, the names are told apart by spend (``higher spend`` /
``lower spend``, or a number beyond two), so names are unique. Segments are listed by
recency, then spend, so the order does not depend on k-means' label numbering.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from tools.reactivation.features import GuestFeatures

RECENCY_CAP = 730
K_RANGE = range(3, 7)
SILHOUETTE_SAMPLE = 5000
RECENT_DAYS = 120
LAPSED_DAYS = 365


def numeric_features(features: Sequence[GuestFeatures]) -> NDArray[np.float64]:
    """One row per guest: log1p(spend), log1p(frequency), capped recency in days."""
    rows = [
        (
            np.log1p(max(f.spend, 0.0)),
            np.log1p(f.frequency),
            min(f.recency_days if f.recency_days is not None else RECENCY_CAP, RECENCY_CAP),
        )
        for f in features
    ]
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), 3)


@dataclass(frozen=True)
class Segment:
    name: str
    size: int
    guest_ids: list[int]
    mean_recency_days: float | None  # over the guests with any stay or visit
    mean_frequency: float
    mean_spend: float
    consent_share: float  # share with marketing consent (and not opted out)


@dataclass(frozen=True)
class Segmentation:
    k: int
    silhouette: float | None  # None when k was given or there are fewer than 3 clusters
    segments: list[Segment] = field(default_factory=list)

    def segment_of(self) -> dict[int, str]:
        """Guest id -> segment name."""
        return {gid: s.name for s in self.segments for gid in s.guest_ids}


def _name(recency: float, frequency: float, spend: float, spend_median: float) -> str:
    """The rules, on a cluster's mean recency (days), frequency and spend."""
    if frequency < 0.5 and spend <= 0:
        return "No history yet"
    big = spend >= spend_median * 1.5
    if recency >= LAPSED_DAYS:
        return "Lapsed big spenders" if big else "Lapsed guests"
    if recency <= RECENT_DAYS:
        if frequency >= 3:
            return "Loyal regulars"
        return "Recent big spenders" if big and frequency >= 2 else "Recent newcomers"
    if frequency >= 3:
        return "Cooling regulars"
    return "One-time visitors" if frequency < 1.5 else "Occasional guests"


def _unique(names: list[str], spends: list[float]) -> list[str]:
    result = list(names)
    for name in set(names):
        idx = [i for i, n in enumerate(names) if n == name]
        if len(idx) < 2:
            continue
        idx.sort(key=lambda i: -spends[i])
        if len(idx) == 2:
            result[idx[0]] = f"{name} (higher spend)"
            result[idx[1]] = f"{name} (lower spend)"
        else:
            for rank, i in enumerate(idx, start=1):
                result[i] = f"{name} #{rank}"
    return result


def _labels(
    x: NDArray[np.float64], k: int | None, seed: int
) -> tuple[NDArray[np.int_], float | None]:
    distinct = len(np.unique(x, axis=0))
    if distinct < 2:
        return np.zeros(len(x), dtype=np.int_), None
    scaled = StandardScaler().fit_transform(x)
    if k is not None:
        model = KMeans(n_clusters=min(k, distinct), random_state=seed, n_init=10)
        return model.fit_predict(scaled), None
    best: tuple[float, NDArray[np.int_]] | None = None
    for candidate in K_RANGE:
        if candidate >= distinct:
            break
        labels = KMeans(n_clusters=candidate, random_state=seed, n_init=10).fit_predict(scaled)
        score = float(
            silhouette_score(
                scaled, labels, sample_size=min(len(x), SILHOUETTE_SAMPLE), random_state=seed
            )
        )
        if best is None or score > best[0]:
            best = (score, labels)
    if best is None:  # 2..3 distinct guests: as many clusters as distinct guests
        model = KMeans(n_clusters=distinct, random_state=seed, n_init=10)
        return model.fit_predict(scaled), None
    return best[1], best[0]


def segment_guests(
    features: Sequence[GuestFeatures], k: int | None = None, seed: int = 0
) -> Segmentation:
    """Cluster the guests into named segments (see the module docstring)."""
    if k is not None and k < 1:
        raise ValueError("k must be at least 1")
    if not features:
        return Segmentation(k=0, silhouette=None, segments=[])
    x = numeric_features(features)
    labels, silhouette = _labels(x, k, seed)
    spend_median = float(np.median([f.spend for f in features]))
    groups: list[list[GuestFeatures]] = [
        [f for f, label in zip(features, labels, strict=True) if label == c]
        for c in sorted(set(labels.tolist()))
    ]
    stats = []
    for members in groups:
        active = [f.recency_days for f in members if f.recency_days is not None]
        capped = [min(r if r is not None else RECENCY_CAP, RECENCY_CAP) for r in
                  (f.recency_days for f in members)]  # fmt: skip
        stats.append(
            (
                float(np.mean(active)) if active else None,
                float(np.mean(capped)),
                float(np.mean([f.frequency for f in members])),
                float(np.mean([f.spend for f in members])),
            )
        )
    order = sorted(range(len(groups)), key=lambda i: (stats[i][1], -stats[i][3]))
    groups = [groups[i] for i in order]
    stats = [stats[i] for i in order]
    names = _unique(
        [_name(capped, freq, spend, spend_median) for _, capped, freq, spend in stats],
        [s[3] for s in stats],
    )
    segments = [
        Segment(
            name=name,
            size=len(members),
            guest_ids=[f.guest_id for f in members],
            mean_recency_days=recency,
            mean_frequency=freq,
            mean_spend=spend,
            consent_share=sum(f.has_consent and not f.opted_out for f in members) / len(members),
        )
        for name, members, (recency, _, freq, spend) in zip(names, groups, stats, strict=True)
    ]
    return Segmentation(k=len(segments), silhouette=silhouette, segments=segments)
