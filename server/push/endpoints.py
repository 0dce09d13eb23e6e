"""Where the server may send a Web Push message, checked when a browser subscribes and again, on
the address actually connected to, when each message goes out.

A subscription's endpoint is a URL the caller chose, and the server later POSTs to it: unchecked,
any volunteer could make the server call its own network (a database port, a cloud metadata
address, an admin page on the LAN). A push service is a public HTTPS service, so an endpoint must
be `https` on a host whose every address is public. The name is resolved when the browser
subscribes, and again when a message is sent: the sending session (requests-hardened) resolves
it, refuses a non-public address, and connects to the very address it checked, so a name that
resolves differently later (DNS rebinding) cannot slip through between the check and the
connection. Redirects are never followed.

PUSH_TEST_LOOPBACK (SOTAY_TEST_PUSH_LOOPBACK=1) lets a test run its push service on this
machine: it admits http and loopback addresses, nothing else. It is off by default and is never
for production.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from requests_hardened import Config as SessionConfig, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter

MAX_ENDPOINT = 2048
# Blocks that ipaddress calls global but that carry, or translate to, another address, which
# may be a private one: NAT64, 6to4 and its relay.
TRANSLATING_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "192.88.99.0/24")
)

REFUSED_ADDRESS = "Địa chỉ này thuộc mạng nội bộ hoặc dành riêng; chỉ chấp nhận dịch vụ thông báo đẩy trên Internet"


def is_public_address(address, allow_loopback=False):
    """True for an address on the public Internet: not loopback, private, link-local, unique-local,
    site-local, CGNAT, multicast, reserved, unspecified, documentation, nor one that embeds another."""
    address = ipaddress.ip_address(address)
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if allow_loopback and address.is_loopback:
        return True
    if address.version == 6 and address.is_site_local:
        return False
    return (
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not any(address in network for network in TRANSLATING_NETWORKS)
    )


def endpoint_problem(endpoint, config, resolve=True):
    """Why the server must not send to this endpoint, as a message for the caller, or None.

    `resolve`: also look the host up and check every address it has (when a browser subscribes);
    at send time the sending session checks the address it connects to instead.
    """
    if len(endpoint) > MAX_ENDPOINT:
        return f"Tối đa {MAX_ENDPOINT} ký tự"
    if not endpoint.isascii() or not endpoint.isprintable() or " " in endpoint:
        return "Địa chỉ chỉ gồm ký tự ASCII in được, không có khoảng trắng"
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return "Địa chỉ không hợp lệ"
    test_loopback = bool(config.get("PUSH_TEST_LOOPBACK"))
    schemes = ("https", "http") if test_loopback else ("https",)
    if parts.scheme not in schemes or not host:
        return "Phải là một địa chỉ https"
    allowed = config.get("PUSH_ENDPOINT_HOSTS") or []
    if allowed and not any(host == name or host.endswith("." + name) for name in allowed):
        return "Dịch vụ thông báo đẩy này không được chấp nhận"
    if not resolve:
        return None
    try:
        addresses = {
            info[4][0]
            for info in socket.getaddrinfo(
                host, port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
            )
        }
    except (socket.gaierror, UnicodeError, OSError):
        return "Không tìm thấy máy chủ của dịch vụ thông báo đẩy này"
    if not addresses or not all(is_public_address(a.split("%")[0], allow_loopback=test_loopback) for a in addresses):
        return REFUSED_ADDRESS
    if parts.scheme == "http" and not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        return "Phải là một địa chỉ https"
    return None


class PublicAddressAdapter(IPFilterAdapter):
    """requests-hardened's adapter (resolve the name once, refuse a private address, connect to the
    address checked, TLS still verified against the name), held to is_public_address as well."""

    def __init__(self, is_https_proto, allow_loopback):
        super().__init__(is_https_proto=is_https_proto, allow_loopback=allow_loopback)
        self.loopback_allowed = allow_loopback

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if not is_public_address(host_params["host"].strip("[]"), allow_loopback=self.loopback_allowed):
            raise InvalidIPAddress(host_params["host"])
        return host_params, pool_kwargs


def sending_session(config, timeout):
    """A requests session that connects only to public addresses (loopback too under
    PUSH_TEST_LOOPBACK), to the very address it checked, and never follows a redirect."""
    session = HTTPSession(
        SessionConfig(
            ip_filter_enable=False, ip_filter_allow_loopback_ips=False, never_redirect=True, default_timeout=timeout
        )
    )
    loopback = bool(config.get("PUSH_TEST_LOOPBACK"))
    session.mount("https://", PublicAddressAdapter(is_https_proto=True, allow_loopback=loopback))
    session.mount("http://", PublicAddressAdapter(is_https_proto=False, allow_loopback=loopback))
    return session


# Raised by the sending session for an address it refuses to connect to.
RefusedAddress = InvalidIPAddress
