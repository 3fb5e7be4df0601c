"""How long a position has no stop while its stop moves: the plugin's way beside freqtrade's.

freqtrade moves a stop on the exchange by cancelling the old one, then creating the new one
(``handle_trailing_stoploss_on_exchange``); the plugin places the new stop, and cancels the old
one once the new one rests (``BracketLegs.move_stop`` / ``cancel_replaced``). One emulator, one
account, one real ccxt client with its client-side rate limit on (ccxt's default, freqtrade's
too); the price walks up (seeded) and each move tightens a long's stop to 3 % under it, in turn:

- ``plugin`` (XRP): the real ``OrderManager`` over a ``LegGateway``, freqtrade's side an
  in-memory stand-in: freqtrade's stop price (``TradeView.stop_price``) moves, ``every_loop``;
- ``freqtrade`` (DOGE): the venue calls freqtrade 2026.9 makes for a move on Binance futures,
  back to back: ``cancel_stoploss_order_with_result`` (the cancel, then a fetch: the cancel's
  answer has no status), ``_lev_prep`` (margin mode, refused with a position; leverage), then
  ``create_stoploss`` (STOP_MARKET, ``stopPrice``, reduce-only). Its database work is left
  out, so its figure is a lower bound;
- ``bare`` (ADA, context): cancel, then create at once, nothing between and no client wait:
  the least any cancel-first move can cost.

Measured on the venue's clock, from its journal (``algo_created`` / ``algo_canceled``): per
move, the time no stop rested (the old one's cancel to the new one's creation) and the time two
rested. A cancel journaled before the creation is a gap even inside one millisecond. Goal: no
move with a gap.

    .venv/bin/python bench/stop_move_gap.py [--moves 40] [--seed 7] [--json out.json]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import itertools
import math
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import ccxt
import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_report import Figure, median, percentile, report

from ft_bracket.core.actions import TradeView
from ft_bracket.core.bracket import Bracket
from ft_bracket.core.client_ids import bracket_root
from ft_bracket.core.legs import LegStatus
from ft_bracket.execution.context import ManagerSettings
from ft_bracket.execution.order_manager import OrderManager
from ft_bracket.execution.ports import ImportedExits
from ft_bracket.reporting.events import Event, EventSink
from ft_bracket.venues.binance.gateway import LegGateway
from harness.ccxt_client import binance_client
from harness.emulator import Emulator, start_emulator

# way -> (pair, venue symbol, start price, amount)
WAYS = {
    "plugin": ("XRP/USDT:USDT", "XRPUSDT", 1.2, 100.0),
    "freqtrade": ("DOGE/USDT:USDT", "DOGEUSDT", 0.16, 1000.0),
    "bare": ("ADA/USDT:USDT", "ADAUSDT", 0.45, 300.0),
}
STOP_DISTANCE = 0.03  # the stop trails 3 % under the price
RISE = (0.0002, 0.001)  # the price's rise per move, relative (seeded)
TRADE_ID = 1
ENDED = ("algo_canceled", "algo_triggered", "algo_expired", "algo_rejected", "algo_finished")


@dataclass(frozen=True)
class Move:
    """One stop move as the venue's journal shows it."""

    gap_ms: int  # no stop resting: the old stop's cancel to the new one's creation
    overlap_ms: int  # two stops resting: the new one's creation to the old one's cancel
    bare: bool  # the old stop's cancel was journaled before the new one's creation


def stop_moves(rows: list[dict[str, Any]], symbol: str) -> list[Move]:
    """Each move of ``symbol``'s stop: its STOP_MARKETs in order of creation, each replaced by
    the next one. A stop that ended any other way than cancelled was not moved: refused."""
    created = [r for r in rows if r["event"] == "algo_created" and r.get("symbol") == symbol
               and r.get("type") == "STOP_MARKET"]
    ended: dict[Any, dict[str, Any]] = {}
    for row in rows:
        if row["event"] in ENDED and row.get("symbol") == symbol:
            ended.setdefault(row["algo_id"], row)
    moves = []
    for old, new in itertools.pairwise(created):
        end = ended.get(old["algo_id"])
        if end is None or end["event"] != "algo_canceled":
            raise ValueError(f"stop {old['algo_id']} of {symbol} was not cancelled "
                             f"({end['event'] if end else 'still resting'}): not a move")
        gap = int(new["time"]) - int(end["time"])
        moves.append(Move(max(0, gap), max(0, -gap), int(end["id"]) < int(new["id"])))
    return moves


