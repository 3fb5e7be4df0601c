"""freqtrade's own tools work on the example strategy: plot-dataframe draws the entries with
their stop and take-profit, hyperopt optimises its parameters (real freqtrade, shared XRP data,
markets from the emulator)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness.emulator import REPO, SHARED_DATA, Emulator
from harness.freqtrade_bot import run_freqtrade
from harness.freqtrade_config import merged, url_override_exchange

pytestmark = pytest.mark.e2e
PAIR = "XRP/USDT:USDT"


def tool_config(emulator: Emulator, workdir: Path) -> dict:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent: no real candles to run freqtrade's tools on")
    futures = workdir / "user_data" / "data" / "binance" / "futures"
    futures.mkdir(parents=True)
    for feather in SHARED_DATA.glob("*.feather"):
        shutil.copy(feather, futures / feather.name)
    config = json.loads((REPO / "config.json").read_text())
    return merged(config, {
        "strategy_path": str(REPO / "strategies"),
        "exchange": {**url_override_exchange(emulator), "pair_whitelist": [PAIR]},
        "bracket": {"stop_out_cooldown_minutes": 0},
    })


def test_plot_dataframe_shows_entries_with_stop_and_take_profit(
    emulator: Emulator, tmp_path: Path
) -> None:
    config = tool_config(emulator, tmp_path)
    # No trades to overlay: only the signals and the indicator lines are under test.
    run_freqtrade(tmp_path, "plot-dataframe", config, "--pairs", PAIR, "--trade-source", "DB",
                  "--db-url", f"sqlite:///{tmp_path / 'no-trades.sqlite'}", timeout=180)
    [plot] = (tmp_path / "user_data" / "plot").glob("*.html")
    html = plot.read_text().replace(" ", "")
    for trace in ("stop_price", "take_profit_price", "ema_fast", "enter_long", "enter_short"):
        assert f'"name":"{trace}"' in html, f"no {trace} trace in {plot}"
    # The signal's levels exist on entry candles only: drawn as points, or nothing would show.
    for trace in ("stop_price", "take_profit_price"):
        assert f'"mode":"markers","name":"{trace}"' in html, f"{trace} is not drawn as points"


@pytest.mark.parametrize(("strategy", "own"), [("BracketExample", set()),
                                               ("BracketScaleOut", {"first_target"})])
def test_hyperopt_optimises_the_example_parameters(
    emulator: Emulator, tmp_path: Path, strategy: str, own: set[str],
) -> None:
    """BracketScaleOut's epochs each scale out by partial exits (freqtrade's position
    adjustment, which the plugin switches on for them once the first trade has levels)."""
    config = {**tool_config(emulator, tmp_path), "strategy": strategy}
    log = run_freqtrade(tmp_path, "hyperopt", config, "--hyperopt-loss", "SharpeHyperOptLoss",
                        "--spaces", "buy", "--epochs", "4", "--job-workers", "1",
                        # Not beside the strategy in the repository: later backtests would
                        # load the parameters found here instead of the strategy's own.
                        "--print-json", "--disable-param-export", timeout=300)
    results = list((tmp_path / "user_data" / "hyperopt_results").glob("*.fthypt"))
    assert results, log[-2000:]
    epochs = [json.loads(line) for line in results[0].read_text().splitlines() if line.strip()]
    assert len(epochs) == 4
    tried = {key for epoch in epochs for key in epoch["params_dict"]}
    assert {"ema_fast", "ema_slow", "atr_multiplier", "reward_multiple", *own} <= tried
    assert all(epoch["results_metrics"]["total_trades"] > 0 for epoch in epochs), log[-2000:]
