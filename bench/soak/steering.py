"""Steered brackets in the soak: signals that scale out, bots that move their stops or close on a
time limit; and what the venue's journal says they did.

Each bot gets one steering policy by its index (seeded by nothing: the same bots steer the same
way in every run): bot 0 closes on the time limit (its stops never move), bot 1 moves its stop to
break-even after the first take-profit level, bot 2 trails the best price by 0.8 % (tighter
than every signal's stop, 1-2 %: it moves at once and then as the price goes its way), and so on
round. A share of signals on
every bot scales out: 2-3 levels at random distances and shares, some levels so small that the
plugin merges them into the next one out (below the venue's minimum notional).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ft_bracket.core import client_ids
from ft_bracket.core.client_ids import OrderRole

# A level this small (of a position worth 5000-10000 USDT) is below every soak pair's minimum
# notional (5 USDT, ETH's 20, BTC's 100): merged into the next one out.
TINY_SHARE = (0.0001, 0.0004)
TINY_CHANCE = 0.25


@dataclass(frozen=True)
class BotSteering:
    name: str
    stop_policy: dict[str, Any]  # the strategy's class attributes (test_stop_policy)
    time_limit_minutes: int = 0


def bot_steering(index: int, time_limit_minutes: int) -> BotSteering:
    """The steering of bot ``index`` (module doc)."""
    policies = (BotSteering("time limit", {}, time_limit_minutes),
                BotSteering("break-even after level 1", {"break_even_after_level": 1}),
                BotSteering("trailing 0.8 %", {"trail_distance": 0.008}))
    return policies[index % len(policies)]


def draw_levels(rng: random.Random, reward_risk: float, share: float
                ) -> tuple[tuple[float, float], ...]:
    """A signal's take-profit levels as (distance in R, share), or () for one take-profit: with
    chance ``share`` 2-3 levels, the farthest placed so that on average they make
    ``reward_risk`` (or just beyond the one before it, which only raises the average)."""
    if rng.random() >= share:
        return ()
    count = rng.choice((2, 3))
    distances = sorted(rng.uniform(0.4, 1.2) for _ in range(count - 1))
    for i in range(1, len(distances)):
        distances[i] = max(distances[i], distances[i - 1] + 0.1)
    shares = [round(rng.uniform(*TINY_SHARE) if rng.random() < TINY_CHANCE
                    else rng.uniform(0.15, 0.4), 6) for _ in distances]
    last_share = round(1.0 - sum(shares), 6)
    near = sum(s * d for s, d in zip(shares, distances, strict=True))
    last = max((reward_risk - near) / last_share, distances[-1] + 0.3)
    return (*zip(distances, shares, strict=True), (last, last_share))


def signal_prices(price: float, side: str, stop_distance: float, reward_risk: float,
                  levels: tuple[tuple[float, float], ...]) -> dict[str, Any]:
    """The signal file's entry for a plan at ``price`` (BracketFromFile's format)."""
    sign = 1.0 if side == "long" else -1.0

    def at(r_multiple: float) -> float:
        return round(price * (1 + sign * stop_distance * r_multiple), 8)

    signal: dict[str, Any] = {"side": side,
                              "stop_price": round(price * (1 - sign * stop_distance), 8)}
    if not levels:
        return signal | {"take_profit_price": at(reward_risk)}
    prices = [[at(r_multiple), level_share] for r_multiple, level_share in levels]
    return signal | {"take_profit_price": prices[0][0], "levels": prices}


STEERING_COUNTS = ("scaled_out_brackets", "level_fills", "partial_exits", "stop_moves",
                   "stop_resizes", "stop_resends")


def steering_counts(rows: list[dict[str, Any]], prefix: str) -> Counter[str]:
    """From one account's journal: brackets whose take-profits went out as levels; levels that
    filled (orders, not fill rows) and of those the ones that left the position open (partial
    exits); stop attempts placed beside a resting stop of the same trade, moves (another
    trigger) and resizes (the same trigger, another quantity); and other stop attempts after the
    first (resends after a refusal, a lost answer, a restart)."""
    counts: Counter[str] = Counter()
    scaled: set[str] = set()
    level_fills: dict[str, bool] = {}  # client id -> the position open after its last fill
    resting: dict[str, dict[str, float]] = {}  # root -> client id -> trigger
    for row in rows:
        parsed = client_ids.parse_leg(prefix, row.get("client_id"))
        if parsed is None:
            continue
        event, client_id = row["event"], str(row["client_id"])
        if parsed.role is OrderRole.TAKE_PROFIT and parsed.level is not None:
            if event == "algo_created":
                scaled.add(parsed.root)
            elif event == "order_filled":
                level_fills[client_id] = float(row["position_after"]) != 0
        if parsed.role is not OrderRole.STOP:
            continue
        stops = resting.setdefault(parsed.root, {})
        if event == "algo_created":
            trigger = float(row.get("trigger_price") or 0)
            if stops:
                moved = all(abs(trigger - old) > 1e-12 for old in stops.values())
                counts["stop_moves" if moved else "stop_resizes"] += 1
            elif parsed.attempt > 1:
                counts["stop_resends"] += 1
            stops[client_id] = trigger
        elif event.startswith("algo_") and "algo_id" in row:
            stops.pop(client_id, None)
    counts["scaled_out_brackets"] = len(scaled)
    counts["level_fills"] = len(level_fills)
    counts["partial_exits"] = sum(level_fills.values())
    return counts
