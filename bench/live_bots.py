"""Live bots on the emulator for the benchmarks: accounts, frozen prices, configs, brackets.

Every bot is a real ``freqtrade trade`` in live mode (``dry_run: false``) on the shipped
config.json + configs/emulator.json, reaching the emulator through its tunnel with Binance's
real URLs, its strategy swapped for a file-driven one so entries happen on demand. Prices of the
pairs under test are frozen (manual control at their current price) so no leg triggers while
the figures are taken.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from harness.emulator import Emulator  # noqa: E402
from harness.freqtrade_bot import E2E_STRATEGIES, FreqtradeBot  # noqa: E402
from harness.freqtrade_config import merged, tunnel_exchange  # noqa: E402

BENCH_STRATEGIES = REPO / "bench" / "strategies"
PROBE = REPO / "bench" / "bot_probe.py"


def symbol(pair: str) -> str:
    return pair.split("/")[0] + "USDT"


def shipped_config() -> dict[str, Any]:
    return merged(json.loads((REPO / "config.json").read_text()),
                  json.loads((REPO / "configs" / "emulator.json").read_text()))


@dataclass(frozen=True)
class Bracket:
    """A long entry's stop and take-profit, far enough that the frozen price crosses neither."""

    price: str
    stop_price: float
    take_profit_price: float


def freeze_prices(emulator: Emulator, pairs: list[str], stop_share: float = 0.1,
                  target_share: float = 0.2) -> dict[str, Bracket]:
    """Take manual control of each pair at its current price; a wide bracket for each."""
    prices = emulator.control("GET", "state")["prices"]
    brackets = {}
    for pair in pairs:
        last = prices[symbol(pair)]["last"]
        emulator.set_price(symbol(pair), last)
        price = float(Decimal(last))
        brackets[pair] = Bracket(last, price * (1 - stop_share), price * (1 + target_share))
    return brackets


def write_signals(path: Path, brackets: dict[str, Bracket]) -> None:
    """Entry signals (long) for these pairs; an empty dict clears them."""
    path.write_text(json.dumps({
        pair: {"side": "long", "stop_price": b.stop_price,
               "take_profit_price": b.take_profit_price} for pair, b in brackets.items()}))


def bot_config(emulator: Emulator, key: str, secret: str, pairs: list[str], signal_file: Path,
               strategy: str, **overrides: Any) -> dict[str, Any]:
    """The shipped config on the emulator, room for one bracket per pair, small risk each."""
    return merged(shipped_config(), merged({
        "exchange": {**tunnel_exchange(emulator, key, secret), "pair_whitelist": pairs},
        "strategy": strategy,
        "signal_file": str(signal_file),
        "max_open_trades": len(pairs),
        "bracket": {"risk_per_trade": 0.001, "max_open_positions": len(pairs),
                    "max_total_open_risk": 0.5, "daily_loss_limit": 0.5},
    }, overrides))


def start_bot(workdir: Path, config: dict[str, Any], strategy: str,
              record: Path | None = None, route_stops: bool = True) -> FreqtradeBot:
    """A bot; with ``record``, run under bench/bot_probe.py (every call and loop recorded)."""
    workdir.mkdir(parents=True, exist_ok=True)
    launcher = None
    if record is not None:
        launcher = [sys.executable, str(PROBE), str(record),
                    *([] if route_stops else ["--no-stop-routing"]), "--"]
    path = BENCH_STRATEGIES if (BENCH_STRATEGIES / f"{strategy}.py").exists() else E2E_STRATEGIES
    return FreqtradeBot(workdir, config, strategy, path, launcher=launcher).start()


def resting_legs(emulator: Emulator, key: str) -> dict[str, list[dict[str, Any]]]:
    """Resting conditional orders of the account, by symbol."""
    legs: dict[str, list[dict[str, Any]]] = {}
    for algo in emulator.state(key)["algo_orders"]:
        if algo["algoStatus"] == "NEW":
            legs.setdefault(algo["symbol"], []).append(algo)
    return legs


def protected(emulator: Emulator, key: str, pairs: list[str], legs_each: int) -> bool:
    """Every pair has a position and ``legs_each`` resting legs."""
    state = emulator.state(key)
    held = {p["symbol"] for p in state["positions"] if float(p["positionAmt"])}
    legs: dict[str, int] = {}
    for algo in state["algo_orders"]:
        if algo["algoStatus"] == "NEW":
            legs[algo["symbol"]] = legs.get(algo["symbol"], 0) + 1
    return all(symbol(p) in held and legs.get(symbol(p), 0) == legs_each for p in pairs)
