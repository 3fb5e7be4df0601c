"""The executor: the ``OrderManager`` and its collaborators carry out the core's plan on a venue,
store first, then call, then record what the venue said, then tell.

May import: ``ft_bracket.core``, ``ft_bracket.reporting`` and itself. The venue and freqtrade are
reached only through ``execution.ports``, which ``ft_bracket.venues`` and
``ft_bracket.freqtrade_adapter`` implement; never freqtrade or ccxt.
"""
