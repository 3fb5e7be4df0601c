"""Reach the emulator through Binance's real URLs, offline.

ccxt applies its Binance futures error map only to requests whose URL starts with Binance's own
hosts. With ``httpsProxy`` pointed here, ccxt sends ``CONNECT fapi.binance.com:443``; we pipe the
tunnel into the emulator's own TLS listener (a self-signed certificate made at start-up, so the
client needs ``verify: false``). Only Binance hosts are tunnelled and nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import socket
import ssl
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

logger = logging.getLogger(__name__)

BINANCE_HOSTS = frozenset({
    "fapi.binance.com",
    "fstream.binance.com",
    "fstream.binancefuture.com",
    "demo-fapi.binance.com",
    "testnet.binancefuture.com",
    "api.binance.com",
    "dapi.binance.com",
    "demo-api.binance.com",
    "demo-dapi.binance.com",
    "testnet.binance.vision",
})
_HEAD_LIMIT = 16 * 1024


def self_signed_context(hosts: frozenset[str] = BINANCE_HOSTS) -> ssl.SSLContext:
    """A server TLS context with a fresh certificate for ``hosts`` (valid 30 days)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "binance-emulator.local")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(h) for h in sorted(hosts)]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    # ssl only loads certificates from files; they live for the blink of this block.
    with tempfile.TemporaryDirectory() as folder:
        cert_file, key_file = Path(folder, "cert.pem"), Path(folder, "key.pem")
        cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context.load_cert_chain(cert_file, key_file)
    return context


def _quick_ack(writer: asyncio.StreamWriter) -> None:
    """ACK at once: requests sends headers and body in two writes without TCP_NODELAY through a
    proxy, so Nagle holds the body until our delayed ACK (40 ms) unless we answer quickly."""
    sock = writer.get_extra_info("socket")
    if sock is not None and hasattr(socket, "TCP_QUICKACK"):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)


async def _pipe(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    source: asyncio.StreamWriter | None = None,
) -> None:
    try:
        while chunk := await reader.read(65536):
            if source is not None:
                _quick_ack(source)  # Linux clears quick-ACK mode after a while; renew it
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _refuse(writer: asyncio.StreamWriter, status: str) -> None:
    writer.write(f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
    with contextlib.suppress(Exception):
        await writer.drain()
        writer.close()


def connect_handler(tls_port: int, hosts: frozenset[str] = BINANCE_HOSTS):
    """An asyncio connection handler that tunnels CONNECT to ``tls_port`` on loopback."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            writer.close()
            return
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        method, _, rest = request_line.partition(" ")
        target = rest.partition(" ")[0]
        host = target.rpartition(":")[0]
        if method != "CONNECT":
            await _refuse(writer, "405 Method Not Allowed")
            return
        if host not in hosts:
            logger.warning("refusing to tunnel to %s: not a Binance host", target)
            await _refuse(writer, "403 Forbidden")
            return
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", tls_port)
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        _quick_ack(writer)
        await asyncio.gather(
            _pipe(reader, upstream_writer, source=writer), _pipe(upstream_reader, writer)
        )

    return handle


async def start_proxy(port: int, tls_port: int) -> asyncio.Server:
    return await asyncio.start_server(
        connect_handler(tls_port), "127.0.0.1", port, limit=_HEAD_LIMIT
    )
