"""Microsoft's error codes in plain words, each with the next step to take.

Two tables: AADSTS codes from the identity platform
(https://learn.microsoft.com/entra/identity-platform/reference-error-codes; the consent codes
90094/90095 and 65001 also from
https://learn.microsoft.com/entra/identity/enterprise-apps/application-sign-in-unexpected-user-consent-error)
and Graph error codes (https://learn.microsoft.com/graph/errors). Anything not
listed falls back to Microsoft's own message, never to silence.
"""

from __future__ import annotations

import re

MANUAL = "Use the guided manual mode instead: run `m365-wizard --manual` and hand the checklist to your Entra admin."

# code -> (plain words, next step)
AADSTS: dict[str, tuple[str, str]] = {
    "50011": (
        "The redirect URI sent at sign-in does not match any redirect URI registered on the app.",
        "Compare the vendor's redirect URI letter by letter with the registration (re-run the wizard's verify).",
    ),
    "50020": ("This account is from another tenant and is not a member of this one.", "Sign in with an account of the target tenant, or pass --tenant."),
    "50005": ("Your organisation requires sign-in from a managed device, which the device-code flow cannot prove.", MANUAL),
    "50097": ("Your organisation requires device authentication, which the device-code flow cannot provide.", MANUAL),
    "50076": ("Multi-factor authentication is required for this sign-in.", "Complete MFA in the browser where you entered the code, then try again."),
    "50079": ("You must register for multi-factor authentication first.", "Register MFA at https://aka.ms/mfasetup, then sign in again."),
    "53003": ("Sign-in was blocked by a Conditional Access policy of your organisation.", MANUAL),
    "53000": ("A Conditional Access policy requires a compliant device.", MANUAL),
    "54005": (
        "That sign-in address was already used once; each one works a single time.",
        "Start the sign-in again and paste the new address.",
    ),
    "70008": (
        "The sign-in address expired before it was pasted (it works for about 10 minutes).",
        "Start the sign-in again and paste the address within a few minutes.",
    ),
    "501481": (
        "The sign-in address belongs to another sign-in attempt than the one this wizard started.",
        "Start the sign-in again, open the new link, and paste the address that sign-in lands on.",
    ),
    "500112": (
        "The sign-in address does not match the redirect address this sign-in asked for.",
        "Start the sign-in again and paste the address from that sign-in.",
    ),
    "65001": ("Consent has not been granted for this application.", "An administrator must grant admin consent (the wizard's consent step)."),
    "65004": ("The user declined to consent to the application.", "Sign in again and accept the permissions, or ask an administrator to grant consent."),
    "70016": ("Sign-in has not been completed yet.", "Enter the code in the browser and finish signing in."),
    "70019": ("The sign-in code expired before it was used.", "Start the sign-in again and enter the new code within 15 minutes."),
    "700016": (
        "Microsoft does not know this application (client) ID in this tenant yet, or it is wrong.",
        "If the app was just created, wait a minute: Microsoft is still replicating it. Otherwise check the client ID and the tenant.",
    ),
    "7000229": (
        "Sign-in does not know this app's enterprise application (service principal) in this tenant yet, or it is missing.",
        "If it was just created, wait a minute: sign-in learns new objects later than Graph shows them. Otherwise "
        "re-run the wizard: it creates the enterprise application.",
    ),
    "7000215": (
        "The client secret is not valid. Often the secret's ID was pasted instead of its value, or a new secret is not active yet.",
        "Use the secret VALUE (not the Secret ID). A new secret can take up to a minute to work.",
    ),
    "7000222": (
        "The client secret has expired (a brand-new secret can also be reported this way for a few seconds).",
        "Create a new client secret (m365-wizard rotate) and update the vendor's configuration.",
    ),
    "7000218": (
        "The sign-in app does not allow public client flows, so device-code sign-in is refused.",
        "In the Entra admin center open that app > Authentication > 'Allow public client flows' = Yes,"
        " or omit --client-id to use Microsoft Graph Command Line Tools, or run `m365-wizard --manual`.",
    ),
    "50105": (
        "Your account is not assigned to the sign-in app, and that app requires assignment (Entra > Enterprise "
        "applications > the app > Properties: 'Assignment required?' is Yes).",
        "Ask an admin to add your account under that enterprise app's Users and groups, or to set 'Assignment "
        "required?' to No; or sign in with an account that is assigned.",
    ),
    "50126": (
        "The user name or password is wrong.",
        "Sign in again with the right password (a new or reset password may need to be changed first at https://myaccount.microsoft.com).",
    ),
    "7000112": (
        "The application is disabled in this tenant (its enterprise application has 'Enabled for users to sign in?' set to No, "
        "or Microsoft disabled it).",
        "In Entra > Enterprise applications open the app > Properties and set 'Enabled for users to sign in?' to Yes; "
        "if Microsoft disabled it, see the app's notice in the admin center.",
    ),
    "90094": (
        "The sign-in app needs permissions that only an administrator can grant for your organisation.",
        "Sign in as an administrator and accept 'Consent on behalf of your organization', or ask an admin to "
        "grant consent to the sign-in app (Entra > Enterprise applications > the app > Permissions).",
    ),
    "90095": (
        "The sign-in app needs an administrator's approval; your organisation routes such requests to its admins "
        "(admin consent workflow).",
        "Send the approval request from the browser page, wait for an admin to approve it, then sign in again; "
        "or ask an admin to run the wizard.",
    ),
    "500011": (
        "The API the token was asked for has no service principal in this tenant (for Exchange Online: the tenant "
        "has no Exchange Online, or the resource belongs to another Microsoft cloud).",
        "Check that the tenant has Exchange Online (or the API's licence) and that --cloud matches the tenant's "
        "cloud; then run the token test again.",
    ),
    "90002": ("That tenant does not exist or has no active subscription.", "Check the tenant domain or ID passed with --tenant."),
    "900023": ("The tenant name is not valid.", "Pass a tenant domain such as contoso.com or a tenant GUID with --tenant."),
    "500113": ("No reply address is registered for the application.", "Add the vendor's redirect URI (re-run the wizard's verify and repair)."),
}

