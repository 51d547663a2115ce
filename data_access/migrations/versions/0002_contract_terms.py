"""contract terms from the register, and each return's reporting quarter

- ``contracts.kpi_target`` may be blank: a contract with no KPI target has no confidence KPI
  (it was filled with 75 % when blank, a default in code);
- the register's ``Overheads cap``, ``Rates include expenses`` and ``Extension notice``;
- ``imports.reporting_quarter_end``: the last day of the quarter a quarterly return reports on
  (data currency). Returns imported before this have none: their contracts' data currency is
  unknown.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contracts") as batch:
        batch.alter_column("kpi_target", existing_type=sa.Float(), nullable=True)
        batch.add_column(sa.Column("overheads_cap", sa.Float(), nullable=True))
        batch.add_column(sa.Column("rates_include_expenses", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("extension_notice_months", sa.Integer(), nullable=True))
    with op.batch_alter_table("imports") as batch:
        batch.add_column(sa.Column("reporting_quarter_end", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.drop_column("reporting_quarter_end")
    with op.batch_alter_table("contracts") as batch:
        batch.drop_column("extension_notice_months")
        batch.drop_column("rates_include_expenses")
        batch.drop_column("overheads_cap")
        batch.alter_column("kpi_target", existing_type=sa.Float(), nullable=False)
