"""Fixes found while seeding: tables cannot be double-booked, opting out clears consent, the
tax rate is exact (numeric), and an emptied product no longer reports an expiry date.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPLY_MOVEMENT = """
CREATE OR REPLACE FUNCTION apply_stock_movement() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    current numeric(12, 3);
BEGIN
    SELECT quantity INTO current FROM stock
     WHERE product_id = NEW.product_id AND property_id = NEW.property_id
     FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'product % has no stock row in property %',
            NEW.product_id, NEW.property_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF NEW.counted_quantity IS NOT NULL THEN
        NEW.quantity := NEW.counted_quantity - current;
    END IF;
    UPDATE stock
       SET quantity = current + NEW.quantity,
           updated_at = now(),
           next_expiry = CASE
               WHEN current + NEW.quantity = 0 THEN NULL  -- nothing left to expire
               WHEN NEW.expiry_date IS NOT NULL AND NEW.quantity > 0
               THEN least(coalesce(next_expiry, NEW.expiry_date), NEW.expiry_date)
               ELSE next_expiry END
     WHERE product_id = NEW.product_id AND property_id = NEW.property_id;
    NEW.balance_after := current + NEW.quantity;
    RETURN NEW;
END $$;
"""


def upgrade() -> None:
    op.execute(
        "ALTER TABLE table_reservations ADD CONSTRAINT no_overlapping_tables EXCLUDE USING gist "
        "(int8range(table_id, table_id, '[]') WITH &&, tstzrange(starts_at, ends_at) WITH &&) "
        "WHERE (status IN ('booked', 'seated'))"
    )
    op.execute("UPDATE guests SET marketing_consent = false WHERE opted_out_at IS NOT NULL")
    op.create_check_constraint(
        "opt_out_clears_consent", "guests", "opted_out_at IS NULL OR NOT marketing_consent"
    )
    op.alter_column(
        "properties",
        "tax_rate_percent",
        type_=sa.Numeric(5, 2),
        existing_type=postgresql.DOUBLE_PRECISION(precision=53),
        existing_nullable=False,
    )
    op.execute(APPLY_MOVEMENT)


def downgrade() -> None:
    op.execute(
        APPLY_MOVEMENT.replace("WHEN current + NEW.quantity = 0 THEN NULL", "WHEN false THEN NULL")
    )
    op.alter_column(
        "properties",
        "tax_rate_percent",
        type_=postgresql.DOUBLE_PRECISION(precision=53),
        existing_type=sa.Numeric(5, 2),
        existing_nullable=False,
    )
    op.drop_constraint("opt_out_clears_consent", "guests", type_="check")
    op.execute("ALTER TABLE table_reservations DROP CONSTRAINT no_overlapping_tables")
