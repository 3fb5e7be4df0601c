"""The one place that reaches into freqtrade's private internals.

A strategy sees freqtrade through public callbacks; the few things they cannot do (fees and
precision on the exchange object, the bot's own trade rows, the backtest's closed-trade list, a
log line freqtrade emits instead of a callback) live in the modules of this package, each small,
each verified against one freqtrade release (``version.VERIFIED_FREQTRADE``) and pinned by
tests/freqtrade_adapter/test_freqtrade_contract.py, so an upgrade that moves things breaks
here, loudly.
"""
