"""Binance USDⓈ-M over HTTP: routes, signing, request limits, faults, wire format, the user-data
stream and the TLS tunnel that serves Binance's real URLs.

May import the venue model (``binance_emulator.venue``) and its own modules; never the control
API (``control``) or the assembly (``app``).
"""
