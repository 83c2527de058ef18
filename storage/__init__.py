"""The database and the core's own tables. Features import only what this module exports."""

from storage.database import Database, DatabaseError, Schema
from storage.feature_store import Store
from storage.times import from_ts, to_ts

__all__ = ["Database", "DatabaseError", "Schema", "Store", "from_ts", "to_ts"]
