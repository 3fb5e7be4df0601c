"""A stop handed to the venue to trail, against the emulator through real ccxt: the
TRAILING_STOP_MARKET rests before the fixed stop goes, the record follows its trigger as the
price rises, and it fires on the venue's own count, the bot doing nothing."""

from __future__ import annotations

from ft_bracket.core.legs import LegStatus
from tests.support.desk import SYMBOL, Desk


def stops(desk: Desk) -> list[tuple[str, str]]:
    return sorted((r["orderType"], r["triggerPrice"]) for r in desk.algo_orders()
                  if r["algoStatus"] == "NEW" and r["orderType"] != "TAKE_PROFIT_MARKET")


def test_the_stop_trails_on_the_venue_and_fires_there(desk: Desk) -> None:
    trade = desk.open(stop=1.14, take_profit=1.40)
    desk.manager.trail_on_exchange(trade.trade_id, 3.0)  # the strategy's policy asks
    desk.emulator.set_price(SYMBOL, "1.2000")  # 3 % under it is 1.164: tighter than 1.14
    desk.manager.every_loop([trade])
    assert stops(desk) == [("TRAILING_STOP_MARKET", "1.1640")]
    record = desk.record(trade)
    assert (record.stop.trailing_rate, record.stop.replacing) == (3.0, None)
    [moved] = [e for e in desk.events if e.name.value == "stop_moved"]
    assert "trailing on the exchange by 3 %" in moved.fields["reason"]
    adopted = desk.freqtrade.stops[1]
    assert adopted[-1] == record.stop.order_id  # freqtrade holds the trailing stop now

    desk.emulator.set_price(SYMBOL, "1.2500")  # the venue trails up: 1.2125
    desk.manager.every_loop([trade])
    assert desk.record(trade).stop.trigger_price == 1.2125
    desk.emulator.set_price(SYMBOL, "1.2100")  # through it: the venue fires, the bot idle
    held = sum(float(p["positionAmt"]) for p in desk.emulator.state(desk.api_key)["positions"])
    assert held == 0
    desk.manager.every_loop([trade])
    record = desk.record(trade)
    assert (record.stop.status, record.take_profit.status) == (LegStatus.FILLED,
                                                               LegStatus.CANCELLED)
