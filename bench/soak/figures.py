"""The soak's figures: damage from each account's journal, mismatches once quiet."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from harness.damage import audit, trades_from_database
from harness.emulator import Emulator

from .bots import SoakBot, database_mismatches, read_database
from .faults import ArmedFault
from .steering import STEERING_COUNTS, steering_counts

FIGURES = ("foreign_leg_positions", "foreign_leg_fills", "unprotected_crossings",
           "duplicate_orders", "database_mismatches")


@dataclass
class SoakReport:
    settings: dict[str, Any]
    brackets_opened: int = 0
    brackets_closed: int = 0
    exit_reasons: dict[str, int] = field(default_factory=dict)
    faults_fired: dict[str, int] = field(default_factory=dict)
    stunts: dict[str, int] = field(default_factory=dict)
    restarts: int = 0
    crashes: int = 0
    failed_starts: int = 0  # starts whose REST API never answered (printed)
    guarded_closed_by_hand: int = 0
    position_lives: int = 0
    # Steering, from the venue's journal (steering.py): printed, not judged.
    bot_steering: list[str] = field(default_factory=list)
    scaled_out_brackets: int = 0
    level_fills: int = 0
    partial_exits: int = 0
    stop_moves: int = 0
    stop_resizes: int = 0
    stop_resends: int = 0
    entries_beyond_stop: int = 0  # filled through their stop: closed at once (printed)
    short_stops: int = 0  # stops placed for less than the position (printed)
    venue_held_crossings: int = 0  # crossed while the venue sat on the stop's request (printed)
    bot_down_crossings: int = 0  # crossed while the bot process was dead (printed)
    in_flight_crossings: int = 0  # crossed before the first stop reached the venue (printed)
    venue_said_crossings: int = 0  # crossed after the venue answered the stop -2021 (printed)
    # crossed after the venue refused the stop, before the resend sent from that answer arrived
    resend_in_flight_crossings: int = 0  # (printed)
    foreign_leg_positions: int = 0
    foreign_leg_fills: int = 0
    unprotected_crossings: int = 0
    duplicate_orders: int = 0
    database_mismatches: int = 0
    longest_orphan_ms: int = 0
    longest_unprotected_ms: int = 0
    quiet: bool = False
    wall_time_s: float = 0.0
    incidents: list[str] = field(default_factory=list)

    @property
    def harmless(self) -> bool:
        return not any(getattr(self, name) for name in FIGURES)


def count(report: SoakReport, emulator: Emulator, bots: list[SoakBot],
          done_faults: list[ArmedFault]) -> None:
    """Fill in the figures: the damage audit of each account, mismatches, the trades."""
    report.failed_starts = sum(len(bot.start_failures) for bot in bots)
    for bot in bots:
        journal = emulator.journal(bot.api_key)
        # Kept beside the bot's logs, so that an incident can be read against the venue's record.
        (bot.db_path.parent / "journal.json").write_text(json.dumps(journal))
        down = [(w[0], w[1] if len(w) > 1 else w[0] + 3_600_000) for w in bot.down]
        (bot.db_path.parent / "down.json").write_text(json.dumps(down))
        damage = audit(journal, trades_from_database(bot.db_path), "ftb", down)
        report.bot_steering.append(bot.steering.name)
        steered = steering_counts(journal, "ftb")
        for name in STEERING_COUNTS:
            setattr(report, name, getattr(report, name) + steered[name])
        report.position_lives += damage.lives
        report.entries_beyond_stop += len(damage.born_beyond_stop)
        report.short_stops += len(damage.short_stops)
        report.incidents += [f"bot {bot.index} (printed) short stop: {row}"
                             for row in damage.short_stops]
        report.venue_held_crossings += len(damage.venue_held_crossings)
        report.bot_down_crossings += len(damage.bot_down_crossings)
        report.in_flight_crossings += len(damage.in_flight_crossings)
        report.venue_said_crossings += len(damage.venue_said_crossings)
        report.resend_in_flight_crossings += len(damage.resend_in_flight_crossings)
        report.incidents += [f"bot {bot.index} (printed) {row}" for row in
                             damage.venue_held_crossings + damage.bot_down_crossings
                             + damage.in_flight_crossings + damage.venue_said_crossings
                             + damage.resend_in_flight_crossings]
        for name in FIGURES[:4]:
            rows = getattr(damage, name)
            setattr(report, name, getattr(report, name) + len(rows))
            report.incidents += [f"bot {bot.index} {name}: {row}" for row in rows]
        report.longest_orphan_ms = max(report.longest_orphan_ms, damage.longest_orphan_ms)
        report.longest_unprotected_ms = max(report.longest_unprotected_ms,
                                            damage.longest_unprotected_ms)
        database = read_database(bot.db_path)
        mismatches = database_mismatches(database, emulator.state(bot.api_key))
        report.database_mismatches += len(mismatches)
        report.incidents += [f"bot {bot.index} mismatch: {m}" for m in mismatches]
        report.brackets_opened += len(database["trades"])
        for trade in database["trades"]:
            if not trade["is_open"]:
                report.brackets_closed += 1
                reason = trade["exit_reason"] or "?"
                report.exit_reasons[reason] = report.exit_reasons.get(reason, 0) + 1
    for fault in done_faults:
        name = fault.plan.name
        report.faults_fired[name] = report.faults_fired.get(name, 0) + fault.fired
