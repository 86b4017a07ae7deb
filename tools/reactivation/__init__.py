"""Analytics of the reactivation agent: guest features, segments and a win-back model.

- :mod:`tools.reactivation.features`: one row of RFM-style features per guest, as of a date,
  computed by SQL aggregates in Postgres (no per-guest queries).
- :mod:`tools.reactivation.segments`: k-means segments of those features with readable names.
- :mod:`tools.reactivation.propensity`: a win-back propensity model trained on the property's
  own history by a time split.

Campaigns, imported from their own modules: :mod:`~tools.reactivation.campaigns` (create, render),
:mod:`~tools.reactivation.audience` (segment and sending rules per guest, in keyset pages),
:mod:`~tools.reactivation.rules` (quiet hours, rate limits), :mod:`~tools.reactivation.sending`
(exactly-once batches and their release to the channels) and :mod:`~tools.reactivation.report`.
"""

from tools.reactivation.features import GuestFeatures, guest_features, iter_guest_features
from tools.reactivation.propensity import NotEnoughHistory, WinbackModel, train_winback
from tools.reactivation.segments import Segment, Segmentation, segment_guests

__all__ = [
    "GuestFeatures",
    "NotEnoughHistory",
    "Segment",
    "Segmentation",
    "WinbackModel",
    "guest_features",
    "iter_guest_features",
    "segment_guests",
    "train_winback",
]
