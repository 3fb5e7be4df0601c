"""Binance USDⓈ-M futures through a ccxt client: the leg gateway and the venue's quirks table."""
