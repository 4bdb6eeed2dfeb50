"""Serving a sandbox over real HTTP with waitress.

waitress is a production-grade pure-Python WSGI server that runs one process with a pool of
threads: exactly the shape an in-memory sandbox needs (a pre-forking server such as gunicorn would
split the state across processes). It starts in milliseconds and runs the same on every OS."""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import WSGITask

from simulator.control.faults import CHANNEL

if TYPE_CHECKING:
    from simulator.sandbox import Sandbox


# waitress's own default is 100: a hundred idle keep-alive connections (a pool per test worker adds up)
# and the next client hangs. 1,000 stays well under the usual 1,024 open-file limit.
CONNECTION_LIMIT = 1000


class _Task(WSGITask):
    def get_environment(self):
        """The WSGI environ, carrying the connection: a fault rule may drop or stall it."""
        environ = super().get_environment()
        environ[CHANNEL] = self.channel
        return environ


class _Channel(HTTPChannel):
    task_class = _Task


class LiveServer:
    """A sandbox served on a port (0 picks a free one), in the foreground or on a background thread."""

    def __init__(self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0, threads: int = 8,
                 connection_limit: int = CONNECTION_LIMIT):
        self.sandbox = sandbox
        self._map: dict = {}  # waitress's socket map: the listening socket and every open connection
        self._server = create_server(sandbox.wsgi, map=self._map, host=host, port=port, threads=threads,
                                     connection_limit=connection_limit, ident="flow-sandbox",
                                     clear_untrusted_proxy_headers=True)
        self._server.channel_class = _Channel
        self.host = host
        self.port = int(self._server.effective_port)  # waitress reports it as a string
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def base_urls(self) -> dict[str, str]:
        return {"omnisend-v3": f"{self.url}/omnisend/v3", "omnisend-api": f"{self.url}/omnisend/api",
                "klaviyo-api": f"{self.url}/klaviyo/api", "klaviyo-client": f"{self.url}/klaviyo/client",
                "control": f"{self.url}/_sim"}

    def serve_forever(self) -> None:
        self._server.run()

    def start(self) -> "LiveServer":
        self._thread = threading.Thread(target=self._server.run, name="flow-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close every connection, then the listening socket, on the server's own thread (closing a
        descriptor from this thread could pull it from under the server's select): a client's idle
        keep-alive connection (the Klaviyo SDK's pool keeps one) would otherwise hold the loop open."""
        if self._thread is None or not self._thread.is_alive():
            self._server.close()
            return
        try:
            self._server.trigger.pull_trigger(self._close_all)
        except OSError:
            # The trigger's pipe was closed under it (seen now and then when a test process stops
            # many servers; the descriptor's first closer is not found yet): the loop cannot be
            # woken, so close from here, as a stopped loop would.
            self._close_all()
        self._thread.join(timeout=5)

    def _close_all(self) -> None:
        for channel in [c for c in list(self._map.values()) if isinstance(c, HTTPChannel)]:
            channel.close()
        self._server.close()
