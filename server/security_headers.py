"""Browser security headers on every response: what a page of ours may load and run, who may
frame it, what it tells other sites, and that API answers (personal data) are never kept in a
browser's or a proxy's HTTP cache.

The PWA is plain ES modules from this origin (no inline script or style, no eval, nothing
from a CDN), and builds its DOM with textContent, never from HTML strings (pwa/js/dom.js), so
the policy can be as strict as the browser allows: a bug that slipped user text into HTML
would be a blocked, reported violation rather than running script.
"""

from flask import request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # Styles come from css/app.css only; the app sets positions through CSSOM (element.style),
        # which a policy does not govern, and never writes a style attribute or element.
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        # No string ever reaches an HTML or script sink (innerHTML, document.write, eval, a script's
        # src): the browser refuses such an assignment outright. The one policy allowed, "sw", is
        # made once by pwa/js/app.js and can only name the service worker, /sw.js.
        "require-trusted-types-for 'script'",
        "trusted-types sw",
    )
)

# Powerful features the app never uses, so no script (ours or injected) can ask for them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # frame-ancestors 'none' says the same to browsers that read CSP; this, to those that do not.
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

# Sent only over HTTPS as the app sees it: a TLS proxy in front must say so in
# X-Forwarded-Proto, which the app trusts when PROXY_HOPS is set (README).
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def add_security_headers(response):
    response.headers.update(HEADERS)
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    # API answers hold personal data (a report download is a file of citizens' records) and the
    # app keeps what it needs in IndexedDB: no HTTP cache may store any of them, whatever the
    # code that made the answer set.
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Last-Modified", None)
    return response


def register_security_headers(app):
    app.after_request(add_security_headers)
