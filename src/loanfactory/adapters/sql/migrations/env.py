"""alembic environment: runs on the connection the caller hands over (see ``_migrate.py``).

SQLite gets batch mode (ALTER TABLE by copying the table); types are compared, so a column whose
type drifts from the models shows in ``alembic check``.
"""

from __future__ import annotations

from alembic import context

from loanfactory.adapters.sql._engine import make_engine
from loanfactory.adapters.sql._migrate import configure_context

config = context.config
connection = config.attributes.get("connection")
if connection is not None:
    configure_context(context, connection)
else:  # the alembic command line: a URL in the config
    engine = make_engine(config.get_main_option("sqlalchemy.url"), foreign_keys=False)
    with engine.connect() as own_connection:
        configure_context(context, own_connection)
        own_connection.commit()
    engine.dispose()
