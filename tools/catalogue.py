"""Each property's product catalogue, kept in memory between turns.

Every stock message is matched against the property's whole catalogue, which almost never
changes, while reading it (with stock, 40 products) cost ~2 ms of a ~14 ms turn
(``buffr bench turn``). So the definitions (``ProductEntry``, no stock) are cached per property
and per ``properties.catalogue_version``, which a trigger replaces with a new random value
whenever one of the property's products is inserted, updated or deleted (migration 0012). An
agent turn gets the version from the query that identifies the sender (``agents.identity``),
so a cached catalogue costs no round trip; other callers pay a one-row query. The stock of the
products a turn names is always read fresh.

Tenant safety: the key holds the property id, and an entry is read for that property only
(by row-level security in the turn's own session, and by an explicit filter as well, so even
a session that sees every property caches one property's products under its key).

What moves the version: any insert, update or delete of a product row and a TRUNCATE of the
table (all properties). What does not: changes made with triggers disabled (``ALTER TABLE
... DISABLE TRIGGER``, ``session_replication_role = replica``, a data-only ``pg_restore
--disable-triggers``): after those, restart the processes or touch a product. The row
trigger updates the property's row, so a transaction that changes products holds that row's
lock until it commits: two such transactions of one property run one after the other.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from typing import Final

from sqlalchemy import bindparam, select

from domain.property import Property
from tools.base import ToolContext
from tools.inventory import VERSIONED_ENTRIES, ProductEntry, entry

MAX_PROPERTIES: Final = 256  # catalogues kept, least recently used out (~40 kB per 40 products)

_VERSION = select(Property.catalogue_version).where(Property.id == bindparam("property_id"))
Key = tuple[int, uuid.UUID]


class CatalogueCache:
    """Catalogues by (property id, catalogue version); thread-safe, bounded."""

    def __init__(self, max_properties: int = MAX_PROPERTIES) -> None:
        self._max = max_properties
        self._entries: OrderedDict[Key, tuple[ProductEntry, ...]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def catalogue(self, ctx: ToolContext) -> tuple[ProductEntry, ...]:
        """The property's active products, by name."""
        version = ctx.catalogue_version
        if version is None:
            version = ctx.session.execute(_VERSION, {"property_id": ctx.property_id}).scalar()
        if version is not None:
            with self._lock:
                found = self._entries.get((ctx.property_id, version))
                if found is not None:
                    self._entries.move_to_end((ctx.property_id, version))
                    self.hits += 1
                    return found
        # A miss: the definitions are stored under the version read with them, in the same
        # snapshot. So a turn that changed products itself (none does today) stores its own,
        # uncommitted version, which nobody else ever reads, not the committed one.
        rows = ctx.session.execute(VERSIONED_ENTRIES, {"property_id": ctx.property_id}).all()
        products = tuple(entry(tuple(row)[1:]) for row in rows if row[1] is not None)
        if not rows:  # the property is gone: nothing to cache
            return products
        key = (ctx.property_id, rows[0][0])
        with self._lock:
            self.misses += 1
            # An older version of this property's catalogue will never be asked for again.
            for old in [k for k in self._entries if k[0] == ctx.property_id]:
                del self._entries[old]
            self._entries[key] = products
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return products


CATALOGUES = CatalogueCache()


def catalogue(ctx: ToolContext) -> tuple[ProductEntry, ...]:
    """The property's active product definitions (no stock), from memory when unchanged."""
    return CATALOGUES.catalogue(ctx)
