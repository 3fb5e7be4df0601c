"""Signed account calls: leverage brackets, position and margin modes, leverage, balances,
positions, the user-data stream key."""

from __future__ import annotations

from binance_emulator.api import wire, wire_account
from binance_emulator.api.call import Call, symbols_of
from binance_emulator.venue.errors import BinanceError, Code, mandatory


def leverage_bracket(call: Call) -> object:
    return [wire.leverage_brackets(call.exchange.markets[s]) for s in symbols_of(call)]


def get_position_mode(call: Call) -> object:
    return {"dualSidePosition": False}


def set_position_mode(call: Call) -> object:
    if call.flag("dualSidePosition"):
        raise BinanceError(Code.HEDGE_MODE_UNSUPPORTED)
    raise BinanceError(Code.POSITION_SIDE_NOT_CHANGED)


def get_multi_assets(call: Call) -> object:
    return {"multiAssetsMargin": call.me.multi_assets_margin}


def set_multi_assets(call: Call) -> object:
    call.exchange.set_multi_assets_margin(call.me, call.flag("multiAssetsMargin"))
    return {"code": 200, "msg": "success"}


def set_margin_type(call: Call) -> object:
    call.exchange.set_margin_type(call.me, call.require("symbol"),
                                 call.require("marginType").upper())
    return {"code": 200, "msg": "success"}


def set_leverage(call: Call) -> object:
    symbol = call.require("symbol")
    leverage = call.integer("leverage")
    if leverage is None:
        raise mandatory("leverage")
    call.exchange.set_leverage(call.me, symbol, leverage)
    market = call.exchange.markets[symbol]
    return {
        "leverage": leverage,
        "maxNotionalValue": f"{market.max_notional(leverage):f}",
        "symbol": symbol,
    }


def symbol_config(call: Call) -> object:
    return [wire_account.symbol_config_json(call.exchange, call.me, s) for s in symbols_of(call)]


def position_margin(call: Call) -> object:
    amount = call.decimal("amount")
    kind = call.integer("type")
    if amount is None:
        raise mandatory("amount")
    if kind is None:
        raise mandatory("type")
    call.exchange.change_isolated_margin(call.me, call.require("symbol"), amount, kind)
    return {"amount": float(amount), "code": 200, "msg": "Successfully modify position margin.",
            "type": kind}


def position_margin_history(call: Call) -> object:
    symbol = call.exchange.market(call.get("symbol")).symbol
    kind = call.integer("type")
    start, end = call.integer("startTime"), call.integer("endTime") or call.server_time
    rows = [c for c in call.me.margin_changes
            if c.symbol == symbol and (kind is None or c.type == kind)
            and (start is None or c.time >= start) and c.time <= end]
    limit = call.integer("limit", 500) or 500
    return [{"symbol": c.symbol, "type": c.type, "deltaType": "USER_ADJUST",
             "amount": f"{c.amount:f}", "asset": "USDT", "time": c.time, "positionSide": "BOTH"}
            for c in rows[:limit]]


def commission_rate(call: Call) -> object:
    symbol = call.exchange.market(call.get("symbol")).symbol
    fees = call.exchange.fees
    return {"symbol": symbol, "makerCommissionRate": f"{fees.maker}",
            "takerCommissionRate": f"{fees.taker}"}


def account_v2(call: Call) -> object:
    return wire_account.account_json(call.exchange, call.me, v2=True)


def account_v3(call: Call) -> object:
    return wire_account.account_json(call.exchange, call.me, v2=False)


def balance(call: Call) -> object:
    return wire_account.balance_json(call.exchange, call.me)


def _position_rows(call: Call, v2: bool) -> list[dict[str, object]]:
    symbol = call.get("symbol")
    account = call.me
    if v2:
        symbols = [call.exchange.market(symbol).symbol] if symbol else list(call.exchange.markets)
        return [wire_account.position_risk_json(call.exchange, account, account.position(s),
                                              v2=True)
                for s in symbols]
    return [
        wire_account.position_risk_json(call.exchange, account, p, v2=False)
        for p in account.positions.values()
        if p.amount and (symbol is None or p.symbol == symbol)
    ]


def position_risk_v2(call: Call) -> object:
    return _position_rows(call, v2=True)


def position_risk_v3(call: Call) -> object:
    return _position_rows(call, v2=False)


def listen_key(call: Call) -> object:
    return {"listenKey": call.service.streams.listen_key(call.me.api_key)}


def listen_key_keepalive(call: Call) -> object:
    return {}  # keys do not expire here


def listen_key_close(call: Call) -> object:
    call.service.streams.close(call.me.api_key)
    return {}
