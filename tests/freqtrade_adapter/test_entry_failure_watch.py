"""A failed entry (the exchange refused it, or its answer was lost) becomes an ERROR event.

freqtrade has no strategy callback for it; ``FreqtradeBot.enter_positions`` only logs a line. The
plugin watches that exact line, so the first test pins it to the installed freqtrade's source.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator

import pytest
from freqtrade import freqtradebot
from freqtrade.enums import RunMode
from freqtrade.exceptions import InsufficientFundsError

from ft_bracket.freqtrade_adapter import entry_failures
from ft_bracket.freqtrade_adapter.entry_failures import (
    ENTRY_FAILURE_LOGGER,
    ENTRY_FAILURE_MESSAGE,
    EntryFailureWatch,
    watch_entry_failures,
)
from tests.support.bracket_fakes import PAIR, in_memory_trades, make_strategy
from tests.support.telegram_markup import parse

FREQTRADE_LOGGER = logging.getLogger(ENTRY_FAILURE_LOGGER)


@pytest.fixture(autouse=True)
def _no_watch_left_behind() -> Iterator[None]:
    yield
    for handler in list(FREQTRADE_LOGGER.handlers):
        if isinstance(handler, EntryFailureWatch):
            FREQTRADE_LOGGER.removeHandler(handler)


def watches() -> list[EntryFailureWatch]:
    return [h for h in FREQTRADE_LOGGER.handlers if isinstance(h, EntryFailureWatch)]


def test_freqtrade_still_logs_a_failed_entry_with_the_watched_text() -> None:
    source = inspect.getsource(freqtradebot.FreqtradeBot.enter_positions)
    expected = f'logger.warning("{ENTRY_FAILURE_MESSAGE}", pair, exception)'
    assert expected in source, (
        "freqtrade changed the log line of a failed entry: entry_failed events are no longer "
        f"sent. Update ENTRY_FAILURE_MESSAGE in ft_bracket/freqtrade_adapter/entry_failures.py; "
        f"enter_positions now reads:\n{source}"
    )
    assert freqtradebot.logger.name == ENTRY_FAILURE_LOGGER


def test_the_watch_reports_pair_and_reason_and_ignores_other_lines() -> None:
    failures: list[tuple[str, str]] = []
    watch_entry_failures(lambda pair, reason: failures.append((pair, reason)))
    FREQTRADE_LOGGER.warning("Unable to fetch stoploss order: %s", "boom")
    FREQTRADE_LOGGER.warning(
        ENTRY_FAILURE_MESSAGE, PAIR, InsufficientFundsError("Margin is insufficient.")
    )
    assert failures == [(PAIR, "Margin is insufficient.")]


def test_installing_again_replaces_the_watch() -> None:
    first: list[str] = []
    second: list[str] = []
    watch_entry_failures(lambda pair, reason: first.append(pair))
    watch_entry_failures(lambda pair, reason: second.append(pair))
    FREQTRADE_LOGGER.warning(ENTRY_FAILURE_MESSAGE, PAIR, "timeout")
    assert (len(watches()), first, second) == (1, [], [PAIR])


def test_a_reloaded_strategy_takes_the_watch_over_and_sends_an_error_event() -> None:
    sent: dict[str, list[str]] = {"old": [], "new": []}
    with in_memory_trades():  # bot_start looks at the open trades (none here)
        for name in ("old", "new"):  # /reload_config builds a new strategy, calls bot_start
            strategy = make_strategy()
            strategy.config.update(runmode=RunMode.DRY_RUN, dry_run=True,
                                   exchange={"name": "binance"})
            strategy.dp.send_msg = (  # type: ignore[attr-defined]
                lambda message, always_send=False, box=sent[name]: box.append(message)
            )
            strategy.bot_start()
    FREQTRADE_LOGGER.warning(
        ENTRY_FAILURE_MESSAGE, PAIR, InsufficientFundsError("Margin is insufficient.")
    )
    assert len(watches()) == 1
    assert sent["old"] == []
    # The Telegram text freqtrade would send (legacy Markdown), as the chat shows it.
    assert [parse(m, "Markdown")[0] for m in sent["new"]] == [
        "\N{POLICE CARS REVOLVING LIGHT} Binance (dry): Entry failed\n"
        f"Pair: {PAIR}\n"
        "Reason: Margin is insufficient.\n"
        "Action taken: no trade opened; freqtrade tries again while the signal lasts "
        "(reported once per candle)"
    ]


def test_a_broken_callback_does_not_break_logging(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(pair: str, reason: str) -> None:
        raise RuntimeError("no message queue")

    entry_failures.watch_entry_failures(broken)
    monkeypatch.setattr(logging, "raiseExceptions", False)  # handleError stays quiet
    FREQTRADE_LOGGER.warning(ENTRY_FAILURE_MESSAGE, PAIR, "timeout")
    assert f"Unable to create trade for {PAIR}: timeout" in caplog.text
