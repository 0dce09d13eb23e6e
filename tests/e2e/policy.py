"""Every browser test proves the app runs under its Content-Security-Policy and Trusted Types:
each page of every context reports what the policy blocked, and the test fails at teardown
(conftest.py's `no_policy_violations`).

A page reports through the `securitypolicyviolation` event (CSP and Trusted Types both fire it,
even when the app catches the TypeError a refused assignment throws); chromium's console
message for a violation is kept too, for what happens outside a document (the service worker).
"""

REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportPolicyViolation(`${event.effectiveDirective}: blocked ${event.blockedURI || "?"}`
    + ` at ${event.sourceFile || location.href}:${event.lineNumber} (${event.sample})`);
}, true);
"""

# The console's words for a CSP or Trusted Types refusal.
CONSOLE_MARKS = ("Content Security Policy", "Trusted Type", "TrustedHTML", "TrustedScript")


def watch(context, violations):
    """Appends to `violations` whatever the policy blocks in any page of `context`."""
    context.expose_binding(
        "__reportPolicyViolation", lambda source, text: violations.append(f"{source['page'].url}: {text}")
    )
    context.add_init_script(REPORTER)

    def on_console(message):
        if any(mark in message.text for mark in CONSOLE_MARKS):
            violations.append(f"console: {message.text}")

    context.on("console", on_console)


class PolicedBrowser:
    """The browser, each of whose new contexts reports policy violations into `violations`.
    Anything else is the browser's own."""

    def __init__(self, browser):
        self._browser = browser
        self.violations = []

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        watch(context, self.violations)
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)
