"""The Retail Prices API client: filtered queries, every page, cached on disk with an expiry.

`AZLAB_PRICES_ENDPOINT` names the server (the sandbox serves the same API);
`off` turns prices off. Without it, a target that is not Azure's public cloud
gets no prices (its list prices are not the public ones), and the public cloud
asks Azure's public price list. Answers are kept in `AZLAB_PRICES_CACHE`
(default: the user's cache folder) for `AZLAB_PRICES_MAX_AGE` seconds (a day).
"""

from __future__ import annotations

import hashlib
import json
import os
import ssl
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azlab.errors import AzlabError

PUBLIC_PRICES = "https://prices.azure.com"
PATH = "/api/retail/prices"
API_VERSION = "2023-01-01-preview"
MAX_PAGES = 50
DEFAULT_MAX_AGE = 24 * 3600.0


class PricesUnavailable(AzlabError):
    """The price list could not be read; views show money as unknown."""


@dataclass(frozen=True)
class PriceSource:
    endpoint: str
    currency: str = "USD"
    ca_file: str | None = None
    cache_dir: Path | None = None
    max_age: float = DEFAULT_MAX_AGE

    @classmethod
    def from_env(
        cls, currency: str = "USD", env: Mapping[str, str] | None = None
    ) -> PriceSource | None:
        """Where prices come from in this environment, or None when there are none to ask."""
        env = os.environ if env is None else env
        endpoint = env.get("AZLAB_PRICES_ENDPOINT", "").strip()
        if endpoint.lower() == "off":
            return None
        if not endpoint:
            if env.get("AZLAB_ENDPOINT", "").rstrip("/") not in (
                "",
                "https://management.azure.com",
            ):
                return None
            endpoint = PUBLIC_PRICES
        cache = env.get("AZLAB_PRICES_CACHE")
        if cache:
            cache_dir: Path | None = Path(cache)
        else:
            base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
            cache_dir = Path(base) / "azlab" / "prices"
        age = env.get("AZLAB_PRICES_MAX_AGE")
        return cls(
            endpoint.rstrip("/"),
            currency.upper(),
            env.get("AZLAB_CA_FILE") or None,
            cache_dir,
            float(age) if age else DEFAULT_MAX_AGE,
        )


def odata_filter(clauses: Mapping[str, str]) -> str:
    """`{"serviceName": "Storage"}` -> `serviceName eq 'Storage'`, joined by `and`."""
    return " and ".join(f"{k} eq '{v.replace(chr(39), chr(39) * 2)}'" for k, v in clauses.items())


class RetailPrices:
    """Reads price items for filters, from the cache when it is fresh enough."""

    def __init__(self, source: PriceSource, *, now: float | None = None) -> None:
        self.source = source
        self.now = now
        self.requests = 0
        self._memo: dict[str, list[dict[str, Any]]] = {}
        self._context = (
            ssl.create_default_context(cafile=source.ca_file) if source.ca_file else None
        )

    def items(self, clauses: Mapping[str, str]) -> list[dict[str, Any]]:
        text = odata_filter(clauses)
        if text in self._memo:
            return self._memo[text]
        cached = self._cached(text)
        if cached is None:
            cached = self._fetch(text)
            self._store(text, cached)
        self._memo[text] = cached
        return cached

    def _key(self, text: str) -> str:
        raw = f"{self.source.endpoint}|{self.source.currency}|{API_VERSION}|{text}"
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    def _clock(self) -> float:
        return time.time() if self.now is None else self.now

    def _cached(self, text: str) -> list[dict[str, Any]] | None:
        if self.source.cache_dir is None:
            return None
        path = self.source.cache_dir / f"{self._key(text)}.json"
        try:
            kept = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        if self._clock() - float(kept.get("fetched", 0)) > self.source.max_age:
            return None
        items: list[dict[str, Any]] = kept.get("items", [])
        return items

    def _store(self, text: str, items: list[dict[str, Any]]) -> None:
        if self.source.cache_dir is None:
            return
        try:
            self.source.cache_dir.mkdir(parents=True, exist_ok=True)
            path = self.source.cache_dir / f"{self._key(text)}.json"
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(
                json.dumps({"fetched": self._clock(), "filter": text, "items": items})
            )
            partial.replace(path)
        except OSError:
            pass  # a cache that cannot be written only costs a fetch next time

    def _fetch(self, text: str) -> list[dict[str, Any]]:
        query = {"api-version": API_VERSION, "$filter": text}
        if self.source.currency != "USD":
            query["currencyCode"] = f"'{self.source.currency}'"
        url: str | None = f"{self.source.endpoint}{PATH}?{urllib.parse.urlencode(query)}"
        items: list[dict[str, Any]] = []
        pages = 0
        while url and pages < MAX_PAGES:
            page = self._get(url)
            items += page.get("Items") or []
            url = page.get("NextPageLink") or None
            pages += 1
        return items

    def _get(self, url: str) -> dict[str, Any]:
        self.requests += 1
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, context=self._context, timeout=30) as answer:
                body: dict[str, Any] = json.loads(answer.read())
                return body
        except (OSError, ValueError) as exc:
            where = urllib.parse.urlsplit(url)
            raise PricesUnavailable(
                f"cannot read prices from {where.scheme}://{where.netloc}{PATH}: {exc}",
                hint="set AZLAB_PRICES_ENDPOINT (the sandbox prints one), or off for no prices",
            ) from None
