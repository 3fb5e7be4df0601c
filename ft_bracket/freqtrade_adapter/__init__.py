"""The one place that reaches into freqtrade's private internals.

A strategy sees freqtrade through public callbacks; the few things they cannot do (fees and
precision on the exchange object, the bot's own trade rows, the backtest's closed-trade list, a
log line freqtrade emits instead of a callback) live in the modules of this package, each small,
each verified against one freqtrade release (``version.VERIFIED_FREQTRADE``) and pinned by
tests/freqtrade_adapter/test_freqtrade_contract.py, so an upgrade that moves things breaks
here, loudly. Also where the plugin meets freqtrade's public side (its trades, dataframes,
wallets and locks): every freqtrade import outside ``strategy.py`` is in this package.

May import: freqtrade, ccxt, ``ft_bracket.core``, ``ft_bracket.reporting``,
``ft_bracket.execution.ports`` and the Binance quirks table; never the executor itself, which
it reaches through the small protocols its modules declare.
"""
