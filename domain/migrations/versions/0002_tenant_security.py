"""Tenant security and database-kept invariants: row-level security per property, the
application role's grants, stock kept by movements only, search indexes.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "buffr_app"

# Every table with a property_id column. A new tenant table must be added here (a test checks
# that every table with property_id has row-level security on).
TENANT_TABLES = (
    "staff_users",
    "guests",
    "room_types",
    "rooms",
    "rate_plans",
    "rate_prices",
    "room_reservations",
    "venues",
    "dining_tables",
    "table_reservations",
    "menus",
    "menu_items",
    "orders",
    "order_items",
    "inventory_categories",
    "products",
    "stock",
    "stock_movements",
    "packages",
    "leads",
    "campaigns",
    "campaign_messages",
    "conversations",
    "messages",
    "knowledge_documents",
    "knowledge_chunks",
    "notifications",
    "audit_log",
)

# What the application may do beyond SELECT, INSERT, UPDATE, DELETE (the default).
RESTRICTED = {
    "stock": "SELECT",  # changed only by the movement trigger
    "stock_movements": "SELECT, INSERT",  # movements are facts: undo is a new movement
    "audit_log": "SELECT, INSERT",
}


def upgrade() -> None:
    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS;
            END IF;
        END $$;
        """
    )
    # The property of the current transaction, set by the application with
    # set_config('app.property_id', ..., true). Unset means no property: every policy fails.
    op.execute(
        """
        CREATE FUNCTION app_current_property() RETURNS bigint
        LANGUAGE sql STABLE PARALLEL SAFE AS
        $$ SELECT nullif(current_setting('app.property_id', true), '')::bigint $$;
        """
    )
    # Inbound messages name a property by slug before any property is set; this is the one
    # cross-tenant read the application gets, and it returns only the id.
    op.execute(
        """
        CREATE FUNCTION property_id_for_slug(p_slug text) RETURNS bigint
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
        $$ SELECT id FROM properties WHERE slug = p_slug $$;
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT EXECUTE ON FUNCTION app_current_property() TO {APP_ROLE}")
    op.execute(f"GRANT EXECUTE ON FUNCTION property_id_for_slug(text) TO {APP_ROLE}")

    op.execute("ALTER TABLE properties ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON properties "
        "USING (id = app_current_property()) WITH CHECK (id = app_current_property())"
    )
    op.execute(f"GRANT SELECT, UPDATE ON properties TO {APP_ROLE}")

    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} "
            "USING (property_id = app_current_property()) "
            "WITH CHECK (property_id = app_current_property())"
        )
        privileges = RESTRICTED.get(table, "SELECT, INSERT, UPDATE, DELETE")
        op.execute(f"GRANT {privileges} ON {table} TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")

    # Every product has exactly one stock row from the start, at zero.
    op.execute(
        """
        CREATE FUNCTION create_stock_row() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
        BEGIN
            INSERT INTO stock (property_id, product_id, quantity)
            VALUES (NEW.property_id, NEW.id, 0);
            RETURN NEW;
        END $$;
        CREATE TRIGGER products_create_stock AFTER INSERT ON products
            FOR EACH ROW EXECUTE FUNCTION create_stock_row();
        """
    )
    # Each movement is applied under the stock row's lock, so concurrent movements serialise
    # and none is lost; a count (counted_quantity) becomes the difference from the current level.
    op.execute(
        """
        CREATE FUNCTION apply_stock_movement() RETURNS trigger
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
                       WHEN NEW.expiry_date IS NOT NULL AND NEW.quantity > 0
                       THEN least(coalesce(next_expiry, NEW.expiry_date), NEW.expiry_date)
                       ELSE next_expiry END
             WHERE product_id = NEW.product_id AND property_id = NEW.property_id;
            NEW.balance_after := current + NEW.quantity;
            RETURN NEW;
        END $$;
        CREATE TRIGGER stock_movements_apply BEFORE INSERT ON stock_movements
            FOR EACH ROW EXECUTE FUNCTION apply_stock_movement();
        """
    )

    # Retrieval: an HNSW index per embedding dimension in use, and full-text search.
    op.execute(
        "CREATE INDEX ix_knowledge_chunks_embedding_384 ON knowledge_chunks "
        "USING hnsw ((embedding::vector(384)) vector_cosine_ops) WHERE embedding_dim = 384"
    )
    op.execute(
        "CREATE INDEX ix_knowledge_chunks_search_vector ON knowledge_chunks "
        "USING gin (search_vector)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_knowledge_chunks_search_vector")
    op.execute("DROP INDEX IF EXISTS ix_knowledge_chunks_embedding_384")
    op.execute("DROP TRIGGER IF EXISTS stock_movements_apply ON stock_movements")
    op.execute("DROP FUNCTION IF EXISTS apply_stock_movement()")
    op.execute("DROP TRIGGER IF EXISTS products_create_stock ON products")
    op.execute("DROP FUNCTION IF EXISTS create_stock_row()")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}")
    for table in (*TENANT_TABLES, "properties"):
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON {table} FROM {APP_ROLE}")
    op.execute("DROP FUNCTION IF EXISTS property_id_for_slug(text)")
    op.execute("DROP FUNCTION IF EXISTS app_current_property()")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}")
