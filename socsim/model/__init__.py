"""The chip's rules, stated once, as plain data and pure functions (no simpy, no torch).

- ``compute``: a layer's cycles on the systolic array per dataflow (fill and drain per fold) or on the vector unit;
- ``schedule``: a layer's compute time, tiling, SRAM residency and tile plans (DMA descriptors);
- ``dram``: the DRAM's timing, the cost of a burst given the bank state, refresh, the worst case;
- ``engine``: the codec engine's throughput and latency;
- ``masters``: the other masters' request sequences and arrival envelopes;
- ``arbitration``: the arbiters' grant rules, fluid shares and service guarantees;
- ``records``: what a simulation observed.

``socsim.soc`` executes these rules (event by event or as fluid rates); ``socsim.analysis`` bounds
them; neither imports the other.
"""
