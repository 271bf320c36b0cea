"""Accuracy cost of activation codecs: run a network with each codec's round trip on every layer's
output and compare with the uncompressed network (``harness``: the study in order, over ``spec``,
``inputs``, ``network``, ``runs``, ``aggregate`` and ``results``; ``texts``: the command line's
lists), the comparison functions (``metrics``), the tables, CSV files and plots of a study
(``report``, ``plots``), and the bit allocation behind the ``dct-bits`` profiles (``bitalloc``)."""
