"""Shared fixtures: no test reaches AWS or the internet; boto3 calls go to moto."""

from __future__ import annotations

import ipaddress
import socket

import pytest


@pytest.fixture(autouse=True)
def _offline_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a fixed region, so no test can use a real account."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("SAGEMAKER_SUPPRESS_V2_WARNING", "1")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse connections to anything but loopback, so nothing a test runs reaches out (the
    SageMaker SDK's telemetry request, for one, is refused and dropped by the SDK)."""
    connect = socket.socket.connect

    def guarded(sock: socket.socket, address) -> None:
        if isinstance(address, tuple) and address[0] != "localhost":
            try:
                loopback = ipaddress.ip_address(address[0]).is_loopback
            except ValueError:  # a host name: never resolved, never reached
                loopback = False
            if not loopback:
                raise ConnectionRefusedError(f"tests may not connect to {address}")
        connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
