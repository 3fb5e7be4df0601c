"""The soak's bots: each a live ``freqtrade trade`` on an account of its own, restartable on the
same database, and read-only looks at its database."""

from __future__ import annotations

import contextlib
import json
import math
import os
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.emulator import Emulator
from harness.freqtrade_bot import E2E_STRATEGIES, FreqtradeBot
from harness.freqtrade_config import live_config

from .steering import BotSteering

# Cheap pairs first: a run with --pairs 3 keeps the ones whose minimum notional is 5 USDT.
PAIRS = ("XRP/USDT:USDT", "DOGE/USDT:USDT", "ADA/USDT:USDT", "SOL/USDT:USDT",
         "BNB/USDT:USDT", "ETH/USDT:USDT", "BTC/USDT:USDT")


def symbol(pair: str) -> str:
    return pair.split("/")[0] + "USDT"


@dataclass(frozen=True)
class BotSettings:
    balance: str
    risk_per_trade: float
    leverage: int
    throttle_s: int
    timeout_ms: int


@dataclass
class Plan:
    """A wanted entry: side and distances are drawn once, prices follow the market."""

    side: str
    stop_distance: float
    reward_risk: float
    trades_before: int  # the pair's trades when the plan was made: one more means entered
    made: float  # monotonic time
    # Take-profit levels as (distance in R, share); () for one take-profit (steering.py).
    levels: tuple[tuple[float, float], ...] = ()


def read_database(path: Path) -> dict[str, Any]:
    """Trades, open order rows and recorded take-profit legs, from one read transaction."""
    empty: dict[str, Any] = {"trades": [], "open_orders": [], "legs": {}}
    if not path.exists():
        return empty
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)) as db:
        db.row_factory = sqlite3.Row
        try:
            db.execute("BEGIN")
            trades = [dict(r) for r in db.execute(
                "SELECT id, pair, is_open, amount, is_short, exit_reason FROM trades")]
            open_orders = [dict(r) for r in db.execute(
                "SELECT ft_trade_id, ft_pair, order_id, ft_order_side FROM orders "
                "WHERE ft_is_open = 1")]
            legs = {r["ft_trade_id"]: json.loads(r["cd_value"]) for r in db.execute(
                "SELECT ft_trade_id, cd_value FROM trade_custom_data "
                "WHERE cd_key = 'bracket_legs'")}
        except sqlite3.OperationalError:  # tables not created yet
            return empty
    return {"trades": trades, "open_orders": open_orders, "legs": legs}


