"""The damage soak: live bots under random signals, prices, faults, stunts and SIGKILL restarts,
judged by the venue's own record of every order and fill (harness/damage.py).

Seeded randomness drives everything, one stream per concern: entry signals on free pairs (long
or short, stop 1-2 % away, take-profit at 1.7-2.2 R), a mean-reverting price walk per symbol,
faults scoped to one bot's API key (lost answers, 5xx with and without the venue acting, dropped
and hung connections, legs refused with -2022 / -2021, entries that fill unseen), SIGKILL
restarts on the same database, and stunts on open positions: a gap through both legs in one
move, a thin book, a mark price through the liquidation price while the last price stays. A
share of signals scales out (2-3 take-profit levels), and each bot steers its brackets its own
way: a time limit, break-even after the first level, a trailing stop (steering.py).

The figures, all meant to be 0: positions beside another trade's leg, leg fills against a
foreign position, stops crossed with no stop resting, duplicate client ids, and database vs
venue mismatches once everything is quiet. Durations are printed, never judged.
"""

from __future__ import annotations

import contextlib
import math
import random
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from binance_emulator.venue.markets import MARKETS
from harness.ccxt_client import binance_client
from harness.emulator import Emulator, start_emulator

from .bots import PAIRS, BotSettings, Plan, SoakBot, read_database, symbol
from .faults import ArmedFault, fault_catalogue
from .figures import SoakReport, count
from .steering import bot_steering, draw_levels, signal_prices

FAULT_BREATHER_S = 5.0  # after a bot's fault fired, it gets no other for this long
PLAN_EXPIRY_S = 150.0  # a plan no entry took up in two candles is dropped
STUNTS = ("gap", "thin_book", "liquidation")


@dataclass(frozen=True)
class SoakSettings:
    brackets: int = 200
    bots: int = 3
    pairs: int = len(PAIRS)
    seed: int = 1
    throttle_s: int = 1
    timeout_ms: int = 3000
    price_step_s: float = 0.3
    signal_s: float = 1.0
    fault_every_s: float = 3.0
    restart_every_s: float = 60.0
    stunt_every_s: float = 15.0
    volatility: float = 0.0022
    mean_reversion: float = 0.01
    balance: str = "10000"
    risk_per_trade: float = 0.01
    leverage: int = 10
    chaos_tail_s: float = 120.0
    scale_out_share: float = 0.5  # of the signals
    time_limit_minutes: int = 2  # of the bots that steer by a time limit
    wind_down_s: float = 90.0
    quiet_s: float = 3.0


