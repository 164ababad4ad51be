"""Profiles and follows.

Revision ID: 7c1f8b08f4cd
Revises:
Create Date: 2026-11-26 11:09:15
"""

import sqlalchemy as sa
from alembic import op

revision = "7c1f8b08f4cd"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "profiles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("claimed_username", sa.String(), nullable=False),
        sa.Column("bio", sa.Text(), nullable=True),
        sa.Column("image", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiles")),
        sa.UniqueConstraint("username", name=op.f("uq_profiles_username")),
    )
    # Finds the parked profile waiting for a name that was just released.
    op.create_index(op.f("ix_profiles_claimed_username"), "profiles", ["claimed_username"])

    op.create_table(
        "follows",
        sa.Column("follower_id", sa.Uuid(), nullable=False),
        sa.Column("followee_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["followee_id"], ["profiles.id"], name=op.f("fk_follows_followee_id_profiles")
        ),
        # Leading follower_id: "who does X follow" (the feed) is a primary-key range scan.
        sa.PrimaryKeyConstraint("follower_id", "followee_id", name=op.f("pk_follows")),
    )
    # "Who follows X".
    op.create_index(
        "ix_follows_followee_id_follower_id", "follows", ["followee_id", "follower_id"]
    )


def downgrade():
    op.drop_index("ix_follows_followee_id_follower_id", table_name="follows")
    op.drop_table("follows")
    op.drop_index(op.f("ix_profiles_claimed_username"), table_name="profiles")
    op.drop_table("profiles")
