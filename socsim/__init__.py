"""socsim: a discrete-event SoC simulator for CNN inference with activation compression and worst-case bounds.

In Python (``socsim.api``; importing socsim itself loads nothing heavy)::

    import socsim
    result = socsim.run("scenarios/mobilenet_v1_small.yaml", frames=1, soc__bus__width_bytes=32)
    result.summary.latency_ms_max, result.bound.wcrt_bound_ms
    socsim.compare("scenarios/mobilenet_v1_small.yaml", ["none", "dct:keep=21"]).rows

A chip that cannot serve what is asked raises ``socsim.Overloaded``, its ``verdict`` the reason as data.
"""

from typing import Any

__version__ = "0.1.0"

__all__ = ["Overloaded", "__version__", "compare", "run"]


def __getattr__(name: str) -> Any:
    """``socsim.run``, ``socsim.compare`` and ``socsim.Overloaded``, imported on first use so that
    ``import socsim`` stays cheap."""
    if name in ("run", "compare"):
        from socsim import api

        return getattr(api, name)
    if name == "Overloaded":
        from socsim.errors import Overloaded

        return Overloaded
    raise AttributeError(f"module 'socsim' has no attribute {name!r}")
