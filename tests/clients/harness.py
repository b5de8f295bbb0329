"""Runs the real Claude Code, Codex, Gemini and Copilot CLIs against the scripted mock model, in a
scratch git repository that gets backstop the way a person installs it.

Python standard library only. Paths:
  BACKSTOP_BIN          the backstop binary (default: <repo>/target/debug/backstop)
  BACKSTOP_CLIENTS_WORK scratch root, kept after the run for inspection
                        (default: <repo>/target/clients)
"""

import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field

from mock import MockModel

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BACKSTOP = os.path.abspath(os.environ.get("BACKSTOP_BIN", os.path.join(ROOT, "target", "debug", "backstop")))
WORK = os.path.abspath(os.environ.get("BACKSTOP_CLIENTS_WORK", os.path.join(ROOT, "target", "clients")))
MODULES = os.path.join(HERE, "node_modules")

# A client that neither finishes nor gets a refusal from the mock within this is killed.
CLIENT_TIMEOUT = 180

# Set by run.py: "netns" (the whole suite runs in a network namespace with only loopback) or
# "strace" (every connect(2) of each client run and its children is recorded and checked).
ISOLATION = os.environ.get("BACKSTOP_CLIENTS_ISOLATION_ACTIVE", "")


def claude_binary():
    """`claude` as npm installs it; the platform package's binary when the postinstall that
    copies it over the placeholder did not run (npm can hold back install scripts)."""
    for path in (
        os.path.join(MODULES, ".bin", "claude"),
        os.path.join(MODULES, "@anthropic-ai", "claude-code-linux-x64", "claude"),
    ):
        if os.path.exists(path):
            probe = subprocess.run([path, "--version"], capture_output=True, text=True, env=scrubbed_env())
            if probe.returncode == 0 and "Claude Code" in probe.stdout:
                return path
    raise RuntimeError("Claude Code is not installed: run `npm ci` in tests/clients")


def codex_binary():
    return npm_binary("codex", "Codex CLI")


def gemini_binary():
    return npm_binary("gemini", "Gemini CLI")


def copilot_binary():
    return npm_binary("copilot", "Copilot CLI")


def npm_binary(name, title):
    path = os.path.join(MODULES, ".bin", name)
    if not os.path.exists(path):
        raise RuntimeError(f"{title} is not installed: run `npm ci` in tests/clients")
    return path


def client_version(client, work):
    """What `<client> --version` prints, in a scratch HOME (Copilot unpacks itself there)."""
    binary = {"claude": claude_binary, "codex": codex_binary, "gemini": gemini_binary, "copilot": copilot_binary}
    home = os.path.join(work, f"version-{client}")
    os.makedirs(home, exist_ok=True)
    out = subprocess.run(
        [binary[client](), "--version"],
        capture_output=True,
        text=True,
        env=scrubbed_env(HOME=home, TMPDIR=home),
    ).stdout.strip()
    name = {"gemini": "Gemini CLI ", "copilot": ""}.get(client, "")
    return name + out.splitlines()[0] if out else f"{client}: no version"


