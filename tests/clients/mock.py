"""A scripted mock model on 127.0.0.1 for the real Claude Code, Codex, Gemini and Copilot CLIs.

One server per run. It speaks one dialect, each streamed as server-sent events:
  - "anthropic": the Anthropic Messages API (`POST /v1/messages`), for Claude Code;
  - "responses": the OpenAI Responses API (`POST /v1/responses`), for Codex;
  - "gemini": the Gemini API (`POST /v1beta/models/<model>:streamGenerateContent?alt=sse`, and
    `:generateContent` unstreamed), for Gemini CLI;
  - "chat": the OpenAI Chat Completions API (`POST /v1/chat/completions`), for Copilot CLI's
    bring-your-own-key provider.
Each model request gets the next step of the script, in order:

    {"say": "text"}                       a text answer (the turn can end)
    {"bash": "git commit -m x"}           a shell tool call (Claude `Bash`, Codex `exec_command`,
                                          Gemini `run_shell_command`, Copilot `bash`); with
                                          "dir": "sub", run in that directory through the tool's
                                          own argument (Codex `workdir`, Gemini `dir_path`)
    {"read": "path"}                      a file read (Claude `Read`, which Claude wants before an
                                          edit; Codex `exec_command` with `cat`; Gemini
                                          `read_file`; Copilot `view`)
    {"edit": ["path", "old", "new"]}      a file edit (Claude `Edit`, Codex `apply_patch`, Gemini
                                          `replace`, Copilot `edit`)
    {"task": "prompt"}                    Copilot only: a subagent (`task`) with this prompt; its
                                          own model requests take the next steps

Paths in steps are relative to the repository; Claude's, Gemini's and Copilot's file tools get
them absolute.

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
            "arguments": json.dumps({"cmd": command, **({"workdir": step["dir"]} if "dir" in step else {})}),
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


# --- Gemini API (Gemini CLI) --------------------------------------------------------------------


def gemini_chunk(parts, n):
    return {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15},
        "modelVersion": "gemini-mock",
        "responseId": f"mock-{n}",
    }


def gemini_parts(step, root):
    if "say" in step:
        return [{"text": step["say"]}]
    if "bash" in step:
        args = {"command": step["bash"], "description": "scripted command"}
        if "dir" in step:
            args["dir_path"] = step["dir"]
        call = {"name": "run_shell_command", "args": args}
    elif "read" in step:
        call = {"name": "read_file", "args": {"file_path": f"{root}/{step['read']}"}}
    elif "edit" in step:
        path, old, new = step["edit"]
        call = {
            "name": "replace",
            "args": {
                "file_path": f"{root}/{path}",
                "old_string": old,
                "new_string": new,
                "instruction": "scripted edit",
            },
        }
    else:
        raise ValueError(f"unknown step {step!r}")
    return [{"functionCall": call}]


def gemini_events(step, n, root):
    """One chunk, as `data:` lines (Gemini's SSE has no event names)."""
    return [f"data: {json.dumps(gemini_chunk(gemini_parts(step, root), n))}\r\n\r\n".encode()]


# Gemini CLI's side calls (`:generateContent`, unstreamed, with a JSON response schema) get this:
# a next-speaker check that hands the turn back to the user, a router that picks the default.
GEMINI_SIDE_ANSWER = {"reasoning": "mock model", "next_speaker": "user", "model_choice": "pro"}


# --- OpenAI Chat Completions API (Copilot CLI) --------------------------------------------------


def chat_call(step, root):
    if "bash" in step:
        return "bash", {"command": step["bash"], "description": "scripted command"}
    if "read" in step:
        return "view", {"path": f"{root}/{step['read']}"}
    if "edit" in step:
        path, old, new = step["edit"]
        return "edit", {"path": f"{root}/{path}", "old_str": old, "new_str": new}
    if "task" in step:
        return "task", {
            "agent_type": "general-purpose",
            "description": "scripted subagent",
            "prompt": step["task"],
            "name": "helper",
            "mode": "sync",
        }
    raise ValueError(f"unknown step {step!r}")


def chat_events(step, n, root):
    base = {"id": f"chatcmpl-mock-{n}", "object": "chat.completion.chunk", "created": 1700000000, "model": "mock"}

    def chunk(delta, finish=None):
        data = dict(base, choices=[{"index": 0, "delta": delta, "finish_reason": finish}])
        return f"data: {json.dumps(data)}\n\n".encode()

    if "say" in step:
        first = chunk({"role": "assistant", "content": step["say"]})
        finish = "stop"
    else:
        name, arguments = chat_call(step, root)
        call = {
            "index": 0,
            "id": f"call_mock_{n}",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)},
        }
        first = chunk({"role": "assistant", "content": None, "tool_calls": [call]})
        finish = "tool_calls"
    usage = dict(base, choices=[], usage={"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15})
    return [first, chunk({}, finish), f"data: {json.dumps(usage)}\n\n".encode(), b"data: [DONE]\n\n"]


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
        if self.server.dialect == "chat" and self.path.split("?")[0].endswith("/models"):
            # Copilot's provider may list the models first.
            self._send(200, {"object": "list", "data": [{"id": "mock", "object": "model", "owned_by": "mock"}]})
            return
        self._send(404, {"error": {"type": "not_found", "message": "mock model: no such endpoint"}})

    def do_HEAD(self):
        self.server.script.log_other({"method": "HEAD", "path": self.path})
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _scripted(self, path):
        """Whether this POST is a turn of the conversation (the script answers it)."""
        dialect = self.server.dialect
        if dialect == "anthropic":
            return path == "/v1/messages"
        if dialect == "responses":
            return path == "/v1/responses"
        if dialect == "gemini":
            return path.startswith("/v1beta/models/") and path.endswith(":streamGenerateContent")
        return path == "/v1/chat/completions"

    def do_POST(self):
        body = self._body()
        path = self.path.split("?")[0]
        dialect = self.server.dialect
        record = {"method": "POST", "path": self.path, "body": body}
        if dialect == "gemini" and path.endswith(":generateContent"):
            # A side call (next speaker, routing): not a turn, never scripted.
            self.server.script.log_other(record)
            answer = gemini_chunk([{"text": json.dumps(GEMINI_SIDE_ANSWER)}], "side")
            self._send(200, answer)
            return
        if dialect == "gemini" and path.endswith(":countTokens"):
            self.server.script.log_other(record)
            self._send(200, {"totalTokens": 10})
            return
        if not self._scripted(path):
            self.server.script.log_other(record)
            self._send(404, {"error": {"type": "not_found", "message": f"mock model: no {path} here"}})
            return
        index, step = self.server.script.take(record)
        if step is None:
            # 400 is not retried by any client: the run ends now, and the test sees the overrun.
            message = f"mock model: the script ran out (request {index + 1})"
            if dialect == "anthropic":
                error = {"type": "error", "error": {"type": "invalid_request_error", "message": message}}
            elif dialect == "gemini":
                error = {"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}
            else:
                error = {
                    "error": {"type": "invalid_request_error", "code": "script_exhausted", "message": message}
                }
            self._send(400, error)
            return
        root = self.server.root
        if dialect == "anthropic":
            events = anthropic_events(step, index, root)
        elif dialect == "responses":
            events = responses_events(step, index)
        elif dialect == "gemini":
            events = gemini_events(step, index, root)
        else:
            events = chat_events(step, index, root)
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
        assert dialect in ("anthropic", "responses", "gemini", "chat")
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
