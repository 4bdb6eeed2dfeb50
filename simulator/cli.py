"""`simulator` command line: `simulator serve` runs the sandbox on a port; `simulator run` runs a
scenario (scenarios/command.py); `simulator sweep` varies a scenario's assumptions (scenarios/sweep_command.py)."""
from __future__ import annotations

import argparse
import signal
import sys

from simulator.core.clock import HORIZON
from simulator.core.keys import KeysFileError
from simulator.core.timefmt import iso, parse_instant
from simulator.core.net import is_loopback
from simulator.server import CONNECTION_LIMIT


def _instant(value: str) -> str:
    try:
        moment = parse_instant(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 instant: {value!r}") from None
    if moment >= HORIZON:
        raise argparse.ArgumentTypeError(f"the clock cannot start at or past {HORIZON.isoformat()}")
    return value


class _Version(argparse.Action):
    """`--version`, which reads the package metadata only when asked (`simulator.__version__`)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from simulator import __version__
        print(f"{parser.prog} {__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="simulator", description="Flow Sandbox: Omnisend and Klaviyo, locally.")
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve every vendor surface on one port")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback only)")
    serve.add_argument("--port", type=int, default=8787)
    serve.add_argument("--seed", type=int, default=0, help="seed for ids and every random choice")
    serve.add_argument("--clock", choices=("real", "frozen"), default="real")
    serve.add_argument("--start", type=_instant, help="ISO-8601 start time of the clock (default: now)")
    serve.add_argument("--keys", help="YAML file listing the only valid keys (and their scopes)")
    serve.add_argument("--admin-token", help="admit /_sim calls from other hosts that carry this bearer token")
    serve.add_argument("--control-host", action="append", default=[], metavar="NAME",
                       help="a Host name /_sim answers to besides localhost, 127.0.0.1 and ::1 (repeatable)")
    serve.add_argument("--unsafe-open-to-network", action="store_true",
                       help="bind a non-loopback address without --admin-token: anyone who reaches the port "
                            "can read and write every account")
    serve.add_argument("--threads", type=int, default=8)
    serve.add_argument("--connection-limit", type=int, default=CONNECTION_LIMIT, metavar="N",
                       help=f"open connections the server accepts at once (default {CONNECTION_LIMIT}); "
                            "past it a new client waits until one closes")
    serve.add_argument("--state", metavar="FILE", help="load the sandbox from FILE if it exists, save it there on exit")
    from simulator.scenarios.command import add_arguments
    add_arguments(commands.add_parser("run", help="run a shopper scenario and write its report"))
    from simulator.scenarios.sweep_command import add_arguments as add_sweep_arguments
    add_sweep_arguments(commands.add_parser("sweep", help="vary a scenario's assumptions one at a time and chart "
                                                          "how far each moves the headline uplift"))
    return parser


def serve(args) -> int:
    from simulator.sandbox import Sandbox
    from simulator.server import LiveServer
    if not is_loopback(args.host) and not args.admin_token and not args.unsafe_open_to_network:
        print(f"simulator: refusing to bind {args.host} without --admin-token: every key is valid in open mode, "
              "so anyone who reaches the port could read and write every account. Give --admin-token (and "
              "--keys), or pass --unsafe-open-to-network to accept that risk.", file=sys.stderr)
        return 2
    try:
        sandbox = Sandbox(seed=args.seed, start=args.start, clock=args.clock, keys=args.keys,
                          admin_token=args.admin_token, control_hosts=tuple(args.control_host))
    except KeysFileError as exc:
        print(f"simulator: {exc}", file=sys.stderr)
        return 2
    try:
        server = LiveServer(sandbox, args.host, args.port, args.threads, args.connection_limit)
    except OSError as exc:
        print(f"simulator: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    if args.state:  # the saved sandbox, its seed and clock included, over the flags
        from simulator.control.snapshots import load_state_file
        loaded = load_state_file(sandbox, args.state)
    print(f"Flow Sandbox on {server.url}  (seed {sandbox.seed}, clock {sandbox.clock.mode} at {iso(sandbox.clock.now())})")
    if args.state:
        print(f"  state {'loaded from' if loaded else 'will be saved to'} {args.state}")
    for name, url in server.base_urls().items():
        print(f"  {name:<15} {url}")
    for vendor, key in sandbox.test_keys().items():
        print(f"  {vendor} test key: {key}")
    if "klaviyo" in sandbox.test_keys():
        print(f"  klaviyo company id (public key): {sandbox.company_id()}")
    if not is_loopback(args.host):
        print(f"  warning: bound to {args.host}; the control API answers loopback only"
              + (" or the admin token" if args.admin_token else ", and the vendor APIs answer anyone"))
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)  # so `finally` saves the state on a plain kill too
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if args.state:
            from simulator.control.snapshots import save_state_file
            save_state_file(sandbox, args.state)
            print(f"state saved to {args.state}", file=sys.stderr)
    return 0


def _exit_on_sigterm(signum, frame):
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "sweep":
        from simulator.scenarios.sweep_command import main as sweep
        return sweep(args)
    from simulator.scenarios.command import main as run_scenario
    return run_scenario(args)


if __name__ == "__main__":
    sys.exit(main())
