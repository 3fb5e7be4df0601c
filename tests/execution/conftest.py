"""Fixtures of the emulator tests: ``desk`` (tests/support/desk.py)."""

from __future__ import annotations

import pytest

from ft_bracket.execution.context import ManagerSettings
from ft_bracket.execution.order_manager import OrderManager
from ft_bracket.reporting.events import EventSink
from ft_bracket.venues.binance.gateway import LegGateway
from harness.ccxt_client import binance_client
from harness.emulator import Emulator
from tests.support.desk import SYMBOL, Desk
from tests.support.freqtrade_standin import StandInFreqtrade


@pytest.fixture
def desk(private_emulator: Emulator) -> Desk:
    key, secret = private_emulator.new_account()
    client = binance_client(private_emulator, key, secret)
    private_emulator.set_price(SYMBOL, "1.2000")
    freqtrade, events = StandInFreqtrade(), []
    manager = OrderManager(ManagerSettings(), LegGateway(client), freqtrade,
                           EventSink(events.append))
    return Desk(private_emulator, key, client, manager, freqtrade, events)
