"""List prices the sandbox's Retail Prices API answers with: VM sizes, managed disks, public IPs.

Pay-as-you-go list prices in USD for East US, as Azure's retail price list gave
them in mid-2024 (recalled, not fetched: check a real figure against
prices.azure.com before quoting it). Other regions are East US times a
per-region factor that matches the usual spread of Azure's list prices, not
each region's exact figure. Spot prices float with demand in Azure; here they
are a fixed share of the pay-as-you-go price. Other currencies use fixed
exchange rates of the same time.
"""

from __future__ import annotations

PRICES_AS_OF = "2024-06"

# size -> (Linux $/hour, Windows $/hour); B-series sizes have no spot meters in Azure.
VM_HOURLY: dict[str, tuple[float, float]] = {
    "Standard_B1s": (0.0104, 0.0146),
    "Standard_B1ms": (0.0207, 0.0287),
    "Standard_B2s": (0.0416, 0.0496),
    "Standard_B2ms": (0.0832, 0.0992),
    "Standard_B4ms": (0.166, 0.198),
    "Standard_B8ms": (0.333, 0.389),
    "Standard_DS1_v2": (0.073, 0.126),
    "Standard_DS2_v2": (0.146, 0.252),
    "Standard_D2_v3": (0.096, 0.188),
    "Standard_D4_v3": (0.192, 0.376),
    "Standard_D2s_v3": (0.096, 0.188),
    "Standard_D4s_v3": (0.192, 0.376),
    "Standard_D8s_v3": (0.384, 0.752),
    "Standard_D2s_v4": (0.096, 0.188),
    "Standard_D4s_v4": (0.192, 0.376),
    "Standard_D2ds_v4": (0.113, 0.205),
    "Standard_D2s_v5": (0.096, 0.188),
    "Standard_D4s_v5": (0.192, 0.376),
    "Standard_D8s_v5": (0.384, 0.752),
    "Standard_D16s_v5": (0.768, 1.504),
    "Standard_D2ds_v5": (0.113, 0.205),
    "Standard_D4ds_v5": (0.226, 0.41),
    "Standard_D2as_v5": (0.086, 0.178),
    "Standard_D4as_v5": (0.172, 0.356),
    "Standard_E2s_v3": (0.126, 0.218),
    "Standard_E4s_v3": (0.252, 0.436),
    "Standard_E2s_v5": (0.126, 0.218),
    "Standard_E4s_v5": (0.252, 0.436),
    "Standard_E8s_v5": (0.504, 0.872),
    "Standard_F2s_v2": (0.0846, 0.1766),
    "Standard_F4s_v2": (0.169, 0.353),
    "Standard_F8s_v2": (0.338, 0.706),
}
NO_SPOT_FAMILY_PREFIX = "Standard_B"
SPOT_SHARE = 0.2  # spot price as a share of pay-as-you-go

# Managed disks: product -> tier prefix, LRS $/month per tier (size in GiB up to).
DISK_PRODUCTS = {
    "Standard_LRS": ("Standard HDD Managed Disks", "S"),
    "StandardSSD_LRS": ("Standard SSD Managed Disks", "E"),
    "StandardSSD_ZRS": ("Standard SSD Managed Disks", "E"),
    "Premium_LRS": ("Premium SSD Managed Disks", "P"),
    "Premium_ZRS": ("Premium SSD Managed Disks", "P"),
}
# tier number -> (GiB, Standard HDD, Standard SSD, Premium SSD), LRS $/month.
DISK_MONTHLY: dict[int, tuple[int, float | None, float, float]] = {
    1: (4, None, 0.3, 0.77),
    2: (8, None, 0.6, 1.54),
    3: (16, None, 1.2, 3.08),
    4: (32, 1.54, 2.4, 5.28),
    6: (64, 3.01, 4.8, 10.21),
    10: (128, 5.89, 9.6, 19.71),
    15: (256, 11.33, 19.2, 38.02),
    20: (512, 21.76, 38.4, 73.22),
    30: (1024, 40.96, 76.8, 135.17),
    40: (2048, 77.82, 153.6, 259.05),
    50: (4096, 143.36, 307.2, 495.57),
    60: (8192, 262.14, 614.4, 946.08),
    70: (16384, 524.29, 1228.8, 1802.24),
    80: (32767, 1048.58, 2457.6, 3604.48),
}
ZRS_FACTOR = 1.5  # ZRS disks cost half as much again as LRS ones

# Public IP addresses, $/hour, by SKU (static addresses).
PUBLIC_IP_HOURLY = {"Standard": 0.005, "Basic": 0.0036}

# Region -> factor on East US prices.
REGION_FACTOR: dict[str, float] = {
    "eastus": 1.0,
    "eastus2": 1.0,
    "centralus": 1.1,
    "northcentralus": 1.1,
    "southcentralus": 1.1,
    "westus": 1.15,
    "westus2": 1.0,
    "westus3": 1.0,
    "canadacentral": 1.1,
    "northeurope": 1.1,
    "westeurope": 1.15,
    "uksouth": 1.15,
    "ukwest": 1.2,
    "francecentral": 1.2,
    "germanywestcentral": 1.2,
    "swedencentral": 1.1,
    "australiaeast": 1.3,
    "southeastasia": 1.2,
    "japaneast": 1.3,
    "centralindia": 1.1,
}
# Display names of the regions, as the price list's `location` field gives them.
REGION_LABEL: dict[str, str] = {
    "eastus": "US East",
    "eastus2": "US East 2",
    "centralus": "US Central",
    "northcentralus": "US North Central",
    "southcentralus": "US South Central",
    "westus": "US West",
    "westus2": "US West 2",
    "westus3": "US West 3",
    "canadacentral": "CA Central",
    "northeurope": "EU North",
    "westeurope": "EU West",
    "uksouth": "UK South",
    "ukwest": "UK West",
    "francecentral": "FR Central",
    "germanywestcentral": "DE West Central",
    "swedencentral": "SE Central",
    "australiaeast": "AU East",
    "southeastasia": "AP Southeast",
    "japaneast": "JA East",
    "centralindia": "IN Central",
}

# Currency -> units per USD.
EXCHANGE: dict[str, float] = {"USD": 1.0, "EUR": 0.93, "GBP": 0.79}
