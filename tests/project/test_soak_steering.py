"""The soak's steering (bench/soak/steering.py): the levels it draws are ones the plugin takes,
and what it counts of a journal is what happened."""

from __future__ import annotations

import random
from typing import Any

from bench.soak.steering import draw_levels, signal_prices, steering_counts
from ft_bracket.core.scale_out import average_target, check_levels, levels_of


def test_drawn_levels_are_ones_the_plugin_accepts_some_small_enough_to_merge() -> None:
    rng = random.Random("steering")
    drawn = [draw_levels(rng, rng.uniform(1.7, 2.2), 0.5) for _ in range(400)]
    scaled = [levels for levels in drawn if levels]
    assert 150 < len(scaled) < 250
    assert {len(levels) for levels in scaled} == {2, 3}
    assert any(share < 0.001 for levels in scaled for _, share in levels)  # merged at the fill
    for levels in scaled:
        for side in ("long", "short"):
            signal = signal_prices(1.19, side, 0.015, 2.0, levels)
            prices = [price for price, _ in signal["levels"]]
            shares = [share for _, share in signal["levels"]]
            parsed = levels_of(prices, shares)
            assert check_levels(side == "short", 1.19, parsed, 7).allowed, signal
            reward = abs(average_target(parsed) - 1.19) / abs(1.19 - signal["stop_price"])
            assert reward >= 1.5, signal
            assert signal["take_profit_price"] == prices[0]
    assert draw_levels(random.Random(3), 2.0, 0.0) == ()


def row(time: int, event: str, client_id: str, **fields: Any) -> dict[str, Any]:
    return {"time": time, "event": event, "symbol": "XRPUSDT", "client_id": client_id, **fields}


def test_counts_read_moves_resizes_resends_and_level_fills_off_the_journal() -> None:
    rows = [
        row(1, "algo_created", "ftb-r1-sl1", algo_id=1, trigger_price="1.17"),
        row(2, "algo_created", "ftb-r1-tp1_1", algo_id=2, trigger_price="1.23"),
        row(3, "algo_created", "ftb-r1-tp2_1", algo_id=3, trigger_price="1.27"),
        row(4, "order_filled", "ftb-r1-tp1_1", qty="30", position_after="70"),
        row(4, "order_filled", "ftb-r1-tp1_1", qty="20", position_after="50"),  # one order
        row(5, "algo_created", "ftb-r1-sl2", algo_id=4, trigger_price="1.17"),  # resize
        row(6, "algo_canceled", "ftb-r1-sl1", algo_id=1),
        row(7, "algo_created", "ftb-r1-sl3", algo_id=5, trigger_price="1.20"),  # move
        row(8, "algo_canceled", "ftb-r1-sl2", algo_id=4),
        row(9, "order_filled", "ftb-r1-tp2_1", qty="50", position_after="0"),
        row(9, "algo_canceled", "ftb-r1-sl3", algo_id=5),
        # Another trade: one take-profit, a stop refused and sent again (no stop resting).
        row(10, "algo_rejected", "ftb-r2-sl1", code=-2022),
        row(11, "algo_created", "ftb-r2-sl2", algo_id=6, trigger_price="1.10"),
        row(12, "algo_created", "ftb-r2-tp1", algo_id=7, trigger_price="1.30"),
        row(13, "order_filled", "ftb-r2-tp1", qty="10", position_after="0"),
        row(14, "algo_created", "other-r3-sl2", algo_id=8, trigger_price="1.10"),  # not ours
    ]
    counts = steering_counts(rows, "ftb")
    assert {name: counts[name] for name in counts} == {
        "scaled_out_brackets": 1, "level_fills": 2, "partial_exits": 1, "stop_moves": 1,
        "stop_resizes": 1, "stop_resends": 1}
