"""socsim: a discrete-event SoC simulator for CNN inference with activation compression and worst-case bounds."""

__version__ = "0.1.0"
