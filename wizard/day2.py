"""Day-two commands: `verify` (and repair), `secrets`, `rotate`, and headless `--manual`.

The CLI dispatcher calls one function per command with the parsed arguments; each
returns the exit code and prints like the other headless commands (`wizard.commands`):
progress and questions on stderr, the result on stdout (one JSON object with `--json`),
errors in plain words with the next step, never a traceback, never a secret unless asked.

    m365-wizard verify  --vendor pexip --set addin_fqdn=px01.example.com [--client-id-app ID] [--yes]
    m365-wizard secrets [--all] [--vendor V] [--json]
    m365-wizard rotate  --vendor pexip [--client-id-app ID] (--secret-file PATH | --show-secret) [--months N] [--yes]
    m365-wizard manual  --vendor pexip --set addin_fqdn=… [--save PATH] [--markdown]
        (also `m365-wizard --manual …` when it is not at a terminal, or with --set/--save/--markdown)

A question (repair? remove the old secret?) is answered yes by `--yes`; without a
terminal to ask on, and without `--yes`, the answer is no: nothing is changed or removed.
Only `secrets` works without --vendor (the Context then has no profile).

Engine pieces the TUI can use too: `verify(setup, client_id)` → `Verification` (every
difference in plain words, plus the repair plan) and `repair(setup, verification, …)`.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, TextIO

from wizard.errors import EXIT_DRIFT, EXIT_OK, EXIT_TOKEN_TEST, InputError, MicrosoftError
from wizard.steps import kind_of

if TYPE_CHECKING:
    from wizard.apply import Applied, StepProgress
    from wizard.plan import Plan
    from wizard.setup import AppSummary, Setup

# --------------------------------------------------------------------------- verify (engine)


@dataclass(frozen=True)
class Difference:
    """One way the registration differs from the vendor's needs: what is wrong, and the fix."""

    found: str
    fix: str
    step_id: str = ""


@dataclass
class Verification:
    existing: AppSummary
    plan: Plan  # the repair plan (same as creation)
    differences: list[Difference]

    @property
    def in_order(self) -> bool:
        return not self.differences


def verify(setup: Setup, client_id: str | None = None) -> Verification:
    """Find the registration (by client ID, else the wizard's own) and compare. Writes nothing.

    Every step of the repair plan is a difference; its kind (`wizard.steps`) words what is
    wrong, the step's sentence is the fix. Read-back steps (verify consent) are not listed."""
    candidates = setup.find_existing(client_id)
    if client_id:
        found = [a for a in candidates if a.client_id.lower() == client_id.lower()]
    else:
        # Without an id only the wizard's own registration is unambiguous.
        found = [a for a in candidates if a.match in ("uniqueName", "journal", "enterprise_app")]
    if not found:
        what = f"with the Application (client) ID {client_id}" if client_id else f"made by the wizard for {setup.profile.name}"
        next_step = ("Pass --client-id-app with the Application (client) ID from the app's Overview page, "
                     "or create it with `m365-wizard apply`.")
        same_name = [a for a in candidates if a.match == "displayName"] if not client_id else []
        if same_name:  # e.g. made by the wizard with other answers (another FQDN), or by hand
            named = ", ".join(f"'{a.display_name}' (client ID {a.client_id})" for a in same_name[:3])
            what += " with these answers"
            next_step = (f"This tenant has {named} with the same name, made with other answers or by hand. "
                         f"To compare it with these answers: --client-id-app {same_name[0].client_id}.")
        elif setup.target.demo:  # the demo tenant of an earlier `--demo apply` is gone
            next_step = ("The --demo tenant is new for every command, so it holds nothing an earlier `--demo apply` "
                         "made. For a tenant that persists between commands: `m365-wizard simtenant serve` in another "
                         "terminal, then `--simtenant URL --ca-bundle FILE` (as it prints them) on both commands.")
        raise MicrosoftError(f"No app registration {what} was found in this tenant.", next_step=next_step)
    existing = found[0]
    plan = setup.plan(existing=existing)
    vendor = setup.profile.name
    differences = []
    for step in plan.steps:
        found_words = kind_of(step).verify_line(step, vendor)  # None: a read-back, not a difference
        if found_words is not None:
            differences.append(Difference(found_words, step.sentence, step.id))
    return Verification(existing, plan, differences)