@dataclass
class MemoryFreqtrade:
    """freqtrade's side of the OrderManager, in memory: records and stop adoption. A fill or
    an exit would mean a stop fired: the run is then not measuring moves, so it stops."""

    records: dict[int, Any] = field(default_factory=dict)
    pending: dict[str, Any] = field(default_factory=dict)
    stop_prices: dict[int, float] = field(default_factory=dict)

    def load_record(self, trade_id: int, key: str) -> Any:
        return self.records.get(trade_id)

    def save_record(self, trade_id: int, key: str, value: Any) -> None:
        self.records[trade_id] = value

    def adopt_stop(self, trade_id: int, order: dict[str, Any], stop_price: float) -> bool:
        return True

    def register_exit_fill(self, trade_id: int, order: dict[str, Any], reason: str,
                           partial: bool = False) -> bool:
        raise RuntimeError(f"trade {trade_id}: a leg filled ({reason}); no move to measure")

    def import_exchange_exits(self, trade_id: int, reason: str,
                              freqtrade_orders: frozenset[str] = frozenset()) -> ImportedExits:
        raise RuntimeError(f"trade {trade_id}: the position is gone ({reason})")

    def set_stop_price(self, trade_id: int, stop_price: float) -> None:
        self.stop_prices[trade_id] = stop_price

    def settle_order_row(self, trade_id: int, order: dict[str, Any]) -> None:
        pass

    def trade_view(self, trade_id: int) -> TradeView | None:
        return None

    def save_pending(self, entry_order_id: str, value: dict[str, Any]) -> None:
        self.pending[entry_order_id] = value

    def load_pending(self, entry_order_id: str) -> dict[str, Any] | None:
        return self.pending.get(entry_order_id)

    def delete_pending(self, entry_order_id: str) -> None:
        self.pending.pop(entry_order_id, None)


class PluginWay:
    """The plugin's stop moves: freqtrade's stop price tightens, the manager's loop follows."""

    def __init__(self, client: ccxt.binanceusdm, events: list[Event]) -> None:
        self.manager = OrderManager(ManagerSettings(), LegGateway(client), MemoryFreqtrade(),
                                    EventSink(events.append))
        self.events = events
        pair, _, _, amount = WAYS["plugin"]
        self.trade = TradeView(TRADE_ID, pair, is_short=False, amount=amount, is_open=True)

    def open(self, stop: float, price: float) -> None:
        trade = self.trade
        root = bracket_root(TRADE_ID, int(time.time()))
        self.manager.open_bracket(trade, root, stop, round(price * 3, 4))
        if not self.manager.adopt_stop(trade):
            raise RuntimeError("freqtrade's side did not take the first stop over")
        self.trade = self._taken_over(replace(trade, stop_price=stop))

    def move(self, stop: float) -> None:
        self.manager.every_loop([replace(self.trade, stop_price=stop)])
        self.trade = self._taken_over(replace(self.trade, stop_price=stop))
        leg = self._bracket().stop
        if not (leg.status is LegStatus.RESTING and leg.replacing is None
                and math.isclose(leg.trigger_price, stop)):
            raise RuntimeError(f"the stop did not move to {stop}: {leg}; events {self.events}")

    def _taken_over(self, trade: TradeView) -> TradeView:
        """The trade as freqtrade shows it once it holds the current stop."""
        return replace(trade, freqtrade_stop_ids=frozenset({self._bracket().stop.order_id or ""}))

    def _bracket(self) -> Bracket:
        bracket = self.manager.load(TRADE_ID, self.trade.pair)
        if bracket is None:
            raise RuntimeError("no bracket on record")
        return bracket


class CancelFirstWay:
    """A move as freqtrade makes it (``freqtrade``), or with nothing between (``bare``)."""

    def __init__(self, client: ccxt.binanceusdm, way: str) -> None:
        self.pair, _, _, self.amount = WAYS[way]
        self.freqtrade = way == "freqtrade"
        if self.freqtrade:
            self.client = client
        else:  # the same client, minus ccxt's wait (as LegGateway.urgent)
            self.client = copy.copy(client)
            self.client.enableRateLimit = False
        self.stop_id = ""

    def open(self, stop: float) -> None:
        self.stop_id = self._create(stop)

    def move(self, stop: float) -> None:
        old, pair = self.stop_id, self.pair
        answer = self.client.cancel_order(old, pair, {"stop": True})
        if self.freqtrade:
            if any(answer.get(k) is None for k in ("fee", "status", "amount")):
                self.client.fetch_order(old, pair, {"stop": True})
            # _lev_prep(accept_fail=True): Binance refuses a margin mode change with a position.
            with contextlib.suppress(ccxt.MarginModeAlreadySet, ccxt.BadRequest,
                                     ccxt.OperationRejected):
                self.client.set_margin_mode("isolated", pair)
            with contextlib.suppress(ccxt.BadRequest, ccxt.OperationRejected):
                self.client.set_leverage(1, pair)
        self.stop_id = self._create(stop)

    def _create(self, stop: float) -> str:
        order = self.client.create_order(self.pair, "stop_market", "sell", self.amount, None,
                                         {"stopPrice": stop, "reduceOnly": True})
        return str(order["id"])


