"""Exits the plugin asks freqtrade for: closing a trade at market from freqtrade's own loop
(``custom_exit`` answers with the reason), when a take-profit cannot rest or is already crossed.
A bracket protected from its entry's answer asks once freqtrade has the trade."""

from __future__ import annotations

from ft_bracket.core.bracket import Bracket
from ft_bracket.reporting.bracket_reports import BracketReports


class ExitRequests:
    def __init__(self, reports: BracketReports) -> None:
        self.reports = reports
        self._wanted: dict[int, str] = {}  # trade id -> exit reason
        self._held: dict[str, str] = {}  # entry order id -> the reason, before the trade

    def request(self, bracket: Bracket, reason: str) -> None:
        if bracket.trade_id is None:
            self._held[bracket.entry_order_id or ""] = reason
        else:
            self._want(bracket.trade_id, bracket.pair, reason)

    def wanted(self, trade_id: int) -> str | None:
        """The exit reason asked for the trade, if any."""
        return self._wanted.get(trade_id)

    def forget(self, trade_id: int) -> None:
        self._wanted.pop(trade_id, None)

    def release(self, entry_order_id: str | None, trade_id: int, pair: str) -> None:
        """freqtrade has the trade of a bracket protected from its entry's answer."""
        held = self._held.pop(entry_order_id or "", None)
        if held is not None:
            self._want(trade_id, pair, held)

    def _want(self, trade_id: int, pair: str, reason: str) -> None:
        if self._wanted.get(trade_id) != reason:
            self._wanted[trade_id] = reason
            self.reports.exit_requested(trade_id, pair, reason)
