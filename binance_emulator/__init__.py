"""A local Binance USDⓈ-M futures venue for tests and demos: ``python -m binance_emulator``."""
