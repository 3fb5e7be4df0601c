"""Binance USDⓈ-M error codes and the exact messages the venue sends."""

from __future__ import annotations

from dataclasses import dataclass


class BinanceError(Exception):
    """A rejection as Binance words it: HTTP status, numeric code, message."""

    def __init__(self, code: int, msg: str | None = None, http_status: int = 400) -> None:
        self.code = code
        self.msg = msg if msg is not None else MESSAGES.get(code, "Unknown error.")
        self.http_status = http_status
        super().__init__(f"{code}: {self.msg}")

    def body(self) -> dict[str, object]:
        return {"code": self.code, "msg": self.msg}


@dataclass(frozen=True)
class Code:
    UNKNOWN = -1000
    TOO_MANY_REQUESTS = -1003
    TIMEOUT = -1007
    INVALID_TIMESTAMP = -1021
    INVALID_SIGNATURE = -1022
    BAD_PRECISION = -1111
    MANDATORY_PARAM = -1102
    BAD_INTERVAL = -1120
    BAD_SYMBOL = -1121
    ILLEGAL_PARAM = -1130
    FILTER_FAILURE = -1013
    NO_SUCH_ORDER = -2013
    UNKNOWN_ORDER_CANCEL = -2011
    BAD_API_KEY = -2015
    MARGIN_INSUFFICIENT = -2019
    WOULD_IMMEDIATELY_TRIGGER = -2021
    REDUCE_ONLY_REJECTED = -2022
    QTY_NOT_POSITIVE = -4003
    NO_NEED_TO_CHANGE_MARGIN_TYPE = -4046
    DUPLICATE_CLIENT_ORDER_ID = -4116
    USE_ALGO_ENDPOINT = -4120
    NOTIONAL_TOO_SMALL = -4164
    POSITION_SIDE_NOT_CHANGED = -4059
    LEVERAGE_NOT_VALID = -4028
    MARGIN_TYPE_WITH_OPEN_ORDERS = -4047
    MARGIN_TYPE_WITH_POSITION = -4048
    HEDGE_MODE_UNSUPPORTED = -4068


MESSAGES: dict[int, str] = {
    Code.UNKNOWN: "An unknown error occured while processing the request.",
    Code.TOO_MANY_REQUESTS: (
        "Too many requests; current limit is {limit} requests per minute. Please use the "
        "websocket for live updates to avoid polling the API."
    ),
    Code.TIMEOUT: (
        "Timeout waiting for response from backend server. Send status unknown; "
        "execution status unknown."
    ),
    Code.INVALID_TIMESTAMP: "Timestamp for this request is outside of the recvWindow.",
    Code.INVALID_SIGNATURE: "Signature for this request is not valid.",
    Code.BAD_PRECISION: "Precision is over the maximum defined for this asset.",
    Code.BAD_INTERVAL: "Invalid interval.",
    Code.BAD_SYMBOL: "Invalid symbol.",
    Code.NO_SUCH_ORDER: "Order does not exist.",
    Code.UNKNOWN_ORDER_CANCEL: "Unknown order sent.",
    Code.BAD_API_KEY: "Invalid API-key, IP, or permissions for action, request ip: 127.0.0.1",
    Code.MARGIN_INSUFFICIENT: "Margin is insufficient.",
    Code.WOULD_IMMEDIATELY_TRIGGER: "Order would immediately trigger.",
    Code.REDUCE_ONLY_REJECTED: "ReduceOnly Order is rejected.",
    Code.QTY_NOT_POSITIVE: "Quantity less than or equal to zero.",
    Code.NO_NEED_TO_CHANGE_MARGIN_TYPE: "No need to change margin type.",
    Code.DUPLICATE_CLIENT_ORDER_ID: "ClientOrderId is duplicated.",
    Code.USE_ALGO_ENDPOINT: (
        "Order type not supported for this endpoint. Please use the Algo Order API "
        "endpoints instead."
    ),
    Code.POSITION_SIDE_NOT_CHANGED: "No need to change position side.",
    Code.LEVERAGE_NOT_VALID: "Leverage {leverage} is not valid",
    Code.MARGIN_TYPE_WITH_OPEN_ORDERS: (
        "Margin type cannot be changed if there exists open orders."
    ),
    Code.MARGIN_TYPE_WITH_POSITION: "Margin type cannot be changed if there exists position.",
    # Binance refuses the switch only with open positions; this emulator is one-way only.
    Code.HEDGE_MODE_UNSUPPORTED: "Hedge mode is not supported by this emulator.",
}


def notional_too_small(min_notional: str) -> BinanceError:
    return BinanceError(
        Code.NOTIONAL_TOO_SMALL,
        f"Order's notional must be no smaller than {min_notional} (unless you choose reduce only).",
    )


def filter_failure(name: str) -> BinanceError:
    return BinanceError(Code.FILTER_FAILURE, f"Filter failure: {name}")


def mandatory(param: str) -> BinanceError:
    return BinanceError(
        Code.MANDATORY_PARAM,
        f"Mandatory parameter '{param}' was not sent, was empty/null, or malformed.",
    )


def illegal(param: str) -> BinanceError:
    return BinanceError(Code.ILLEGAL_PARAM, f"Invalid data sent for a parameter: {param}")
