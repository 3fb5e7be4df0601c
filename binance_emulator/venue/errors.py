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

    @classmethod
    def of(cls, code: int, http_status: int = 400, **fields: object) -> BinanceError:
        """The code with its table message, placeholders filled from ``fields``."""
        return cls(code, MESSAGES[code].format(**fields), http_status)

    def body(self) -> dict[str, object]:
        return {"code": self.code, "msg": self.msg}


@dataclass(frozen=True)
class Code:
    UNKNOWN = -1000
    TOO_MANY_REQUESTS = -1003
    TIMEOUT = -1007
    FILTER_FAILURE = -1013
    TOO_MANY_ORDERS = -1015
    INVALID_TIMESTAMP = -1021
    INVALID_SIGNATURE = -1022
    MANDATORY_PARAM = -1102
    PARAM_NOT_REQUIRED = -1106
    BAD_PRECISION = -1111
    INVALID_TIF = -1115
    BAD_INTERVAL = -1120
    BAD_SYMBOL = -1121
    ILLEGAL_PARAM = -1130
    INVALID_CALLBACK_RATE = -2007
    UNKNOWN_ORDER_CANCEL = -2011
    NO_SUCH_ORDER = -2013
    BAD_API_KEY = -2015
    MARGIN_INSUFFICIENT = -2019
    WOULD_IMMEDIATELY_TRIGGER = -2021
    REDUCE_ONLY_REJECTED = -2022
    MAX_POSITION_AT_LEVERAGE = -2027
    QTY_NOT_POSITIVE = -4003
    QTY_BELOW_MIN = -4004
    QTY_ABOVE_MAX = -4005
    PRICE_BELOW_MIN = -4013
    PRICE_OFF_TICK = -4014
    PRICE_ABOVE_MULTIPLIER_UP = -4016
    QTY_OFF_STEP = -4023
    PRICE_BELOW_MULTIPLIER_DOWN = -4024
    LEVERAGE_NOT_VALID = -4028
    MAX_STOP_ORDER_EXCEEDED = -4045
    NO_NEED_TO_CHANGE_MARGIN_TYPE = -4046
    MARGIN_TYPE_WITH_OPEN_ORDERS = -4047
    MARGIN_TYPE_WITH_POSITION = -4048
    ADD_MARGIN_ISOLATED_ONLY = -4049
    CROSS_BALANCE_INSUFFICIENT = -4050
    ISOLATED_BALANCE_INSUFFICIENT = -4051
    POSITION_SIDE_NOT_CHANGED = -4059
    POSITION_SIDE_MISMATCH = -4061
    HEDGE_MODE_UNSUPPORTED = -4068
    DUPLICATE_CLIENT_ORDER_ID = -4116
    USE_ALGO_ENDPOINT = -4120
    MARKET_PERCENT_PRICE = -4131
    INVALID_ACTIVATION_PRICE = -4135
    CLOSE_POSITION_TYPE_INVALID = -4136
    QUANTITY_WITH_CLOSE_POSITION = -4137
    NOTIONAL_TOO_SMALL = -4164
    FOK_REJECTED = -5021
    POST_ONLY_REJECTED = -5022
    LIMIT_ORDER_ONLY = -5025
    NOTHING_TO_MODIFY = -5027


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
    # Not in Binance's published error table: the code and text as users recorded them.
    Code.INVALID_CALLBACK_RATE: "Invalid callBack rate.",
    Code.UNKNOWN_ORDER_CANCEL: "Unknown order sent.",
    Code.BAD_API_KEY: "Invalid API-key, IP, or permissions for action, request ip: 127.0.0.1",
    Code.MARGIN_INSUFFICIENT: "Margin is insufficient.",
    Code.WOULD_IMMEDIATELY_TRIGGER: "Order would immediately trigger.",
    Code.REDUCE_ONLY_REJECTED: "ReduceOnly Order is rejected.",
    Code.QTY_NOT_POSITIVE: "Quantity less than or equal to zero.",
    Code.NO_NEED_TO_CHANGE_MARGIN_TYPE: "No need to change margin type.",
    Code.MAX_STOP_ORDER_EXCEEDED: "Reach max stop order limit.",
    Code.INVALID_ACTIVATION_PRICE: "Invalid activation price",
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
    Code.TOO_MANY_ORDERS: "Too many new orders; current limit is {limit} orders per {interval}.",
    Code.PARAM_NOT_REQUIRED: "Parameter '{param}' sent when not required.",
    Code.INVALID_TIF: "Invalid timeInForce.",
    Code.MAX_POSITION_AT_LEVERAGE: "Exceeded the maximum allowable position at current leverage.",
    Code.QTY_BELOW_MIN: "Quantity less than min quantity.",
    Code.QTY_ABOVE_MAX: "Quantity greater than max quantity.",
    Code.PRICE_BELOW_MIN: "Price less than min price.",
    Code.PRICE_OFF_TICK: "Price not increased by tick size.",
    Code.PRICE_ABOVE_MULTIPLIER_UP: "Limit price can't be higher than {price}",
    Code.QTY_OFF_STEP: "Qty not increased by step size.",
    Code.PRICE_BELOW_MULTIPLIER_DOWN: "Limit price can't be lower than {price}",
    Code.ADD_MARGIN_ISOLATED_ONLY: "Add margin only support for isolated position.",
    Code.CROSS_BALANCE_INSUFFICIENT: "Cross balance insufficient.",
    Code.ISOLATED_BALANCE_INSUFFICIENT: "Isolated balance insufficient.",
    Code.POSITION_SIDE_MISMATCH: "Order's position side does not match user's setting.",
    Code.MARKET_PERCENT_PRICE: (
        "The counterparty's best price does not meet the PERCENT_PRICE filter limit."
    ),
    Code.CLOSE_POSITION_TYPE_INVALID: (
        "Target strategy invalid for orderType {order_type},closePosition true"
    ),
    Code.QUANTITY_WITH_CLOSE_POSITION: "Quantity must be zero with closePosition equals true",
    Code.FOK_REJECTED: (
        "Due to the order could not be filled immediately, the FOK order has been rejected. "
        "The order will not be recorded in the order history"
    ),
    Code.POST_ONLY_REJECTED: (
        "Due to the order could not be executed as maker, the Post Only order will be "
        "rejected. The order will not be recorded in the order history"
    ),
    Code.LIMIT_ORDER_ONLY: "Only limit order is supported.",
    Code.NOTHING_TO_MODIFY: "No need to modify the order.",
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
