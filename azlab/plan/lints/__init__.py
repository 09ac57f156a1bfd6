"""Every lint rule, in the order they run. Each reports findings with its own codes.

Codes (documented with examples in docs/lints.md):
AZL001 YAML syntax            AZL002 unknown key          AZL003 wrong type or value
AZL004 missing field          AZL010 duplicate name       AZL011 unknown subnet
AZL012 unknown schedule       AZL013 unknown group        AZL014 depends_on cycle
AZL020 subnet outside vNet    AZL021 overlapping subnets  AZL022 overlapping vNets
AZL023 IP outside subnet      AZL024 reserved IP          AZL025 duplicate IP
AZL026 subnet under /29       AZL027 malformed address    AZL030 VM and vNet regions differ
AZL040 storage account name   AZL041 container name       AZL042 resource group name
AZL043 network/subnet name    AZL044 VM name              AZL045 naming pattern (warning)
AZL046 bad naming regex       AZL050 unknown time zone    AZL051 malformed time
AZL052 malformed days         AZL053 start and stop clash  AZL054 runs while dependency is off
AZL055 starts, never stops    AZL056 bad enforce          AZL057 unknown holiday calendar
AZL060 port used twice
AZL061 keepalive too long     AZL062 management port open  AZL063 idle timeout out of range
AZL070 literal secret         AZL071 unset ${VAR}         AZL072 admin sign-in missing
AZL073 windows without password  AZL074 undeclared variable  AZL075 field takes no variables
AZL076 secret in a name or path  AZL077 credential declared plain  AZL078 malformed ${...}
AZL079 secret too short       AZL080 malformed image      AZL090 key file outside its places
AZL091 key file not a public key
AZL103 no schedule stops the VMs (warning)
AZL110 max_price without spot  AZL111 license on Linux   AZL112 hibernate on a size without it
AZL113 spot and hibernate     AZL114 failsafe without time zone
AZL115 failsafe while scheduled on
AZL130 hook or ready timeout out of range  AZL131 probe delay not under its timeout
AZL132 group script in a mixed-OS group    AZL133 required on after_start (warning)
AZL134 probes faster than Azure takes writes (warning)
`azlab import` reports four more codes of its own: they need facts a plan does not hold.
"""

from __future__ import annotations

from azlab.plan.context import Rule
from azlab.plan.lints import (
    addresses,
    admin,
    costs,
    endpoints,
    guest,
    images,
    names,
    references,
    running,
    schedules,
)

RULES: list[Rule] = [
    *references.RULES,
    *addresses.RULES,
    *names.RULES,
    *schedules.RULES,
    *endpoints.RULES,
    *admin.RULES,
    *images.RULES,
    *running.RULES,
    *costs.RULES,
    *guest.RULES,
]
