"""The pure core: sizing and the risk gate, signal checks, the leg state machine, client ids,
the bracket plan and what a refusal means. Decides; does no I/O.

May import: the standard library, numpy, pandas and ``ft_bracket.core`` only — never freqtrade,
ccxt or the rest of the plugin. Tested in milliseconds (tests/core).
"""
