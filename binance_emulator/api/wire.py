"""Binance USDⓈ-M wire format: the venue's records to the JSON the venue sends."""

from __future__ import annotations

from decimal import Decimal

from binance_emulator.venue.exchange import Exchange
from binance_emulator.venue.markets import (
    ONBOARD_DATE,
    ORDER_TYPES,
    PERPETUAL_DELIVERY_DATE,
    Market,
)
from binance_emulator.venue.models import AlgoOrder, Fill, Income, Order, decimals
from binance_emulator.venue.prices import Candle

MONEY_PLACES = Decimal("0.00000001")


def money(value: Decimal) -> str:
    return f"{value.quantize(MONEY_PLACES):f}"


def price_str(market: Market, value: Decimal | float) -> str:
    exact = Decimal(repr(value)) if isinstance(value, float) else value
    return f"{exact.quantize(market.tick_size):f}"


def avg_price_str(market: Market, value: Decimal) -> str:
    # An average across levels is not on the tick; Binance shows it with extra places.
    return f"{value.quantize(market.tick_size / 1000):f}"


def qty_str(market: Market, value: Decimal) -> str:
    return f"{value.quantize(market.step_size):f}"


def rate_str(percent: Decimal) -> str:
    """A callback rate as Binance writes it: two places at least ("1.00", "0.25")."""
    places = max(2, decimals(percent))
    return f"{percent:.{places}f}"


def symbol_info(market: Market) -> dict[str, object]:
    tick = f"{market.tick_size:f}"
    algo_limit = [] if market.max_num_algo_orders is None else [
        {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": market.max_num_algo_orders}]
    return {
        "symbol": market.symbol,
        "pair": market.symbol,
        "contractType": "PERPETUAL",
        "deliveryDate": PERPETUAL_DELIVERY_DATE,
        "onboardDate": ONBOARD_DATE,
        "status": "TRADING",
        "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000",
        "baseAsset": market.base_asset,
        "quoteAsset": market.quote_asset,
        "marginAsset": market.quote_asset,
        "pricePrecision": market.price_precision,
        "quantityPrecision": market.quantity_precision,
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "triggerProtect": "0.0500",
        "liquidationFee": f"{market.liquidation_fee:.6f}",
        "marketTakeBound": "0.05",
        "maxMoveOrderLimit": 10000,
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": tick, "maxPrice": "1000000",
             "tickSize": tick},
            {"filterType": "LOT_SIZE", "stepSize": f"{market.step_size:f}",
             "minQty": f"{market.min_qty:f}", "maxQty": f"{market.max_qty:f}"},
            {"filterType": "MARKET_LOT_SIZE", "stepSize": f"{market.step_size:f}",
             "minQty": f"{market.min_qty:f}", "maxQty": f"{market.market_max_qty:f}"},
            {"filterType": "MAX_NUM_ORDERS", "limit": 200},
            *algo_limit,
            {"filterType": "MIN_NOTIONAL", "notional": f"{market.min_notional:f}"},
            {"filterType": "PERCENT_PRICE", "multiplierUp": f"{market.percent_up:.4f}",
             "multiplierDown": f"{market.percent_down:.4f}", "multiplierDecimal": "4"},
        ],
        "orderTypes": list(ORDER_TYPES),
        "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
        "permissionSets": ["GRID", "COPY"],
    }


def exchange_info(exchange: Exchange, server_time: int,
                  rate_limits: list[dict[str, object]]) -> dict[str, object]:
    return {
        "timezone": "UTC",
        "serverTime": server_time,
        "futuresType": "U_MARGINED",
        "rateLimits": rate_limits,
        "exchangeFilters": [],
        "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}],
        "symbols": [symbol_info(m) for m in exchange.markets.values()],
    }


def leverage_brackets(market: Market) -> dict[str, object]:
    return {
        "symbol": market.symbol,
        "brackets": [
            {
                "bracket": i + 1,
                "initialLeverage": tier.max_leverage,
                "notionalCap": int(tier.notional_cap),
                "notionalFloor": int(tier.notional_floor),
                "maintMarginRatio": float(tier.maintenance_margin_rate),
                "cum": float(tier.maintenance_amount),
            }
            for i, tier in enumerate(market.leverage_tiers)
        ],
    }


