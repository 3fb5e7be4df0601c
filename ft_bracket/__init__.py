"""ft_bracket: bracket orders and risk-based sizing for freqtrade on Binance USDⓈ-M futures.

Subclass ``BracketStrategy`` and fill ``stop_price`` / ``take_profit_price`` on entry rows.
"""

from ft_bracket.strategy import BracketStrategy

__all__ = ["BracketStrategy"]
