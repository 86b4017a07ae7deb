"""domain schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 01:29:18.810229
"""

from collections.abc import Sequence

import pgvector.sqlalchemy
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # pgvector: the embedded server installs it as superuser; external servers need it too.
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "properties",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "hotel",
                "restaurant",
                "bar",
                name="property_type",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("languages", postgresql.ARRAY(sa.String(length=8)), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("check_in_time", sa.Time(), nullable=False),
        sa.Column("check_out_time", sa.Time(), nullable=False),
        sa.Column("cancellation_window_hours", sa.Integer(), nullable=False),
        sa.Column("tax_rate_percent", sa.Double(), nullable=False),
        sa.Column("policies", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_properties_currency_iso4217")),
        sa.CheckConstraint(
            "phone IS NULL OR phone ~ '^\\+[1-9][0-9]{6,14}$'",
            name=op.f("ck_properties_phone_e164"),
        ),
        sa.CheckConstraint(
            "slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'", name=op.f("ck_properties_slug_format")
        ),
        sa.CheckConstraint(
            "cancellation_window_hours >= 0", name=op.f("ck_properties_cancellation_window")
        ),
        sa.CheckConstraint("cardinality(languages) >= 1", name=op.f("ck_properties_has_language")),
        sa.CheckConstraint(
            "tax_rate_percent >= 0 AND tax_rate_percent < 100", name=op.f("ck_properties_tax_rate")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_properties")),
        sa.UniqueConstraint("slug", name=op.f("uq_properties_slug")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=True),
        sa.Column("conversation_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_audit_log_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_property_id"), "audit_log", ["property_id"], unique=False)
    op.create_table(
        "campaigns",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("segment", sa.String(length=100), nullable=True),
        sa.Column("offer", sa.Text(), nullable=True),
        sa.Column("messages", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "scheduled",
                "sending",
                "sent",
                "cancelled",
                name="campaign_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_campaigns_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_campaigns_property_id_id")),
        sa.UniqueConstraint("property_id", "name", name=op.f("uq_campaigns_property_id_name")),
    )
    op.create_index(op.f("ix_campaigns_property_id"), "campaigns", ["property_id"], unique=False)
    op.create_table(
        "guests",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("marketing_consent", sa.Boolean(), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_source", sa.String(length=64), nullable=True),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("loyalty_points", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("preferences", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "email IS NULL OR email ~ '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$'",
            name=op.f("ck_guests_email_format"),
        ),
        sa.CheckConstraint(
            "jsonb_typeof(preferences) = 'array'", name=op.f("ck_guests_preferences_list")
        ),
        sa.CheckConstraint(
            "phone IS NULL OR phone ~ '^\\+[1-9][0-9]{6,14}$'", name=op.f("ck_guests_phone_e164")
        ),
        sa.CheckConstraint(
            "NOT marketing_consent OR consent_at IS NOT NULL",
            name=op.f("ck_guests_consent_has_timestamp"),
        ),
        sa.CheckConstraint("loyalty_points >= 0", name=op.f("ck_guests_loyalty_points")),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_guests_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guests")),
        sa.UniqueConstraint("property_id", "email", name=op.f("uq_guests_property_id_email")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_guests_property_id_id")),
        sa.UniqueConstraint("property_id", "phone", name=op.f("uq_guests_property_id_phone")),
    )
    op.create_index(op.f("ix_guests_property_id"), "guests", ["property_id"], unique=False)
    op.create_table(
        "inventory_categories",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("local_name", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_inventory_categories_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_categories")),
        sa.UniqueConstraint(
            "property_id", "id", name=op.f("uq_inventory_categories_property_id_id")
        ),
        sa.UniqueConstraint(
            "property_id", "name", name=op.f("uq_inventory_categories_property_id_name")
        ),
    )
    op.create_index(
        op.f("ix_inventory_categories_property_id"),
        "inventory_categories",
        ["property_id"],
        unique=False,
    )
    op.create_table(
        "knowledge_documents",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_knowledge_documents_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_documents")),
        sa.UniqueConstraint(
            "property_id", "id", name=op.f("uq_knowledge_documents_property_id_id")
        ),
        sa.UniqueConstraint(
            "property_id", "source", name=op.f("uq_knowledge_documents_property_id_source")
        ),
    )
    op.create_index(
        op.f("ix_knowledge_documents_property_id"),
        "knowledge_documents",
        ["property_id"],
        unique=False,
    )
    op.create_table(
        "packages",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "event",
                "wedding",
                "group",
                "corporate",
                "package",
                name="package_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("price_per_person", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("min_guests", sa.Integer(), nullable=False),
        sa.Column("max_guests", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_packages_currency_iso4217")),
        sa.CheckConstraint(
            "min_guests >= 1 AND max_guests >= min_guests", name=op.f("ck_packages_guest_range")
        ),
        sa.CheckConstraint("price_per_person >= 0", name=op.f("ck_packages_price_nonnegative")),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_packages_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packages")),
        sa.UniqueConstraint("property_id", "code", name=op.f("uq_packages_property_id_code")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_packages_property_id_id")),
    )
    op.create_index(op.f("ix_packages_property_id"), "packages", ["property_id"], unique=False)
    op.create_table(
        "room_types",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("max_occupancy", sa.Integer(), nullable=False),
        sa.Column("bed_config", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "max_occupancy BETWEEN 1 AND 20", name=op.f("ck_room_types_max_occupancy")
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_room_types_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_types")),
        sa.UniqueConstraint("property_id", "code", name=op.f("uq_room_types_property_id_code")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_room_types_property_id_id")),
    )
    op.create_index(op.f("ix_room_types_property_id"), "room_types", ["property_id"], unique=False)
    op.create_table(
        "staff_users",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "owner",
                "manager",
                "staff",
                name="staff_role",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "email IS NULL OR email ~ '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$'",
            name=op.f("ck_staff_users_email_format"),
        ),
        sa.CheckConstraint(
            "phone IS NULL OR phone ~ '^\\+[1-9][0-9]{6,14}$'",
            name=op.f("ck_staff_users_phone_e164"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_staff_users_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("property_id", "email", name=op.f("uq_staff_users_property_id_email")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_staff_users_property_id_id")),
        sa.UniqueConstraint("property_id", "phone", name=op.f("uq_staff_users_property_id_phone")),
    )
    op.create_index(
        op.f("ix_staff_users_property_id"), "staff_users", ["property_id"], unique=False
    )
    op.create_table(
        "venues",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "restaurant",
                "bar",
                name="venue_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("opening_hours", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_venues_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venues")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_venues_property_id_id")),
        sa.UniqueConstraint("property_id", "name", name=op.f("uq_venues_property_id_name")),
    )
    op.create_index(op.f("ix_venues_property_id"), "venues", ["property_id"], unique=False)
    op.create_table(
        "campaign_messages",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("guest_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "whatsapp",
                "sms",
                "web",
                "voice",
                "terminal",
                "email",
                name="campaign_channel",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "queued",
                "sent",
                "delivered",
                "read",
                "failed",
                "undelivered",
                name="campaign_delivery_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("converted_reservation_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "campaign_id"],
            ["campaigns.property_id", "campaigns.id"],
            name=op.f("fk_campaign_messages_property_id_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "guest_id"],
            ["guests.property_id", "guests.id"],
            name=op.f("fk_campaign_messages_property_id_guest_id_guests"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_campaign_messages_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_messages")),
        sa.UniqueConstraint(
            "campaign_id", "guest_id", name=op.f("uq_campaign_messages_campaign_id_guest_id")
        ),
    )
    op.create_index(
        op.f("ix_campaign_messages_property_id"), "campaign_messages", ["property_id"], unique=False
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_key", sa.String(length=200), nullable=False),
        sa.Column("guest_id", sa.BigInteger(), nullable=True),
        sa.Column("staff_user_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "last_channel",
            sa.Enum(
                "whatsapp",
                "sms",
                "web",
                "voice",
                "terminal",
                "email",
                name="conversation_channel",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "handoff",
                "closed",
                name="conversation_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("agent", sa.String(length=32), nullable=True),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "guest_id IS NULL OR staff_user_id IS NULL",
            name=op.f("ck_conversations_one_kind_of_participant"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "guest_id"],
            ["guests.property_id", "guests.id"],
            name=op.f("fk_conversations_property_id_guest_id_guests"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "staff_user_id"],
            ["staff_users.property_id", "staff_users.id"],
            name=op.f("fk_conversations_property_id_staff_user_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_conversations_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_conversations_property_id_id")),
        sa.UniqueConstraint(
            "property_id", "thread_key", name=op.f("uq_conversations_property_id_thread_key")
        ),
    )
    op.create_index(
        op.f("ix_conversations_property_id"), "conversations", ["property_id"], unique=False
    )
    op.create_table(
        "dining_tables",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("venue_id", sa.BigInteger(), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=True),
        sa.CheckConstraint("seats BETWEEN 1 AND 40", name=op.f("ck_dining_tables_seats")),
        sa.ForeignKeyConstraint(
            ["property_id", "venue_id"],
            ["venues.property_id", "venues.id"],
            name=op.f("fk_dining_tables_property_id_venue_id_venues"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_dining_tables_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dining_tables")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_dining_tables_property_id_id")),
        sa.UniqueConstraint("venue_id", "label", name=op.f("uq_dining_tables_venue_id_label")),
    )
    op.create_index(
        op.f("ix_dining_tables_property_id"), "dining_tables", ["property_id"], unique=False
    )
    op.create_table(
        "knowledge_chunks",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("embedding_model", sa.String(length=100), nullable=False),
        sa.Column("embedding_dim", sa.Integer(), nullable=False),
        sa.Column("embedding", pgvector.sqlalchemy.vector.VECTOR(), nullable=False),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('simple', text)", persisted=True),
            nullable=True,
        ),
        sa.Column("metadata", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["property_id", "document_id"],
            ["knowledge_documents.property_id", "knowledge_documents.id"],
            name=op.f("fk_knowledge_chunks_property_id_document_id_knowledge_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_knowledge_chunks_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_chunks")),
        sa.UniqueConstraint(
            "document_id", "ordinal", name=op.f("uq_knowledge_chunks_document_id_ordinal")
        ),
    )
    op.create_index(
        op.f("ix_knowledge_chunks_property_id"), "knowledge_chunks", ["property_id"], unique=False
    )
    op.create_table(
        "leads",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("guest_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "event",
                "wedding",
                "group",
                "corporate",
                "package",
                name="lead_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "stage",
            sa.Enum(
                "new",
                "qualified",
                "proposal",
                "negotiation",
                "won",
                "lost",
                name="lead_stage",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_phone", sa.String(length=16), nullable=True),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("group_size", sa.Integer(), nullable=True),
        sa.Column("budget", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("needs", sa.Text(), nullable=True),
        sa.Column("decision_timeline", sa.String(length=200), nullable=True),
        sa.Column("package_id", sa.BigInteger(), nullable=True),
        sa.Column("quote_amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("owner_staff_id", sa.BigInteger(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "contact_email IS NULL OR contact_email ~ '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$'",
            name=op.f("ck_leads_contact_email_format"),
        ),
        sa.CheckConstraint(
            "contact_phone IS NULL OR contact_phone ~ '^\\+[1-9][0-9]{6,14}$'",
            name=op.f("ck_leads_contact_phone_e164"),
        ),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_leads_currency_iso4217")),
        sa.CheckConstraint(
            "budget IS NULL OR budget >= 0", name=op.f("ck_leads_budget_nonnegative")
        ),
        sa.CheckConstraint(
            "group_size IS NULL OR group_size >= 1", name=op.f("ck_leads_group_size")
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "guest_id"],
            ["guests.property_id", "guests.id"],
            name=op.f("fk_leads_property_id_guest_id_guests"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "owner_staff_id"],
            ["staff_users.property_id", "staff_users.id"],
            name=op.f("fk_leads_property_id_owner_staff_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "package_id"],
            ["packages.property_id", "packages.id"],
            name=op.f("fk_leads_property_id_package_id_packages"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_leads_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_leads_property_id_id")),
    )
    op.create_index(op.f("ix_leads_property_id"), "leads", ["property_id"], unique=False)
    op.create_table(
        "menus",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("venue_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("available_for_room_service", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["property_id", "venue_id"],
            ["venues.property_id", "venues.id"],
            name=op.f("fk_menus_property_id_venue_id_venues"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_menus_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_menus")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_menus_property_id_id")),
    )
    op.create_index(op.f("ix_menus_property_id"), "menus", ["property_id"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "low_stock",
                "handoff",
                "booking",
                "lead",
                "system",
                name="notification_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("recipient_staff_id", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sent",
                "read",
                "failed",
                name="notification_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["property_id", "recipient_staff_id"],
            ["staff_users.property_id", "staff_users.id"],
            name=op.f("fk_notifications_property_id_recipient_staff_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_notifications_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_notifications_property_id_id")),
    )
    op.create_index(
        op.f("ix_notifications_property_id"), "notifications", ["property_id"], unique=False
    )
    op.create_table(
        "products",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=True),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("local_name", sa.String(length=200), nullable=True),
        sa.Column("aliases", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=True),
        sa.Column("size_value", sa.Numeric(precision=10, scale=3), nullable=True),
        sa.Column("size_unit", sa.String(length=8), nullable=True),
        sa.Column(
            "container_type",
            sa.Enum(
                "can",
                "plastic_bottle",
                "glass_bottle",
                "carton",
                "bag",
                "loose",
                "pack",
                "keg",
                "jar",
                name="container_type",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "unit_type",
            sa.Enum(
                "unit",
                "kg",
                "l",
                name="unit_type",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("box_size", sa.Integer(), nullable=False),
        sa.Column("box_name", sa.String(length=16), nullable=True),
        sa.Column("min_stock", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("tracks_expiry", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("box_size >= 1", name=op.f("ck_products_box_size_positive")),
        sa.CheckConstraint("min_stock >= 0", name=op.f("ck_products_min_stock_nonnegative")),
        sa.ForeignKeyConstraint(
            ["property_id", "category_id"],
            ["inventory_categories.property_id", "inventory_categories.id"],
            name=op.f("fk_products_property_id_category_id_inventory_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_products_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_products_property_id_id")),
        sa.UniqueConstraint("property_id", "sku", name=op.f("uq_products_property_id_sku")),
    )
    op.create_index(op.f("ix_products_property_id"), "products", ["property_id"], unique=False)
    op.create_table(
        "rate_plans",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("room_type_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("base_nightly_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("includes_breakfast", sa.Boolean(), nullable=False),
        sa.Column("refundable", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_rate_plans_currency_iso4217")),
        sa.CheckConstraint(
            "base_nightly_price > 0", name=op.f("ck_rate_plans_base_price_positive")
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "room_type_id"],
            ["room_types.property_id", "room_types.id"],
            name=op.f("fk_rate_plans_property_id_room_type_id_room_types"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_rate_plans_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_plans")),
        sa.UniqueConstraint("property_id", "code", name=op.f("uq_rate_plans_property_id_code")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_rate_plans_property_id_id")),
    )
    op.create_index(op.f("ix_rate_plans_property_id"), "rate_plans", ["property_id"], unique=False)
    op.create_table(
        "rooms",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("room_type_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("floor", sa.Integer(), nullable=True),
        sa.Column("features", sa.Text(), nullable=True),
        sa.Column("in_service", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["property_id", "room_type_id"],
            ["room_types.property_id", "room_types.id"],
            name=op.f("fk_rooms_property_id_room_type_id_room_types"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_rooms_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rooms")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_rooms_property_id_id")),
        sa.UniqueConstraint("property_id", "number", name=op.f("uq_rooms_property_id_number")),
    )
    op.create_index(op.f("ix_rooms_property_id"), "rooms", ["property_id"], unique=False)
    op.create_table(
        "menu_items",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("menu_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("course", sa.String(length=32), nullable=True),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("allergens", postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("dietary_tags", postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_menu_items_currency_iso4217")),
        sa.CheckConstraint("price >= 0", name=op.f("ck_menu_items_price_nonnegative")),
        sa.ForeignKeyConstraint(
            ["property_id", "menu_id"],
            ["menus.property_id", "menus.id"],
            name=op.f("fk_menu_items_property_id_menu_id_menus"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_menu_items_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_menu_items")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_menu_items_property_id_id")),
    )
    op.create_index(op.f("ix_menu_items_property_id"), "menu_items", ["property_id"], unique=False)
    op.create_table(
        "messages",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "whatsapp",
                "sms",
                "web",
                "voice",
                "terminal",
                "email",
                name="message_channel",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "direction",
            sa.Enum(
                "inbound",
                "outbound",
                name="message_direction",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "author",
            sa.Enum(
                "guest",
                "staff",
                "agent",
                "system",
                name="message_author",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column(
            "delivery_status",
            sa.Enum(
                "received",
                "queued",
                "sent",
                "delivered",
                "read",
                "failed",
                "undelivered",
                name="message_delivery_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "conversation_id"],
            ["conversations.property_id", "conversations.id"],
            name=op.f("fk_messages_property_id_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_messages_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_messages_property_id_id")),
    )
    op.create_index(op.f("ix_messages_property_id"), "messages", ["property_id"], unique=False)
    op.create_index(
        "uq_messages_property_channel_external_id",
        "messages",
        ["property_id", "channel", "external_id"],
        unique=True,
        postgresql_where="external_id IS NOT NULL",
    )
    op.create_table(
        "rate_prices",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("rate_plan_id", sa.BigInteger(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.CheckConstraint("price > 0", name=op.f("ck_rate_prices_price_positive")),
        sa.ForeignKeyConstraint(
            ["property_id", "rate_plan_id"],
            ["rate_plans.property_id", "rate_plans.id"],
            name=op.f("fk_rate_prices_property_id_rate_plan_id_rate_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_rate_prices_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_prices")),
        sa.UniqueConstraint(
            "rate_plan_id", "night", name=op.f("uq_rate_prices_rate_plan_id_night")
        ),
    )
    op.create_index(
        op.f("ix_rate_prices_property_id"), "rate_prices", ["property_id"], unique=False
    )
    op.create_table(
        "room_reservations",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("room_id", sa.BigInteger(), nullable=False),
        sa.Column("guest_id", sa.BigInteger(), nullable=False),
        sa.Column("rate_plan_id", sa.BigInteger(), nullable=True),
        sa.Column("check_in", sa.Date(), nullable=False),
        sa.Column("check_out", sa.Date(), nullable=False),
        sa.Column("adults", sa.Integer(), nullable=False),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "confirmed",
                "checked_in",
                "checked_out",
                "cancelled",
                "no_show",
                name="reservation_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("total_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("source_channel", sa.String(length=16), nullable=True),
        sa.Column("special_requests", sa.Text(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        postgresql.ExcludeConstraint(
            (sa.text("int8range(room_id, room_id, '[]')"), "&&"),
            (sa.text("daterange(check_in, check_out, '[)')"), "&&"),
            where=sa.text("status IN ('pending', 'confirmed', 'checked_in')"),
            using="gist",
            name="no_overlapping_stays",
        ),
        sa.CheckConstraint(
            "currency ~ '^[A-Z]{3}$'", name=op.f("ck_room_reservations_currency_iso4217")
        ),
        sa.CheckConstraint(
            "adults >= 1 AND children >= 0", name=op.f("ck_room_reservations_party_size")
        ),
        sa.CheckConstraint(
            "check_out > check_in", name=op.f("ck_room_reservations_stay_has_nights")
        ),
        sa.CheckConstraint(
            "total_amount >= 0", name=op.f("ck_room_reservations_total_nonnegative")
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "guest_id"],
            ["guests.property_id", "guests.id"],
            name=op.f("fk_room_reservations_property_id_guest_id_guests"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "rate_plan_id"],
            ["rate_plans.property_id", "rate_plans.id"],
            name=op.f("fk_room_reservations_property_id_rate_plan_id_rate_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "room_id"],
            ["rooms.property_id", "rooms.id"],
            name=op.f("fk_room_reservations_property_id_room_id_rooms"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_room_reservations_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_reservations")),
        sa.UniqueConstraint(
            "property_id", "code", name=op.f("uq_room_reservations_property_id_code")
        ),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_room_reservations_property_id_id")),
    )
    op.create_index(
        op.f("ix_room_reservations_property_id"), "room_reservations", ["property_id"], unique=False
    )
    op.create_table(
        "stock",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("next_expiry", sa.Date(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_stock_quantity_nonnegative")),
        sa.ForeignKeyConstraint(
            ["property_id", "product_id"],
            ["products.property_id", "products.id"],
            name=op.f("fk_stock_property_id_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_stock_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock")),
        sa.UniqueConstraint("product_id", name=op.f("uq_stock_product_id")),
    )
    op.create_index(op.f("ix_stock_property_id"), "stock", ["property_id"], unique=False)
    op.create_table(
        "stock_movements",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "IN",
                "OUT",
                "WASTE",
                "ADJUST",
                name="movement_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("counted_quantity", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("balance_after", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("actor_staff_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("source_message", sa.Text(), nullable=True),
        sa.Column("conversation_id", sa.BigInteger(), nullable=True),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("reverses_movement_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(kind = 'IN' AND quantity > 0) OR (kind IN ('OUT', 'WASTE') AND quantity < 0) OR kind = 'ADJUST' OR reverses_movement_id IS NOT NULL",
            name=op.f("ck_stock_movements_sign_matches_kind"),
        ),
        sa.CheckConstraint("quantity <> 0", name=op.f("ck_stock_movements_quantity_nonzero")),
        sa.CheckConstraint(
            "counted_quantity IS NULL OR (kind = 'ADJUST' AND counted_quantity >= 0)",
            name=op.f("ck_stock_movements_count_is_adjust"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "actor_staff_id"],
            ["staff_users.property_id", "staff_users.id"],
            name=op.f("fk_stock_movements_property_id_actor_staff_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "product_id"],
            ["products.property_id", "products.id"],
            name=op.f("fk_stock_movements_property_id_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "reverses_movement_id"],
            ["stock_movements.property_id", "stock_movements.id"],
            name=op.f("fk_stock_movements_property_id_reverses_movement_id_stock_movements"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_stock_movements_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movements")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_stock_movements_property_id_id")),
        sa.UniqueConstraint(
            "reverses_movement_id", name=op.f("uq_stock_movements_reverses_movement_id")
        ),
    )
    op.create_index(
        op.f("ix_stock_movements_property_id"), "stock_movements", ["property_id"], unique=False
    )
    op.create_table(
        "table_reservations",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("table_id", sa.BigInteger(), nullable=False),
        sa.Column("guest_id", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("party_size", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "booked",
                "seated",
                "completed",
                "cancelled",
                "no_show",
                name="table_reservation_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_table_reservations_has_duration")),
        sa.CheckConstraint("party_size >= 1", name=op.f("ck_table_reservations_party_size")),
        sa.ForeignKeyConstraint(
            ["property_id", "guest_id"],
            ["guests.property_id", "guests.id"],
            name=op.f("fk_table_reservations_property_id_guest_id_guests"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "table_id"],
            ["dining_tables.property_id", "dining_tables.id"],
            name=op.f("fk_table_reservations_property_id_table_id_dining_tables"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_table_reservations_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_table_reservations")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_table_reservations_property_id_id")),
    )
    op.create_index(
        op.f("ix_table_reservations_property_id"),
        "table_reservations",
        ["property_id"],
        unique=False,
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "room_service",
                "table",
                name="order_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("guest_id", sa.BigInteger(), nullable=True),
        sa.Column("room_reservation_id", sa.BigInteger(), nullable=True),
        sa.Column("table_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "placed",
                "preparing",
                "delivered",
                "cancelled",
                name="order_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("total_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "placed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(kind = 'room_service' AND room_reservation_id IS NOT NULL) OR (kind = 'table' AND table_id IS NOT NULL)",
            name=op.f("ck_orders_kind_has_target"),
        ),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_orders_currency_iso4217")),
        sa.CheckConstraint("total_amount >= 0", name=op.f("ck_orders_total_nonnegative")),
        sa.ForeignKeyConstraint(
            ["property_id", "guest_id"],
            ["guests.property_id", "guests.id"],
            name=op.f("fk_orders_property_id_guest_id_guests"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "room_reservation_id"],
            ["room_reservations.property_id", "room_reservations.id"],
            name=op.f("fk_orders_property_id_room_reservation_id_room_reservations"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "table_id"],
            ["dining_tables.property_id", "dining_tables.id"],
            name=op.f("fk_orders_property_id_table_id_dining_tables"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_orders_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("property_id", "id", name=op.f("uq_orders_property_id_id")),
    )
    op.create_index(op.f("ix_orders_property_id"), "orders", ["property_id"], unique=False)
    op.create_table(
        "order_items",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("property_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("menu_item_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_order_items_quantity_positive")),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_order_items_unit_price_nonnegative")),
        sa.ForeignKeyConstraint(
            ["property_id", "menu_item_id"],
            ["menu_items.property_id", "menu_items.id"],
            name=op.f("fk_order_items_property_id_menu_item_id_menu_items"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id", "order_id"],
            ["orders.property_id", "orders.id"],
            name=op.f("fk_order_items_property_id_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_order_items_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_items")),
    )
    op.create_index(
        op.f("ix_order_items_property_id"), "order_items", ["property_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_order_items_property_id"), table_name="order_items")
    op.drop_table("order_items")
    op.drop_index(op.f("ix_orders_property_id"), table_name="orders")
    op.drop_table("orders")
    op.drop_index(op.f("ix_table_reservations_property_id"), table_name="table_reservations")
    op.drop_table("table_reservations")
    op.drop_index(op.f("ix_stock_movements_property_id"), table_name="stock_movements")
    op.drop_table("stock_movements")
    op.drop_index(op.f("ix_stock_property_id"), table_name="stock")
    op.drop_table("stock")
    op.drop_index(op.f("ix_room_reservations_property_id"), table_name="room_reservations")
    op.drop_table("room_reservations")
    op.drop_index(op.f("ix_rate_prices_property_id"), table_name="rate_prices")
    op.drop_table("rate_prices")
    op.drop_index(
        "uq_messages_property_channel_external_id",
        table_name="messages",
        postgresql_where="external_id IS NOT NULL",
    )
    op.drop_index(op.f("ix_messages_property_id"), table_name="messages")
    op.drop_table("messages")
    op.drop_index(op.f("ix_menu_items_property_id"), table_name="menu_items")
    op.drop_table("menu_items")
    op.drop_index(op.f("ix_rooms_property_id"), table_name="rooms")
    op.drop_table("rooms")
    op.drop_index(op.f("ix_rate_plans_property_id"), table_name="rate_plans")
    op.drop_table("rate_plans")
    op.drop_index(op.f("ix_products_property_id"), table_name="products")
    op.drop_table("products")
    op.drop_index(op.f("ix_notifications_property_id"), table_name="notifications")
    op.drop_table("notifications")
    op.drop_index(op.f("ix_menus_property_id"), table_name="menus")
    op.drop_table("menus")
    op.drop_index(op.f("ix_leads_property_id"), table_name="leads")
    op.drop_table("leads")
    op.drop_index(op.f("ix_knowledge_chunks_property_id"), table_name="knowledge_chunks")
    op.drop_table("knowledge_chunks")
    op.drop_index(op.f("ix_dining_tables_property_id"), table_name="dining_tables")
    op.drop_table("dining_tables")
    op.drop_index(op.f("ix_conversations_property_id"), table_name="conversations")
    op.drop_table("conversations")
    op.drop_index(op.f("ix_campaign_messages_property_id"), table_name="campaign_messages")
    op.drop_table("campaign_messages")
    op.drop_index(op.f("ix_venues_property_id"), table_name="venues")
    op.drop_table("venues")
    op.drop_index(op.f("ix_staff_users_property_id"), table_name="staff_users")
    op.drop_table("staff_users")
    op.drop_index(op.f("ix_room_types_property_id"), table_name="room_types")
    op.drop_table("room_types")
    op.drop_index(op.f("ix_packages_property_id"), table_name="packages")
    op.drop_table("packages")
    op.drop_index(op.f("ix_knowledge_documents_property_id"), table_name="knowledge_documents")
    op.drop_table("knowledge_documents")
    op.drop_index(op.f("ix_inventory_categories_property_id"), table_name="inventory_categories")
    op.drop_table("inventory_categories")
    op.drop_index(op.f("ix_guests_property_id"), table_name="guests")
    op.drop_table("guests")
    op.drop_index(op.f("ix_campaigns_property_id"), table_name="campaigns")
    op.drop_table("campaigns")
    op.drop_index(op.f("ix_audit_log_property_id"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("properties")
