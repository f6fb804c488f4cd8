"""The data layer: the model, strict YAML, validation, loading, the cache and atomic files.

The lowest layer: it imports nothing from the rest of mscref.
"""
