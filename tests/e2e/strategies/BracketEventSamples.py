"""Test strategy: BracketFromFile that, once the test writes ``event_samples_file`` (a JSON list
of [severity, event, fields]), emits those events through the plugin's own event sink inside the
running bot: they take the real path to Telegram (dp.send_msg, freqtrade's Telegram module) and
to the webhook (the plugin's poster)."""

import json
from pathlib import Path

from BracketFromFile import BracketFromFile

from ft_bracket.reporting.events import EventName, Severity


class BracketEventSamples(BracketFromFile):
    def bot_loop_start(self, current_time, **kwargs) -> None:
        super().bot_loop_start(current_time=current_time, **kwargs)
        path = Path(self.config["event_samples_file"])
        if self.supervisor is None or not path.exists():
            return
        samples = json.loads(path.read_text())
        path.unlink()
        for severity, name, fields in samples:
            self.supervisor.events.emit(Severity(severity), EventName(name), **fields)
