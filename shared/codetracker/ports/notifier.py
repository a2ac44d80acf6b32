"""Sending a signed callback to an app."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class DeliveryResponse:
    status: int
    headers: Mapping[str, str]  # lower-case names
    excerpt: str = ""  # the start of the answer's body, for a failure's reason


class WebhookSender(Protocol):
    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> DeliveryResponse:
        """POST once, following no redirect. Any HTTP answer is returned; no answer raises DeliveryTimeout,
        DeliveryConnectionFailed, or DeliveryAddressRefused (the host resolved to a refused address when
        connecting)."""
        ...
