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


class Overloaded(SocsimError):
    """The chip cannot serve what the scenario asks (an overloaded path, a starved accelerator): a
    verdict on a valid scenario, not a bad input; the CLI prints it and exits 0 (1 under --check)."""

    def __init__(self, verdict: object):
        super().__init__(str(verdict))
        self.verdict = verdict
        """The verdict (``socsim.model.overload.Overload``)."""
