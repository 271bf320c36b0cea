"""User-facing errors: each carries one line that names the bad field and value.

The CLI prints ``str(error)`` and exits with code 2; anything else is a bug and keeps its traceback.
"""


class SocsimError(Exception):
    """Base class of every error caused by the user's input rather than by socsim itself."""


class ScenarioError(SocsimError):
    """A scenario file or option is malformed or names something that does not exist."""


class WorkloadError(SocsimError):
    """A model, its weights or its input images cannot be built or loaded."""


class CodecError(SocsimError):
    """A codec name or codec parameter is unknown or out of range."""


class CacheError(SocsimError):
    """The activation cache directory cannot be used."""


class ResultError(SocsimError):
    """A result file (result.json, compare.json) is missing, malformed or not of this socsim's format."""
