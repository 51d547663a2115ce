"""LAIT outcome measures, their values and DfE statistical neighbours

The tables are filled with the other reference data (``data_access.reference``,
called by ``ensure_database``) and refreshed by ``python -m data_access reference``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 01:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lait_measures",
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("topic", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("chart_title", sa.String(length=300), nullable=False),
        sa.Column("polarity", sa.String(length=10), nullable=False),
        sa.Column("unit", sa.String(length=120), nullable=False),
        sa.Column("year_type", sa.String(length=60), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("decimal_places", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "lait_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_code", sa.String(length=80), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("area_number", sa.String(length=3), nullable=False),
        sa.Column("area_name", sa.String(length=80), nullable=False),
        sa.Column("region", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["measure_code"],
            ["lait_measures.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("measure_code", "period", "area_number"),
    )
    op.create_table(
        "statistical_neighbours",
        sa.Column("la_number", sa.String(length=3), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("la_name", sa.String(length=80), nullable=False),
        sa.Column("neighbour_la_number", sa.String(length=3), nullable=False),
        sa.Column("neighbour_la_name", sa.String(length=80), nullable=False),
        sa.Column("closeness", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("la_number", "rank"),
    )


def downgrade() -> None:
    op.drop_table("statistical_neighbours")
    op.drop_table("lait_values")
    op.drop_table("lait_measures")
