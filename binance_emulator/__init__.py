"""A local Binance USDⓈ-M futures venue for tests and demos: ``python -m binance_emulator``.

Packages, imported one way only: ``venue`` (the model) <- ``api`` (Binance over HTTP) <-
``control`` (the test-control API) <- ``app`` and ``__main__`` (assembly and command line).
"""
