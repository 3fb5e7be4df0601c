"""The venue model: listings, prices, books, accounts and the rules that move them; no HTTP.

May import only ``binance_emulator.venue`` modules (and the standard library, numpy); never the
HTTP API (``api``), the control API (``control``) or the assembly (``app``).
"""
