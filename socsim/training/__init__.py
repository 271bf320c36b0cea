"""Things socsim learns from a model before simulating it: per-layer DCT masks (``masks``)."""
