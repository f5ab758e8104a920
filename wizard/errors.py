"""The wizard's errors: each carries plain words, a next step and an exit code.

Every failure a user can meet is one of these. The TUI's error screen and the
headless CLI show `message` and `next_step`; `code` is Microsoft's own code
(an AADSTS number or a Graph error code) and `request_id` /
`client_request_id` are what Microsoft support asks for. No secret or token
ever goes into any of these fields.

Exit codes of the headless CLI (documented in `m365-wizard --help`):
    0 done, 2 bad input, 3 sign-in failed or blocked, 4 insufficient role,
    5 Microsoft error, 6 token test failed, 7 drift found (verify: differences left unrepaired),
    130 interrupted.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_SIGNIN = 3
EXIT_ROLE = 4
EXIT_MICROSOFT = 5
EXIT_TOKEN_TEST = 6
EXIT_DRIFT = 7  # verify: the registration differs from what the vendor needs, and it was not (all) repaired
EXIT_INTERRUPTED = 130


class WizardError(Exception):
    """A failure explained for a person: what happened and what to do next."""

    exit_code = EXIT_MICROSOFT

    def __init__(
        self,
        message: str,
        *,
        next_step: str = "",
        code: str = "",
        request_id: str = "",
        client_request_id: str = "",
    ) -> None:
        # Parts of a message may come from a server (an error description, a display name):
        # no escape sequence or control character may reach a terminal (wizard/untrusted.py).
        from wizard.untrusted import clean

        message = clean(message, newlines=True, limit=4000)
        super().__init__(message)
        self.message = message
        self.next_step = clean(next_step, newlines=True, limit=2000)
        self.code = clean(code, limit=200)
        self.request_id = clean(request_id, limit=200)
        self.client_request_id = clean(client_request_id, limit=200)

    def support_line(self) -> str:
        """The ids Microsoft support asks for, on one line (empty if none)."""
        parts = []
        if self.code:
            parts.append(f"code {self.code}")
        if self.request_id:
            parts.append(f"request-id {self.request_id}")
        if self.client_request_id:
            parts.append(f"client-request-id {self.client_request_id}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = self.message
        if self.next_step:
            text += f" Next step: {self.next_step}"
        return text


class InputError(WizardError):
    """An answer the user typed is not what the field expects."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, field: str, message: str, *, example: str = "", key: str = "", next_step: str = "") -> None:
        self.field = field  # what the user sees: the question's label
        self.key = key or field  # the question's key (`--set key=value`), when it is one
        self.example = example
        text = f"{field}: {message}"
        if example:
            text += f" (for example: {example})"
        # next_step: when nothing typed is wrong, only something is missing (e.g. --secret-file).
        super().__init__(text, next_step=next_step or f"Correct '{field}' and try again.")


class SignInError(WizardError):
    """The admin's sign-in did not give us a usable token.

    `flow_blocked` is True when the tenant refused the device-code flow itself by policy
    (Conditional Access AADSTS53003 for the device code, 50097, 50005): the auth-code
    sign-in (a link in a browser, pasted back) may still work, so it is offered first.
    """

    exit_code = EXIT_SIGNIN

    def __init__(self, message: str, *, flow_blocked: bool = False, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.flow_blocked = flow_blocked


class PastedAddressError(SignInError):
    """The address pasted back after the browser sign-in is not the one the wizard expects."""

    def __init__(self, field: str, message: str, *, next_step: str = "", **kwargs) -> None:
        self.field = field
        super().__init__(f"{field}: {message}", next_step=next_step or f"Paste '{field}' again.", **kwargs)


class RoleError(WizardError):
    """The signed-in account lacks a directory role the next step needs."""

    exit_code = EXIT_ROLE


class MicrosoftError(WizardError):
    """Microsoft Graph or the identity platform refused or failed a request."""

    exit_code = EXIT_MICROSOFT

    def __init__(self, message: str, *, status: int = 0, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.status = status
