"""Things socsim learns from a model before simulating it: per-layer DCT masks (``masks``: the whole
pipeline, over ``inputs``, ``attenuation``, ``loop``, ``selection`` and ``masks_file``)."""
