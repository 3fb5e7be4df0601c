"""The test-control API under ``/_emulator/``: prices, funding, books, faults, accounts, config,
state, journal, reset.

May import the venue model and the HTTP layer's shared service (``api``); nothing imports it but
the assembly (``app``).
"""
