"""Real money only with an explicit opt-in: where a live config's orders would go."""

from __future__ import annotations

import pytest

from ft_bracket.venue_guard import (
    MAINNET_OPT_IN_ENV,
    MAINNET_OPT_IN_VALUE,
    Venue,
    VenueRefusedError,
    check_venue,
    classify_venue,
)

TUNNEL = {"httpsProxy": "http://127.0.0.1:8791", "verify": False}


def live(**exchange: object) -> dict:
    return {"dry_run": False, "exchange": {"name": "binance", **exchange}}


@pytest.mark.parametrize(
    ("config", "venue"),
    [
        ({"dry_run": True, "exchange": {"name": "binance"}}, Venue.SIMULATED),
        ({"exchange": {"name": "binance"}}, Venue.SIMULATED),  # freqtrade's default is dry-run
        (live(ccxt_config=TUNNEL), Venue.LOCAL_EMULATOR),
        (live(ccxt_config={"urls": {"api": {"fapiPrivate": "http://127.0.0.1:8790/fapi/v1",
                                            "fapiPrivateV3": "http://localhost:8790/fapi/v3"}}}),
         Venue.LOCAL_EMULATOR),
        (live(demo_trading=True), Venue.BINANCE_DEMO),
        (live(ccxt_config={"sandbox": True}), Venue.BINANCE_TESTNET),
        (live(), Venue.BINANCE_MAINNET),
        (live(ccxt_config={"httpsProxy": "http://10.0.0.5:3128"}), Venue.BINANCE_MAINNET),
        # Only the async client (candles) is local: orders still go to the real venue.
        (live(ccxt_async_config=TUNNEL), Venue.BINANCE_MAINNET),
        (live(ccxt_config={"urls": {"api": {"fapiPrivate": "http://127.0.0.1:1/fapi/v1",
                                            "fapiPrivateV3": "https://fapi.binance.com/fapi/v3"}}}),
         Venue.BINANCE_MAINNET),
    ],
)
def test_classifies_where_orders_go(config: dict, venue: Venue) -> None:
    assert classify_venue(config) is venue


def test_mainnet_is_refused_without_the_opt_in_and_says_how() -> None:
    with pytest.raises(VenueRefusedError) as refused:
        check_venue(live(), {})
    message = str(refused.value)
    assert "real-money" in message and MAINNET_OPT_IN_ENV in message
    with pytest.raises(VenueRefusedError):
        check_venue(live(), {MAINNET_OPT_IN_ENV: "yes"})  # a vague yes is not consent
    assert check_venue(live(), {MAINNET_OPT_IN_ENV: MAINNET_OPT_IN_VALUE}) is Venue.BINANCE_MAINNET
    assert check_venue(live(ccxt_config=TUNNEL), {}) is Venue.LOCAL_EMULATOR
