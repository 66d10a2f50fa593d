"""Persistence: SQLAlchemy tables, engines and sessions, Alembic migrations (the only place with SQL)."""
