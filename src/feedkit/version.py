"""feedkit's version; part of the cache fingerprint, so an upgrade never reuses old results."""

__version__ = "0.1.0"