def walk(moves: int, seed: int) -> list[float]:
    """The price's multiple of its start at each move (the first: the opening)."""
    rng, level, levels = random.Random(seed), 1.0, [1.0]
    for _ in range(moves):
        level *= 1 + rng.uniform(*RISE)
        levels.append(level)
    return levels


def run(emulator: Emulator, moves: int, seed: int) -> dict[str, list[Move]]:
    key, secret = emulator.new_account("100000")
    client = binance_client(emulator, key, secret, enableRateLimit=True)
    events: list[Event] = []
    plugin = PluginWay(client, events)
    others = {way: CancelFirstWay(client, way) for way in ("freqtrade", "bare")}
    last: dict[str, float] = {}
    for n, level in enumerate(walk(moves, seed)):
        for way, (pair, symbol, start, amount) in WAYS.items():
            price = float(client.price_to_precision(pair, start * level))
            stop = float(client.price_to_precision(pair, price * (1 - STOP_DISTANCE)))
            if way in last and stop <= last[way]:
                raise RuntimeError(f"{pair}: the walk did not tighten the stop ({stop})")
            last[way] = stop
            emulator.set_price(symbol, client.price_to_precision(pair, price))
            if n == 0:
                client.create_order(pair, "market", "buy", amount)
            if way == "plugin" and n:
                plugin.move(stop)
            elif way == "plugin":
                plugin.open(stop, price)
            elif n:
                others[way].move(stop)
            else:
                others[way].open(stop)
    moved = sum(e.name.value == "stop_moved" for e in events)
    if moved != moves:
        raise RuntimeError(f"the plugin said {moved} stop moves, not {moves}")
    rows = emulator.journal(key)
    found = {way: stop_moves(rows, symbol) for way, (_, symbol, _, _) in WAYS.items()}
    for way, measured in found.items():
        if len(measured) != moves:
            raise RuntimeError(f"{way}: the journal shows {len(measured)} moves, not {moves}")
    return found


def spread(values: list[int]) -> str:
    """p50 / p95 / max."""
    return (f"{median(values):.0f} / {percentile(values, 0.95):.0f} / {max(values)}"
            if values else "-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    urllib3.disable_warnings()  # the tunnel's certificate is self-signed on purpose
    with tempfile.TemporaryDirectory() as tmp:
        emulator = start_emulator(Path(tmp))
        try:
            found = run(emulator, args.moves, args.seed)
        finally:
            emulator.stop()
    gaps = {way: [m.gap_ms for m in found[way]] for way in WAYS}
    overlaps = {way: [m.overlap_ms for m in found[way]] for way in WAYS}
    bare = {way: sum(m.bare for m in found[way]) for way in WAYS}
    for way in WAYS:
        print(f"{way}: no stop (ms) {gaps[way]}")
        print(f"{way}: two stops (ms) {overlaps[way]}")
    n = args.moves
    figures = [
        Figure("moves with a moment without a stop", f"{bare['plugin']} of {n}",
               f"{bare['freqtrade']} of {n} (freqtrade's way); bare cancel-first "
               f"{bare['bare']} of {n}", "0", bare["plugin"] == 0),
        Figure("no stop resting per move, p50 (ms)", f"{median(gaps['plugin']):.0f}",
               f"{median(gaps['freqtrade']):.0f} (bare {median(gaps['bare']):.0f})"),
        Figure("no stop resting per move, p95 (ms)", f"{percentile(gaps['plugin'], 0.95):.0f}",
               f"{percentile(gaps['freqtrade'], 0.95):.0f} "
               f"(bare {percentile(gaps['bare'], 0.95):.0f})"),
        Figure("no stop resting per move, max (ms)", f"{max(gaps['plugin'])}",
               f"{max(gaps['freqtrade'])} (bare {max(gaps['bare'])})", "0",
               max(gaps["plugin"]) == 0),
        Figure("two stops resting per move, p50 / p95 / max (ms)", spread(overlaps["plugin"]),
               spread(overlaps["freqtrade"])),
        Figure("moves per way / seed", f"{n} / {args.seed}"),
    ]
    report("A stop moved: time without a stop (venue clock)", figures, args.json)


if __name__ == "__main__":
    main()
