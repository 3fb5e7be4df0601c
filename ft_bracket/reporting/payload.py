"""Each plugin event as one structured JSON object, for programs (webhooks).

Pure. Top level: what every event has (``type``, ``event``, ``severity``, ``time``,
``event_id``, ``bot_name``, ``dry_run``, ``trade_id``, ``pair``, ``message``); ``details``: what
this event says, under the names the plugin emits them with (numbers stay numbers); ``trade``:
the trade's bracket at that moment (side, entry, stop, take-profit, risk, both legs), or null
for events without a trade. docs/events.md lists the details per event.
"""

from __future__ import annotations

from typing import Any

from ft_bracket.reporting.events import Event
from ft_bracket.reporting.facts import BracketFacts

PAYLOAD_TYPE = "bracket_event"


def trade_payload(facts: BracketFacts) -> dict[str, Any]:
    """The trade's bracket as numbers and ids; distances in % of the entry, signed."""
    stop, take_profit = facts.current_stop(), facts.current_take_profit()
    return {
        "side": facts.side,
        "leverage": facts.leverage,
        "is_open": facts.is_open,
        "entry_price": facts.entry_price,
        "amount": facts.amount,
        "stake_currency": facts.stake_currency,
        "stop_price": stop,
        "stop_distance_pct": _rounded(facts.distance_pct(stop)),
        "take_profit_price": take_profit,
        "take_profit_distance_pct": _rounded(facts.distance_pct(take_profit)),
        "risk_amount": _rounded(facts.risk_amount, 8),  # USDT, without float noise
        "take_profit_r": _rounded(facts.result_in_r(take_profit)),
        "exit_reason": facts.exit_reason,
        "close_rate": facts.close_rate,
        "stop": facts.stop.to_dict() if facts.stop else None,
        "take_profit": facts.take_profit.to_dict() if facts.take_profit else None,
    }


def event_payload(event: Event, facts: BracketFacts | None, *, event_id: str, bot_name: str,
                  dry_run: bool, message: str) -> dict[str, Any]:
    """The JSON object posted for ``event`` (``message``: its readable text, plain)."""
    details = {k: v for k, v in event.fields.items() if k not in ("trade", "pair")}
    return {
        "type": PAYLOAD_TYPE,
        "event": event.name.value,
        "severity": event.severity.value,
        "time": event.time.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "event_id": event_id,
        "bot_name": bot_name,
        "dry_run": dry_run,
        "trade_id": event.trade_id,
        "pair": event.pair or (facts.pair if facts else None),
        "details": {k: _json_value(v) for k, v in details.items()},
        "trade": trade_payload(facts) if facts else None,
        "message": message,
    }


def _rounded(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def _json_value(value: Any) -> Any:
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)
