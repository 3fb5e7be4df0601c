"""What the soak throws at the bots: faults scoped to one bot's API key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FaultPlan:
    name: str
    endpoint: str
    spec: dict[str, Any]


def fault_catalogue(timeout_s: float) -> tuple[FaultPlan, ...]:
    """Every fault the soak may inject; ``seconds`` past the ccxt timeout make answers lost."""
    late = timeout_s + 1.0
    leg = "POST /fapi/v1/algoOrder"

    def rejected(code: int, msg: str, order_type: str) -> dict[str, Any]:
        return {"kind": "error", "code": code, "msg": msg, "match": {"type": order_type}}

    return (
        FaultPlan("leg answered after the timeout", leg, {"kind": "delay", "seconds": late}),
        FaultPlan("leg 503, not processed", leg, {"kind": "http"}),
        FaultPlan("leg 503, processed", leg, {"kind": "http", "process": True}),
        FaultPlan("leg answer dropped", leg, {"kind": "drop", "seconds": 0.2}),
        FaultPlan("leg lost (hang)", leg, {"kind": "hang", "seconds": late}),
        FaultPlan("stop rejected -2022", leg,
                  rejected(-2022, "ReduceOnly Order is rejected.", "STOP_MARKET")),
        FaultPlan("take-profit rejected -2022", leg,
                  rejected(-2022, "ReduceOnly Order is rejected.", "TAKE_PROFIT_MARKET")),
        FaultPlan("stop would trigger -2021", leg,
                  rejected(-2021, "Order would immediately trigger.", "STOP_MARKET")),
        FaultPlan("take-profit would trigger -2021", leg,
                  rejected(-2021, "Order would immediately trigger.", "TAKE_PROFIT_MARKET")),
        FaultPlan("leg watch 503", "GET /fapi/v1/openAlgoOrders", {"kind": "http"}),
        FaultPlan("leg watch timeout", "GET /fapi/v1/openAlgoOrders",
                  {"kind": "delay", "seconds": late}),
        FaultPlan("leg query 503", "GET /fapi/v1/algoOrder", {"kind": "http"}),
        FaultPlan("leg query lost (hang)", "GET /fapi/v1/algoOrder",
                  {"kind": "hang", "seconds": late}),
        FaultPlan("leg cancel 503, processed", "DELETE /fapi/v1/algoOrder",
                  {"kind": "http", "process": True}),
        FaultPlan("leg cancel answer dropped", "DELETE /fapi/v1/algoOrder",
                  {"kind": "drop", "seconds": 0.2}),
        FaultPlan("leg cancel lost (hang)", "DELETE /fapi/v1/algoOrder",
                  {"kind": "hang", "seconds": late}),
        FaultPlan("positions 503", "GET /fapi/v3/positionRisk", {"kind": "http"}),
        FaultPlan("order query 503", "GET /fapi/v1/order", {"kind": "http"}),
        # Orders (entries and exits), including answers lost after the venue acted: an entry
        # that filled with nobody knowing is a position no trade owns, which the plugin guards.
        FaultPlan("order 503, not processed", "POST /fapi/v1/order", {"kind": "http"}),
        FaultPlan("order answered after the timeout", "POST /fapi/v1/order",
                  {"kind": "delay", "seconds": late}),
        FaultPlan("order 503, processed", "POST /fapi/v1/order",
                  {"kind": "http", "process": True}),
        FaultPlan("order lost (hang)", "POST /fapi/v1/order", {"kind": "hang", "seconds": late}),
        FaultPlan("order rejected -2019", "POST /fapi/v1/order",
                  {"kind": "error", "code": -2019, "msg": "Margin is insufficient."}),
    )


@dataclass
class ArmedFault:
    plan: FaultPlan
    count: int
    fired: int = 0


