"""Every plugin event as a Telegram user reads it: the text after Telegram's own parsing of the
legacy Markdown freqtrade sends (the stand-in's parser, character for character as Telegram),
exact, for each event kind; and safe whatever the values hold."""

from __future__ import annotations

import pytest

from ft_bracket.reporting.events import Event, EventName, Severity
from ft_bracket.reporting.facts import BracketFacts, LegFacts
from ft_bracket.reporting.markdown import MAX_VALUE_LENGTH, bold_label
from ft_bracket.reporting.messages import render, to_markdown, to_plain
from tests.support.event_samples import HOSTILE_REASON, samples
from tests.support.telegram_markup import parse

PAIR = "XRP_X/USDT:USDT"  # an underscore, as 1000SHIB-style pairs have
FEE = 0.0005
FACTS = BracketFacts(
    trade_id=7, pair=PAIR, is_short=False, leverage=2.0, entry_price=1.2, amount=100.0,
    stake_currency="USDT", stop_price=1.17, take_profit_price=1.26,
    risk_amount=100 * (1.2 - 1.17) + FEE * 100 * (1.2 + 1.17),
    stop=LegFacts("resting", 1.17, 100.0, "8000000004", "ftb-7-t1s0-sl1", 1),
    take_profit=LegFacts("resting", 1.26, 100.0, "8000000005", "ftb-7-t1s0-tp1", 1),
)
SAMPLES = {name: (severity, fields) for severity, name, fields in samples(7, PAIR)}
SEEN = ('binance {"code":-2022,"msg":"ReduceOnly Order is rejected."} [see *docs*] '
        "'retry_later' _now")
TRADE = "Pair: XRP_X/USDT:USDT\nDirection: Long (2x)\nEntry: 1.2 USDT\n"

