"""outbox destinations and idempotency keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08

Expand only: a column with a server default (rows of the previous release, and any it still
writes, are user_service's) and a new table, so the previous release runs on it.

"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "destination",
                sa.String(length=32),
                server_default="user_service",
                nullable=False,
            )
        )
    op.create_table(
        "idempotency_keys",
        sa.Column("caller", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("caller", "key", name=op.f("pk_idempotency_keys")),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_keys_created_at"), ["created_at"], unique=False
        )


def downgrade():
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_column("destination")
