"""The plugin's own webhook posts: structured JSON events, sent off the bot's thread.

freqtrade's webhook module posts synchronously on the bot loop and carries only the text of a
strategy message. The plugin posts its events itself, to the URL of freqtrade's ``webhook``
section with that section's ``retries``, ``retry_delay`` and ``timeout``, from one background
thread: ``submit`` only appends to a bounded queue, so a slow or dead endpoint never holds the
loop that protects positions. A retried post carries the same ``event_id``.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

logger = logging.getLogger(__name__)

# Events waiting while the endpoint is down; beyond this the newest are dropped (and said so).
MAX_QUEUED = 1000
# At interpreter exit, how long queued events may still take to go out.
EXIT_DRAIN_S = 5.0


@dataclass(frozen=True)
class WebhookTarget:
    """Where and how to post: freqtrade's ``webhook`` settings, with freqtrade's defaults."""

    url: str
    retries: int = 0
    retry_delay: float = 0.1
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WebhookTarget | None:
        """None unless freqtrade's webhook is enabled with a URL."""
        hook = config.get("webhook") or {}
        if not hook.get("enabled") or not hook.get("url"):
            return None
        return cls(url=str(hook["url"]), retries=max(int(hook.get("retries", 0)), 0),
                   retry_delay=float(hook.get("retry_delay", 0.1)),
                   timeout=float(hook.get("timeout", 10)))


Post = Callable[..., Any]


class WebhookPoster:
    """One background thread posting queued payloads as JSON, in order, with retries."""

    def __init__(self, target: WebhookTarget, post: Post = requests.post,
                 max_queued: int = MAX_QUEUED) -> None:
        self.target = target
        self._post = post
        self._max_queued = max_queued
        self._pending: deque[dict[str, Any]] = deque()
        self._busy = False
        self._closed = False
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self.delivered = 0
        self.failed = 0
        self.dropped = 0

    def submit(self, payload: dict[str, Any]) -> bool:
        """Queue ``payload``; never waits for the network. False if it was dropped."""
        with self._changed:
            if self._closed:
                return False
            if len(self._pending) >= self._max_queued:
                self.dropped += 1
                logger.warning("webhook queue full (%d events): dropped %s", self._max_queued,
                               payload.get("event_id"))
                return False
            self._pending.append(payload)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="ft_bracket-webhook",
                                                daemon=True)
                self._thread.start()
            self._changed.notify_all()
            return True

    def drain(self, timeout: float) -> bool:
        """Wait until every queued payload was tried; False if that took longer than
        ``timeout``."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._pending and not self._busy, timeout)

    def close(self, timeout: float = 0.0) -> None:
        """Post what is queued for up to ``timeout`` seconds, then stop the thread."""
        self.drain(timeout)
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._pending or self._closed)
                if not self._pending:
                    return
                payload = self._pending.popleft()
                self._busy = True
            ok = self._deliver(payload)
            with self._changed:
                self._busy = False
                if ok:
                    self.delivered += 1
                else:
                    self.failed += 1
                self._changed.notify_all()

    def _deliver(self, payload: dict[str, Any]) -> bool:
        target = self.target
        for attempt in range(target.retries + 1):
            if attempt and target.retry_delay:
                time.sleep(target.retry_delay)
            try:
                response = self._post(target.url, json=payload, timeout=target.timeout)
                response.raise_for_status()
                return True
            except requests.RequestException as error:
                logger.warning("could not post bracket event %s to the webhook (attempt %d of "
                               "%d): %s", payload.get("event_id"), attempt + 1,
                               target.retries + 1, error)
        logger.error("gave up posting bracket event %s (%s) to the webhook",
                     payload.get("event_id"), payload.get("event"))
        return False


_lock = threading.Lock()
_current: WebhookPoster | None = None


def shared_poster(target: WebhookTarget) -> WebhookPoster:
    """The process's one poster for ``target``: bot_start runs again after /reload_config, and
    its events must keep their order and not start a second thread. A changed target replaces
    the poster (the old one finishes what it holds in the background)."""
    global _current
    with _lock:
        if _current is None or _current.target != target:
            if _current is not None:
                old = _current
                threading.Thread(target=old.close, args=(old.target.timeout,),
                                 daemon=True).start()
            _current = WebhookPoster(target)
        return _current


@atexit.register
def _flush_at_exit() -> None:
    if _current is not None:
        _current.close(EXIT_DRAIN_S)
