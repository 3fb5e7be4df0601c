"""The stop freqtrade sees and the moves it may make: its stop price on the tick, and no move of
a plugin's stop by freqtrade's cancel-then-create."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from ccxt import TICK_SIZE

from ft_bracket.freqtrade_adapter.stop_orders import route_stop_orders
from ft_bracket.freqtrade_adapter.trades import stop_on_tick


def trade(stop_loss: float, *, is_short: bool = False) -> Any:
    return SimpleNamespace(stop_loss=stop_loss, is_short=is_short, price_precision=0.0001,
                           precision_mode_price=TICK_SIZE)


@pytest.mark.parametrize(("stop", "is_short", "on_tick"), [
    (1.17, False, 1.17),
    (1.1700000000004, False, 1.17),  # float noise is the tick, never one tick tighter
    (1.1699999999996, False, 1.17),
    (1.23456, False, 1.2346),  # between ticks: tighter, as freqtrade rounds its own stops
    (1.23456, True, 1.2345),
])
def test_freqtrades_stop_is_read_on_the_tick(stop: float, is_short: bool, on_tick: float) -> None:
    assert stop_on_tick(trade(stop, is_short=is_short)) == on_tick


def test_without_precision_the_stop_is_read_as_it_is() -> None:
    bare = SimpleNamespace(stop_loss=1.23456, is_short=False, price_precision=None,
                           precision_mode_price=None)
    assert stop_on_tick(bare) == 1.23456


class Exchange:
    """freqtrade's exchange as far as the routes touch it."""

    def stoploss_adjust(self, stop_loss: float, order: dict, side: str) -> bool:
        return True  # freqtrade's own answer: "move it"


def test_freqtrade_never_moves_a_plugin_stop_itself_but_still_moves_its_own() -> None:
    exchange = Exchange()
    route_stop_orders(exchange, manager=None, prefix="ftb")  # type: ignore[arg-type]
    ours = {"id": "8000000004", "clientOrderId": "ftb-7-s0me-sl2", "info": {}}
    in_info = {"id": "8000000005", "info": {"clientAlgoId": "ftb-7-s0me-sl3"}}
    another_bots = {"id": "8000000006", "clientOrderId": "bot2-7-s0me-sl1", "info": {}}
    assert exchange.stoploss_adjust(1.2, ours, "sell") is False
    assert exchange.stoploss_adjust(1.2, in_info, "sell") is False
    assert exchange.stoploss_adjust(1.2, another_bots, "sell") is True
