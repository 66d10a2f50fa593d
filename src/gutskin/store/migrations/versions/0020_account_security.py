"""operator-set passwords must be changed (``users.must_change_password``); API tokens one by one (``api_tokens``)

``users.must_change_password``: set when the server's operator sets an account's password
(``gutskin users create`` / ``users set-password``: the operator knows it), cleared when the
account holder changes it themselves. Existing accounts get ``false``: whether an operator set
their current password was never recorded (docs/security.md, "Operator-set passwords").

``api_tokens``: one row per API bearer token issued (``POST /api/v1/auth/token``). The token is
still a signed itsdangerous string and now carries a random id; the row keeps only that id's
SHA-256, the account, a label (the client's User-Agent at sign-in), when it was made, last used
(written at most once a minute) and expires, and when it was revoked. Verification needs the row,
so one token can be revoked alone (a lost phone) from the account page or by the app itself
(``DELETE /api/v1/auth/token``).

Tokens issued before this revision carry no id and are refused from now on (401, "invalid or
expired token"): the app signs in once more. They lived 12 hours at most and could not be listed
or revoked one by one; keeping them valid until then would have left the one kind of token the
account page cannot show.

Downgrade: the table and the column go. Tokens issued after the upgrade still verify on the old
code (their signed part is unchanged; the old code ignores the id) until they expire or the
password changes: the old code could not revoke them one by one, as before.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    # SQLite: a plain ALTER TABLE, never a batch rebuild, which would drop the table's AUTOINCREMENT
    # (0004: a deleted account's id is never handed out again); a batch add_column rebuilds the table
    # when the default is an SQL expression such as false()
    op.add_column("users", sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                     server_default="0" if _sqlite() else sa.false()))
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_api_tokens_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("id_hash", name="uq_api_tokens_id_hash"),
        sqlite_autoincrement=True,  # a revoked token's id is never handed out again (as 0004)
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_api_tokens_user_id", table_name="api_tokens")
    op.drop_table("api_tokens")
    if _sqlite():  # ALTER TABLE DROP COLUMN (SQLite 3.35+) keeps AUTOINCREMENT, which a batch rebuild loses
        op.execute("ALTER TABLE users DROP COLUMN must_change_password")
    else:
        op.drop_column("users", "must_change_password")
