"""The route table: every Binance path the emulator answers, its handler, whether it is signed,
its request weight and what it counts against the order-rate limits, as Binance documents them
(https://developers.binance.com/docs/derivatives/usds-margined-futures, "Request Weight")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from binance_emulator.api import handlers_account as account
from binance_emulator.api import handlers_market as market
from binance_emulator.api import handlers_orders as orders
from binance_emulator.api.call import Handler, Params

Weight = int | Callable[[Params], int]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    signed: bool
    weight: Weight = 1
    # (10-second count, 1-minute count) spent on the ORDERS limits: new and modified orders.
    orders: tuple[int, int] = (0, 0)
    # USER_STREAM security: an API key, no signature.
    key_only: bool = False

    def weight_of(self, params: Params) -> int:
        return self.weight(params) if callable(self.weight) else self.weight


def _kline_weight(params: Params) -> int:
    limit = int(params.get("limit") or 500)
    return 1 if limit < 100 else 2 if limit < 500 else 5 if limit <= 1000 else 10


def _depth_weight(params: Params) -> int:
    limit = int(params.get("limit") or 500)
    return 2 if limit <= 50 else 5 if limit <= 100 else 10 if limit <= 500 else 20


def _by_symbol(with_symbol: int, without: int) -> Callable[[Params], int]:
    """Endpoints that cost more when asked for every symbol at once."""
    return lambda params: with_symbol if params.get("symbol") else without


ROUTES: tuple[Route, ...] = (
    Route("GET", "/fapi/v1/ping", market.ping, False),
    Route("GET", "/fapi/v1/time", market.server_time, False),
    Route("GET", "/fapi/v1/exchangeInfo", market.exchange_info, False),
    Route("GET", "/fapi/v1/klines", market.klines, False, _kline_weight),
    Route("GET", "/fapi/v1/continuousKlines", market.klines, False, _kline_weight),
    Route("GET", "/fapi/v1/markPriceKlines", market.mark_klines, False, _kline_weight),
    Route("GET", "/fapi/v1/indexPriceKlines", market.mark_klines, False, _kline_weight),
    Route("GET", "/fapi/v1/premiumIndexKlines", market.klines, False, _kline_weight),
    Route("GET", "/fapi/v1/depth", market.depth, False, _depth_weight),
    Route("GET", "/fapi/v1/ticker/bookTicker", market.book_ticker, False, _by_symbol(2, 5)),
    Route("GET", "/fapi/v1/ticker/price", market.price_ticker, False, _by_symbol(1, 2)),
    Route("GET", "/fapi/v2/ticker/price", market.price_ticker, False, _by_symbol(1, 2)),
    Route("GET", "/fapi/v1/ticker/24hr", market.ticker_24hr, False, _by_symbol(1, 40)),
    Route("GET", "/fapi/v1/premiumIndex", market.premium_index, False, _by_symbol(1, 10)),
    Route("GET", "/fapi/v1/fundingRate", market.funding_rate_history, False),
    Route("GET", "/fapi/v1/fundingInfo", market.empty_list, False),
    Route("GET", "/fapi/v1/openInterest", market.open_interest, False),
    # ccxt's default market loading also asks spot, coin-M and margin: nothing listed there.
    Route("GET", "/api/v3/exchangeInfo", market.empty_exchange_info, False),
    Route("GET", "/dapi/v1/exchangeInfo", market.empty_exchange_info, False),
    Route("GET", "/sapi/v1/capital/config/getall", market.empty_list, True),
    Route("GET", "/sapi/v1/margin/allPairs", market.empty_list, False),
    Route("GET", "/sapi/v1/margin/isolated/allPairs", market.empty_list, True),
    Route("GET", "/fapi/v1/leverageBracket", account.leverage_bracket, True),
    Route("GET", "/fapi/v1/symbolConfig", account.symbol_config, True, 5),
    Route("GET", "/fapi/v1/positionSide/dual", account.get_position_mode, True, 30),
    Route("POST", "/fapi/v1/positionSide/dual", account.set_position_mode, True),
    Route("GET", "/fapi/v1/multiAssetsMargin", account.get_multi_assets, True, 30),
    Route("POST", "/fapi/v1/multiAssetsMargin", account.set_multi_assets, True),
    Route("POST", "/fapi/v1/marginType", account.set_margin_type, True),
    Route("POST", "/fapi/v1/leverage", account.set_leverage, True),
    Route("POST", "/fapi/v1/positionMargin", account.position_margin, True),
    Route("GET", "/fapi/v1/positionMargin/history", account.position_margin_history, True),
    Route("GET", "/fapi/v1/commissionRate", account.commission_rate, True, 20),
    Route("GET", "/fapi/v2/account", account.account_v2, True, 5),
    Route("GET", "/fapi/v3/account", account.account_v3, True, 5),
    Route("GET", "/fapi/v2/balance", account.balance, True, 5),
    Route("GET", "/fapi/v3/balance", account.balance, True, 5),
    Route("GET", "/fapi/v2/positionRisk", account.position_risk_v2, True, 5),
    Route("GET", "/fapi/v3/positionRisk", account.position_risk_v3, True, 5),
    Route("POST", "/fapi/v1/listenKey", account.listen_key, True, key_only=True),
    Route("PUT", "/fapi/v1/listenKey", account.listen_key_keepalive, True, key_only=True),
    Route("DELETE", "/fapi/v1/listenKey", account.listen_key_close, True, key_only=True),
    Route("POST", "/fapi/v1/order", orders.new_order, True, 0, orders=(1, 1)),
    Route("PUT", "/fapi/v1/order", orders.modify_order, True, 0, orders=(1, 1)),
    Route("GET", "/fapi/v1/order", orders.get_order, True),
    Route("DELETE", "/fapi/v1/order", orders.cancel_order, True),
    Route("POST", "/fapi/v1/batchOrders", orders.batch_orders, True, 5, orders=(5, 1)),
    Route("DELETE", "/fapi/v1/batchOrders", orders.cancel_batch, True),
    Route("GET", "/fapi/v1/openOrder", orders.open_order, True),
    Route("GET", "/fapi/v1/openOrders", orders.open_orders, True, _by_symbol(1, 40)),
    Route("GET", "/fapi/v1/allOrders", orders.all_orders, True, 5),
    Route("DELETE", "/fapi/v1/allOpenOrders", orders.cancel_all_orders, True),
    Route("POST", "/fapi/v1/algoOrder", orders.new_algo_order, True, 0),
    Route("GET", "/fapi/v1/algoOrder", orders.get_algo_order, True),
    Route("DELETE", "/fapi/v1/algoOrder", orders.cancel_algo_order, True),
    Route("GET", "/fapi/v1/openAlgoOrders", orders.open_algo_orders, True, _by_symbol(1, 40)),
    Route("GET", "/fapi/v1/allAlgoOrders", orders.all_algo_orders, True, 5),
    Route("DELETE", "/fapi/v1/algoOpenOrders", orders.cancel_all_algo_orders, True),
    Route("GET", "/fapi/v1/userTrades", orders.user_trades, True, 5),
    Route("GET", "/fapi/v1/income", orders.income, True, 30),
    Route("GET", "/fapi/v1/forceOrders", orders.force_orders, True, _by_symbol(20, 50)),
)
