"""Fault injection: the next N calls to an endpoint misbehave in a chosen way.

Kinds:
- ``error``: answer a Binance error (code, message, HTTP status); the call is not processed.
- ``http``: answer a bare HTTP 5xx; with ``process`` the call is carried out first (the venue
  did it, the client cannot know).
- ``delay``: hold the call for ``seconds`` before processing and answering (a client timeout
  leaves the outcome unknown: the order may rest on the venue afterwards).
- ``drop``: process the call, wait ``seconds``, then close the connection without an answer.
- ``hang``: wait ``seconds``, then close the connection; the call is never processed (it was
  lost before reaching the venue).
"""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("error", "http", "delay", "drop", "hang")


@dataclass
class FaultRule:
    method: str | None
    path: str
    kind: str
    remaining: int = 1
    code: int = -1000
    msg: str | None = None
    http_status: int = 400
    seconds: float = 0.0
    process: bool = False
    # Only calls whose parameters include all of these (e.g. {"type": "TAKE_PROFIT_MARKET"}).
    match: dict[str, str] = field(default_factory=dict)
    api_key: str | None = None

    def applies_to(
        self, method: str, path: str, params: dict[str, str], api_key: str | None
    ) -> bool:
        if self.remaining <= 0 or path != self.path:
            return False
        if self.method is not None and method != self.method:
            return False
        if self.api_key is not None and api_key != self.api_key:
            return False
        return all(params.get(k) == v for k, v in self.match.items())

    def describe(self) -> dict[str, object]:
        return {
            "endpoint": f"{self.method or '*'} {self.path}",
            "kind": self.kind,
            "remaining": self.remaining,
            "match": self.match,
            "api_key": self.api_key,
        }


def parse_rule(spec: dict[str, object]) -> FaultRule:
    """Build a rule from the control API's JSON; raise ValueError with a readable reason."""
    endpoint = str(spec.get("endpoint", "")).strip()
    if not endpoint:
        raise ValueError("'endpoint' is required, e.g. 'POST /fapi/v1/algoOrder'")
    method, _, path = endpoint.rpartition(" ")
    kind = str(spec.get("kind", "error"))
    if kind not in KINDS:
        raise ValueError(f"'kind' must be one of {KINDS}, got {kind!r}")
    if not path.startswith("/") or path.startswith("/_emulator"):
        raise ValueError(f"'endpoint' must name a Binance path, got {endpoint!r}")
    match = spec.get("match") or {}
    if not isinstance(match, dict):
        raise ValueError("'match' must be an object of parameter: value")
    default_status = 503 if kind == "http" else 400
    return FaultRule(
        method=method.upper() or None,
        path=path,
        kind=kind,
        remaining=int(spec.get("count", 1)),  # type: ignore[arg-type]
        code=int(spec.get("code", -1000)),  # type: ignore[arg-type]
        msg=spec.get("msg") if isinstance(spec.get("msg"), str) else None,  # type: ignore[arg-type]
        http_status=int(spec.get("http_status", default_status)),  # type: ignore[arg-type]
        seconds=float(spec.get("seconds", 0.0)),  # type: ignore[arg-type]
        process=bool(spec.get("process", False)),
        match={str(k): str(v) for k, v in match.items()},
        api_key=spec.get("api_key") if isinstance(spec.get("api_key"), str) else None,  # type: ignore[arg-type]
    )


class FaultInjector:
    """Holds the armed rules; the first rule that matches a call is used up by it."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self.injected = 0

    def arm(self, rule: FaultRule) -> None:
        self.rules.append(rule)

    def take(
        self, method: str, path: str, params: dict[str, str], api_key: str | None
    ) -> FaultRule | None:
        for rule in self.rules:
            if rule.applies_to(method, path, params, api_key):
                rule.remaining -= 1
                self.injected += 1
                if rule.remaining <= 0:
                    self.rules.remove(rule)
                return rule
        return None

    def clear(self) -> None:
        self.rules.clear()
