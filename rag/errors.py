"""Errors users see. Each message says what happened and what to do next.

CLI and UI catch only `RagError`; anything else is a bug and keeps its traceback.
"""


class RagError(Exception):
    """Base of every error meant for the user."""


class ConfigError(RagError):
    """A setting (environment variable or option) has a value we cannot use."""


class NoIndexError(RagError):
    """There is no index where one was expected."""


class IndexMismatchError(RagError):
    """The index was built with another embedder (or dimension) than the one asked for."""


class IndexCorruptError(RagError):
    """An index file is missing or damaged."""


class IndexWriteError(RagError):
    """Writing the index failed (disk full, permissions); the old index is untouched."""


class IndexLockedError(RagError):
    """Another process is updating the index and did not finish in time."""


class IngestError(RagError):
    """An article file cannot be read (binary, empty, unknown type, too large)."""


class ModelError(RagError):
    """A model file is missing, incomplete or has the wrong checksum."""


class LLMError(RagError):
    """The language model failed (server down, timeout, bad response)."""


class DependencyError(RagError):
    """An optional package needed for this feature is not installed."""


class FeedError(RagError):
    """A feed or an item's page cannot be fetched or read (down, slow, too big, not RSS/Atom)."""
