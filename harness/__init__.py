"""The processes and audits that the tests and the benchmarks share.

- ``emulator``: start ``python -m binance_emulator`` as a real process and drive its control API;
- ``ccxt_client``: a real ccxt ``binanceusdm`` client on one of its accounts;
- ``freqtrade_config`` / ``freqtrade_bot``: a real ``freqtrade trade`` bot trading it, and its
  config;
- ``damage``: the damage audit, judged from the venue's own record of orders and fills.

It may import the project's packages (``ft_bracket``, ``binance_emulator``) and third-party
libraries, never ``tests`` or ``bench``: both of those import it (tests/project/test_imports.py
holds that line).
"""