def scrubbed_env(**extra):
    """A small environment: nothing of the person's agents, keys or configs leaks in."""
    env = {
        "PATH": os.path.dirname(BACKSTOP) + ":" + os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "SHELL": "/bin/bash",
        "USER": os.environ.get("USER", "root"),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    env.update(extra)
    return env


# --- The project under test ---------------------------------------------------------------------

CALC = """def add(a, b):
    return a + b
"""

TESTS = """import unittest

from calc import add


class AddTest(unittest.TestCase):
    def test_add(self):
        self.assertEqual(add(2, 3), 5)

    def test_add_negative(self):
        self.assertEqual(add(-1, 1), 0)
"""

# A stand-in linter: one diagnostic per debug print, `path:line:col: error: message`. Each run
# appends its trigger to <git-common-dir>/gate-runs.log, so a scenario can count judgements.
LINT = """import os
import subprocess
import sys

common = subprocess.run(["git", "rev-parse", "--git-common-dir"], capture_output=True, text=True,
                        check=True).stdout.strip()
with open(os.path.join(common, "gate-runs.log"), "a") as log:
    log.write(os.environ.get("BACKSTOP_TRIGGER", "-") + "\\n")
failed = False
files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
                       capture_output=True, text=True, check=True).stdout.split()
for path in files:
    if path == "lint.py":
        continue
    try:
        lines = open(path, encoding="utf-8").read().split("\\n")
    except FileNotFoundError:
        continue
    for number, line in enumerate(lines, 1):
        column = line.find("print(")
        if column >= 0:
            print(f"{path}:{number}:{column + 1}: error: debug print left in the code")
            failed = True
sys.exit(1 if failed else 0)
"""

GATES = """[settings]
stop_retries = {stop_retries}
cache = {cache}

[gates.lint]
run = "python3 lint.py"
on = ["pre-commit", "stop"]

[gates.test]
run = "python3 -m unittest -q"
on = ["stop"]

[protect]
"""

# The scripted work: a new function with a debug print the lint gate rejects (calc.py:6:5),
# and the edit that takes the print out again.
BREAK = [
    "calc.py",
    "    return a + b",
    '    return a + b\n\n\ndef sub(a, b):\n    print("debug", a, b)\n    return a - b',
]
FIX = ["calc.py", '    print("debug", a, b)\n    return a - b', "    return a - b"]
FIXED_CALC = CALC + "\n\ndef sub(a, b):\n    return a - b\n"


def git(repo, *args, check=True):
    home = os.path.join(os.path.dirname(repo), "home")
    result = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, env=scrubbed_env(HOME=home)
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {result.stderr}")
    return result.stdout.strip()


@dataclass
class Project:
    dir: str
    repo: str
    home: str
    tmp: str
    install_output: str = ""
    # How Gemini or Copilot is told to trust the folder (see run_client); None: its default.
    trust: str = None

    def backstop(self, *args, check=False):
        return subprocess.run(
            [BACKSTOP, *args],
            cwd=self.repo,
            capture_output=True,
            text=True,
            env=scrubbed_env(HOME=self.home, TMPDIR=self.tmp),
            check=check,
        )

    def read(self, path):
        with open(os.path.join(self.repo, path), encoding="utf-8") as f:
            return f.read()

    def head(self):
        return git(self.repo, "rev-parse", "HEAD")

    def log(self):
        return git(self.repo, "log", "--format=%s").splitlines()

    def gate_runs(self):
        """The triggers of the lint gate's runs so far (one line per run)."""
        try:
            with open(os.path.join(self.repo, ".git", "gate-runs.log")) as f:
                return f.read().split()
        except FileNotFoundError:
            return []


def make_project(name, agents=(), git_hooks=False, stop_retries=3, cache=True, protect_on=None):
    """A fresh repository with calc.py, its tests, a lint gate, `[protect]`, and backstop
    installed as a person would: `backstop install --<agent>`, the result committed, then
    `backstop install --git` when asked. `cache=False` makes every judgement run the gates, so
    that `gate_runs` counts judgements. `protect_on` lists the protected gate's triggers (default:
    all but commit-msg)."""
    directory = os.path.join(WORK, name)
    shutil.rmtree(directory, ignore_errors=True)
    repo, home, tmp = (os.path.join(directory, d) for d in ("repo", "home", "tmp"))
    for d in (repo, home, tmp, os.path.join(repo, "tests")):
        os.makedirs(d)
    with open(os.path.join(home, ".gitconfig"), "w") as f:
        f.write(
            "[user]\n\tname = Scripted Model\n\temail = model@example.invalid\n[init]\n\tdefaultBranch = main\n"
        )
    files = {
        "calc.py": CALC,
        "tests/__init__.py": "",
        "tests/test_calc.py": TESTS,
        "lint.py": LINT,
        "gates.toml": GATES.format(stop_retries=stop_retries, cache=str(cache).lower())
        + (f"on = {json.dumps(protect_on)}\n" if protect_on else ""),
        ".gitignore": "__pycache__/\n",
    }
    for path, text in files.items():
        with open(os.path.join(repo, path), "w") as f:
            f.write(text)
    git(repo, "init", "-q")
    # Gemini CLI's shell points GIT_CONFIG_GLOBAL at /dev/null: the identity lives in the repo too.
    git(repo, "config", "user.name", "Scripted Model")
    git(repo, "config", "user.email", "model@example.invalid")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "calc")
    project = Project(directory, repo, home, tmp)
    for flags in ([f"--{a}" for a in agents], ["--git"] if git_hooks else []):
        if not flags:
            continue
        result = project.backstop("install", *flags)
        if result.returncode != 0:
            raise RuntimeError(f"backstop install {' '.join(flags)} failed: {result.stdout}{result.stderr}")
        project.install_output += result.stdout + result.stderr
        if git(repo, "status", "--porcelain"):
            git(repo, "add", "-A")
            git(repo, "commit", "-qm", "backstop hooks")
    assert project.backstop("run", "stop", "--all-files").returncode == 0, "the project starts green"
    os.remove(os.path.join(repo, ".git", "gate-runs.log"))
    return project


