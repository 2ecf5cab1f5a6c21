"""Exceptions raised by the library; every one carries a message meant for a person."""


class QAError(Exception):
    """Base class: a problem the caller can act on, with a readable message."""


class CorpusError(QAError):
    """The corpus folder is missing, empty, or holds a report that cannot be read."""


class IndexMissingError(QAError):
    """No index has been built at the given folder."""


class StaleIndexError(QAError):
    """The index was built from a different corpus or by a different code version."""


class IndexDamagedError(StaleIndexError):
    """A part of the index does not match the checksum its manifest records (damaged, truncated or edited)."""


class IndexMismatchError(QAError):
    """The index was built with another embedding model than the one asked for."""


class ModelLoadError(QAError):
    """The embedding model could not be loaded (unknown name, missing files, no network)."""


class QuestionError(QAError, ValueError):
    """The question is empty, too long or not text."""
