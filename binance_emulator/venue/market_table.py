"""The USDⓈ-M perpetuals the emulator lists, as a table: filters and a reference price each.

The first seven rows are the figures the tests were written against (Binance's published filters
for those symbols). The others carry plausible filters of the same shape: the tick gives a price
about five significant digits, the step and minimum notional follow Binance's usual choices for a
contract of that price. ``reference_price`` only starts the synthetic price path. Leverage tiers
are not here: they are read from freqtrade's copy of Binance's real brackets (``markets``).
"""

from __future__ import annotations

# base, tick size, step size, min qty, max qty (LIMIT), max qty (MARKET), min notional, price
TESTED_ROWS: tuple[tuple[str, str, str, str, str, str, str, float], ...] = (
    ("BTC", "0.10", "0.001", "0.001", "1000", "120", "100", 67000.0),
    ("ETH", "0.01", "0.001", "0.001", "10000", "2000", "20", 3500.0),
    ("XRP", "0.0001", "0.1", "0.1", "10000000", "2000000", "5", 1.19),
    ("SOL", "0.0100", "1", "1", "1000000", "5000", "5", 150.0),
    ("BNB", "0.010", "0.01", "0.01", "100000", "2000", "5", 600.0),
    ("DOGE", "0.000010", "1", "1", "50000000", "30000000", "5", 0.16),
    ("ADA", "0.00010", "1", "1", "10000000", "2000000", "5", 0.45),
)

# base, tick size, step size, min notional, price; min qty = step, max quantities derived.
PLAUSIBLE_ROWS: tuple[tuple[str, str, str, str, float], ...] = (
    ("LTC", "0.01", "0.001", "20", 90.0),
    ("LINK", "0.001", "0.01", "20", 15.0),
    ("DOT", "0.001", "0.1", "5", 3.0),
    ("AVAX", "0.001", "1", "5", 15.0),
    ("TRX", "0.00001", "1", "5", 0.28),
    ("BCH", "0.01", "0.001", "20", 500.0),
    ("ETC", "0.001", "0.01", "20", 15.0),
    ("XLM", "0.00001", "1", "5", 0.25),
    ("ATOM", "0.001", "0.01", "5", 3.0),
    ("NEAR", "0.001", "1", "5", 2.2),
    ("APT", "0.0001", "0.1", "5", 3.0),
    ("ARB", "0.0001", "0.1", "5", 0.25),
    ("OP", "0.0001", "0.1", "5", 0.35),
    ("FIL", "0.001", "0.1", "5", 1.8),
    ("UNI", "0.001", "1", "5", 6.0),
    ("AAVE", "0.01", "0.1", "5", 180.0),
    ("SUI", "0.0001", "0.1", "5", 1.7),
    ("INJ", "0.001", "0.1", "5", 6.0),
    ("SEI", "0.0001", "1", "5", 0.15),
    ("TIA", "0.0001", "1", "5", 0.7),
    ("WLD", "0.0001", "1", "5", 0.6),
    ("LDO", "0.0001", "1", "5", 0.7),
    ("1000PEPE", "0.0000001", "1", "5", 0.005),
    ("1000SHIB", "0.000001", "1", "5", 0.009),
    ("WIF", "0.0001", "0.1", "5", 0.4),
    ("ORDI", "0.001", "0.1", "5", 4.5),
    ("RUNE", "0.001", "1", "5", 0.7),
    ("FET", "0.0001", "1", "5", 0.25),
    ("ALGO", "0.0001", "0.1", "5", 0.14),
    ("HBAR", "0.00001", "1", "5", 0.14),
    ("ICP", "0.001", "1", "5", 4.0),
    ("SAND", "0.0001", "1", "5", 0.15),
    ("MANA", "0.0001", "1", "5", 0.15),
    ("AXS", "0.001", "1", "5", 1.1),
    ("GALA", "0.00001", "1", "5", 0.008),
    ("CRV", "0.001", "0.1", "5", 0.45),
    ("DYDX", "0.001", "0.1", "5", 0.25),
    ("XTZ", "0.001", "0.1", "5", 0.5),
    ("THETA", "0.0001", "0.1", "5", 0.35),
    ("EGLD", "0.01", "0.1", "5", 9.0),
    ("STX", "0.0001", "1", "5", 0.3),
    ("IMX", "0.0001", "1", "5", 0.3),
    ("SNX", "0.001", "0.1", "5", 0.8),
    ("COMP", "0.01", "0.001", "5", 30.0),
    ("ENA", "0.0001", "1", "5", 0.25),
    ("JUP", "0.0001", "1", "5", 0.25),
    ("PYTH", "0.0001", "1", "5", 0.07),
    ("ONDO", "0.0001", "0.1", "5", 0.5),
    ("TAO", "0.01", "0.001", "5", 280.0),
    ("TON", "0.0001", "0.1", "5", 1.6),
    ("POL", "0.00001", "1", "5", 0.13),
    ("RENDER", "0.001", "0.1", "5", 1.5),
    ("ZEC", "0.01", "0.001", "5", 400.0),
    ("TRB", "0.001", "0.1", "5", 20.0),
)
