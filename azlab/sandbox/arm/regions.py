"""The regions the sandbox offers, as `GET /subscriptions/{id}/locations` describes them."""

from __future__ import annotations

from dataclasses import dataclass

from azlab.sandbox.arm.core import Json


@dataclass(frozen=True)
class Region:
    name: str
    display: str
    geography: str  # geographyGroup, also the prefix of regionalDisplayName
    place: str  # physicalLocation
    latitude: str
    longitude: str
    paired: str
    zones: bool = True
    # Whether the sandbox's catalog (VM sizes, disk SKUs) offers this region.
    catalog: bool = True

    def as_location(self, subscription: str) -> Json:
        base = f"/subscriptions/{subscription}/locations"
        location: Json = {
            "id": f"{base}/{self.name}",
            "name": self.name,
            "type": "Region",
            "displayName": self.display,
            "regionalDisplayName": f"({self.geography}) {self.display}",
            "metadata": {
                "regionType": "Physical",
                "regionCategory": "Recommended",
                "geographyGroup": self.geography,
                "longitude": self.longitude,
                "latitude": self.latitude,
                "physicalLocation": self.place,
                "pairedRegion": [{"name": self.paired, "id": f"{base}/{self.paired}"}],
            },
        }
        if self.zones:
            location["availabilityZoneMappings"] = [
                {"logicalZone": zone, "physicalZone": f"{self.name}-az{zone}"}
                for zone in ("1", "2", "3")
            ]
        return location


REGIONS = (
    Region("eastus", "East US", "US", "Virginia", "37.3719", "-79.8164", "westus"),
    Region("eastus2", "East US 2", "US", "Virginia", "36.6681", "-78.3889", "centralus"),
    Region("centralus", "Central US", "US", "Iowa", "41.5908", "-93.6208", "eastus2"),
    Region(
        "northcentralus",
        "North Central US",
        "US",
        "Illinois",
        "41.8819",
        "-87.6278",
        "southcentralus",
        zones=False,
    ),
    Region(
        "southcentralus", "South Central US", "US", "Texas", "29.4167", "-98.5", "northcentralus"
    ),
    Region(
        "westcentralus",
        "West Central US",
        "US",
        "Wyoming",
        "40.89",
        "-110.234",
        "westus2",
        zones=False,
        catalog=False,
    ),
    Region("westus", "West US", "US", "California", "37.783", "-122.417", "eastus", zones=False),
    Region("westus2", "West US 2", "US", "Washington", "47.233", "-119.852", "westcentralus"),
    Region("westus3", "West US 3", "US", "Phoenix", "33.448376", "-112.074036", "eastus"),
    Region(
        "canadacentral", "Canada Central", "Canada", "Toronto", "43.653", "-79.383", "canadaeast"
    ),
    Region(
        "canadaeast",
        "Canada East",
        "Canada",
        "Quebec",
        "46.817",
        "-71.217",
        "canadacentral",
        zones=False,
        catalog=False,
    ),
    Region(
        "brazilsouth",
        "Brazil South",
        "South America",
        "Sao Paulo State",
        "-23.55",
        "-46.633",
        "southcentralus",
        catalog=False,
    ),
    Region("northeurope", "North Europe", "Europe", "Ireland", "53.3478", "-6.2597", "westeurope"),
    Region("westeurope", "West Europe", "Europe", "Netherlands", "52.3667", "4.9", "northeurope"),
    Region("uksouth", "UK South", "Europe", "London", "50.941", "-0.799", "ukwest"),
    Region("ukwest", "UK West", "Europe", "Cardiff", "53.427", "-3.084", "uksouth", zones=False),
    Region("francecentral", "France Central", "Europe", "Paris", "46.3772", "2.373", "francesouth"),
    Region(
        "germanywestcentral",
        "Germany West Central",
        "Europe",
        "Frankfurt",
        "50.110924",
        "8.682127",
        "germanynorth",
    ),
    Region(
        "swedencentral", "Sweden Central", "Europe", "Gävle", "60.67488", "17.14127", "swedensouth"
    ),
    Region(
        "switzerlandnorth",
        "Switzerland North",
        "Europe",
        "Zurich",
        "47.451542",
        "8.564572",
        "switzerlandwest",
        catalog=False,
    ),
    Region(
        "eastasia",
        "East Asia",
        "Asia Pacific",
        "Hong Kong",
        "22.267",
        "114.188",
        "southeastasia",
        catalog=False,
    ),
    Region(
        "southeastasia",
        "Southeast Asia",
        "Asia Pacific",
        "Singapore",
        "1.283",
        "103.833",
        "eastasia",
    ),
    Region(
        "japaneast", "Japan East", "Asia Pacific", "Tokyo, Saitama", "35.68", "139.77", "japanwest"
    ),
    Region(
        "koreacentral",
        "Korea Central",
        "Asia Pacific",
        "Seoul",
        "37.5665",
        "126.978",
        "koreasouth",
        catalog=False,
    ),
    Region(
        "australiaeast",
        "Australia East",
        "Asia Pacific",
        "New South Wales",
        "-33.86",
        "151.2094",
        "australiasoutheast",
    ),
    Region(
        "centralindia", "Central India", "Asia Pacific", "Pune", "18.5822", "73.9197", "southindia"
    ),
    Region(
        "southafricanorth",
        "South Africa North",
        "Africa",
        "Johannesburg",
        "-25.73134",
        "28.21837",
        "southafricawest",
        catalog=False,
    ),
    Region(
        "uaenorth",
        "UAE North",
        "Middle East",
        "Dubai",
        "25.266666",
        "55.316666",
        "uaecentral",
        catalog=False,
    ),
)


def display_names() -> list[str]:
    """What a provider's resource types list as their locations."""
    return [region.display for region in REGIONS]


def normalise_region(name: object) -> str:
    """The programmatic name of a region given by its name or display name: "West US" is `westus`."""
    return "".join(str(name).split()).lower()


def same_region(a: object, b: object) -> bool:
    return normalise_region(a) == normalise_region(b)
