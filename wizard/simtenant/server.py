"""The simulated tenant over real HTTPS on loopback.

    server = serve(sim)                  # https://127.0.0.1:<free port>
    server.authority_host, server.graph_url, server.ca_path
    msal.PublicClientApplication(..., authority=f"{server.authority_host}/organizations",
                                 instance_discovery=False, http_client=httpx.Client(verify=server.ca_path))
    server.stop()

One origin serves both the identity platform and Graph (the handler routes by
path). The certificate comes from a throw-away certificate authority made by
`trustme`; its PEM is written to a temporary folder (or `ca_dir`) so clients can
trust it explicitly — nothing is added to any system trust store.

`m365-wizard simtenant serve [--port N] [--no-auto-approve] [--ca-dir DIR] [--scenario NAME] [--seed N]`
prints the authority URL, the Graph base URL and the CA path, then serves until Ctrl+C.
"""

from __future__ import annotations

import argparse
import os
import ssl
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import trustme

from wizard.simtenant.tenant import SimTenant

_SKIP_HEADERS = {"content-length", "transfer-encoding", "connection"}


def _handler_class(sim: SimTenant, origin: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "SimTenant"
        sys_version = ""

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = [(k, v) for k, v in self.headers.items() if k.lower() not in ("host", "content-length")]
            request = httpx.Request(self.command, origin + self.path, headers=headers, content=body)
            try:
                response = sim.handle(request)
            except httpx.TransportError:
                # A "dropped connection" fault: hang up without an answer.
                self.close_connection = True
                return
            payload = response.content
            # Only the tenant's own headers: no second Date, no "Server: SimTenant" (Microsoft's
            # endpoints send neither).
            self.send_response_only(response.status_code)
            for key, value in response.headers.multi_items():
                if key.lower() not in _SKIP_HEADERS:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if payload and self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
            """Quiet: request lines may carry codes; the tenant keeps its own `sim.requests`."""

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up or refuses our certificate is not the tenant's error."""
        error = sys.exc_info()[1]
        if isinstance(error, (ssl.SSLError, ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


@dataclass
class Server:
    """A running loopback server; `stop()` shuts it down and removes a temporary CA folder."""

    authority_host: str
    graph_url: str
    ca_path: str
    _httpd: ThreadingHTTPServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _tmpdir: tempfile.TemporaryDirectory | None = field(default=None, repr=False)

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        if self._tmpdir is not None:
            self._tmpdir.cleanup()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def serve(sim: SimTenant, host: str = "127.0.0.1", port: int = 0, ca_dir: str | None = None) -> Server:
    """Serve `sim` over HTTPS on `host:port` (0: a free port) in a background thread."""
    ca = trustme.CA()
    cert = ca.issue_cert(host, "localhost", "127.0.0.1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    tmpdir = None
    if ca_dir is None:
        tmpdir = tempfile.TemporaryDirectory(prefix="simtenant-ca-")
        ca_dir = tmpdir.name
    Path(ca_dir).mkdir(parents=True, exist_ok=True)
    ca_path = os.path.join(ca_dir, "simtenant-ca.pem")
    ca.cert_pem.write_to_path(ca_path)

    httpd = _QuietServer((host, port), _handler_class(sim, ""))
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
    bound_port = httpd.server_address[1]
    origin = f"https://{host}:{bound_port}"
    httpd.RequestHandlerClass = _handler_class(sim, origin)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              name="simtenant-server", daemon=True)
    thread.start()
    return Server(origin, origin, ca_path, httpd, thread, tmpdir)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expects a port number, got '{text[:20]}'") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535 (0: a free port), got {value}")
    return value


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expects a whole number, got '{text[:20]}'") from None


def main(argv: list[str] | None = None, *, stop: threading.Event | None = None) -> int:
    """`m365-wizard simtenant serve`: run a simulated tenant until Ctrl+C (or `stop` is set)."""
    parser = argparse.ArgumentParser(prog="m365-wizard simtenant serve",
                                     description="Run the simulated Microsoft Entra tenant on loopback HTTPS.")
    parser.add_argument("--port", type=_port, default=0, help="port to listen on (default: a free port)")
    parser.add_argument("--no-auto-approve", action="store_true",
                        help="do not approve device codes by themselves; approve at <url>/devicelogin")
    parser.add_argument("--ca-dir", default=None, help="folder for the CA certificate (default: a temporary one)")
    parser.add_argument("--scenario", default="demo", help="scenario name or TOML file (default: demo)")
    parser.add_argument("--seed", type=_seed, default=0, help="seed for ids and secrets (default: 0)")
    args = parser.parse_args(argv)
    try:
        sim = SimTenant(scenario=args.scenario, auto_approve_after=None if args.no_auto_approve else 2.0,
                        seed=args.seed)
    except (ValueError, TypeError, KeyError, OSError) as exc:  # a scenario file that is not what it should be
        print(f"m365-wizard simtenant serve: scenario {args.scenario!r}: {exc}", file=sys.stderr)
        return 2
    try:
        server = serve(sim, port=args.port, ca_dir=args.ca_dir)
    except OSError as exc:
        print(f"m365-wizard simtenant serve: cannot listen on port {args.port} or write the CA file: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"Scenario:     {args.scenario}" + (f" - {sim.scenario.description}" if sim.scenario.description else ""))
    print(f"Authority:    {server.authority_host}  (tenant {sim.tenant_id}, {sim.domain})")
    print(f"Graph:        {server.graph_url}/v1.0")
    print(f"CA bundle:    {server.ca_path}")
    print(f"Sign-in page: {server.authority_host}/devicelogin"
          + ("" if args.no_auto_approve else "  (device codes are approved after 2 s)"))
    print(f"Use it:       m365-wizard --simtenant {server.authority_host} --ca-bundle {server.ca_path}")
    print("Press Ctrl+C to stop.", flush=True)
    waiter = stop or threading.Event()
    try:
        while not waiter.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
