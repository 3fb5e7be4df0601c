"""The venue model: listings, prices, books, accounts and the rules that move them; no HTTP.

One way, from the bottom up: records (``models``, ``errors``, ``markets``, ``prices``, ``book``,
``journal``, ``quotes``) <- the ledger (``account``) <- the deciding modules (``margin``,
``rules``, ``matching``, ``algo``, ``liquidation``, ``funding``: they read and return, never
write) <- ``bookkeeping`` (writes ledgers and the journal) <- ``exchange`` (orchestrates: the only
user of the bookkeeper and the only entry for changes).

May import only ``binance_emulator.venue`` modules (and the standard library, numpy); never the
HTTP API (``api``), the control API (``control``) or the assembly (``app``).
"""
