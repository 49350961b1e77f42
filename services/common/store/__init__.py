"""Document storage: one narrow async port, a PyMongo adapter and the ``memory://`` stand-in.

Stores are written against :class:`Collection`; :func:`connect` picks the adapter from the URL.
"""

from services.common.store.aggregate import VersionConflict, insert_aggregate, save_aggregate
from services.common.store.connect import StoreClient, connect
from services.common.store.port import (
    Collection,
    Database,
    Document,
    DuplicateKey,
    Index,
    StoreUnsupported,
    UpdateOutcome,
)

__all__ = [
    "Collection",
    "Database",
    "Document",
    "DuplicateKey",
    "Index",
    "StoreClient",
    "StoreUnsupported",
    "UpdateOutcome",
    "VersionConflict",
    "connect",
    "insert_aggregate",
    "save_aggregate",
]
