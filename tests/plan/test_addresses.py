"""Property tests for the address arithmetic the lints rely on."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from azlab.plan.lints.addresses import parse_network, reserved_addresses

networks = st.builds(
    lambda addr, length: ipaddress.IPv4Network((addr, length), strict=False),
    st.integers(0, 2**32 - 1),
    st.integers(8, 29),
)


@given(networks)
def test_five_addresses_are_reserved_inside_every_subnet(net: ipaddress.IPv4Network) -> None:
    reserved = reserved_addresses(net)
    assert len(reserved) == 5
    assert all(a in net for a in reserved)
    assert net.network_address in reserved
    assert net.broadcast_address in reserved
    usable = net.num_addresses - 5
    assert usable >= 3


@given(networks, st.integers(0, 3))
def test_a_subnet_cut_from_a_space_is_inside_it(space: ipaddress.IPv4Network, extra: int) -> None:
    length = min(29, space.prefixlen + extra)
    sub = next(space.subnets(new_prefix=length))
    assert sub.subnet_of(space)
    assert sub.overlaps(space)


@given(networks)
def test_sibling_halves_never_overlap(net: ipaddress.IPv4Network) -> None:
    if net.prefixlen >= 29:
        return
    low, high = net.subnets(prefixlen_diff=1)
    assert not low.overlaps(high)
    assert low.subnet_of(net) and high.subnet_of(net)


@given(networks)
def test_parse_network_accepts_canonical_and_refuses_host_bits(net: ipaddress.IPv4Network) -> None:
    assert parse_network(str(net)) == net
    if net.num_addresses > 1:
        host = ipaddress.IPv4Address(int(net.network_address) + 1)
        assert parse_network(f"{host}/{net.prefixlen}") is None
