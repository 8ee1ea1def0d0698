"""Storage: where articles and their features are kept, on SQLite or a team's PostgreSQL.

``core`` holds the store (schema, migrations, the packed feature codec) and ``postgres`` its
PostgreSQL backend; ``intake`` stages and commits one article whoever brings it (command line,
feed, upload, Dask), ``harvest`` saves what ``metrics.read.fetch`` brought, and ``export`` writes
stored scores out.
"""
