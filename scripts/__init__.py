"""Commands the Makefile runs (``make demo``: ``python -m scripts.demo``)."""
