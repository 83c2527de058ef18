"""TEMPORARY shim until the reshape branch lands (reverted before merging it)."""

from storage.feature_store import Store
from storage.times import from_ts, to_ts

__all__ = ["Store", "from_ts", "to_ts"]
