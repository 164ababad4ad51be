"""token versions and the revocation feed

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08

"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    # Expand only: code that does not know the column keeps working (its default is 1). A plain
    # ALTER, not a batch copy: SQLite's copy would lose the expression index on usernames.
    op.add_column(
        "accounts", sa.Column("token_version", sa.Integer(), server_default="1", nullable=False)
    )
    op.create_table(
        "token_revocations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_token_revocations_created_at", "token_revocations", ["created_at"])


def downgrade():
    op.drop_table("token_revocations")
    op.drop_column("accounts", "token_version")
