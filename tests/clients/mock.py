"""A scripted mock model on 127.0.0.1 for the real Claude Code and Codex CLIs.

One server per run. It speaks one dialect: the Anthropic Messages API (`POST /v1/messages`,
streamed as server-sent events) for Claude Code, or the OpenAI Responses API
(`POST /v1/responses`, server-sent events) for Codex. Each model request gets the next step of
the script, in order:

    {"say": "text"}                       a text answer (the turn can end)
    {"bash": "git commit -m x"}           a shell tool call (Claude `Bash`, Codex `exec_command`)
    {"read": "path"}                      a file read (Claude `Read`, which Claude wants before an
                                          edit; Codex `exec_command` with `cat`)
    {"edit": ["path", "old", "new"]}      a file edit (Claude `Edit`, Codex `apply_patch`)

Paths in steps are relative to the repository; Claude's file tools get them absolute.

Every request (method, path, body) is logged, in order, to a JSON-lines file. When the script
runs out, the server answers every further request with an error the clients do not retry and
records the overrun: a client that keeps asking (a stop hook that never lets go) fails the test
fast instead of looping or hanging.

Python standard library only.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Script:
    """The canned answers, handed out in order, and the log of what the client sent."""

    def __init__(self, steps, log_path):
        self.steps = list(steps)
        self.log_path = log_path
        self.lock = threading.Lock()
        self.served = 0
        self.overrun = 0
        self.requests = []

    def take(self, record):
        """Logs a model request; returns (index, step) or (index, None) once the script is out."""
        with self.lock:
            index = len(self.requests)
            self.requests.append(record)
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")
            if self.served < len(self.steps):
                step = self.steps[self.served]
                self.served += 1
                return index, step
            self.overrun += 1
            return index, None

    def log_other(self, record):
        with self.lock:
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")


def sse(event, data):
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


# --- Anthropic Messages API (Claude Code) -------------------------------------------------------


def anthropic_events(step, n, root):
    """The streamed events of one assistant message for `step`."""
    message_id = f"msg_mock_{n}"
    events = [
        sse(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": message_id,
                    "type": "message",
                    "role": "assistant",
                    "model": "claude-mock",
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": 10, "output_tokens": 1},
                },
            },
        )
    ]
    if "say" in step:
        block = {"type": "text", "text": ""}
        delta = {"type": "text_delta", "text": step["say"]}
        stop_reason = "end_turn"
    else:
        if "bash" in step:
            name = "Bash"
            arguments = {"command": step["bash"], "description": "scripted command"}
        elif "read" in step:
            name = "Read"
            arguments = {"file_path": f"{root}/{step['read']}"}
        elif "edit" in step:
            path, old, new = step["edit"]
            name = "Edit"
            arguments = {"file_path": f"{root}/{path}", "old_string": old, "new_string": new}
        else:
            raise ValueError(f"unknown step {step!r}")
        block = {"type": "tool_use", "id": f"toolu_mock_{n}", "name": name, "input": {}}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(arguments)}
        stop_reason = "tool_use"
    events += [
        sse("content_block_start", {"type": "content_block_start", "index": 0, "content_block": block}),
        sse("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}),
        sse("content_block_stop", {"type": "content_block_stop", "index": 0}),
        sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": 5},
            },
        ),
        sse("message_stop", {"type": "message_stop"}),
    ]
    return events


# --- OpenAI Responses API (Codex) ---------------------------------------------------------------


def patch_text(path, old, new):
    """An apply_patch envelope replacing the lines `old` with `new` in `path`."""
    lines = ["*** Begin Patch", f"*** Update File: {path}", "@@"]
    lines += ["-" + line for line in old.split("\n")]
    lines += ["+" + line for line in new.split("\n")]
    lines.append("*** End Patch")
    return "\n".join(lines) + "\n"


def responses_events(step, n):
    response_id = f"resp_mock_{n}"
    if "say" in step:
        item_id = f"msg_mock_{n}"
        text = step["say"]
        added = {
            "type": "message",
            "id": item_id,
            "role": "assistant",
            "status": "in_progress",
            "content": [],
        }
        done = {
            "type": "message",
            "id": item_id,
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}],
        }
        middle = [
            sse(
                "response.output_text.delta",
                {
                    "type": "response.output_text.delta",
                    "item_id": item_id,
                    "output_index": 0,
                    "content_index": 0,
                    "delta": text,
                },
            )
        ]
    elif "bash" in step or "read" in step:
        command = step["bash"] if "bash" in step else f"cat {step['read']}"
        done = {
            "type": "function_call",
            "id": f"fc_mock_{n}",
            "call_id": f"call_mock_{n}",
            "name": "exec_command",
            "arguments": json.dumps({"cmd": command}),
            "status": "completed",
        }
        added = dict(done, arguments="", status="in_progress")
        middle = []
    elif "edit" in step:
        path, old, new = step["edit"]
        done = {
            "type": "custom_tool_call",
            "id": f"ctc_mock_{n}",
            "call_id": f"call_mock_{n}",
            "name": "apply_patch",
            "input": patch_text(path, old, new),
            "status": "completed",
        }
        added = dict(done, input="", status="in_progress")
        middle = []
    else:
        raise ValueError(f"unknown step {step!r}")
    usage = {
        "input_tokens": 10,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 5,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 15,
    }
    base = {"id": response_id, "object": "response", "model": "mock", "output": []}
    return [
        sse("response.created", {"type": "response.created", "response": dict(base, status="in_progress")}),
        sse(
            "response.output_item.added",
            {"type": "response.output_item.added", "output_index": 0, "item": added},
        ),
        *middle,
        sse(
            "response.output_item.done",
            {"type": "response.output_item.done", "output_index": 0, "item": done},
        ),
        sse(
            "response.completed",
            {
                "type": "response.completed",
                "response": dict(base, status="completed", output=[done], usage=usage),
            },
        ),
    ]


# --- The server ---------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mock-model/1"

    def log_message(self, *args):  # quiet: the JSON log is the record
        pass

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return {"unparsed": raw.decode("utf-8", "replace")}

    def _send(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.server.script.log_other({"method": "GET", "path": self.path})
        self._send(404, {"error": {"type": "not_found", "message": "mock model: no such endpoint"}})

    def do_HEAD(self):
        self.server.script.log_other({"method": "HEAD", "path": self.path})
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        body = self._body()
        path = self.path.split("?")[0]
        dialect = self.server.dialect
        wanted = "/v1/messages" if dialect == "anthropic" else "/v1/responses"
        if path != wanted:
            self.server.script.log_other({"method": "POST", "path": self.path, "body": body})
            self._send(404, {"error": {"type": "not_found", "message": f"mock model: only {wanted}"}})
            return
        index, step = self.server.script.take({"method": "POST", "path": self.path, "body": body})
        if step is None:
            # 400 is not retried by either client: the run ends now, and the test sees the overrun.
            message = f"mock model: the script ran out (request {index + 1})"
            if dialect == "anthropic":
                error = {"type": "error", "error": {"type": "invalid_request_error", "message": message}}
            else:
                error = {
                    "error": {"type": "invalid_request_error", "code": "script_exhausted", "message": message}
                }
            self._send(400, error)
            return
        if dialect == "anthropic":
            events = anthropic_events(step, index, self.server.root)
        else:
            events = responses_events(step, index)
        data = b"".join(events)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class MockModel:
    """`with MockModel("anthropic", steps, log) as m: ... m.url ...`"""

    def __init__(self, dialect, steps, log_path, root):
        assert dialect in ("anthropic", "responses")
        self.script = Script(steps, log_path)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.script = self.script
        self.server.dialect = dialect
        self.server.root = root
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
