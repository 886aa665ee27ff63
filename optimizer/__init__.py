"""monotowns: exact budget allocation for single-industry towns."""

__version__ = "0.1.0"
