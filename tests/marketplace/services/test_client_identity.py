"""Whom a request counts for in the rate limits (issue 11): IPv6 by /64, IPv4 by address, trusted proxies."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.infrastructure.rate_limits import (
    client_address,
    client_bucket,
    client_identity,
    rate_limit_client,
)


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", True),  # one /64: one household
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),  # the next /64
        ("2001:DB8:1:2::1", "2001:db8:1:2:0:0:0:1", True),  # spellings of one address
        ("fe80::1%eth0", "fe80::2", True),  # zone id dropped
        ("192.0.2.1", "192.0.2.2", False),  # IPv4: the address itself
        ("::ffff:192.0.2.1", "192.0.2.1", True),  # IPv4 mapped into IPv6 is the IPv4 address
    ],
)
def test_client_bucket_groups_ipv6_by_64_and_ipv4_by_address(first: str, second: str, same: bool) -> None:
    # when / then
    assert (client_bucket(first) == client_bucket(second)) is same
    assert (rate_limit_client(address=first) == rate_limit_client(address=second)) is same


def test_ipv6_bucket_is_the_network() -> None:
    assert client_bucket("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64"
    assert client_bucket("not an address") == "invalid"


def test_forwarded_for_is_ignored_without_trusted_proxies(settings: Any) -> None:
    # given
    settings.LADENKARTE_TRUSTED_PROXIES = 0
    settings.LADENKARTE_TRUSTED_PROXY_NETWORKS = []
    meta = {"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    # when / then
    assert client_address(meta) == "198.51.100.7"


def test_forwarded_for_is_read_only_from_a_trusted_proxy_network(settings: Any) -> None:
    # given a proxy in 10.0.0.0/8 (and ::1) in front of the app
    settings.LADENKARTE_TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8", "::1/128"]
    through_proxy = {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 2001:db8::5, 10.9.9.9"}
    direct = {"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    # when / then: the right-most address that is not a trusted proxy (anything left of it can be forged)
    assert client_address(through_proxy) == "2001:db8::5"
    assert client_address(direct) == "198.51.100.7"
    assert client_identity(through_proxy) == "2001:db8::/64"


def test_forwarded_for_by_hop_count(settings: Any) -> None:
    # given one proxy hop (the older setting)
    settings.LADENKARTE_TRUSTED_PROXIES = 1
    settings.LADENKARTE_TRUSTED_PROXY_NETWORKS = []
    meta = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9"}
    # when / then
    assert client_address(meta) == "203.0.113.9"
