"""Benchmarks of monotowns against raw highspy and PuLP (python -m bench)."""