EXPECTED = {
    "entry_refused": "\N{NO ENTRY SIGN} Binance: Entry refused\nPair: 1000SHIB_X/USDT:USDT\n"
    "Direction: Long\nSignal candle: 2026-11-28 20:55 UTC\nSignal entry: 1.2 USDT\n"
    "Signal stop: 1.17 USDT\nSignal take-profit: 1.21 USDT\nRule: reward risk below minimum\n"
    "Detail: reward/risk 0.33 < 1.5\n"
    "Action taken: no order sent (said once per pair and signal candle)",
    "entry_failed": "\N{POLICE CARS REVOLVING LIGHT} Binance: Entry failed\n"
    f"Pair: 1000SHIB_X/USDT:USDT\nReason: {SEEN}\n"
    "Action taken: pair locked; the position is checked in 11 s",
    "bracket_placed": f"\N{SHIELD} Binance: Bracket placed (#7)\n{TRADE}Amount: 100\n"
    "Stop: 1.17 USDT (-2.50 %)\nStop order: 8000000004 (resting)\n"
    "Take-profit: 1.26 USDT (+5.00 %)\nTake-profit order: 8000000005 (resting)\n"
    "Risk: 3.12 USDT = 1 R (fees included)\nTarget: +1.88 R at the take-profit\n"
    "Protected: 92 ms after the entry filled",
    "leg_placed": f"\N{SHIELD} Binance: Take-profit placed (#7)\n{TRADE}"
    "Trigger: 1.26 USDT (+5.00 %)\nOrder: 8000000011\nClient id: ftb-7-t1s0-tp2",
    "leg_failed": "\N{POLICE CARS REVOLVING LIGHT} Binance: Take-profit could not be placed "
    f"(#7)\n{TRADE}Trigger: 1.26 USDT (+5.00 %)\nClient id: ftb-7-t1s0-tp1\nReason: {SEEN}\n"
    "Action taken: retrying on the next loop; the stop still protects the position",
    "leg_replaced": f"\N{WARNING SIGN} Binance: Placing the take-profit again (#7)\n{TRADE}"
    "Previous attempt: ftb-7-t1s0-tp1\nAction taken: the take-profit is no longer on the "
    "exchange (cancelled or refused): a new attempt is sent now",
    "take_profit_filled": f"\N{DIRECT HIT} Binance: Take-profit filled (#7)\n{TRADE}"
    "Fill: 1.27 USDT (+5.83 %)\nAmount: 100\nOrder: 8000000012\n"
    "Result: +2.21 R = +6.88 USDT (fees included, estimated)\nAction taken: cancelling the "
    "stop (order 8000000004); freqtrade closes the trade with exit reason take_profit",
    "legs_cancelled": f"\N{BROOM} Binance: Bracket legs cancelled (#7)\n{TRADE}"
    "Stop cancelled: 8000000004\nTake-profit cancelled: 8000000005\n"
    "Action taken: nothing of the bracket rests on the exchange any more",
    "exit_requested": f"\N{WARNING SIGN} Binance: Closing at market (#7)\n{TRADE}"
    "Exit reason: take_profit_unplaceable\nWhy: the exchange kept refusing the take-profit\n"
    "Action taken: freqtrade closes the trade at market",
    "orphan_cancelled": f"\N{WARNING SIGN} Binance: Leftover leg cancelled\nPair: {PAIR}\n"
    "Client id: ftb-9-t0zz-sl1\nOrder: 8000000099\nNow: cancelled\nAction taken: no open "
    "trade owns this leg: cancelled, so it cannot close a later position",
    "watch_failed": f"\N{WARNING SIGN} Binance: Exchange check failed (#7)\n{TRADE}"
    f"Step: cancelling a leg\nError: ExchangeNotAvailable: {SEEN}\n"
    "Action taken: retrying on the next loop",
    "reconcile_failed": f"\N{WARNING SIGN} Binance: Reconcile failed (#7)\n{TRADE}"
    "Error: RequestTimeout: read timed out",
    "leg_recovered": "\N{LEFT-POINTING MAGNIFYING GLASS} Binance: Leg recovered (#7)\n"
    f"{TRADE}Leg: stop\nOrder id: 8000000004\nClient id: ftb-7-t1s0-sl1",
    "leg_resized": f"\N{WARNING SIGN} Binance: Take-profit resized (#7)\n{TRADE}"
    "Amount: 100 -> 60\nAction taken: the take-profit is cancelled and placed again for the "
    "position's size",
    "position_gone": f"\N{WARNING SIGN} Binance: Position closed outside the bot (#7)\n{TRADE}"
    "Exits imported: 1\nAction taken: legs cancelled; trade closed from the exchange's fills",
    "untracked_position":
    "🚨 Binance: Position that no trade owns\nPair: XRP_X/USDT:USDT\nAmount: 42.5\n"
    "Protective stop: 1.14 USDT\nStop order: 8000000031\n"
    "Action taken: no open trade owns it: protected by a closePosition stop, the "
    "pair is locked",
    "guard_stop_filled":
    "⚠ Binance: Guard stop filled\nPair: XRP_X/USDT:USDT\nPrice: 1.1398\n"
    "Quantity: 42.5",
    "guard_released":
    "⚠ Binance: Guard released\nPair: XRP_X/USDT:USDT\n"
    "Action taken: the position is gone and its guard stop cancelled: the pair is "
    "unlocked",
    "liquidated":
    "🚨 Binance: Position liquidated by the exchange (#7)\nPair: XRP_X/USDT:USDT\n"
    "Direction: Long (2x)\nEntry: 1.2 USDT\nLiquidation price: 0.61 USDT (-49.17 %)\n"
    "Amount: 100\nOrder: 8000000077\n"
    "Action taken: the venue liquidated the position: trade closed as liquidation, "
    "its legs cancelled",
    "take_profit_merged":
    "⚠ Binance: Take-profit 1 merged into take-profit 2 (#7)\nPair: XRP_X/USDT:USDT\n"
    "Direction: Long (2x)\nEntry: 1.2 USDT\nAmount: 2\nWhy: 2.52 is below the minimum notional 5\n"
    "Action taken: take-profit 1's share is added to take-profit 2's",
    "stop_moved":
    "ℹ Binance: Stop moved (#7)\nPair: XRP_X/USDT:USDT\nDirection: Long (2x)\nEntry: 1.2 USDT\n"
    "Stop: 1.17 USDT (-2.50 %) -> 1.2005 USDT (+0.04 %)\nStop order: 8000000041\n"
    "Amount: 50\nWhy: break-even after take-profit 1\n"
    "Action taken: the new stop rests on the exchange; the one it replaces is cancelled now",
    "stop_slipped":
    "⚠ Binance: Stop filled past its price (#7)\nPair: XRP_X/USDT:USDT\n"
    "Direction: Long (2x)\nEntry: 1.2 USDT\nStop: 1.17 USDT (-2.50 %)\n"
    "Fill: 1.1647 USDT (-2.94 %)\nSlippage: 0.0053 USDT (0.453 %)\n"
    "Lost beyond the stop: 0.53 USDT\nAmount: 100\nOrder: 8000000013",
    "entry_beyond_stop":
    "🚨 Binance: Entry filled beyond its stop\nPair: XRP_X/USDT:USDT\nDirection: Long\n"
    "Entry fill: 1.1695 USDT\nStop: 1.17 USDT\nAmount: 100\nClosed at: 1.1694 USDT\n"
    "Action taken: closed at market from the entry's answer",
    "closed_past_stop":
    "🚨 Binance: Closed past stop (#3)\nPair: XRP_X/USDT:USDT\nDirection: Long (2x)\n"
    "Entry: 1.2 USDT\nAction taken: the price went past the stop before it could rest: closed "
    "at market\nStop: 1.17\nQuantity: 100\nClosed: 100\nClose price: 1.1688\n"
    "Order id: 8000000032",
    "leg_filled_in_part":
    "⚠ Binance: Leg filled in part (#3)\nPair: XRP_X/USDT:USDT\nDirection: Long (2x)\n"
    "Entry: 1.2 USDT\nAction taken: the stop's order filled in part (a thin book): the rest, "
    "past its price, closed at market\nLeg: stop\nFilled: 40\nLeft: 60\nClosed: 60\n"
    "Close price: 1.1642\nOrder id: 8000000031",
    "venue_endpoint_missing":
    "🚨 Binance: Venue endpoint missing\n"
    "Action taken: the venue has no such endpoint (404)\nStep: watch\n"
    "Error: ExchangeNotAvailable: binance GET "
    "https://fapi.binance.com/fapi/v1/openAlgoOrders 404 Not Found",
}


