"""The kernel's version, readable from every layer (``retinue.__version__`` hands it on)."""

__version__ = "0.1.0"
