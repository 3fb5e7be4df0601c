"""Public market data: server time, exchangeInfo, klines, depth, tickers, mark price, funding."""

from __future__ import annotations

from decimal import Decimal

from binance_emulator.api import wire
from binance_emulator.api.call import Call, symbols_of
from binance_emulator.venue.errors import BinanceError, Code
from binance_emulator.venue.prices import INTERVAL_MS, PricePath


def ping(call: Call) -> object:
    return {}


def server_time(call: Call) -> object:
    return {"serverTime": call.server_time}


def exchange_info(call: Call) -> object:
    service = call.service
    rate_limits = [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
                    "limit": service.weights.limit}, *service.order_counts.rate_limits()]
    return wire.exchange_info(call.exchange, call.server_time, rate_limits)


def empty_exchange_info(call: Call) -> object:
    return {"timezone": "UTC", "serverTime": call.server_time, "rateLimits": [], "symbols": []}


def empty_list(call: Call) -> object:
    return []


def _klines(call: Call, paths: dict[str, PricePath]) -> object:
    market = call.exchange.market(call.get("symbol") or call.get("pair"))
    interval = call.require("interval")
    if interval not in INTERVAL_MS:
        raise BinanceError(Code.BAD_INTERVAL)
    limit = min(max(call.integer("limit", 500) or 500, 1), 1500)
    candles = paths[market.symbol].candles(
        interval, call.integer("startTime"), call.integer("endTime"), limit, call.server_time
    )
    return [wire.kline_row(market, c) for c in candles]


def klines(call: Call) -> object:
    return _klines(call, call.exchange.paths)


def mark_klines(call: Call) -> object:
    """Mark-price (and index) klines follow the mark path, basis included."""
    return _klines(call, call.exchange.mark_paths)


def depth(call: Call) -> object:
    """The symbol's book as the venue fills against it, consumption included."""
    market = call.exchange.market(call.get("symbol"))
    limit = min(max(call.integer("limit", 500) or 500, 5), 1000)
    book = call.exchange.books[market.symbol]
    last = call.exchange.quotes.last(market.symbol)

    def rows(side: str) -> list[list[str]]:
        return [[wire.price_str(market, price), wire.qty_str(market, qty)]
                for price, qty in book.levels(side, last, limit) if qty > 0]

    return {"lastUpdateId": call.server_time, "E": call.server_time, "T": call.server_time,
            "bids": rows("bids"), "asks": rows("asks")}


def book_ticker(call: Call) -> object:
    rows = []
    for symbol in symbols_of(call):
        market = call.exchange.markets[symbol]
        rows.append({
            "symbol": symbol,
            "bidPrice": wire.price_str(market, call.exchange.quotes.best_bid(symbol)),
            "bidQty": "1000",
            "askPrice": wire.price_str(market, call.exchange.quotes.best_ask(symbol)),
            "askQty": "1000",
            "time": call.server_time,
        })
    return rows[0] if call.get("symbol") else rows


def price_ticker(call: Call) -> object:
    rows = [
        {"symbol": s, "price": wire.price_str(call.exchange.markets[s],
                                              call.exchange.quotes.last(s)),
         "time": call.server_time}
        for s in symbols_of(call)
    ]
    return rows[0] if call.get("symbol") else rows


def ticker_24hr(call: Call) -> object:
    rows = []
    for symbol in symbols_of(call):
        market = call.exchange.markets[symbol]
        day = call.exchange.paths[symbol].candle(
            call.server_time - INTERVAL_MS["1d"], INTERVAL_MS["1d"], call.server_time
        )
        last = call.exchange.quotes.last(symbol)
        opened = Decimal(repr(day.open))
        change = last - opened
        rows.append({
            "symbol": symbol,
            "priceChange": wire.price_str(market, change),
            "priceChangePercent": f"{(change / opened * 100):.3f}",
            "weightedAvgPrice": wire.price_str(market, (day.high + day.low) / 2),
            "lastPrice": wire.price_str(market, last),
            "lastQty": "1",
            "openPrice": wire.price_str(market, day.open),
            "highPrice": wire.price_str(market, day.high),
            "lowPrice": wire.price_str(market, day.low),
            "volume": f"{day.volume:.{market.quantity_precision}f}",
            "quoteVolume": f"{day.volume * float(last):.2f}",
            "openTime": day.open_time,
            "closeTime": call.server_time,
            "firstId": 1,
            "lastId": 2,
            "count": 2,
        })
    return rows[0] if call.get("symbol") else rows


def premium_index(call: Call) -> object:
    rows = []
    for symbol in symbols_of(call):
        market = call.exchange.markets[symbol]
        path = call.exchange.paths[symbol]
        mark = wire.price_str(market, call.exchange.quotes.mark(symbol))
        rows.append({
            "symbol": symbol,
            "markPrice": mark,
            "indexPrice": mark,
            "estimatedSettlePrice": mark,
            "lastFundingRate": f"{path.funding_rate_at(call.server_time):.8f}",
            "interestRate": "0.00010000",
            "nextFundingTime": path.next_funding_time(call.server_time),
            "time": call.server_time,
        })
    return rows[0] if call.get("symbol") else rows


def funding_rate_history(call: Call) -> object:
    market = call.exchange.market(call.get("symbol"))
    path = call.exchange.paths[market.symbol]
    limit = min(call.integer("limit", 100) or 100, 1000)
    first = max(call.integer("startTime") or 0, path.listing_ms)
    last = min(call.integer("endTime") or call.server_time, call.server_time)
    times = path.funding_times(first - 1, last)
    times = times[:limit] if call.get("startTime") else times[-limit:]
    marks = call.exchange.mark_paths[market.symbol]
    return [
        {
            "symbol": market.symbol,
            "fundingTime": t,
            "fundingRate": f"{path.funding_rate_at(t):.8f}",
            "markPrice": wire.price_str(market, marks.price_at(t)),
        }
        for t in times
    ]


def open_interest(call: Call) -> object:
    market = call.exchange.market(call.get("symbol"))
    return {"symbol": market.symbol, "openInterest": "1000000", "time": call.server_time}