def sample(name: str) -> Event:
    severity, fields = SAMPLES[name]
    return Event(Severity(severity), EventName(name), fields)


def seen(event: Event, facts: BracketFacts | None = FACTS, venue: str = "Binance") -> str:
    """What the chat shows: Telegram's parse of the Markdown freqtrade would send."""
    text, entities = parse(to_markdown(render(event, facts if event.trade_id else None), venue),
                           "Markdown")
    assert {e.type for e in entities} <= {"bold", "code"}
    return text


def test_every_event_kind_has_a_sample_and_an_expected_text() -> None:
    assert set(SAMPLES) == set(EXPECTED) == {name.value for name in EventName}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_event_reads_as_expected_in_the_chat(name: str) -> None:
    assert seen(sample(name)) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_plain_text_is_what_the_chat_shows(name: str) -> None:
    # The webhook's "message" and the chat read alike (a backtick cannot live in code).
    event = sample(name)
    message = render(event, FACTS if event.trade_id else None)
    assert to_plain(message, "Binance").replace("`", "'") == seen(event)


def test_freqtrades_field_reader_sees_label_and_value_lines() -> None:
    # tests/support/telegram.py's SentMessage.fields() splits lines the same way.
    lines = seen(sample("bracket_placed")).splitlines()[1:]
    fields = dict(line.split(": ", 1) for line in lines)
    assert (fields["Stop order"], fields["Take-profit order"]) == (
        "8000000004 (resting)", "8000000005 (resting)")


def test_a_short_in_dry_run_without_risk_record_still_reads_cleanly() -> None:
    facts = BracketFacts(4, "ETH/USDT:USDT", True, 1.0, 3500.0, 0.5, "USDT",
                         take_profit_price=3400.0)
    event = Event(Severity.INFO, EventName.BRACKET_PLACED, {
        "trade": 4, "pair": "ETH/USDT:USDT", "side": "short", "quantity": 0.5, "stop": 3550.0,
        "stop_id": "dry-run-ftb-4-x-sl1", "take_profit": 3400.0,
        "take_profit_id": "dry-run-ftb-4-x-tp1", "simulated": "yes"})
    assert seen(event, facts, venue="Binance (dry)") == (
        "\N{SHIELD} Binance (dry): Bracket placed (#4)\nPair: ETH/USDT:USDT\nDirection: Short\n"
        "Entry: 3500 USDT\nAmount: 0.5\nStop: 3550 USDT (+1.43 %)\n"
        "Stop order: dry-run-ftb-4-x-sl1\nTake-profit: 3400 USDT (-2.86 %)\n"
        "Take-profit order: dry-run-ftb-4-x-tp1\n"
        "Mode: dry-run: both legs are simulated, none is on the exchange")


def test_a_field_no_line_shows_is_shown_under_its_own_name() -> None:
    event = Event(Severity.INFO, EventName.LEG_PLACED,
                  {"pair": PAIR, "leg": "stop", "price": 1.17, "venue_latency_ms": 12})
    assert seen(event).splitlines()[-1] == "Venue latency ms: 12"


@pytest.mark.parametrize("value", [HOSTILE_REASON, "_", "*", "`", "[", "a_b_c", "``", "\\_",
                                   "line\nbreak", "x" * (MAX_VALUE_LENGTH + 50), ""])
def test_any_value_is_delivered_and_shown(value: str) -> None:
    event = Event(Severity.ERROR, EventName.LEG_FAILED,
                  {"trade": 7, "pair": value or PAIR, "leg": "stop", "reason": value})
    text = seen(event)  # raises if Telegram would refuse it
    reason = text.split("Reason: ", 1)[1].split("\n")[0] if value else None
    if value and len(value) <= MAX_VALUE_LENGTH:
        assert reason == " ".join(value.split()).replace("`", "'")
    elif value:
        assert reason is not None and reason.endswith("…") and len(reason) == MAX_VALUE_LENGTH


def test_labels_may_hold_no_markdown_marker() -> None:
    with pytest.raises(ValueError, match="markers"):
        bold_label("stop_id")