# --- Running a client ---------------------------------------------------------------------------


@dataclass
class Run:
    client: str
    project: Project
    returncode: int
    seconds: float
    stdout: str
    stderr: str
    requests: list
    served: int
    overrun: int
    connects: list = field(default_factory=list)

    @property
    def events(self):
        out = []
        for line in self.stdout.splitlines():
            line = line.strip()
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def replies(self, n):
        """What the client sent back after the model's step `n` (0-based): the texts and tool
        results that are new in request n+1, as (kind, text, is_error) tuples."""
        body = self.requests[n + 1]["body"]
        replies = {"claude": claude_replies, "codex": codex_replies, "gemini": gemini_replies, "copilot": chat_replies}
        return replies[self.client](body)

    def describe(self):
        """Enough to debug a failure without opening the files."""
        return (
            f"{self.client}: exit {self.returncode} after {self.seconds:.1f}s, {self.served} steps served, "
            f"{self.overrun} requests past the script; work in {self.project.dir}\n"
            f"stderr tail: {self.stderr[-1500:]}\nstdout tail: {self.stdout[-3000:]}"
        )


def claude_replies(body):
    messages = body.get("messages", [])
    last = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=-1)
    out = []
    for message in messages[last + 1 :]:
        content = message.get("content")
        if isinstance(content, str):
            out.append(("text", content, False))
            continue
        for block in content or []:
            if block.get("type") == "text":
                out.append(("text", block.get("text", ""), False))
            elif block.get("type") == "tool_result":
                inner = block.get("content")
                if isinstance(inner, list):
                    inner = "\n".join(b.get("text", "") for b in inner if isinstance(b, dict))
                out.append(("tool_result", inner or "", bool(block.get("is_error"))))
    return out


def codex_replies(body):
    items = body.get("input", [])

    def from_model(item):
        return str(item.get("id", "")).startswith(("msg_mock_", "fc_mock_", "ctc_mock_"))

    last = max((i for i, item in enumerate(items) if from_model(item)), default=-1)
    out = []
    for item in items[last + 1 :]:
        kind = item.get("type")
        if kind == "message":
            text = "\n".join(c.get("text", "") for c in item.get("content", []) if isinstance(c, dict))
            out.append(("text", text, False))
        elif kind in ("function_call_output", "custom_tool_call_output"):
            output = item.get("output")
            if not isinstance(output, str):
                output = json.dumps(output)
            out.append(("tool_result", output, False))
    return out


DIALECTS = {"claude": "anthropic", "codex": "responses", "gemini": "gemini", "copilot": "chat"}