# The same code means something more precise where it arises: (code, when) -> (plain words, next step).
# when: "refresh" (MSAL's silent token refresh during a run), "sign_in" (the admin's own sign-in,
# whose scopes are the sign-in client's: Microsoft Graph Command Line Tools or --client-id).
AADSTS_WHEN: dict[tuple[str, str], tuple[str, str]] = {
    ("50076", "refresh"): (
        "Microsoft wants multi-factor authentication again before it renews your sign-in (a policy change, "
        "a new location, or the MFA session ran out), so the wizard cannot continue silently.",
        "Sign in again (run the wizard again: it continues where it stopped) and complete MFA in the browser.",
    ),
    ("50076", "sign_in"): (
        "Multi-factor authentication is required for this sign-in.",
        "Complete MFA in the browser where you entered the code, then try again.",
    ),
    ("65001", "sign_in"): (
        "Nobody has consented yet to the sign-in app's own permissions (the scopes the wizard asks for when you "
        "sign in, such as Application.ReadWrite.All).",
        "Sign in as an administrator and accept 'Consent on behalf of your organization', or ask an admin to grant "
        "consent to Microsoft Graph Command Line Tools (or the --client-id app) in Entra > Enterprise applications.",
    ),
    ("65001", "refresh"): (
        "The consent for the sign-in app's permissions was removed while the wizard ran.",
        "Ask an administrator to grant consent to the sign-in app again, then sign in again.",
    ),
}

# Graph error code -> (plain words, next step)
GRAPH: dict[str, tuple[str, str]] = {
    "Authorization_RequestDenied": (
        "Your account is not allowed to do this in the directory.",
        "Sign in as an Application Administrator, a Cloud Application Administrator or a Global Administrator (app-role consent on Microsoft Graph or Exchange needs a Global Administrator or Privileged Role Administrator).",
    ),
    "Request_ResourceNotFound": (
        "The object was not found. A new object may still be replicating inside Microsoft.",
        "Wait a minute and run the wizard again; it continues where it stopped.",
    ),
    "Request_BadRequest": ("Microsoft Graph rejected the request as malformed.", "Check the values you entered; report it with the request ids if they are right."),
    "Request_UnsupportedQuery": ("Microsoft Graph does not support that query.", "Report it with the request ids."),
    "CredentialInvalidLifetimeAsPerAppPolicy": (
        "Your organisation's app-management policy does not allow a client secret that long.",
        "Choose a shorter secret lifetime (the wizard offers the longest the policy allows).",
    ),
    "InvalidAuthenticationToken": ("The sign-in token was rejected or has expired.", "Sign in again."),
    "Authentication_ExpiredToken": ("The sign-in token has expired.", "Sign in again."),
    "TooManyRequests": ("Microsoft Graph is throttling requests.", "Wait a few minutes and run the wizard again."),
    "serviceNotAvailable": ("Microsoft Graph is temporarily unavailable.", "Wait a few minutes and run the wizard again."),
    "ServiceUnavailable": ("Microsoft Graph is temporarily unavailable.", "Wait a few minutes and run the wizard again."),
    "Directory_QuotaExceeded": ("The directory's object quota is used up.", "Delete unused app registrations or ask Microsoft support to raise the quota."),
    "ObjectConflict": ("An object with the same unique value already exists.", "Verify the existing registration instead of creating a new one."),
}

STATUS: dict[int, tuple[str, str]] = {
    400: ("Microsoft Graph rejected the request.", "Check the values you entered."),
    401: ("The sign-in is no longer valid.", "Sign in again."),
    403: GRAPH["Authorization_RequestDenied"],
    404: GRAPH["Request_ResourceNotFound"],
    409: GRAPH["ObjectConflict"],
    429: GRAPH["TooManyRequests"],
    500: ("Microsoft Graph had an internal error.", "Wait a minute and run the wizard again."),
    503: GRAPH["ServiceUnavailable"],
    504: ("Microsoft Graph timed out.", "Wait a minute and run the wizard again."),
}

