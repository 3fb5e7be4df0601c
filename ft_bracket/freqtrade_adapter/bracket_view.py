"""The bracket where freqtrade shows a trade: facts for messages, the initial stop, the summary.

``bracket_facts`` reads a trade row and the plugin's custom-data records into the core's
``BracketFacts``.

``show_bracket_stop`` writes the bracket's stop into the trade's *initial* stop (the "Initial
Stoploss" of FreqUI's trade detail and of ``/status``). freqtrade has no public way: at the entry
fill it sets the initial stop from ``strategy.stoploss`` (the plugin's -99 % hard cap; only then
does ``custom_stoploss(after_fill=True)`` move the stop itself), and at every start-up
``Trade.stoploss_reinitialization`` resets the stop *and* the initial stop of every open trade
whose ``initial_stop_loss_pct`` differs from ``strategy.stoploss`` and never trailed — which is
then every bracket trade — back to the hard cap. So at the first loop after either (the
initial ratio is ``strategy.stoploss`` again) the plugin puts the stop back where its stop leg
rests and writes the two columns ``initial_stop_loss`` / ``initial_stop_loss_pct``; before that
loop's exits, and without waiting for the venue. Read off freqtrade 2026.9
``persistence/trade_model.py``; tests/freqtrade_adapter/test_freqtrade_contract.py pins both facts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from freqtrade.persistence import LocalTrade, Trade

from ft_bracket.core.records import LEGS_RECORD, PRICES_RECORD
from ft_bracket.reporting.facts import BracketFacts, legs_record, prices_record


def facts_of(trade: LocalTrade, prices: Any, legs: Any) -> BracketFacts:
    """``BracketFacts`` from a trade and its two records (either may be missing)."""
    numbers = prices_record(prices)
    stop, take_profit = legs_record(legs)
    return BracketFacts(
        trade_id=int(trade.id), pair=trade.pair, is_short=bool(trade.is_short),
        leverage=float(trade.leverage or 1.0), entry_price=float(trade.open_rate),
        amount=float(trade.amount or 0.0), stake_currency=str(trade.stake_currency or "USDT"),
        is_open=bool(trade.is_open), exit_reason=trade.exit_reason,
        close_rate=float(trade.close_rate) if trade.close_rate else None,
        stop_price=numbers.get("stop_price"),
        take_profit_price=numbers.get("take_profit_price"),
        risk_amount=numbers.get("risk_amount"), stop=stop, take_profit=take_profit,
    )


def bracket_facts(trade_id: int) -> BracketFacts | None:
    """The trade as the bot's database holds it now; None if there is no such trade."""
    trade = Trade.session.get(Trade, trade_id)
    if trade is None:
        return None
    return facts_of(trade, trade.get_custom_data(PRICES_RECORD),
                    trade.get_custom_data(LEGS_RECORD))


def initial_stop_ratio(stop_price: float, open_rate: float, leverage: float) -> float:
    """freqtrade's ``initial_stop_loss_pct`` for a stop at ``stop_price``: the loss at the stop
    as a (negative) share of the stake, leverage included."""
    return -abs(open_rate - stop_price) / open_rate * (leverage or 1.0)


def initialised_from(trade: Trade, hard_stoploss: float) -> bool:
    """freqtrade has just (re)initialised the trade's stop from ``strategy.stoploss``: at the
    entry fill, or at a start-up. Only then is there anything to do (a cheap check, no query)."""
    ratio = trade.initial_stop_loss_pct
    return ratio is not None and math.isclose(ratio, -abs(hard_stoploss))


def show_bracket_stop(trade: Trade, move_stop: Callable[[int, float], None]) -> bool:
    """Make the trade's initial stop the bracket's planned stop, and put a stop that freqtrade
    reset back where the stop leg rests (``move_stop(trade_id, price)``). False when the trade
    has no bracket. Commits."""
    facts = facts_of(trade, trade.get_custom_data(PRICES_RECORD),
                     trade.get_custom_data(LEGS_RECORD))
    stop = facts.current_stop()
    if facts.stop_price is None or stop is None or not trade.open_rate:
        return False
    if (not trade.is_stop_loss_trailing and trade.stop_loss is not None
            and not math.isclose(trade.stop_loss, stop, rel_tol=1e-6)):
        move_stop(int(trade.id), stop)
    trade.initial_stop_loss = facts.stop_price
    trade.initial_stop_loss_pct = initial_stop_ratio(facts.stop_price, float(trade.open_rate),
                                                     float(trade.leverage or 1.0))
    Trade.commit()
    return True