def repair(setup: Setup, verification: Verification, on_progress: Callable[[StepProgress], None] | None = None,
           cancel: threading.Event | None = None) -> Applied:
    """Apply the repair plan (roles are checked first). A secret is not created here:
    an expired or expiring secret is renewed with `rotate`, which keeps the old one until
    the vendor uses the new one."""
    return setup.apply(verification.plan, on_progress, cancel)


# --------------------------------------------------------------------------- the command runner


def _say(text: str, err: TextIO | None = None) -> None:
    print(text, file=err or sys.stderr, flush=True)


def _run(args: Any, body: Callable[[Any], tuple[int, dict, list[str]]], *, vendor_required: bool = True,
         out: TextIO | None = None) -> int:
    """Context, errors and output through `wizard.commands.run_guarded`; `body(ctx)` returns
    (exit code, JSON data, text lines)."""
    from wizard.commands import run_guarded

    out = out or sys.stdout
    as_json = bool(getattr(args, "json", False))

    def guarded_body(ctx: Any) -> tuple[int, Callable[[], None]]:
        ctx.out = out
        code, data, lines = body(ctx)
        if ctx.graph is not None and "graph_requests" in data:  # counted at the very end
            ctx.count_requests()
            data["graph_requests"], data["graph_writes"] = ctx.graph.requests, ctx.graph.writes

        def show() -> None:
            if as_json:
                print(json.dumps(data, indent=2), file=out, flush=True)
            else:
                print("\n".join(lines), file=out, flush=True)

        return code, show

    return run_guarded(args, guarded_body, vendor_required=vendor_required,
                       interrupted="m365-wizard: interrupted. Nothing was removed; run the command again to check the state.")


def _show_now(ctx: Any, lines: list[str]) -> list[str]:
    """Print what was found so far, before a question: on stdout as text (so a redirected
    report keeps it), on stderr with --json (stdout holds only the JSON object). Returns []."""
    if getattr(ctx.args, "json", False):
        for line in lines:
            _say(line)
    elif lines:
        print("\n".join(lines), file=ctx.out, flush=True)
    return []


def _confirm(question: str, args: Any, stdin: TextIO | None) -> bool:
    """--yes answers yes; else ask on stderr and read a line (no terminal: no)."""
    if getattr(args, "yes", False):
        return True
    stdin = stdin or sys.stdin
    if stdin is None or (stdin is sys.stdin and not stdin.isatty()):
        _say(f"{question} [no terminal to ask on: answering no; pass --yes to do it in a script]")
        return False
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    answer = stdin.readline().strip().lower()
    return answer in ("y", "yes")


# --------------------------------------------------------------------------- verify


