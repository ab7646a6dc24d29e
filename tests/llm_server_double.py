"""A TEST DOUBLE of an OpenAI-compatible LLM server: a real HTTP server on loopback that serves
scripted chat completions. No LLM can be reached where the tests run; everything else the
generation code does (HTTP, retries, timeouts, caching, extraction, evaluation) is real.

The ``responder`` sees each request's JSON body and returns a ``Reply``: a completion text, an
HTTP error status, or a delay (to provoke timeouts). Every request is recorded.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    delay_s: float = 0.0
    finish_reason: str = "stop"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict


def requested_top(body: dict) -> str:
    """Return the module name a rendered rtlbo prompt asks for."""
    prompt = body["messages"][-1]["content"]
    return re.search(r"module `(\w+)`", prompt).group(1)


class ScriptedChatServerDouble:
    """``with ScriptedChatServerDouble(responder) as server: server.base_url``"""

    def __init__(self, responder: Callable[[dict], Reply]):
        self.responder = responder
        self.requests: list[Recorded] = []
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                double.requests.append(Recorded(self.path, dict(self.headers), body))
                reply = double.responder(body)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.status != 200:
                    payload = json.dumps({"error": {"message": f"scripted {reply.status}"}}).encode()
                else:
                    payload = json.dumps({
                        "id": "chatcmpl-double", "object": "chat.completion", "model": body.get("model"),
                        "choices": [{"index": 0, "finish_reason": reply.finish_reason,
                                     "message": {"role": "assistant", "content": reply.text}}],
                        "usage": {"prompt_tokens": len(json.dumps(body["messages"])) // 4,
                                  "completion_tokens": len(reply.text) // 4},
                    }).encode()
                try:
                    self.send_response(reply.status)
                    for key, value in {"content-type": "application/json", **reply.headers}.items():
                        self.send_header(key, value)
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> ScriptedChatServerDouble:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
