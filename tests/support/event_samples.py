"""One sample of every plugin event, with the fields its emit site sends (ft_bracket/*.py) and
values chosen to bite in Telegram's Markdown: underscores in pairs and client ids, a venue error
holding ``*``, ``_``, a backtick and ``[``. Shared by the message unit tests and the end-to-end
Telegram test (which emits them inside a real bot)."""

from __future__ import annotations

from typing import Any

HOSTILE_REASON = ('binance {"code":-2022,"msg":"ReduceOnly Order is rejected."} '
                  "[see *docs*] `retry_later` _now")


def samples(trade_id: int, pair: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(severity, event, fields) for each event kind; trade events name ``trade_id``."""
    trade = {"trade": trade_id, "pair": pair}
    client = f"ftb-{trade_id}-t1s0"
    return [
        ("INFO", "entry_refused", {"pair": "1000SHIB_X/USDT:USDT", "side": "long",
                                   "candle": "2026-11-28T20:55:00+00:00", "entry": 1.2,
                                   "stop": 1.17, "take_profit": 1.21,
                                   "reason": "RewardRiskBelowMinimum: reward/risk 0.33 < 1.5"}),
        ("ERROR", "entry_failed", {"pair": "1000SHIB_X/USDT:USDT", "reason": HOSTILE_REASON,
                                   "action": "pair locked; the position is checked in 11 s"}),
        ("INFO", "bracket_placed", {**trade, "side": "long", "quantity": 100.0, "stop": 1.17,
                                    "stop_id": "8000000004", "take_profit": 1.26,
                                    "take_profit_id": "8000000005", "unprotected_ms": 92}),
        ("INFO", "leg_placed", {**trade, "leg": "take_profit", "price": 1.26,
                                "order_id": "8000000011", "client_id": f"{client}-tp2"}),
        ("ERROR", "leg_failed", {**trade, "leg": "take_profit", "price": 1.26,
                                 "client_id": f"{client}-tp1", "reason": HOSTILE_REASON,
                                 "action": "retrying on the next loop; the stop still protects "
                                           "the position"}),
        ("WARNING", "leg_replaced", {**trade, "leg": "take_profit",
                                     "previous": f"{client}-tp1"}),
        ("INFO", "take_profit_filled", {**trade, "price": 1.27, "quantity": 100.0,
                                        "order_id": "8000000012"}),
        ("INFO", "legs_cancelled", {**trade, "legs": "stop,take_profit"}),
        ("WARNING", "exit_requested", {**trade, "reason": "take_profit_unplaceable"}),
        ("WARNING", "orphan_cancelled", {"pair": pair, "client_id": "ftb-9-t0zz-sl1",
                                         "order_id": "8000000099", "now": "cancelled"}),
        ("WARNING", "watch_failed", {**trade, "step": "Cancel",
                                     "error": f"ExchangeNotAvailable: {HOSTILE_REASON}",
                                     "action": "retrying on the next loop"}),
        ("WARNING", "reconcile_failed", {**trade, "error": "RequestTimeout: read timed out"}),
        ("INFO", "leg_recovered", {**trade, "leg": "stop", "order_id": "8000000004",
                                   "client_id": f"{client}-sl1"}),
        ("WARNING", "leg_resized", {**trade, "leg": "take_profit", "old": 100.0, "new": 60.0}),
        ("WARNING", "position_gone", {**trade, "exits_imported": 1,
                                      "action": "legs cancelled; trade closed from the "
                                                "exchange's fills"}),
        ("ERROR", "untracked_position", {"pair": pair, "amount": 42.5, "stop": 1.14,
                                         "stop_id": "8000000031",
                                         "action": "no open trade owns it: protected by a "
                                                   "closePosition stop, the pair is locked"}),
        ("WARNING", "guard_stop_filled", {"pair": pair, "price": 1.1398, "quantity": 42.5}),
        ("WARNING", "guard_released", {"pair": pair, "action": "the position is gone and its "
                                       "guard stop cancelled: the pair is unlocked"}),
        ("ERROR", "liquidated", {**trade, "price": 0.61, "quantity": 100.0,
                                 "order_id": "8000000077",
                                 "action": "the venue liquidated the position: trade closed as "
                                           "liquidation, its legs cancelled"}),
        ("WARNING", "take_profit_merged", {**trade, "level": 1, "into": 2, "quantity": 2.0,
                                           "reason": "2.52 is below the minimum notional 5",
                                           "action": "take-profit 1's share is added to "
                                                     "take-profit 2's"}),
        ("INFO", "stop_moved", {**trade, "old": 1.17, "new": 1.2005, "stop_id": "8000000041",
                                "quantity": 50.0,
                                "reason": "break-even after take-profit 1"}),
        ("WARNING", "stop_slipped", {**trade, "stop": 1.17, "price": 1.1647, "slippage": 0.0053,
                                     "slippage_pct": 0.453, "extra_loss": 0.53,
                                     "quantity": 100.0, "order_id": "8000000013"}),
        ("ERROR", "entry_beyond_stop", {"pair": pair, "side": "long", "entry": 1.1695,
                                        "stop": 1.17, "quantity": 100.0, "closed_at": 1.1694,
                                        "action": "closed at market from the entry's answer"}),
        ("ERROR", "closed_past_stop", {"trade": 3, "pair": pair, "side": "long", "stop": 1.17,
                                       "quantity": 100.0, "closed": 100.0,
                                       "close_price": 1.1688, "order_id": "8000000032",
                                       "action": "the price went past the stop before it "
                                                 "could rest: closed at market"}),
        ("WARNING", "leg_filled_in_part", {"trade": 3, "pair": pair, "leg": "stop",
                                           "filled": 40.0, "left": 60.0, "closed": 60.0,
                                           "close_price": 1.1642, "order_id": "8000000031",
                                           "action": "the stop's order filled in part (a thin "
                                                     "book): the rest, past its price, closed "
                                                     "at market"}),
        ("ERROR", "venue_endpoint_missing", {"step": "watch",
                                             "error": "ExchangeNotAvailable: binance GET "
                                                      "https://fapi.binance.com/fapi/v1/"
                                                      "openAlgoOrders 404 Not Found",
                                             "action": "the venue has no such endpoint (404)"}),
    ]