def run_verify(args: Any, *, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    """`m365-wizard verify`: every difference in plain words, then the repair on confirmation."""
    from wizard.commands import Progress, _client_id_app

    def body(ctx: Any):
        answers = ctx.answers()
        wanted = _client_id_app(ctx.args) if getattr(ctx.args, "client_id_app", None) else None
        ctx.sign_in()
        setup = ctx.setup(answers)
        result = verify(setup, wanted)
        ctx.report.client_id = result.existing.client_id
        data = ctx.report.as_dict()
        data.update({"in_order": result.in_order,
                     "differences": [{"found": d.found, "fix": d.fix, "id": d.step_id} for d in result.differences],
                     "notes": list(result.plan.notes), "repaired": False})
        lines = [f"Tenant: {ctx.report.tenant_id}",
                 f"App registration: {result.existing.display_name} (Application (client) ID {result.existing.client_id})", ""]
        if result.in_order:
            lines.append(f"The registration is in order for {ctx.profile.name}.")
        else:
            lines.append(f"{len(result.differences)} difference(s) from what {ctx.profile.name} needs:")
            lines += [f"  ✗ {d.found}.\n      fix: {d.fix}" for d in result.differences]
        lines += [f"  • {n}" for n in result.plan.notes]
        fixable = [d for d in result.differences if not d.step_id == "secret"]
        left = result.differences
        if fixable:
            lines = _show_now(ctx, lines)
            if _confirm(f"Repair these {len(fixable)} difference(s) now?", ctx.args, stdin):
                setup.check_roles()
                progress = Progress()
                repair(setup, result, progress, ctx.cancel)
                data["repaired"] = True
                data["steps"] = progress.list()
                again = verify(setup, result.existing.client_id)
                data["in_order_after"] = again.in_order
                left = again.differences
                lines.append("Repaired." if all(d.step_id == "secret" for d in left)
                             else "Some differences remain: " + "; ".join(d.found for d in left))
            else:
                lines.append("Nothing was changed. Run again with --yes to repair.")
        if any(d.step_id == "secret" for d in result.differences):
            lines.append(f"Renew the client secret with: m365-wizard rotate --vendor {ctx.profile.id} "
                         f"--client-id-app {result.existing.client_id} --secret-file PATH")
        ctx.count_requests()
        data["graph_requests"], data["graph_writes"] = ctx.report.graph_requests, ctx.report.graph_writes
        # Drift has its own exit code, so a script can tell: differences found and still there at
        # the end (not repaired, only partly, or an expiring secret that only `rotate` renews).
        remaining = left if data["repaired"] else result.differences
        data["drift"] = bool(remaining)
        if remaining:
            lines.append(f"Exit code {EXIT_DRIFT}: the registration still differs from what {ctx.profile.name} needs.")
        return (EXIT_DRIFT if remaining else EXIT_OK), data, lines

    return _run(args, body, out=out)


# --------------------------------------------------------------------------- secrets


def run_secrets(args: Any, *, out: TextIO | None = None) -> int:
    """`m365-wizard secrets`: the wizard's registrations (or `--all`) and their secrets' expiry."""
    from wizard import inventory

    def body(ctx: Any):
        ctx.sign_in()
        apps = inventory.list_secrets(ctx.graph, all_apps=bool(getattr(ctx.args, "all", False)), now=ctx.clock.now())
        vendor = getattr(ctx.args, "vendor", None)
        if vendor:
            apps = [a for a in apps if a.vendor == vendor]
        data = {"command": "secrets", "tenant_id": ctx.report.tenant_id, "apps": [
            {"display_name": a.display_name, "client_id": a.client_id, "vendor": a.vendor, "managed": a.managed,
             "state": a.state, "secrets": [
                 {"display_name": s.display_name, "hint": s.hint, "key_id": s.key_id, "end": s.end,
                  "state": s.state, "days_left": s.days_left} for s in a.secrets]}
            for a in apps]}
        lines = [f"Tenant: {ctx.report.tenant_id}", ""]
        if not apps:
            lines.append("No app registration made by the wizard was found (use --all to list every one).")
        marks = {"expired": "✗ EXPIRED ", "expiring": "! EXPIRING", "ok": "✓ ok      "}
        for a in apps:
            lines.append(f"{a.display_name}  (client ID {a.client_id}{', ' + a.vendor if a.vendor else ''})")
            if not a.secrets:
                lines.append("    no client secret")
            for s in a.secrets:
                lines.append(f"    {marks[s.state]} {s.sentence()}  [Secret ID {s.key_id}]")
            if a.state in ("expired", "expiring") and a.vendor:
                lines.append(f"    renew: m365-wizard rotate --vendor {a.vendor} --client-id-app {a.client_id} --secret-file PATH")
        worst = [a for a in apps if a.state in ("expired", "expiring")]
        if worst:
            lines.append(f"\n{len(worst)} app(s) need a new secret within {inventory.EXPIRING_DAYS} days.")
        return EXIT_OK, data, lines

    return _run(args, body, vendor_required=False, out=out)


# --------------------------------------------------------------------------- rotate


def _pick_app(ctx: Any, now: float):
    from wizard import inventory
    from wizard.commands import _client_id_app

    if getattr(ctx.args, "client_id_app", None):
        return inventory.find_app(ctx.graph, _client_id_app(ctx.args), now)
    mine = [a for a in inventory.list_secrets(ctx.graph, now=now) if a.vendor == ctx.profile.id]
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise InputError("--client-id-app", f"is needed: no registration made by the wizard for {ctx.profile.name} was found")
    listed = ", ".join(f"{a.display_name} ({a.client_id})" for a in mine)
    raise InputError("--client-id-app", f"is needed: the wizard made several registrations for {ctx.profile.name}: {listed}")


def run_rotate(args: Any, *, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    """`m365-wizard rotate`: new secret, tested, shown once; old one removed only after confirmation."""
    from wizard import rotation
    from wizard.portal import MENU_SECRETS, portal_link

    def body(ctx: Any):
        show = bool(getattr(ctx.args, "show_secret", False))
        path = getattr(ctx.args, "secret_file", None)
        if not (show or path) and not getattr(ctx.target, "demo", False):
            raise InputError("client secret", "is shown only once: add --secret-file PATH (written 0600) or --show-secret",
                             next_step="Run the same command again with --secret-file PATH (or --show-secret).")
        if path:
            from wizard.run import Run

            Run.check_secret_output(path, force=bool(getattr(ctx.args, "force", False)))  # before sign-in
        ctx.sign_in()
        now = ctx.clock.now()
        app = _pick_app(ctx, now)
        ctx.report.client_id = app.client_id
        for s in app.secrets:
            _say(f"  now: {s.sentence()} [Secret ID {s.key_id}]")
        months = getattr(ctx.args, "months", None)
        rot = rotation.rotate(ctx.graph, app, target=ctx.target, tenant_id=ctx.report.tenant_id, clock=ctx.clock,
                              profile=ctx.profile, months=int(months) if months else None, cancel=ctx.cancel,
                              on_progress=lambda text: _say(f"  … {text}"))
        data = ctx.report.as_dict()
        data["secret"] = {"key_id": rot.new.key_id, "end": rot.new.end, "hint": rot.new.hint}
        data["token_test"] = {"ok": rot.ok, "attempts": rot.report.attempts,
                              "checks": [{"name": c.name, "ok": c.ok, "reason": c.reason} for c in rot.report.checks],
                              "not_checked": list(rot.report.not_checked)}
        data["old_secrets"] = list(rot.old_key_ids)
        data["retired"] = []
        lines = [f"App registration: {app.display_name} (client ID {app.client_id})"]
        lines += [f"  {'✓' if c.ok else '✗'} {c.name}: {c.reason}" for c in rot.report.checks]
        lines += [f"  – not checked: {line}" for line in rot.report.not_checked]
        if path:
            written = rot.new.save_to_file(path)
            data["secret"]["file"] = str(written)
            _say(f"The new client secret was written to {written} (readable by you only).")
        rows = [{"label": r.label, "value": r.shown(not show), "secret": True} for r in rot.update_rows]
        data["update"] = rows
        lines += ["", f"Enter this in {ctx.profile.name}:"] + [f"  {r['label']} : {r['value']}" for r in rows]
        lines.append(f"  (expires {rot.new.end[:10]}; Secret ID {rot.new.key_id})")
        if not rot.ok:
            lines.append("The new secret did not pass the token test: the old secret(s) were kept. "
                         "Do not switch the vendor yet; run the command again in a few minutes.")
            return EXIT_TOKEN_TEST, data, lines
        if not rot.old_key_ids:
            lines.append("The app had no other secret: nothing to retire.")
            return EXIT_OK, data, lines
        lines = _show_now(ctx, lines)  # the person needs the new value before being asked to confirm
        olds = ", ".join(f"{s.hint}… (Secret ID {s.key_id})" for s in app.secrets if s.key_id in rot.old_key_ids)
        if _confirm(f"Does {ctx.profile.name} use the new secret now? Then the old one(s) are removed: {olds}",
                    ctx.args, stdin):
            data["retired"] = rotation.retire_old(ctx.graph, rot)
            lines.append(f"Removed {len(data['retired'])} old secret(s). {ctx.profile.name} now depends on the new one only.")
        else:
            lines.append("The old secret(s) were kept. Remove them once the vendor uses the new one: "
                         f"{portal_link(app.client_id, MENU_SECRETS)}")
        ctx.count_requests()
        return EXIT_OK, data, lines

    return _run(args, body, out=out)


# --------------------------------------------------------------------------- manual (headless)


def run_manual(args: Any, *, stdin: TextIO | None = None, out: TextIO | None = None,
               read_secret: Callable[[str], str] | None = None) -> int:
    """`m365-wizard --manual` without the TUI: the checklist on stdout (or `--save PATH`,
    `--markdown`); then, at a terminal, the pasted values are tested and the snippet shown."""
    from wizard import manual

    def body(ctx: Any):
        answers = ctx.answers()
        client = getattr(ctx.args, "client_id_app", None)
        cl = manual.manual_checklist(ctx.profile, answers, tenant=getattr(ctx.args, "tenant", None), client_id=client,
                                     portal=ctx.target.portal)
        fmt = "markdown" if getattr(ctx.args, "markdown", False) else "text"
        text = cl.render(fmt)
        data: dict = {"command": "manual", "vendor": ctx.profile.id,
                      "checklist": [{"title": i.title, "values": [list(v) for v in i.values], "link": i.link}
                                    for i in cl.items]}
        save = getattr(ctx.args, "save", None)
        if save:
            written = cl.save(save, fmt)  # no secret in it; 0600 anyway: it names the tenant
            _say(f"The checklist was saved to {written}.")
        lines = [text]
        source = stdin or sys.stdin
        # Paste-and-test only with a person at a terminal (a redirected checklist is for someone else).
        interactive = stdin is not None or (
            source.isatty() and ctx.out.isatty() and not getattr(ctx.args, "json", False))
        if not interactive:
            return EXIT_OK, data, lines
        print(text, file=ctx.out, flush=True)
        lines = []
        _say("When the admin has done the steps, paste the values (Enter to stop):")

        def ask(label: str) -> str:
            print(f"{label}: ", end="", file=sys.stderr, flush=True)
            return source.readline().strip()

        tenant = ask("Directory (tenant) ID")
        if not tenant:
            return EXIT_OK, data, lines
        client_id = ask("Application (client) ID")
        secret = ""
        if ctx.profile.secret_needed:
            if read_secret is not None:
                secret = read_secret("Client secret value (hidden): ")
            else:
                import getpass

                secret = getpass.getpass("Client secret value (hidden): ")
        pasted = manual.validate_pasted(tenant, client_id, secret, ctx.profile)
        report = manual.run_token_test(ctx.target, ctx.http, ctx.clock, ctx.profile, pasted, cancel=ctx.cancel,
                                       on_attempt=lambda n, code: _say(f"  … not accepted yet (AADSTS{code}), attempt {n}"),
                                       mailbox=str(answers.get("mailbox") or ""))
        lines += [f"  {'✓' if c.ok else '✗'} {c.name}: {c.reason}" for c in report.checks]
        lines += [f"  – not checked: {line}" for line in report.not_checked]
        data["token_test"] = {"ok": report.ok, "checks": [{"name": c.name, "ok": c.ok, "reason": c.reason}
                                                          for c in report.checks], "not_checked": list(report.not_checked)}
        if not report.ok:
            return EXIT_TOKEN_TEST, data, lines
        snippet = manual.pasted_snippet(ctx.target, ctx.profile, answers, pasted, http=ctx.http)
        lines += ["", f"Settings for {ctx.profile.name}:", snippet.as_text(mask=not getattr(ctx.args, "show_secret", False))]
        return EXIT_OK, data, lines

    return _run(args, body, out=out)


__all__ = ["Difference", "Verification", "verify", "repair", "run_verify", "run_secrets", "run_rotate", "run_manual"]
