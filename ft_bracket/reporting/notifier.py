"""Where a running bot's events go: readable text to Telegram, structured JSON to the webhook.

freqtrade's ``dp.send_msg`` carries one string, which reaches Telegram (and a webhook's
``strategy_msg`` template as ``{msg}``); one string cannot be both a message a person reads and
fields a program reads. So each event goes two ways:

- Telegram: ``core.messages`` text in freqtrade's style, through ``dp.send_msg`` (freqtrade's
  own Telegram module sends it, with its ``notification_settings.strategy_msg``);
- webhook: ``core.payload`` JSON, posted by the plugin itself to freqtrade's webhook URL with
  its retry and timeout settings, from a background thread (``webhook_poster``), unless the
  ``bracket.webhook_events`` setting is false.

Both carry the trade's state at the moment of the event (entry, stop, take-profit, risk, legs),
read from freqtrade's database.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from itertools import count
from typing import Any

from ft_bracket.reporting.events import Event
from ft_bracket.reporting.facts import BracketFacts
from ft_bracket.reporting.messages import render, to_markdown, to_plain
from ft_bracket.reporting.payload import event_payload
from ft_bracket.reporting.webhook_poster import WebhookPoster

logger = logging.getLogger(__name__)


def venue_label(config: Mapping[str, Any]) -> str:
    """What freqtrade's own messages start with: ``Binance``, ``Binance (dry)`` in dry-run."""
    name = str((config.get("exchange") or {}).get("name") or "exchange").title()
    return f"{name} (dry)" if config.get("dry_run", True) else name


class BracketNotifier:
    """``EventSink``'s transport in dry-run and live: one call per event, never raising."""

    def __init__(self, config: Mapping[str, Any], send_text: Callable[[str], None],
                 facts: Callable[[int], BracketFacts | None],
                 poster: WebhookPoster | None) -> None:
        self.venue = venue_label(config)
        self.bot_name = str(config.get("bot_name") or "freqtrade")
        self.dry_run = bool(config.get("dry_run", True))
        self.send_text = send_text
        self.facts = facts
        self.poster = poster
        # Unique per process and event, the same on every retry of one post: consumers dedupe.
        self._run = uuid.uuid4().hex[:12]
        self._sequence = count(1)

    def __call__(self, event: Event) -> None:
        facts = self._facts(event)
        message = render(event, facts)
        try:
            self.send_text(to_markdown(message, self.venue))
        except Exception:  # Telegram's path failing must not cost the webhook its event
            logger.exception("could not queue the Telegram message for %s", event.name.value)
        if self.poster is not None:
            self.poster.submit(event_payload(
                event, facts, event_id=f"{self._run}-{next(self._sequence)}",
                bot_name=self.bot_name, dry_run=self.dry_run,
                message=to_plain(message, self.venue)))

    def _facts(self, event: Event) -> BracketFacts | None:
        trade_id = event.trade_id
        if trade_id is None:
            return None
        try:
            return self.facts(trade_id)
        except Exception:  # the message goes out without the trade's context
            logger.exception("could not read trade %s for its %s message", trade_id,
                             event.name.value)
            return None
