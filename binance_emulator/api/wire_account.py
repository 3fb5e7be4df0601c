"""Binance USDⓈ-M wire format of an account: positions, account information, balances."""

from __future__ import annotations

from decimal import Decimal

from binance_emulator.api.wire import money, price_str, qty_str
from binance_emulator.venue import margin
from binance_emulator.venue.account import Account
from binance_emulator.venue.exchange import Exchange
from binance_emulator.venue.models import Position


def position_risk_json(exchange: Exchange, account: Account, position: Position,
                       v2: bool) -> dict[str, object]:
    quotes = exchange.quotes
    market = exchange.markets[position.symbol]
    mark = quotes.mark(position.symbol)
    notional = position.amount * mark
    isolated = account.is_isolated(position.symbol)
    upnl = margin.unrealized_pnl(quotes, position)
    initial = margin.position_initial_margin(account, quotes, position)
    body: dict[str, object] = {
        "symbol": position.symbol,
        "positionSide": "BOTH",
        "positionAmt": qty_str(market, position.amount),
        "entryPrice": f"{position.entry_price.normalize():f}" if position.amount else "0.0",
        "breakEvenPrice": f"{position.entry_price.normalize():f}" if position.amount else "0.0",
        "markPrice": price_str(market, mark),
        "unRealizedProfit": money(upnl),
        "liquidationPrice": price_str(market, margin.liquidation_price(account, quotes, position)),
        "isolatedMargin": money(position.isolated_margin + upnl if isolated and position.amount
                                else Decimal(0)),
        "notional": money(notional),
        "marginAsset": "USDT",
        "isolatedWallet": money(position.isolated_margin if isolated else Decimal(0)),
        "initialMargin": money(initial),
        "maintMargin": money(margin.maintenance_margin(quotes, position)),
        "positionInitialMargin": money(initial),
        "openOrderInitialMargin": money(margin.open_order_margin(account, position.symbol)),
        "adl": 0,
        "bidNotional": "0",
        "askNotional": "0",
        "updateTime": position.update_time,
    }
    if v2:
        body["leverage"] = str(account.leverage_for(position.symbol))
        body["marginType"] = "isolated" if isolated else "cross"
        body["isAutoAddMargin"] = "false"
        body["maxNotionalValue"] = f"{market.max_notional(account.leverage_for(market.symbol)):f}"
    return body


def account_json(exchange: Exchange, account: Account, v2: bool) -> dict[str, object]:
    quotes = exchange.quotes
    wallet = account.wallet
    upnl = margin.total_unrealized_pnl(account, quotes)
    position_margin = margin.position_margin_total(account, quotes)
    order_margin = margin.open_order_margin(account)
    available = margin.available_balance(account, quotes)
    cross_wallet = wallet - margin.isolated_margin_total(account)
    maint = margin.total_maintenance_margin(account, quotes)
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
        "crossUnPnl": money(margin.cross_unrealized_pnl(account, quotes)),
        "availableBalance": money(available),
        "maxWithdrawAmount": money(max(available, Decimal(0))),
        "marginAvailable": True,
        "updateTime": account.update_time,
    }
    if v2:  # every listed symbol, as v2 documents it
        positions = [_v2_account_position(exchange, account, account.position(s))
                     for s in exchange.markets]
    else:  # symbols with a position or open orders
        symbols = {p.symbol for p in account.positions.values() if p.amount}
        symbols |= {o.symbol for o in account.open_orders()}
        positions = [_v3_account_position(exchange, account, account.position(s))
                     for s in sorted(symbols)]
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


def _v3_account_position(exchange: Exchange, account: Account,
                         position: Position) -> dict[str, object]:
    risk = position_risk_json(exchange, account, position, v2=False)
    return {
        "symbol": position.symbol,
        "positionSide": "BOTH",
        "positionAmt": risk["positionAmt"],
        "unrealizedProfit": risk["unRealizedProfit"],  # spelled so in account information
        "isolatedMargin": risk["isolatedMargin"],
        "notional": risk["notional"],
        "isolatedWallet": risk["isolatedWallet"],
        "initialMargin": risk["initialMargin"],
        "maintMargin": risk["maintMargin"],
        "updateTime": position.update_time,
    }


def _v2_account_position(exchange: Exchange, account: Account,
                         position: Position) -> dict[str, object]:
    risk = position_risk_json(exchange, account, position, v2=True)
    order_margin = margin.open_order_margin(account, position.symbol)
    position_margin = margin.position_initial_margin(account, exchange.quotes, position)
    return {
        "symbol": position.symbol,
        "initialMargin": money(position_margin + order_margin),
        "maintMargin": risk["maintMargin"],
        "unrealizedProfit": risk["unRealizedProfit"],
        "positionInitialMargin": money(position_margin),
        "openOrderInitialMargin": money(order_margin),
        "leverage": risk["leverage"],
        "isolated": account.is_isolated(position.symbol),
        "entryPrice": risk["entryPrice"],
        "maxNotional": risk["maxNotionalValue"],
        "bidNotional": "0",
        "askNotional": "0",
        "positionSide": "BOTH",
        "positionAmt": risk["positionAmt"],
        "notional": risk["notional"],
        "isolatedWallet": risk["isolatedWallet"],
        "updateTime": position.update_time,
    }


def symbol_config_json(exchange: Exchange, account: Account, symbol: str) -> dict[str, object]:
    leverage = account.leverage_for(symbol)
    return {
        "symbol": symbol,
        "marginType": "ISOLATED" if account.is_isolated(symbol) else "CROSSED",
        "isAutoAddMargin": False,
        "leverage": leverage,
        "maxNotionalValue": f"{exchange.markets[symbol].max_notional(leverage):f}",
    }


def balance_json(exchange: Exchange, account: Account) -> list[dict[str, object]]:
    body = account_json(exchange, account, v2=False)
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
