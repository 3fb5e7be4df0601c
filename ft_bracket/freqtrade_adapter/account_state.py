"""The account as the risk gate sees it: equity, open positions and their risk, today's result,
the pair's last stop-out. Read from freqtrade's wallets and trade records."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freqtrade.persistence import Trade

from ft_bracket.core.actions import STOP_OUT_REASONS
from ft_bracket.core.risk import AccountState, loss_at_stop
from ft_bracket.freqtrade_adapter.signals import as_utc
from ft_bracket.freqtrade_adapter.trades import closed_trades_since


def equity(wallets: Any) -> float:
    """The bot's capital: closed-trade balance incl. stakes in open trades, within
    ``tradable_balance_ratio`` / ``available_capital`` (unrealised profit not counted)."""
    return 0.0 if wallets is None else float(wallets.get_total_stake_amount())


def account_state(wallets: Any, pair: str, now: datetime, fee: float,
                  cooldown_minutes: int) -> AccountState:
    """Open positions and their risk, today's realised result, the pair's last stop-out."""
    now = as_utc(now)
    open_trades = Trade.get_trades_proxy(is_open=True)
    open_risk = sum(
        max(0.0, loss_at_stop(trade.amount, trade.open_rate, trade.stop_loss,
                              trade.fee_close or fee, is_short=trade.is_short))
        for trade in open_trades
        if trade.stop_loss
    )
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    cooldown = timedelta(minutes=cooldown_minutes)
    closed = closed_trades_since(min(day_start, now - cooldown))
    realised_today = sum(
        [trade.close_profit_abs or 0.0 for trade, closed_at in closed if closed_at >= day_start]
    )
    stop_outs = [closed_at for trade, closed_at in closed
                 if trade.pair == pair and trade.exit_reason in STOP_OUT_REASONS]
    return AccountState(
        equity=equity(wallets),
        open_positions=len(open_trades),
        open_risk=open_risk,
        realised_pnl_today=realised_today,
        last_stop_out=max(stop_outs, default=None),
    )