class DamageSoak:
    def __init__(self, settings: SoakSettings, work: Path) -> None:
        self.settings = settings
        self.work = work
        streams = ("prices", "signals", "faults", "restarts", "stunts", "steering")
        self.rng = {name: random.Random(f"{settings.seed}-{name}") for name in streams}
        self.pairs = list(PAIRS[: settings.pairs])
        self.catalogue = fault_catalogue(settings.timeout_ms / 1000)
        self.emulator: Emulator | None = None
        self.bots: list[SoakBot] = []
        self.prices: dict[str, float] = {}
        self.centres: dict[str, float] = {}
        self.marks_apart: set[str] = set()
        self.thin: dict[str, float] = {}  # symbol -> when its book deepens again
        self.armed: dict[tuple[int, str], ArmedFault] = {}
        self.done_faults: list[ArmedFault] = []
        self.report = SoakReport(settings=asdict(settings))
        self.opened = 0

    def run(self) -> SoakReport:
        began = time.monotonic()
        self.emulator = start_emulator(self.work)
        s = self.settings
        try:
            # The venue's record of calls: the audit reads from it whether a stop's resend was
            # sent from its refusal's answer.
            self.emulator.control("POST", "config", journal_requests=True)
            for pair in self.pairs:
                sym = symbol(pair)
                self.prices[sym] = self.centres[sym] = MARKETS[sym].reference_price
                self.emulator.set_price(sym, self._tick(sym, self.prices[sym]))
            bot_settings = BotSettings(s.balance, s.risk_per_trade, s.leverage, s.throttle_s,
                                       s.timeout_ms)
            self.bots = [SoakBot(i, self.emulator, self.work / f"bot{i}", bot_settings,
                                 self.pairs, bot_steering(i, s.time_limit_minutes))
                         for i in range(s.bots)]
            for bot in self.bots:
                bot.start_soon()
            for bot in self.bots:
                if not bot.wait_started():
                    raise RuntimeError(f"bot {bot.index} did not start:\n"
                                       + "\n".join(bot.start_failures))
            self._chaos()
            self._wind_down()
            count(self.report, self.emulator, self.bots, self.done_faults)
            self.report.wall_time_s = round(time.monotonic() - began, 1)
        finally:
            for bot in self.bots:
                bot.stop()
            self.emulator.stop()
        return self.report

    # Chaos ----------------------------------------------------------------------------------

    def _chaos(self) -> None:
        s = self.settings
        now = last_entry = time.monotonic()
        due = {"price": now, "signal": now, "fault": now + self._gap("faults", s.fault_every_s),
               "restart": now + self._gap("restarts", s.restart_every_s),
               "stunt": now + self._gap("stunts", s.stunt_every_s)}
        while True:
            now = time.monotonic()
            if now >= due["price"]:
                self._walk_prices()
                self._tend_bots()
                due["price"] = now + s.price_step_s
            if now >= due["signal"]:
                self._signals()
                due["signal"] = now + s.signal_s
                if self.opened < s.brackets:
                    last_entry = now
                elif not self._open_trades() or now - last_entry > s.chaos_tail_s:
                    return
            if now >= due["fault"]:
                self._inject_fault()
                due["fault"] = now + self._gap("faults", s.fault_every_s)
            if now >= due["restart"]:
                self._restart_one()
                due["restart"] = now + self._gap("restarts", s.restart_every_s)
            if now >= due["stunt"]:
                self._stunt()
                due["stunt"] = now + self._gap("stunts", s.stunt_every_s)
            time.sleep(0.02)

    def _gap(self, stream: str, mean_s: float) -> float:
        return self.rng[stream].expovariate(1 / mean_s)

    def _tick(self, sym: str, price: float) -> str:
        tick = MARKETS[sym].tick_size
        return f"{(round(price / float(tick)) * tick):f}"

    def _walk_prices(self) -> None:
        assert self.emulator is not None
        s = self.settings
        for sym in self.prices:
            drift = s.mean_reversion * math.log(self.centres[sym] / self.prices[sym])
            self.prices[sym] *= math.exp(drift + self.rng["prices"].gauss(0.0, s.volatility))
            self.emulator.set_price(sym, self._tick(sym, self.prices[sym]))  # mark = last
        self.marks_apart.clear()
        for sym, until in list(self.thin.items()):
            if time.monotonic() >= until:
                self.emulator.control("POST", "book", symbol=sym)  # deep again
                del self.thin[sym]

    def _tend_bots(self) -> None:
        for bot in self.bots:
            if bot.died():
                self.report.crashes += 1
                bot.went_down()
                bot.up_since = None
                bot.start_soon(1.0)
            elif bot.up_since is None and not bot.launching:
                # Its last starts all failed (a loaded machine): a bot left out would quietly
                # shrink the soak, so it is started again; the failures are printed.
                bot.start_soon(1.0)
            self._account_faults(bot)

    def _signals(self) -> None:
        """Keep one plan per free pair (within the bracket budget), priced off the market."""
        now = time.monotonic()
        databases = [read_database(bot.db_path) for bot in self.bots]
        self.opened = sum(len(database["trades"]) for database in databases)
        for bot, database in zip(self.bots, databases, strict=True):
            entered = Counter(t["pair"] for t in database["trades"])
            for pair, plan in list(bot.plans.items()):
                if entered[pair] > plan.trades_before or now - plan.made > PLAN_EXPIRY_S:
                    bot.plans.pop(pair)
        budget = self.settings.brackets - self.opened - sum(len(b.plans) for b in self.bots)
        rng = self.rng["signals"]
        for bot, database in zip(self.bots, databases, strict=True):
            entered = Counter(t["pair"] for t in database["trades"])
            busy = {t["pair"] for t in database["trades"] if t["is_open"]} | set(bot.plans)
            fresh = rng.randint(1, 2)
            for pair in rng.sample(self.pairs, len(self.pairs)):
                if budget > 0 and fresh > 0 and pair not in busy:
                    fresh -= 1
                    plan = Plan(rng.choice(("long", "short")), rng.uniform(0.01, 0.02),
                                rng.uniform(1.7, 2.2), entered[pair], now)
                    # Its own stream: the signals' draws stay what they were without steering.
                    plan.levels = draw_levels(self.rng["steering"], plan.reward_risk,
                                              self.settings.scale_out_share)
                    bot.plans[pair] = plan
                    budget -= 1
            bot.write_signals({pair: self._signal(pair, plan) for pair, plan in bot.plans.items()})

    def _signal(self, pair: str, plan: Plan) -> dict[str, Any]:
        return signal_prices(self.prices[symbol(pair)], plan.side, plan.stop_distance,
                             plan.reward_risk, plan.levels)

    # Faults, restarts, stunts ------------------------------------------------------------------

    def _inject_fault(self) -> None:
        assert self.emulator is not None
        rng = self.rng["faults"]
        bot = rng.choice(self.bots)
        plan = rng.choice(self.catalogue)
        if any(i == bot.index for i, _ in self.armed) or time.monotonic() < bot.faults_resume:
            return  # one fault at a time per bot, and a breather after it
        count = 1 if plan.spec["kind"] == "error" else rng.choice((1, 1, 2))
        self.emulator.fault(plan.endpoint, count=count, api_key=bot.api_key, **plan.spec)
        self.armed[(bot.index, plan.endpoint)] = ArmedFault(plan, count)

    def _account_faults(self, bot: SoakBot) -> None:
        assert self.emulator is not None
        armed = [(k, a) for k, a in self.armed.items() if k[0] == bot.index]
        if not armed:
            return
        state = self.emulator.state(bot.api_key)
        remaining = {a["endpoint"]: a["remaining"] for a in state["faults"]["armed"]
                     if a.get("api_key") == bot.api_key}
        for key, fault in armed:
            fault.fired = fault.count - remaining.get(key[1], 0)
            if key[1] not in remaining:
                self.done_faults.append(self.armed.pop(key))
                bot.faults_resume = time.monotonic() + FAULT_BREATHER_S

    def _restart_one(self) -> None:
        candidates = [b for b in self.bots if b.up_since is not None]
        if candidates:
            bot = self.rng["restarts"].choice(candidates)
            bot.kill()
            bot.start_soon(self.rng["restarts"].uniform(1.0, 3.0))
            self.report.restarts += 1

    def _open_brackets(self) -> list[tuple[SoakBot, dict[str, Any], dict[str, Any]]]:
        found = []
        for bot in self.bots:
            database = read_database(bot.db_path)
            for trade in database["trades"]:
                legs = database["legs"].get(trade["id"])
                if trade["is_open"] and legs:
                    found.append((bot, trade, legs))
        return found

    def _stunt(self) -> None:
        """Something the market does to an open bracket."""
        assert self.emulator is not None
        rng = self.rng["stunts"]
        stunt = rng.choice(STUNTS)
        brackets = self._open_brackets()
        if not brackets:
            return
        _bot, trade, legs = rng.choice(brackets)
        sym = symbol(trade["pair"])
        farthest = (legs.get("scale_out") or [legs["take_profit"]])[-1]
        stop, target = legs["stop"]["trigger_price"], farthest["trigger_price"]
        if stunt == "gap":  # through every take-profit and on through the stop, in one move
            beyond = [target * (0.997 if trade["is_short"] else 1.003),
                      stop * (1.003 if trade["is_short"] else 0.997)]
            self.emulator.control("POST", "path", symbol=sym,
                                  prices=[self._tick(sym, p) for p in beyond])
            self.prices[sym] = beyond[-1]
        elif stunt == "thin_book":
            self.emulator.control("POST", "book", symbol=sym,
                                  level_notional=str(rng.choice((300, 800, 2000))), levels=60)
            self.thin[sym] = time.monotonic() + rng.uniform(5, 20)
        else:  # the mark runs through the liquidation price; the last price stays
            away = 0.25 * (1 if trade["is_short"] else -1)
            last = self.prices[sym]
            self.emulator.set_price(sym, self._tick(sym, last),
                                    mark=self._tick(sym, last * (1 + away)))
            self.marks_apart.add(sym)
        self.report.stunts[stunt] = self.report.stunts.get(stunt, 0) + 1

    # Wind-down and the figures ---------------------------------------------------------------

    def _wind_down(self) -> None:
        """No more signals, faults or stunts; let the walk close what is open, force-exit the
        rest, close by hand what no trade owns (the guard's cases), then wait for quiet."""
        assert self.emulator is not None
        for bot in self.bots:
            bot.plans.clear()
            bot.write_signals({})
        self._tend_bots()
        self.emulator.control("DELETE", "faults")
        self.done_faults.extend(self.armed.values())
        self.armed.clear()
        for sym in list(self.thin):
            self.emulator.control("POST", "book", symbol=sym)
        self.thin.clear()
        for bot in self.bots:
            bot.wait_started()
        deadline = time.monotonic() + self.settings.wind_down_s
        while time.monotonic() < deadline and self._open_trades():
            self._walk_prices()
            self._tend_bots()
            time.sleep(self.settings.price_step_s)
        for bot in self.bots:
            if bot.bot is not None and bot.up_since is not None:
                for trade in read_database(bot.db_path)["trades"]:
                    if trade["is_open"]:
                        with contextlib.suppress(AssertionError):
                            bot.bot.force_exit(trade["id"])
        self._close_untracked()
        deadline = time.monotonic() + 90
        last, quiet_since = None, time.monotonic()
        while time.monotonic() < deadline:
            self._tend_bots()
            snapshot = self._snapshot()
            if snapshot != last:
                last, quiet_since = snapshot, time.monotonic()
            elif time.monotonic() - quiet_since >= self.settings.quiet_s and not any(snapshot):
                self.report.quiet = True
                return
            time.sleep(0.5)

    def _close_untracked(self) -> None:
        """Positions no trade owns are a person's to close: the soak does it, as one would."""
        assert self.emulator is not None
        time.sleep(3 * self.settings.throttle_s + 1)  # force exits land first
        for bot in self.bots:
            trades = read_database(bot.db_path)["trades"]
            owned = {symbol(t["pair"]) for t in trades if t["is_open"]}
            for position in self.emulator.state(bot.api_key)["positions"]:
                amount = float(position["positionAmt"])
                if amount and position["symbol"] not in owned:
                    hand = binance_client(self.emulator, bot.api_key, bot.api_secret)
                    pair = next(p for p in self.pairs if symbol(p) == position["symbol"])
                    hand.create_order(pair, "market", "sell" if amount > 0 else "buy",
                                      abs(amount), None, {"reduceOnly": True})
                    self.report.guarded_closed_by_hand += 1

    def _open_trades(self) -> int:
        return sum(t["is_open"] for b in self.bots for t in read_database(b.db_path)["trades"])

    def _snapshot(self) -> list[Any]:
        assert self.emulator is not None
        snapshot = []
        for bot in self.bots:
            state = self.emulator.state(bot.api_key)
            database = read_database(bot.db_path)
            busy = (state["positions"]
                    or [a for a in state["algo_orders"] if a["algoStatus"] == "NEW"]
                    or [o for o in state["orders"] if o["status"] == "NEW"]
                    or [t for t in database["trades"] if t["is_open"]]
                    or database["open_orders"])
            snapshot.append(bool(busy))
        return snapshot
