"""Binance USDⓈ-M wire format: engine objects to the JSON the venue sends."""

from __future__ import annotations

from decimal import Decimal

from binance_emulator import margin
from binance_emulator.engine import Account, AlgoOrder, Exchange, Fill, Income, Order, Position
from binance_emulator.markets import (
    ONBOARD_DATE,
    ORDER_TYPES,
    PERPETUAL_DELIVERY_DATE,
    Market,
)
from binance_emulator.prices import Candle

MONEY_PLACES = Decimal("0.00000001")


def money(value: Decimal) -> str:
    return f"{value.quantize(MONEY_PLACES):f}"


def price_str(market: Market, value: Decimal | float) -> str:
    exact = Decimal(repr(value)) if isinstance(value, float) else value
    return f"{exact.quantize(market.tick_size):f}"


def qty_str(market: Market, value: Decimal) -> str:
    return f"{value.quantize(market.step_size):f}"


def symbol_info(market: Market) -> dict[str, object]:
    tick = f"{market.tick_size:f}"
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
        "liquidationFee": "0.012500",
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
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
            {"filterType": "MIN_NOTIONAL", "notional": f"{market.min_notional:f}"},
            {"filterType": "PERCENT_PRICE", "multiplierUp": "1.0500",
             "multiplierDown": "0.9500", "multiplierDecimal": "4"},
        ],
        "orderTypes": list(ORDER_TYPES),
        "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
        "permissionSets": ["GRID", "COPY"],
    }


def exchange_info(exchange: Exchange, server_time: int) -> dict[str, object]:
    return {
        "timezone": "UTC",
        "serverTime": server_time,
        "futuresType": "U_MARGINED",
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
             "limit": 2400},
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300},
        ],
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
        "avgPrice": price_str(market, order.avg_price) if order.executed_qty else "0",
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


def position_risk_json(account: Account, position: Position, v2: bool) -> dict[str, object]:
    exchange = account.exchange
    market = exchange.markets[position.symbol]
    mark = exchange.mark_price(position.symbol)
    notional = position.amount * mark
    isolated = account.is_isolated(position.symbol)
    upnl = margin.unrealized_pnl(account, position)
    initial = margin.position_initial_margin(account, position)
    body: dict[str, object] = {
        "symbol": position.symbol,
        "positionSide": "BOTH",
        "positionAmt": qty_str(market, position.amount),
        "entryPrice": f"{position.entry_price.normalize():f}" if position.amount else "0.0",
        "breakEvenPrice": f"{position.entry_price.normalize():f}" if position.amount else "0.0",
        "markPrice": price_str(market, mark),
        "unRealizedProfit": money(upnl),
        "liquidationPrice": price_str(market, margin.liquidation_price(account, position)),
        "isolatedMargin": money(position.isolated_margin + upnl if isolated and position.amount
                                else Decimal(0)),
        "notional": money(notional),
        "marginAsset": "USDT",
        "isolatedWallet": money(position.isolated_margin if isolated else Decimal(0)),
        "initialMargin": money(initial),
        "maintMargin": money(margin.maintenance_margin(account, position)),
        "positionInitialMargin": money(initial),
        "openOrderInitialMargin": "0",
        "adl": 0,
        "bidNotional": "0",
        "askNotional": "0",
        "updateTime": position.update_time,
    }
    if v2:
        body["leverage"] = str(account.leverage_for(position.symbol))
        body["marginType"] = "isolated" if isolated else "cross"
        body["isAutoAddMargin"] = "false"
        body["maxNotionalValue"] = f"{market.leverage_tiers[0].notional_cap:f}"
    return body


def account_json(account: Account, v2: bool) -> dict[str, object]:
    wallet = account.wallet
    upnl = margin.total_unrealized_pnl(account)
    position_margin = margin.position_margin_total(account)
    order_margin = margin.open_order_margin(account)
    available = margin.available_balance(account)
    cross_wallet = wallet - margin.isolated_margin_total(account)
    maint = margin.total_maintenance_margin(account)
    asset = {
        "asset": "USDT",
        "walletBalance": money(wallet),
        "unrealizedProfit": money(upnl),
        "marginBalance": money(wallet + upnl),
        "maintMargin": money(maint),
        "initialMargin": money(position_margin + order_margin),
        "positionInitialMargin": money(position_margin),
        "openOrderInitialMargin": money(order_margin),
        "crossWalletBalance": money(cross_wallet),
        "crossUnPnl": money(margin.cross_unrealized_pnl(account)),
        "availableBalance": money(available),
        "maxWithdrawAmount": money(max(available, Decimal(0))),
        "marginAvailable": True,
        "updateTime": account.update_time,
    }
    positions = []
    for position in account.positions.values():
        if not position.amount:
            continue
        risk = position_risk_json(account, position, v2=v2)
        positions.append({k: risk[k] for k in (
            "symbol", "positionSide", "positionAmt", "unRealizedProfit", "isolatedMargin",
            "notional", "isolatedWallet", "initialMargin", "maintMargin", "updateTime",
        )})
    return {
        "totalInitialMargin": asset["initialMargin"],
        "totalMaintMargin": asset["maintMargin"],
        "totalWalletBalance": asset["walletBalance"],
        "totalUnrealizedProfit": asset["unrealizedProfit"],
        "totalMarginBalance": asset["marginBalance"],
        "totalPositionInitialMargin": asset["positionInitialMargin"],
        "totalOpenOrderInitialMargin": asset["openOrderInitialMargin"],
        "totalCrossWalletBalance": asset["crossWalletBalance"],
        "totalCrossUnPnl": asset["crossUnPnl"],
        "availableBalance": asset["availableBalance"],
        "maxWithdrawAmount": asset["maxWithdrawAmount"],
        "canTrade": True,
        "canDeposit": True,
        "canWithdraw": True,
        "feeTier": 0,
        "multiAssetsMargin": account.multi_assets_margin,
        "updateTime": 0,
        "assets": [asset],
        "positions": positions,
    }


def balance_json(account: Account) -> list[dict[str, object]]:
    body = account_json(account, v2=False)
    asset = body["assets"][0]  # type: ignore[index]
    return [{
        "accountAlias": "emulator",
        "asset": "USDT",
        "balance": asset["walletBalance"],
        "crossWalletBalance": asset["crossWalletBalance"],
        "crossUnPnl": asset["crossUnPnl"],
        "availableBalance": asset["availableBalance"],
        "maxWithdrawAmount": asset["maxWithdrawAmount"],
        "marginAvailable": True,
        "updateTime": account.update_time,
    }]