class SoakBot:
    def __init__(self, index: int, emulator: Emulator, workdir: Path, settings: BotSettings,
                 pairs: list[str], steering: BotSteering) -> None:
        self.index = index
        self.steering = steering
        self.api_key, secret = emulator.new_account(balance=settings.balance)
        self.api_secret = secret
        self.workdir = workdir
        workdir.mkdir()
        self.signal_file = workdir / "signals.json"
        self.signal_file.write_text("{}")
        risk = settings.risk_per_trade
        self.config = live_config(
            emulator, self.api_key, secret, pairs=pairs,
            bot_name=f"soak-{index}",
            stake_amount="unlimited",
            max_open_trades=len(pairs),
            signal_file=str(self.signal_file),
            test_stop_policy=steering.stop_policy,
            test_leverage=settings.leverage,
            internals={"process_throttle_secs": settings.throttle_s},
            exchange={"ccxt_config": {"timeout": settings.timeout_ms},
                      "ccxt_async_config": {"timeout": settings.timeout_ms}},
            bracket={"risk_per_trade": risk, "max_open_positions": len(pairs),
                     "max_total_open_risk": min(1.0, risk * (len(pairs) + 1)),
                     "daily_loss_limit": 1.0, "stop_out_cooldown_minutes": 0,
                     "time_limit_minutes": steering.time_limit_minutes},
        )
        self.bot: FreqtradeBot | None = None
        self.up_since: float | None = None  # monotonic time its REST API answered; None = down
        # When it was not running, on the venue's clock (epoch ms): killed or crashed, until its
        # REST API answered again (its first look comes after that: the windows are short).
        self.down: list[list[int]] = []
        self.plans: dict[str, Plan] = {}
        self.launching = False
        self.faults_resume = 0.0  # monotonic time from which this bot may get its next fault
        self.start_failures: list[str] = []

    @property
    def db_path(self) -> Path:
        return self.workdir / "trades.sqlite"

    def start_soon(self, pause_s: float = 0.0) -> None:
        """Start (again) on the same workdir and database, in the background."""
        self.launching = True

        def run() -> None:
            time.sleep(pause_s)
            for _ in range(3):
                bot = FreqtradeBot(self.workdir, self.config, "BracketFromFile", E2E_STRATEGIES)
                try:
                    self.bot = bot.start()
                except AssertionError as error:
                    bot.stop()
                    self.start_failures.append(str(error)[-2000:])
                    continue
                self.up_since = time.monotonic()
                if self.down and len(self.down[-1]) == 1:
                    self.down[-1].append(int(time.time() * 1000))
                self.launching = False
                # The bot dies with the thread that started it (PR_SET_PDEATHSIG is per
                # thread): this one stays until the bot exits.
                assert bot.process is not None
                bot.process.wait()
                return
            self.launching = False

        threading.Thread(target=run, daemon=True).start()

    def wait_started(self, timeout: float = 120) -> bool:
        deadline = time.monotonic() + timeout
        while self.launching and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.up_since is not None

    def went_down(self) -> None:
        self.down.append([int(time.time() * 1000)])

    def kill(self) -> None:
        self.went_down()
        self.up_since = None
        if self.bot is not None and self.bot.process is not None:
            self.bot.process.kill()
            self.bot.process.wait(timeout=10)

    def died(self) -> bool:
        process = self.bot.process if self.bot is not None else None
        return self.up_since is not None and process is not None and process.poll() is not None

    def write_signals(self, signals: dict[str, Any]) -> None:
        # Atomic: freqtrade must never read half a file.
        partial = self.signal_file.with_suffix(".tmp")
        partial.write_text(json.dumps(signals))
        os.replace(partial, self.signal_file)

    def stop(self) -> None:
        self.wait_started()
        if self.bot is not None:
            self.bot.stop()



def positions(state: dict[str, Any]) -> dict[str, float]:
    return {p["symbol"]: float(p["positionAmt"]) for p in state["positions"]
            if float(p["positionAmt"])}


def database_mismatches(database: dict[str, Any], state: dict[str, Any]) -> list[str]:
    """At the end, quiet: open trades and amounts vs positions; open order rows and resting
    legs vs the venue's open orders."""
    found: list[str] = []
    recorded: Counter[str] = Counter()
    for trade in database["trades"]:
        if trade["is_open"]:
            sign = -1.0 if trade["is_short"] else 1.0
            recorded[symbol(trade["pair"])] += sign * trade["amount"]
    held = positions(state)
    for sym in sorted(set(recorded) | set(held)):
        if not math.isclose(recorded.get(sym, 0.0), held.get(sym, 0.0), abs_tol=1e-9):
            found.append(f"{sym}: database {recorded.get(sym, 0.0)} venue {held.get(sym, 0.0)}")
    known = {str(o["order_id"]) for o in database["open_orders"]}
    open_ids = {t["id"] for t in database["trades"] if t["is_open"]}
    for trade_id, bracket in database["legs"].items():
        if trade_id not in open_ids:
            continue
        for leg in [bracket.get("take_profit") or {}, *(bracket.get("scale_out") or [])]:
            if leg.get("status") in ("placing", "resting"):
                known.add(str(leg.get("order_id")))
        for leg in (bracket.get("stop") or {}, *(bracket.get("scale_out") or []),
                    bracket.get("take_profit") or {}):
            replaced = leg.get("replacing") or {}  # a move's old attempt, until the new rests
            if replaced.get("order_id"):
                known.add(str(replaced["order_id"]))
    venue = {str(o["orderId"]): o["symbol"] for o in state["orders"] if o["status"] == "NEW"}
    venue |= {str(a["algoId"]): a["symbol"] for a in state["algo_orders"]
              if a["algoStatus"] == "NEW"}
    found += [f"{venue[order_id]}: venue order {order_id} open, unknown to the database"
              for order_id in sorted(set(venue) - known)]
    found += [f"{symbol(order['ft_pair'])}: database order {order['order_id']} "
              f"({order['ft_order_side']}) open, not on the venue"
              for order in database["open_orders"] if str(order["order_id"]) not in venue]
    return found
