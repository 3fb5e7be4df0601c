"""Venues behind the executor's ``Gateway`` port: Binance USDⓈ-M through ccxt (``binance``), and
dry-run's simulated venue. I/O and translation of the venue's words; no policy.

May import: ``ft_bracket.core``, ``ft_bracket.execution.ports``, itself and ccxt.
"""
