"""The damage soak (see run.py)."""