def gemini_replies(body):
    contents = body.get("contents", [])
    last = max((i for i, c in enumerate(contents) if c.get("role") == "model"), default=-1)
    out = []
    for content in contents[last + 1 :]:
        for part in content.get("parts", []):
            if "text" in part:
                out.append(("text", part["text"], False))
            elif "functionResponse" in part:
                response = part["functionResponse"].get("response", {})
                error = "error" in response
                text = response.get("error") if error else response.get("output", "")
                if not isinstance(text, str):
                    text = json.dumps(text)
                out.append(("tool_result", text, error))
    return out


def chat_replies(body):
    messages = body.get("messages", [])
    last = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=-1)
    out = []
    for message in messages[last + 1 :]:
        content = message.get("content")
        if isinstance(content, list):
            content = "\n".join(c.get("text", "") for c in content if isinstance(c, dict))
        if message.get("role") == "tool":
            out.append(("tool_result", content or "", False))
        elif message.get("role") == "user":
            out.append(("text", content or "", False))
    return out


def run_client(client, project, steps, prompt="Make the change, then finish.", extra_args=(), trust=None):
    """Runs one real client session in `project` against a mock scripted with `steps`.
    Claude prints stream-json events (hook events included) on stdout; Codex prints its
    transcript, with a line per hook run and its outcome, on stderr; Gemini prints stream-json
    events (a blocked stop as an `error` event), Copilot its JSON event stream (no hook events).

    `trust` is how Gemini and Copilot are told to trust the folder (their project hooks run only
    in a trusted one): Gemini "file" (the trustedFolders.json entry `install --gemini` prints,
    written by `trust_gemini`), "env" (GEMINI_CLI_TRUST_WORKSPACE=true, the default), "skip"
    (`--skip-trust` alone) or "none"; Copilot "config" (the trustedFolders entry `install
    --copilot` prints, written by `trust_copilot`), "flag" (`--trust-folder`, the default) or
    "none"."""
    log = os.path.join(project.dir, "requests.jsonl")
    with MockModel(DIALECTS[client], steps, log, project.repo) as model:
        if client == "claude":
            command = [
                claude_binary(),
                "-p",
                prompt,
                "--output-format",
                "stream-json",
                "--verbose",
                "--include-hook-events",
                "--allowedTools",
                "Bash,Edit,Write,Read",
                *extra_args,
            ]
            env = scrubbed_env(
                HOME=project.home,
                TMPDIR=project.tmp,
                ANTHROPIC_BASE_URL=model.url,
                ANTHROPIC_API_KEY="mock-key",
                CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
                DISABLE_TELEMETRY="1",
                DISABLE_AUTOUPDATER="1",
                DISABLE_ERROR_REPORTING="1",
            )
        elif client == "codex":
            codex_home = os.path.join(project.home, ".codex")
            configure_codex(project, model.url)
            command = [codex_binary(), "exec", *extra_args, prompt]
            env = scrubbed_env(
                HOME=project.home, TMPDIR=project.tmp, CODEX_HOME=codex_home, MOCK_API_KEY="mock-key"
            )
        elif client == "gemini":
            trust = trust or "env"
            configure_gemini(project)
            command = [gemini_binary(), "-p", prompt, "--output-format", "stream-json", "--yolo", *extra_args]
            if trust == "skip":
                command.append("--skip-trust")
            env = scrubbed_env(
                HOME=project.home,
                TMPDIR=project.tmp,
                GOOGLE_GEMINI_BASE_URL=model.url,
                GEMINI_API_KEY="mock-key",
                **({"GEMINI_CLI_TRUST_WORKSPACE": "true"} if trust == "env" else {}),
            )
        else:
            trust = trust or "flag"
            command = [
                copilot_binary(),
                "-p",
                prompt,
                "--allow-all-tools",
                "--output-format",
                "json",
                *(["--trust-folder"] if trust == "flag" else []),
                *extra_args,
            ]
            env = scrubbed_env(
                HOME=project.home,
                TMPDIR=project.tmp,
                # Copilot unpacks its 235 MB runtime into the cache on first start: once per suite.
                XDG_CACHE_HOME=os.path.join(WORK, "copilot-cache"),
                COPILOT_PROVIDER_BASE_URL=model.url + "/v1",
                COPILOT_PROVIDER_API_KEY="mock-key",
                COPILOT_OFFLINE="true",
                COPILOT_MODEL="mock",
            )
        strace_log = None
        if ISOLATION == "strace":
            strace_log = os.path.join(project.dir, f"{client}.strace")
            command = ["strace", "-f", "-qq", "-e", "trace=connect", "-o", strace_log, *command]
        started = time.monotonic()
        with (
            open(os.path.join(project.dir, f"{client}.stdout"), "w+") as out,
            open(os.path.join(project.dir, f"{client}.stderr"), "w+") as err,
        ):
            process = subprocess.Popen(
                command,
                cwd=project.repo,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
            try:
                returncode = process.wait(timeout=CLIENT_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                returncode = "timeout"
            seconds = time.monotonic() - started
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        requests = list(model.script.requests)
        run = Run(
            client,
            project,
            returncode,
            seconds,
            stdout,
            stderr,
            requests,
            model.script.served,
            model.script.overrun,
        )
    if strace_log:
        run.connects = foreign_connects(strace_log)
    return run


# --- Gemini CLI and Copilot CLI configuration and trust -------------------------------------------


def configure_gemini(project):
    """The user settings a headless Gemini CLI needs to talk to the mock: an API key login (the
    base URL alone selects a "gateway" login that headless mode refuses) and nothing that phones
    home (usage statistics, telemetry, update checks)."""
    directory = os.path.join(project.home, ".gemini")
    os.makedirs(directory, exist_ok=True)
    settings = {
        "security": {"auth": {"selectedType": "gemini-api-key"}},
        "privacy": {"usageStatisticsEnabled": False},
        "telemetry": {"enabled": False},
        "general": {"disableAutoUpdate": True, "disableUpdateNag": True},
    }
    with open(os.path.join(directory, "settings.json"), "w") as f:
        json.dump(settings, f)


def printed_json(install_output, marker):
    """The JSON object install printed after `marker` (the entry a person adds to a file)."""
    at = install_output.index(marker) + len(marker)
    start = install_output.index("{", at)
    value, _ = json.JSONDecoder().raw_decode(install_output[start:])
    return value


def trust_gemini(project):
    """The trust step `backstop install --gemini` prints, taken as a person would: its entry
    written to ~/.gemini/trustedFolders.json."""
    entry = printed_json(project.install_output, "trustedFolders.json:")
    directory = os.path.join(project.home, ".gemini")
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "trustedFolders.json"), "w") as f:
        json.dump(entry, f)
    return entry


