"""Real money only with an explicit opt-in: where a live config's orders would go."""

from __future__ import annotations

import pytest

from ft_bracket.core.destination import (
    MAINNET_OPT_IN_ENV,
    MAINNET_OPT_IN_VALUE,
    Destination,
    DestinationRefusedError,
    check_destination,
    classify_destination,
)

TUNNEL = {"httpsProxy": "http://127.0.0.1:8791", "verify": False}


def live(**exchange: object) -> dict:
    return {"dry_run": False, "exchange": {"name": "binance", **exchange}}


@pytest.mark.parametrize(
    ("config", "destination"),
    [
        ({"dry_run": True, "exchange": {"name": "binance"}}, Destination.SIMULATED),
        # freqtrade's default is dry-run
        ({"exchange": {"name": "binance"}}, Destination.SIMULATED),
        (live(ccxt_config=TUNNEL), Destination.LOCAL_EMULATOR),
        (live(ccxt_config={"urls": {"api": {"fapiPrivate": "http://127.0.0.1:8790/fapi/v1",
                                            "fapiPrivateV3": "http://localhost:8790/fapi/v3"}}}),
         Destination.LOCAL_EMULATOR),
        (live(demo_trading=True), Destination.BINANCE_DEMO),
        (live(ccxt_config={"sandbox": True}), Destination.BINANCE_TESTNET),
        (live(), Destination.BINANCE_MAINNET),
        (live(ccxt_config={"httpsProxy": "http://10.0.0.5:3128"}), Destination.BINANCE_MAINNET),
        # Only the async client (candles) is local: orders still go to the real venue.
        (live(ccxt_async_config=TUNNEL), Destination.BINANCE_MAINNET),
        (live(ccxt_config={"urls": {"api": {"fapiPrivate": "http://127.0.0.1:1/fapi/v1",
                                            "fapiPrivateV3": "https://fapi.binance.com/fapi/v3"}}}),
         Destination.BINANCE_MAINNET),
    ],
)
def test_classifies_where_orders_go(config: dict, destination: Destination) -> None:
    assert classify_destination(config) is destination


def test_mainnet_is_refused_without_the_opt_in_and_says_how() -> None:
    with pytest.raises(DestinationRefusedError) as refused:
        check_destination(live(), {})
    message = str(refused.value)
    assert "real-money" in message and MAINNET_OPT_IN_ENV in message
    with pytest.raises(DestinationRefusedError):
        check_destination(live(), {MAINNET_OPT_IN_ENV: "yes"})  # a vague yes is not consent
    opted_in = {MAINNET_OPT_IN_ENV: MAINNET_OPT_IN_VALUE}
    assert check_destination(live(), opted_in) is Destination.BINANCE_MAINNET
    assert check_destination(live(ccxt_config=TUNNEL), {}) is Destination.LOCAL_EMULATOR