# Device authorization grant errors (RFC 8628 section 3.5 and
# https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code#expected-errors).
# `authorization_pending` and `slow_down` are not failures: the poller keeps waiting.
DEVICE_FLOW: dict[str, tuple[str, str]] = {
    "authorization_declined": (
        "The sign-in was declined in the browser.",
        "Start the sign-in again and choose Accept (or Continue) after entering the code.",
    ),
    "expired_token": (
        "The sign-in code expired before the sign-in was finished.",
        "Start the sign-in again and enter the new code within 15 minutes.",
    ),
    "bad_verification_code": (
        "Microsoft did not recognise the sign-in code.",
        "Start the sign-in again and type the new code exactly as shown.",
    ),
}

_AADSTS_RE = re.compile(r"AADSTS(\d+)")


def aadsts_code(text: str) -> str:
    """The first AADSTS number in a message ('' if none): 'AADSTS7000215: …' → '7000215'."""
    match = _AADSTS_RE.search(text or "")
    return match.group(1) if match else ""


def explain_aadsts(code: str, description: str = "") -> tuple[str, str]:
    """Plain words and next step for an AADSTS code (digits, with or without 'AADSTS')."""
    code = code.removeprefix("AADSTS") if code else aadsts_code(description)
    if code in AADSTS:
        return AADSTS[code]
    first_line = (description or "").split("\r\n")[0].split("\n")[0]
    plain = f"Microsoft sign-in refused the request: {first_line}" if first_line else "Microsoft sign-in refused the request."
    return plain, "Check the message above; search the AADSTS code at https://login.microsoftonline.com/error."


def explain_signin(error: str, description: str = "", when: str = "") -> tuple[str, str, str]:
    """Plain words, next step and code for a failed token or device-code response.

    An AADSTS number in the description wins (it is the more precise reason, e.g.
    AADSTS53003 Conditional Access arrives as `invalid_grant`); otherwise the OAuth
    `error` value is explained. Returns (plain, next_step, code) where code is
    'AADSTS53003' or the OAuth error name.
    """
    number = aadsts_code(description)
    if number and (number, when) in AADSTS_WHEN:
        plain, next_step = AADSTS_WHEN[(number, when)]
        return plain, next_step, f"AADSTS{number}"
    if number and number in AADSTS:
        plain, next_step = AADSTS[number]
        return plain, next_step, f"AADSTS{number}"
    if error in DEVICE_FLOW:
        plain, next_step = DEVICE_FLOW[error]
        return plain, next_step, error
    plain, next_step = explain_aadsts(number, description)
    return plain, next_step, f"AADSTS{number}" if number else (error or "")


def explain_graph(status: int, code: str, message: str = "") -> tuple[str, str]:
    """Plain words and next step for a Graph error response."""
    if code in GRAPH:
        plain, next_step = GRAPH[code]
    elif status in STATUS:
        plain, next_step = STATUS[status]
    else:
        plain, next_step = f"Microsoft Graph answered with status {status}.", "Try again; report it with the request ids if it repeats."
    if message and code not in GRAPH:
        plain = f"{plain} Microsoft says: {message}"
    return plain, next_step


def plain_cause(exc: BaseException) -> str:
    """Why something failed, in plain words: never a Python class name.

    For transport failures (httpx, ssl, sockets), keyring failures, Ctrl+C and
    file errors; anything else is "an unexpected error" (the class name belongs
    in the debug log, not in front of the user).
    """
    import ssl

    text = str(exc)
    module = type(exc).__module__ or ""
    if isinstance(exc, KeyboardInterrupt):
        return "stopped with Ctrl+C"
    if module.startswith("keyring"):
        return "no password store (keyring) on this machine"
    if (isinstance(exc, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in text
            or "certificate verify failed" in text.lower()):
        return "the server's certificate was not trusted"
    if module.startswith("httpx"):
        import httpx

        where = f" to {host}" if (host := _host_of(exc)) else ""
        if isinstance(exc, httpx.TimeoutException):
            return f"no answer in time{where.replace(' to ', ' from ')}"
        if isinstance(exc, httpx.ConnectError):
            return f"could not connect{where}"
        if isinstance(exc, httpx.ProxyError):
            return "the proxy refused the connection"
        if isinstance(exc, httpx.UnsupportedProtocol):
            return "the address is not an https:// URL"
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.NetworkError)):
            return f"the connection{where} broke off"
        return f"the connection{where} failed"
    if isinstance(exc, ssl.SSLError):
        return "the secure (TLS) connection failed"
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    if isinstance(exc, (ConnectionError, EOFError)):
        return "the connection broke off"
    if isinstance(exc, OSError):
        words = exc.strerror or "a file or system error"
        return f"{words}: {exc.filename}" if exc.filename else words
    return "an unexpected error"


def _host_of(exc: BaseException) -> str:
    """The host of the request an httpx error belongs to, when it is known."""
    import httpx

    if not isinstance(exc, httpx.RequestError):
        return ""
    try:
        return exc.request.url.host
    except RuntimeError:  # httpx: "The .request property has not been set."
        return ""