def trust_copilot(project):
    """The trust step `backstop install --copilot` prints: its entry written to
    ~/.copilot/config.json."""
    entry = printed_json(project.install_output, "config.json:")
    directory = os.path.join(project.home, ".copilot")
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(entry, f)
    return entry


# --- Codex configuration and trust --------------------------------------------------------------


def codex_config(url):
    return f"""model = "gpt-5.5"
model_provider = "mock"
approval_policy = "never"
sandbox_mode = "danger-full-access"
check_for_update_on_startup = false

[model_providers.mock]
name = "mock model"
base_url = "{url}/v1"
wire_api = "responses"
env_key = "MOCK_API_KEY"
request_max_retries = 0
stream_max_retries = 0

[features]
plugins = false

[analytics]
enabled = false
"""


def configure_codex(project, url):
    """Writes $CODEX_HOME/config.toml pointing at the mock, keeping the trust entries below
    (written by `trust_codex`)."""
    codex_home = os.path.join(project.home, ".codex")
    os.makedirs(codex_home, exist_ok=True)
    trust = os.path.join(codex_home, "trust.toml")
    text = codex_config(url)
    if os.path.exists(trust):
        with open(trust) as f:
            text += "\n" + f.read()
    with open(os.path.join(codex_home, "config.toml"), "w") as f:
        f.write(text)


