"""Several gutskin processes migrating one PostgreSQL database at the same moment all succeed.

Found by the IT-operator review: ``gutskin serve`` migrates before it serves, so two machines
(or a service manager restarting workers) starting together on a new database ran the same
migrations at once, and all but one failed ("duplicate key value violates unique constraint
pg_type_typname_nsp_index" or "relation ... already exists"; three parallel ``gutskin db
upgrade``: two exited 2). Migrations now hold a PostgreSQL advisory lock
(``gutskin.store.migrate.hold_migration_lock``); the processes that waited find the database at
head and do nothing.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gutskin.store.db import dispose_engines
from gutskin.store.migrate import current_revision, head_revision
from tests.conftest import PG_ADMIN_URL

# each process imports everything first, then starts migrating at the same agreed moment
MIGRATE_AT = """
import sys, time
from gutskin.store.migrate import upgrade
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
upgrade(sys.argv[1])
"""


def test_parallel_upgrades_of_a_new_postgresql_database_all_succeed() -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"gutskin_race_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        at = str(time.time() + 8)
        procs = [subprocess.Popen([sys.executable, "-c", MIGRATE_AT, url, at],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
        results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
        failed = [[line for line in err.splitlines() if "Error" in line][-1:] for rc, err in results if rc != 0]
        assert not failed, failed
        assert current_revision(url) == head_revision()
    finally:
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
