"""`GET /api/retail/prices`: the Azure Retail Prices API, answered from the sandbox's price table.

Same path, query and shape as Azure's public, unauthenticated price list
(`Items`, `NextPageLink`, `Count`, `BillingCurrency`): `$filter` takes `eq`
comparisons joined by `and` (values case-sensitive, as in the 2023-01-01-preview
version), `currencyCode='EUR'` converts, and pages hold 100 items, the next one
named by `NextPageLink` with `$skip`. Azure has no REST spec for this API; the
shape follows its documentation.
"""

from __future__ import annotations

import re
import uuid
from functools import cache
from urllib.parse import urlencode

from azlab.sandbox.arm import price_data as data
from azlab.sandbox.arm.core import ArmError, Json, Reply, Request
from azlab.sandbox.arm.routes import Route, route

PATH = "/api/retail/prices"
PAGE = 100
EFFECTIVE = f"{data.PRICES_AS_OF}-01T00:00:00Z"
# Filter names that differ from the item's field: `priceType` filters on `type`.
ALIASES = {"pricetype": "type"}
_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$", re.IGNORECASE)


def _id(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def _item(
    region: str,
    service: str,
    family: str,
    product: str,
    sku: str,
    meter: str,
    arm_sku: str,
    unit: str,
    price: float,
    price_type: str = "Consumption",
) -> Json:
    return {
        "currencyCode": "USD",
        "tierMinimumUnits": 0.0,
        "retailPrice": price,
        "unitPrice": price,
        "armRegionName": region,
        "location": data.REGION_LABEL[region],
        "effectiveStartDate": EFFECTIVE,
        "meterId": _id(region, product, meter),
        "meterName": meter,
        "productId": _id(product),
        "skuId": _id(product, sku),
        "productName": product,
        "skuName": sku,
        "serviceName": service,
        "serviceId": _id(service),
        "serviceFamily": family,
        "unitOfMeasure": unit,
        "type": price_type,
        "isPrimaryMeterRegion": True,
        "armSkuName": arm_sku,
    }


def _series(size: str) -> str:
    """`Standard_D2s_v5` -> `Dsv5`, as product names group sizes."""
    base, _, version = size.removeprefix("Standard_").partition("_")
    return re.sub(r"\d+", "", base) + version


def _vm_items(region: str, factor: float) -> list[Json]:
    items = []
    for size, (linux, windows) in data.VM_HOURLY.items():
        short = size.removeprefix("Standard_").replace("_", " ")
        product = f"Virtual Machines {_series(size)} Series"
        for os_suffix, hourly in (("", linux), (" Windows", windows)):
            name = product + os_suffix
            price = round(hourly * factor, 4)
            items.append(
                _item(
                    region, "Virtual Machines", "Compute", name, short, short, size, "1 Hour", price
                )
            )
            if not size.startswith(data.NO_SPOT_FAMILY_PREFIX):
                spot = round(hourly * factor * data.SPOT_SHARE, 4)
                items.append(
                    _item(
                        region,
                        "Virtual Machines",
                        "Compute",
                        name,
                        f"{short} Spot",
                        f"{short} Spot",
                        size,
                        "1 Hour",
                        spot,
                    )
                )
            if not os_suffix:
                reserved = _item(
                    region,
                    "Virtual Machines",
                    "Compute",
                    name,
                    short,
                    short,
                    size,
                    "1 Hour",
                    round(hourly * factor * 8760 * 0.6, 2),
                    "Reservation",
                )
                reserved["reservationTerm"] = "1 Year"
                items.append(reserved)
    return items


def _disk_items(region: str, factor: float) -> list[Json]:
    items = []
    for column, (product, letter) in enumerate(
        [
            ("Standard HDD Managed Disks", "S"),
            ("Standard SSD Managed Disks", "E"),
            ("Premium SSD Managed Disks", "P"),
        ],
        start=1,
    ):
        for number, row in data.DISK_MONTHLY.items():
            monthly = row[column]
            if monthly is None:
                continue
            redundancies = ("LRS",) if letter == "S" else ("LRS", "ZRS")
            for redundancy in redundancies:
                zrs = data.ZRS_FACTOR if redundancy == "ZRS" else 1.0
                sku = f"{letter}{number} {redundancy}"
                items.append(
                    _item(
                        region,
                        "Storage",
                        "Storage",
                        product,
                        sku,
                        f"{sku} Disk",
                        "",
                        "1/Month",
                        round(monthly * factor * zrs, 2),
                    )
                )
        if letter != "P":
            items.append(
                _item(
                    region,
                    "Storage",
                    "Storage",
                    product,
                    "LRS",
                    "LRS Disk Operations",
                    "",
                    "10K",
                    0.002,
                )
            )
    return items


def _ip_items(region: str, factor: float) -> list[Json]:
    return [
        _item(
            region,
            "Virtual Network",
            "Networking",
            "IP Addresses",
            sku,
            f"{sku} IPv4 Static Public IP",
            "",
            "1 Hour",
            round(hourly * factor, 4),
        )
        for sku, hourly in data.PUBLIC_IP_HOURLY.items()
    ]


@cache
def price_list() -> tuple[Json, ...]:
    """Every item of the sandbox's price list, in USD."""
    items: list[Json] = []
    for region, factor in data.REGION_FACTOR.items():
        items += _vm_items(region, factor) + _disk_items(region, factor)
        items += _ip_items(region, factor)
    return tuple(items)


def parse_filter(text: str) -> list[tuple[str, str]]:
    """`a eq 'x' and b eq 'y'` -> [(a, x), (b, y)]; anything else is refused."""
    if not text.strip():
        return []
    clauses = []
    for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        found = _CLAUSE.match(part)
        if found is None:
            raise ArmError(
                400,
                "InvalidFilter",
                f"The sandbox cannot read the filter {part!r}: "
                "it takes field eq 'value' comparisons joined by and.",
            )
        clauses.append((found.group(1), found.group(2).replace("''", "'")))
    return clauses


def _matches(item: Json, clauses: list[tuple[str, str]]) -> bool:
    # Field names are case-insensitive; values are compared exactly.
    fields = {k.lower(): v for k, v in item.items()}
    return all(
        str(fields.get(ALIASES.get(name.lower(), name.lower()), "")) == value
        for name, value in clauses
    )


def prices(req: Request, _: dict[str, str]) -> Reply:
    clauses = parse_filter(req.query.get("$filter", ""))
    currency = req.query.get("currencycode", "USD").strip("'\"").upper()
    rate = data.EXCHANGE.get(currency)
    if rate is None:
        raise ArmError(
            400,
            "InvalidCurrency",
            f"The sandbox has no rate for {currency!r}; it knows {', '.join(data.EXCHANGE)}.",
        )
    try:
        skip = max(0, int(req.query.get("$skip", "0")))
    except ValueError:
        raise ArmError(400, "InvalidSkip", "$skip must be a whole number.") from None
    found = [i for i in price_list() if _matches(i, clauses)]
    page = [_converted(i, currency, rate) for i in found[skip : skip + PAGE]]
    next_link = None
    if skip + PAGE < len(found):
        query = {k: v for k, v in req.query.items() if k not in ("$skip",)}
        query["$skip"] = str(skip + PAGE)
        next_link = f"{req.base_url}{PATH}?{urlencode(_original_case(query))}"
    return Reply(
        200,
        {
            "BillingCurrency": currency,
            "CustomerEntityId": "Default",
            "CustomerEntityType": "Retail",
            "Items": page,
            "NextPageLink": next_link,
            "Count": len(page),
        },
    )


def _original_case(query: dict[str, str]) -> dict[str, str]:
    names = {"currencycode": "currencyCode"}
    return {names.get(k, k): v for k, v in query.items()}


def _converted(item: Json, currency: str, rate: float) -> Json:
    if currency == "USD":
        return dict(item)
    return {
        **item,
        "currencyCode": currency,
        "retailPrice": round(item["retailPrice"] * rate, 4),
        "unitPrice": round(item["unitPrice"] * rate, 4),
    }


def routes() -> list[Route]:
    return [route("GET", PATH, prices, op="retail prices")]
