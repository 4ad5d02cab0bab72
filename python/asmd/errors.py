"""Exceptions raised by asmd.

Every error from the engine is an :class:`AsmdError` (a ``ValueError``) carrying
structured detail: ``kind`` (``"format"``, ``"not_found"``, ``"argument"``, ...), ``file``
(the file at fault, if any), ``location`` (where inside it: a JSON path, a line, an
index) and ``problem`` (what is wrong). Subclasses also derive from the builtin exception
users already catch, e.g. :class:`AsmdFileNotFoundError` is a ``FileNotFoundError`` and
:class:`AsmdIndexError` an ``IndexError``.

>>> from asmd.errors import AsmdFormatError
>>> e = AsmdFormatError("a.json: $.songs[0]: missing key", "format", "a.json", "$.songs[0]", "missing key")
>>> (e.file, e.location, e.problem)
('a.json', '$.songs[0]', 'missing key')
>>> isinstance(e, ValueError)
True
"""


class AsmdError(ValueError):
    """Base class of asmd errors."""

    def __init__(self, message, kind=None, file=None, location=None, problem=None):
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.file = file
        self.location = location
        self.problem = problem if problem is not None else message

    def __reduce__(self):
        return (
            type(self),
            (self.message, self.kind, self.file, self.location, self.problem),
        )

    def __str__(self):
        return self.message


class AsmdFileNotFoundError(AsmdError, FileNotFoundError):
    """A file named by a definition or an argument does not exist."""


class AsmdIOError(AsmdError, OSError):
    """Reading or writing a file failed."""


class AsmdFormatError(AsmdError):
    """A file's content is malformed (definition, ground truth, MIDI, .mat, CSV, audio...)."""


class AsmdCheckError(AsmdError):
    """A ground truth breaks a validation rule."""


class AsmdArgumentError(AsmdError):
    """An argument is not acceptable."""


class AsmdIndexError(AsmdError, IndexError):
    """An item index is out of range."""


class AsmdUnsupportedError(AsmdError):
    """A valid input uses a feature asmd does not support."""


class AsmdNetworkError(AsmdError, OSError):
    """A download failed."""


class AsmdArchiveError(AsmdError):
    """An archive is malformed or would write outside its target."""


class AsmdCancelledError(AsmdError):
    """The user declined or the operation was interrupted."""


class AsmdInternalError(AsmdError, RuntimeError):
    """A bug in asmd (a panic in the engine, caught): please report it."""