def kline_row(market: Market, candle: Candle) -> list[object]:
    volume = round(candle.volume, market.quantity_precision)
    quote_volume = volume * (candle.open + candle.close) / 2
    return [
        candle.open_time,
        price_str(market, candle.open),
        price_str(market, candle.high),
        price_str(market, candle.low),
        price_str(market, candle.close),
        f"{volume:.{market.quantity_precision}f}",
        candle.close_time,
        f"{quote_volume:.4f}",
        max(1, int(volume / 50)),
        f"{volume / 2:.{market.quantity_precision}f}",
        f"{quote_volume / 2:.4f}",
        "0",
    ]


def order_json(exchange: Exchange, order: Order) -> dict[str, object]:
    market = exchange.markets[order.symbol]
    return {
        "orderId": order.order_id,
        "symbol": order.symbol,
        "status": order.status,
        "clientOrderId": order.client_order_id,
        "price": price_str(market, order.price),
        "avgPrice": avg_price_str(market, order.avg_price) if order.executed_qty else "0",
        "origQty": qty_str(market, order.quantity),
        "executedQty": qty_str(market, order.executed_qty),
        "cumQty": qty_str(market, order.executed_qty),
        "cumQuote": money(order.cum_quote),
        "timeInForce": order.time_in_force,
        "type": order.type,
        "reduceOnly": order.reduce_only,
        "closePosition": order.close_position,
        "side": order.side,
        "positionSide": "BOTH",
        "stopPrice": price_str(market, order.stop_price),
        "workingType": order.working_type,
        "priceProtect": False,
        "origType": order.orig_type,
        "priceMatch": "NONE",
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "goodTillDate": 0,
        "time": order.time,
        "updateTime": order.update_time,
    }


def ack_json(exchange: Exchange, order: Order) -> dict[str, object]:
    """newOrderRespType=ACK: the order as accepted, before the matching engine touched it."""
    body = order_json(exchange, order)
    zero_qty = qty_str(exchange.markets[order.symbol], Decimal(0))
    return {**body, "status": "NEW", "avgPrice": "0.00", "executedQty": zero_qty,
            "cumQty": zero_qty, "cumQuote": money(Decimal(0)), "updateTime": order.time}


def algo_json(exchange: Exchange, algo: AlgoOrder, detail: bool = False) -> dict[str, object]:
    market = exchange.markets[algo.symbol]
    body: dict[str, object] = {
        "algoId": algo.algo_id,
        "clientAlgoId": algo.client_algo_id,
        "algoType": "CONDITIONAL",
        "orderType": algo.order_type,
        "symbol": algo.symbol,
        "side": algo.side,
        "positionSide": "BOTH",
        "timeInForce": algo.time_in_force,
        "quantity": qty_str(market, algo.quantity),
        "algoStatus": algo.status,
        "triggerPrice": price_str(market, algo.trigger_price),
        "price": price_str(market, algo.price),
        "icebergQuantity": None,
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "workingType": algo.working_type,
        "priceMatch": "NONE",
        "closePosition": algo.close_position,
        "priceProtect": False,
        "reduceOnly": algo.reduce_only,
        "createTime": algo.create_time,
        "updateTime": algo.update_time,
        "triggerTime": algo.trigger_time,
        "goodTillDate": 0,
    }
    if algo.is_trailing:
        # A trailing stop's own fields; triggerPrice above is the trigger its extreme implies.
        body["activatePrice"] = price_str(market, algo.activate_price)
        body["callbackRate"] = rate_str(algo.callback_rate)
    if detail:
        body["actualOrderId"] = "" if algo.actual_order_id is None else str(algo.actual_order_id)
        body["actualPrice"] = (
            price_str(market, algo.actual_price) if algo.actual_price else "0"
        )
    return body


def fill_json(exchange: Exchange, fill: Fill) -> dict[str, object]:
    market = exchange.markets[fill.symbol]
    return {
        "symbol": fill.symbol,
        "id": fill.trade_id,
        "orderId": fill.order_id,
        "side": fill.side,
        "price": price_str(market, fill.price),
        "qty": qty_str(market, fill.qty),
        "realizedPnl": money(fill.realized_pnl),
        "quoteQty": money(fill.price * fill.qty),
        "commission": money(fill.commission),
        "commissionAsset": "USDT",
        "time": fill.time,
        "positionSide": "BOTH",
        "buyer": fill.side == "BUY",
        "maker": fill.maker,
    }


def income_json(row: Income) -> dict[str, object]:
    return {
        "symbol": row.symbol,
        "incomeType": row.income_type,
        "income": money(row.income),
        "asset": "USDT",
        "info": row.income_type,
        "time": row.time,
        "tranId": row.tran_id,
        "tradeId": row.trade_id,
    }
