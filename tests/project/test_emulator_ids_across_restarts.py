"""The demo and docker compose keep freqtrade's database while the emulator restarts: started as
they start it, a second emulator hands out no id the first one did (freqtrade stores order ids
under a UNIQUE constraint, and Binance never reuses one)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml  # PyYAML comes with freqtrade[hyperopt] (optuna)

from harness.ccxt_client import binance_client
from harness.emulator import DEFAULT_KEY, DEFAULT_SECRET, REPO, Emulator, start_emulator
from scripts.demo import launcher as demo

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
XRP = "XRP/USDT:USDT"
PORT_OPTIONS = ("--port", "--proxy-port")


def demo_arguments() -> list[str]:
    command = demo.emulator_command("python")
    return command[command.index("binance_emulator") + 1:]


def compose_arguments() -> list[str]:
    service = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["emulator"]
    assert service["entrypoint"] == ["python", "-m", "binance_emulator"]
    return list(service["command"])


def without_ports(arguments: list[str]) -> list[str]:
    """The launcher's arguments but its fixed ports (the test's emulators take free ones)."""
    kept, skip = [], False
    for argument in arguments:
        if not skip and argument not in PORT_OPTIONS:
            kept.append(argument)
        skip = argument in PORT_OPTIONS
    return kept


def ids_drawn(emulator: Emulator) -> list[int]:
    state = emulator.state()
    return ([o["orderId"] for o in state["orders"]] + [a["algoId"] for a in state["algo_orders"]]
            + [f["id"] for f in state["fills"]] + [r["tranId"] for r in state["income"]])


def trade(emulator: Emulator) -> None:
    emulator.set_price("XRPUSDT", "1.0000")
    client = binance_client(emulator, DEFAULT_KEY, DEFAULT_SECRET)
    client.create_order(XRP, "market", "buy", 100)
    client.create_order(XRP, "market", "sell", 100, None,
                        {"stopLossPrice": 0.9, "reduceOnly": True})
    client.create_order(XRP, "limit", "sell", 100, 1.1, {"reduceOnly": True})


@pytest.mark.parametrize("arguments", [demo_arguments, compose_arguments],
                         ids=["demo", "docker-compose"])
def test_a_restarted_emulator_hands_out_no_id_of_the_earlier_run(
    arguments: object, tmp_path: Path
) -> None:
    launch = without_ports(arguments())
    first = start_emulator(tmp_path, *launch)
    try:
        trade(first)
        earlier = ids_drawn(first)
    finally:
        first.stop()
    second = start_emulator(tmp_path, *launch)
    try:
        trade(second)
        later = ids_drawn(second)
    finally:
        second.stop()
    assert len(earlier) == len(later) == 5  # 3 orders, a fill, its commission
    assert min(later) > max(earlier), (launch, earlier, later)