def printed_project_trust(install_output):
    """The `[projects."<repo>"]` TOML that `backstop install --codex` tells the person to add."""
    lines = install_output.splitlines()
    begin = next(i for i, line in enumerate(lines) if "trust this project" in line) + 1
    end = next(i for i, line in enumerate(lines) if line.strip().startswith("2."))
    block = lines[begin:end]
    indent = min(len(line) - len(line.lstrip()) for line in block if line.strip())
    return "\n".join(line[indent:] for line in block) + "\n"


def write_codex_trust(project, entries):
    codex_home = os.path.join(project.home, ".codex")
    os.makedirs(codex_home, exist_ok=True)
    with open(os.path.join(codex_home, "trust.toml"), "w") as f:
        f.write(entries)
    # Until a run rewrites it with the mock's address; app-server never calls the model.
    configure_codex(project, "http://127.0.0.1:9")


def trust_project(project):
    """Step 1 alone, for a project without backstop (no install output to copy it from)."""
    write_codex_trust(project, f'[projects.{json.dumps(project.repo)}]\ntrust_level = "trusted"\n')


def trust_codex(project, hooks=True):
    """The trust steps `backstop install --codex` prints, taken as a person would: (1) the
    project trust entry, copied from install's own output; (2) each hook trusted, as Codex's
    /hooks screen records it: the hook's key and the hash Codex computes, asked from Codex
    itself (`codex app-server`, `hooks/list`). Returns what Codex then lists for the repo."""
    entries = printed_project_trust(project.install_output)
    write_codex_trust(project, entries)
    listed = codex_hooks(project)
    if hooks:
        for hook in listed:
            entries += f"\n[hooks.state.{json.dumps(hook['key'])}]\ntrusted_hash = {json.dumps(hook['currentHash'])}\n"
        write_codex_trust(project, entries)
        listed = codex_hooks(project)
    return listed


def codex_hooks(project):
    """The hooks Codex sees for the repository (`hooks/list` over app-server JSON-RPC)."""
    env = scrubbed_env(HOME=project.home, TMPDIR=project.tmp, CODEX_HOME=os.path.join(project.home, ".codex"))
    process = subprocess.Popen(
        [codex_binary(), "app-server"],
        cwd=project.repo,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60

    def call(number, method, params):
        process.stdin.write(json.dumps({"id": number, "method": method, "params": params}) + "\n")
        process.stdin.flush()
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            message = json.loads(line)
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"codex app-server {method}: {message['error']}")
                return message["result"]
        raise RuntimeError(f"codex app-server gave no answer to {method}")

    try:
        call(1, "initialize", {"clientInfo": {"name": "backstop-tests", "version": "1"}})
        process.stdin.write(json.dumps({"method": "initialized"}) + "\n")
        result = call(2, "hooks/list", {"cwds": [project.repo]})
    finally:
        process.stdin.close()
        process.stdout.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    hooks = []
    for entry in result["data"]:
        if entry.get("errors"):
            raise RuntimeError(f"codex reports hook errors: {entry['errors']}")
        hooks += entry["hooks"]
    return hooks


# --- Isolation proof without a namespace --------------------------------------------------------

CONNECT = re.compile(r"connect\(\d+, \{sa_family=(?P<family>AF_\w+)(?P<rest>.*)")


def foreign_connects(strace_log):
    """Every connect(2) that left the machine's loopback, from an `strace -f -e connect` log."""
    foreign = []
    with open(strace_log, errors="replace") as f:
        for line in f:
            match = CONNECT.search(line)
            if not match:
                continue
            family, rest = match["family"], match["rest"]
            if family in ("AF_UNIX", "AF_NETLINK", "AF_UNSPEC"):
                continue
            if family == "AF_INET" and 'inet_addr("127.' in rest:
                continue
            if family == "AF_INET6" and ('"::1"' in rest or '"::ffff:127.' in rest):
                continue
            foreign.append(line.strip())
    return foreign
