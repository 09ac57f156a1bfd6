"""The sandbox's catalog as plain data: VM sizes, disk SKUs, regions and marketplace images.

Figures are those Azure publishes for each size; the images are the ones labs
use, each with a few dated versions, newest last. Hibernation is supported as
Azure's hibernation overview lists it: the Dsv5, Ddsv5, Dasv5, Dadsv5, Esv5,
Edsv5, Easv5 and Eadsv5 series, up to 64 GB of memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from azlab.sandbox.arm.regions import REGIONS as ALL_REGIONS


@dataclass(frozen=True)
class Size:
    name: str
    family: str
    vcpus: int
    memory_gb: float
    max_data_disks: int
    temp_disk_mb: int  # 0: the size has no local temporary disk
    premium_io: bool
    hibernation: bool  # HibernationSupported
    nics: int = 2
    generations: str = "V1,V2"


SIZES = (
    Size("Standard_B1s", "standardBSFamily", 1, 1, 2, 4096, True, False),
    Size("Standard_B1ms", "standardBSFamily", 1, 2, 2, 4096, True, False),
    Size("Standard_B2s", "standardBSFamily", 2, 4, 4, 8192, True, False, 3),
    Size("Standard_B2ms", "standardBSFamily", 2, 8, 4, 16384, True, False, 3),
    Size("Standard_B4ms", "standardBSFamily", 4, 16, 8, 32768, True, False, 4),
    Size("Standard_B8ms", "standardBSFamily", 8, 32, 16, 65536, True, False, 4),
    Size("Standard_DS1_v2", "standardDSv2Family", 1, 3.5, 4, 7168, True, False),
    Size("Standard_DS2_v2", "standardDSv2Family", 2, 7, 8, 14336, True, False),
    Size("Standard_D2_v3", "standardDv3Family", 2, 8, 4, 51200, False, False),
    Size("Standard_D4_v3", "standardDv3Family", 4, 16, 8, 102400, False, False),
    Size("Standard_D2s_v3", "standardDSv3Family", 2, 8, 4, 16384, True, False),
    Size("Standard_D4s_v3", "standardDSv3Family", 4, 16, 8, 32768, True, False),
    Size("Standard_D8s_v3", "standardDSv3Family", 8, 32, 16, 65536, True, False, 4),
    Size("Standard_D2s_v4", "standardDSv4Family", 2, 8, 4, 0, True, False),
    Size("Standard_D4s_v4", "standardDSv4Family", 4, 16, 8, 0, True, False),
    Size("Standard_D2ds_v4", "standardDDSv4Family", 2, 8, 4, 76800, True, False),
    Size("Standard_D2s_v5", "standardDSv5Family", 2, 8, 4, 0, True, True),
    Size("Standard_D4s_v5", "standardDSv5Family", 4, 16, 8, 0, True, True),
    Size("Standard_D8s_v5", "standardDSv5Family", 8, 32, 16, 0, True, True, 4),
    Size("Standard_D16s_v5", "standardDSv5Family", 16, 64, 32, 0, True, True, 8),
    Size("Standard_D2ds_v5", "standardDDSv5Family", 2, 8, 4, 76800, True, True),
    Size("Standard_D4ds_v5", "standardDDSv5Family", 4, 16, 8, 153600, True, True),
    Size("Standard_D2as_v5", "standardDASv5Family", 2, 8, 4, 0, True, True),
    Size("Standard_D4as_v5", "standardDASv5Family", 4, 16, 8, 0, True, True),
    Size("Standard_E2s_v3", "standardESv3Family", 2, 16, 4, 32768, True, False),
    Size("Standard_E4s_v3", "standardESv3Family", 4, 32, 8, 65536, True, False),
    Size("Standard_E2s_v5", "standardESv5Family", 2, 16, 4, 0, True, True),
    Size("Standard_E4s_v5", "standardESv5Family", 4, 32, 8, 0, True, True),
    Size("Standard_E8s_v5", "standardESv5Family", 8, 64, 16, 0, True, True, 4),
    Size("Standard_F2s_v2", "standardFSv2Family", 2, 4, 4, 16384, True, False),
    Size("Standard_F4s_v2", "standardFSv2Family", 4, 8, 8, 32768, True, False),
    Size("Standard_F8s_v2", "standardFSv2Family", 8, 16, 16, 65536, True, False, 4),
)
OS_DISK_MB = 1047552  # the largest OS disk every size takes

# name -> (tier, smallest and largest size in GiB)
DISK_SKUS = {
    "Standard_LRS": ("Standard", 4, 32767),
    "StandardSSD_LRS": ("Standard", 4, 32767),
    "StandardSSD_ZRS": ("Standard", 4, 32767),
    "Premium_LRS": ("Premium", 4, 32767),
    "Premium_ZRS": ("Premium", 4, 32767),
    "PremiumV2_LRS": ("Premium", 1, 65536),
}

# Regions with the catalog, and those without availability zones, from the location list.
REGIONS = tuple(region.name for region in ALL_REGIONS if region.catalog)
NO_ZONES = frozenset(region.name for region in ALL_REGIONS if not region.zones)


@dataclass(frozen=True)
class Image:
    publisher: str
    offer: str
    sku: str
    os: str  # Windows or Linux
    versions: tuple[str, ...]  # oldest first
    generation: str = "V1"
    architecture: str = "x64"


def _windows(sku: str, versions: tuple[str, ...], generation: str = "V1") -> Image:
    return Image("MicrosoftWindowsServer", "WindowsServer", sku, "Windows", versions, generation)


_WS2012 = ("9600.21620.231004", "9600.21660.241010")
_WS2016 = ("14393.7336.240906", "14393.7428.241004")
_WS2019 = ("17763.6293.240905", "17763.6414.241004")
_WS2022 = ("20348.2762.241006", "20348.2849.241106")
_WS2025 = ("26100.2033.241004", "26100.2314.241107")
_SQL2019 = ("15.0.241009", "15.0.241109")
_SQL2022 = ("16.0.241009", "16.0.241109")
_FOCAL = ("20.04.202409110", "20.04.202410020")
_JAMMY = ("22.04.202410020", "22.04.202411010")
_NOBLE = ("24.04.202410090", "24.04.202411030")
_RHEL8 = ("8.10.2024082917", "8.10.2024100219")
_RHEL9 = ("9.4.2024081521", "9.4.2024101707")
_DEBIAN11 = ("0.20241004.1890", "0.20241111.1927")
_DEBIAN12 = ("0.20241004.1890", "0.20241111.1927")

IMAGES = (
    _windows("2012-R2-Datacenter", _WS2012),
    _windows("2012-r2-datacenter-gensecond", _WS2012, "V2"),
    _windows("2016-Datacenter", _WS2016),
    _windows("2016-datacenter-gensecond", _WS2016, "V2"),
    _windows("2019-Datacenter", _WS2019),
    _windows("2019-datacenter-gensecond", _WS2019, "V2"),
    _windows("2022-datacenter", _WS2022),
    _windows("2022-datacenter-g2", _WS2022, "V2"),
    _windows("2022-datacenter-azure-edition", _WS2022, "V2"),
    _windows("2025-datacenter", _WS2025),
    _windows("2025-datacenter-g2", _WS2025, "V2"),
    _windows("2025-datacenter-azure-edition", _WS2025, "V2"),
    *(
        Image("MicrosoftSQLServer", "sql2019-ws2019", sku, "Windows", _SQL2019)
        for sku in ("enterprise", "standard", "sqldev", "web", "express")
    ),
    *(
        Image("MicrosoftSQLServer", "sql2019-ws2022", sku, "Windows", _SQL2019, "V2")
        for sku in ("enterprise-gen2", "standard-gen2", "sqldev-gen2")
    ),
    *(
        Image("MicrosoftSQLServer", "sql2022-ws2022", sku, "Windows", _SQL2022, generation)
        for sku, generation in (
            ("enterprise-gen2", "V2"),
            ("standard-gen2", "V2"),
            ("sqldev-gen2", "V2"),
            ("web-gen2", "V2"),
            ("express-gen2", "V2"),
            ("enterprise", "V1"),
            ("standard", "V1"),
            ("sqldev", "V1"),
        )
    ),
    Image("Canonical", "0001-com-ubuntu-server-focal", "20_04-lts", "Linux", _FOCAL),
    Image("Canonical", "0001-com-ubuntu-server-focal", "20_04-lts-gen2", "Linux", _FOCAL, "V2"),
    Image("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts", "Linux", _JAMMY),
    Image("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "Linux", _JAMMY, "V2"),
    Image(
        "Canonical",
        "0001-com-ubuntu-server-jammy",
        "22_04-lts-arm64",
        "Linux",
        _JAMMY,
        "V2",
        "Arm64",
    ),
    Image("Canonical", "ubuntu-24_04-lts", "server", "Linux", _NOBLE, "V2"),
    Image("Canonical", "ubuntu-24_04-lts", "server-gen1", "Linux", _NOBLE),
    Image("Canonical", "ubuntu-24_04-lts", "minimal", "Linux", _NOBLE, "V2"),
    Image("Canonical", "ubuntu-24_04-lts", "server-arm64", "Linux", _NOBLE, "V2", "Arm64"),
    Image("RedHat", "RHEL", "8-lvm", "Linux", _RHEL8),
    Image("RedHat", "RHEL", "8-lvm-gen2", "Linux", _RHEL8, "V2"),
    Image("RedHat", "RHEL", "9-lvm", "Linux", _RHEL9),
    Image("RedHat", "RHEL", "9-lvm-gen2", "Linux", _RHEL9, "V2"),
    Image("Debian", "debian-11", "11", "Linux", _DEBIAN11),
    Image("Debian", "debian-11", "11-gen2", "Linux", _DEBIAN11, "V2"),
    Image("Debian", "debian-12", "12", "Linux", _DEBIAN12),
    Image("Debian", "debian-12", "12-gen2", "Linux", _DEBIAN12, "V2"),
    Image("Debian", "debian-12", "12-arm64", "Linux", _DEBIAN12, "V2", "Arm64"),
)

# Publishers whose images are Windows, for images outside the catalog (a lab's own choice).
WINDOWS_PUBLISHERS = frozenset(
    {
        "microsoftwindowsserver",
        "microsoftsqlserver",
        "microsoftwindowsdesktop",
        "microsoftvisualstudio",
        "microsoftsharepoint",
        "microsoftdynamicsax",
        "microsoftbiztalkserver",
    }
)
