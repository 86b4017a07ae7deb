"""A version of each property's product catalogue, changed by any change to its products.

The inventory clerk matches every stock message against the whole catalogue. Reading it (40
products joined to their stock) was about 2 ms of a 14 ms turn, for rows that almost never
change. ``tools.catalogue`` now keeps each property's product definitions in memory, keyed by
this version: a trigger gives the property a new random version whenever one of its products
is inserted, updated or deleted, by whatever path that fires triggers (the app, a seed, a
manager's SQL; a TRUNCATE renews every property's). Random,
not a counter: a database dropped and created again (tests, benchmarks) starts its counters
over, and a cache in a long-lived process would then take a new catalogue for the old one.
Stock levels are not part of it: they change on every movement and are read per turn.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "properties",
        sa.Column(
            "catalogue_version",
            sa.Uuid(),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
    )
    # SECURITY DEFINER like the other triggers: the version moves whoever changed the product.
    # Row-level: one statement may touch products of several properties (the owner's seed).
    op.execute(
        """
        CREATE FUNCTION bump_catalogue_version() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
        BEGIN
            IF TG_OP <> 'DELETE' THEN
                UPDATE properties SET catalogue_version = gen_random_uuid()
                 WHERE id = NEW.property_id;
            END IF;
            IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR OLD.property_id <> NEW.property_id) THEN
                UPDATE properties SET catalogue_version = gen_random_uuid()
                 WHERE id = OLD.property_id;
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER products_bump_catalogue_version
            AFTER INSERT OR UPDATE OR DELETE ON products
            FOR EACH ROW EXECUTE FUNCTION bump_catalogue_version();
        """
    )
    # TRUNCATE fires no row trigger: every property gets a new version.
    op.execute(
        """
        CREATE FUNCTION bump_every_catalogue_version() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
        BEGIN
            UPDATE properties SET catalogue_version = gen_random_uuid();
            RETURN NULL;
        END $$;
        CREATE TRIGGER products_truncate_bumps_catalogue_versions
            AFTER TRUNCATE ON products
            FOR EACH STATEMENT EXECUTE FUNCTION bump_every_catalogue_version();
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER products_truncate_bumps_catalogue_versions ON products")
    op.execute("DROP FUNCTION bump_every_catalogue_version()")
    op.execute("DROP TRIGGER products_bump_catalogue_version ON products")
    op.execute("DROP FUNCTION bump_catalogue_version()")
    op.drop_column("properties", "catalogue_version")
