"""backstop's agent hooks, proven with the real Claude Code, Codex, Gemini and Copilot CLIs.

Each scenario runs a real client session in a scratch repository against the scripted mock
model, then reads what the client sent back to the "model" (the mock's request log), the
repository, and the client's own output. Each has a control that shows the same script does
what the scenario guards against when backstop is not there to stop it.

Run through run.py (it isolates the network first), not directly.
"""

import errno
import glob
import json
import os
import re
import socket
import subprocess
import tomllib
import unittest

import harness
from harness import BREAK, FIX, FIXED_CALC, GATES, make_project, run_client

LINT_AT = "calc.py:6:5"
LINT_MESSAGE = "debug print left in the code"

STOP_SCRIPT = [
    {"read": "calc.py"},
    {"edit": BREAK},
    {"say": "Done: calc.py has sub() now."},
    # The client's next request carries backstop's feedback; the model then fixes the file.
    {"edit": FIX},
    {"say": "Fixed: the debug print is gone."},
]

STOP_RETRIES = 3
# Never fixes anything: says "done" after every block.
LOOP_SCRIPT = [{"read": "calc.py"}, {"edit": BREAK}] + [
    {"say": f"Done, attempt {n}."} for n in range(1, STOP_RETRIES + 2)
]

NO_VERIFY = "git commit --no-verify -am 'wip: debug output'"
GATES_EDIT = ["gates.toml", 'on = ["pre-commit", "stop"]', 'on = ["manual"]']
GUARD_SCRIPT = [
    {"read": "calc.py"},
    {"edit": BREAK},
    {"bash": NO_VERIFY},  # 2: denied, never runs
    {"bash": "git commit -am 'wip: debug output'"},  # 3: runs; the git hook refuses it
    {"read": "gates.toml"},
    {"edit": GATES_EDIT},  # 5: a protected path: denied
    {"edit": FIX},
    {"bash": "git commit -am 'Add sub'"},  # 7: runs; the git hook passes it
    {"say": "Done: sub() is committed."},
]

DROP = "sed -i '/def test_add_negative/,/assertEqual(add(-1, 1), 0)/d' tests/test_calc.py"
DROP_COMMIT = "git commit -qam 'Remove a flaky test'"
# The edit and the commit on one line: where backstop judges commits before they run (every
# client without backstop's git hooks), the line is refused, since the edit would land in the
# commit unjudged; the agent then runs them one at a time.
DROP_TEST = f"{DROP} && {DROP_COMMIT}"
OWN_COMMAND = "as a command of its own"
# A failing change committed through the agent's own shell, refused with the gate feedback;
# then the fix, committed.
COMMIT = "git commit -am 'Add sub'"
COMMIT_SCRIPT = [
    {"read": "calc.py"},
    {"edit": BREAK},
    {"bash": COMMIT},  # 2: refused (git's hook, or the pre-tool hook where git runs none)
    {"edit": FIX},
    {"bash": COMMIT},  # 4: committed
    {"say": "Done: sub() is committed."},
]

# The session projects run the protected gate on stop only (`protect_on`), so that the deletion
# can be committed: what is shown is that the session base, not HEAD, sees it at the stop.
SESSION_SCRIPT = [
    {"bash": DROP_TEST},  # 0: refused, the edit before the commit on the same line
    {"bash": DROP},  # 1: the edit alone
    {"bash": DROP_COMMIT},  # 2: judged (lint passes) and committed
    {"say": "Done: the suite is green."},  # 3: blocked: the deletion was committed in the session
    {"bash": "git revert --no-edit HEAD"},
    {"say": "Restored the test."},
]


class Scenarios:
    """The scenarios, for one client (`client` is set by the subclasses)."""

    client = ""

    # -- helpers ----------------------------------------------------------------------------

    def project(self, name, **kwargs):
        return make_project(f"{self.client}-{name}", **kwargs)

    def installed(self, name, git_hooks=False, stop_retries=STOP_RETRIES, cache=True, protect_on=None):
        project = self.project(
            name,
            agents=[self.client],
            git_hooks=git_hooks,
            stop_retries=stop_retries,
            cache=cache,
            protect_on=protect_on,
        )
        # The trust step install printed, taken as a person would.
        if self.client == "gemini":
            harness.trust_gemini(project)
            project.trust = "file"
        if self.client == "copilot":
            harness.trust_copilot(project)
            project.trust = "config"
        if self.client == "codex":
            hooks = harness.trust_codex(project)
            ours = [h for h in hooks if "backstop hook codex" in h["command"]]
            self.assertEqual(
                sorted(h["eventName"] for h in ours), ["preToolUse", "sessionStart", "stop"], hooks
            )
            self.assertTrue(all(h["trustStatus"] == "trusted" for h in ours), hooks)
        return project

    def bare(self, name, stop_retries=STOP_RETRIES, protect_on=None):
        project = self.project(name, stop_retries=stop_retries, protect_on=protect_on)
        if self.client == "codex":
            harness.trust_project(project)
        return project

    def run_script(self, project, steps, trust=None):
        run = run_client(self.client, project, steps, trust=trust or project.trust)
        print(
            f"\n    {self.client}: {os.path.basename(project.dir)}: {run.served} steps, "
            f"{len(run.requests)} requests, {run.seconds:.1f}s",
            end="",
            flush=True,
        )
        self.assertNotEqual(run.returncode, "timeout", run.describe())
        self.assertEqual(run.connects, [], "connections that left loopback:\n" + "\n".join(run.connects))
        return run

    def assertEnded(self, run, served):
        """The client finished on its own, exactly after the script's step `served`."""
        self.assertEqual(run.returncode, 0, run.describe())
        self.assertEqual(run.overrun, 0, "the client asked past the script\n" + run.describe())
        self.assertEqual(run.served, served, run.describe())
        self.assertEqual(len(run.requests), served, run.describe())

    def assertStopFeedback(self, run, step, *needles):
        """The client's request after `step` carries backstop's stop feedback."""
        replies = run.replies(step)
        texts = [text for kind, text, _ in replies if kind == "text"]
        if self.client == "claude":
            fed = [t for t in texts if t.startswith("Stop hook feedback:\n")]
        elif self.client == "codex":
            fed = [t for t in texts if t.startswith("<hook_prompt") and "stop" in t]
        elif self.client == "gemini":
            # The reason itself, as the next user message.
            fed = [t for t in texts if t.startswith("backstop: ")]
        else:
            # The reason as the next user message, after Copilot's <current_datetime> line.
            fed = [t for t in texts if "\n\nbackstop: " in t]
        self.assertEqual(len(fed), 1, f"no stop feedback after step {step}: {replies}\n{run.describe()}")
        for needle in ("backstop: ", *needles):
            self.assertIn(needle, fed[0])
        return fed[0]

    def tool_result(self, run, step):
        results = [(text, error) for kind, text, error in run.replies(step) if kind == "tool_result"]
        self.assertEqual(len(results), 1, f"one tool result after step {step}: {run.replies(step)}")
        return results[0]

    def deny_reason(self, project, tool_name, tool_input):
        """What backstop's guard answers for this tool call, asked directly (in a payload any
        agent's hook reads), from the agent's deny object."""
        payload = {
            "hook_event_name": "PreToolUse",
            "cwd": project.repo,
            "session_id": "probe",
            "tool_name": tool_name,
            "tool_input": tool_input,
        }
        out = subprocess.run(
            [harness.BACKSTOP, "hook", self.client, "pre-tool-use"],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            cwd=project.repo,
            env=harness.scrubbed_env(HOME=project.home),
        ).stdout
        answer = json.loads(out)
        if "hookSpecificOutput" in answer:
            return answer["hookSpecificOutput"]["permissionDecisionReason"]
        return answer.get("reason") or answer["permissionDecisionReason"]

    def denied(self, run, step, reason):
        """The tool call of `step` was denied with `reason`, in the client's words."""
        text, error = self.tool_result(run, step)
        self.assertIn(reason, text)
        prefix = {
            "codex": "Command blocked by PreToolUse hook: ",
            "gemini": "Tool execution blocked: ",
            "copilot": "Denied by preToolUse hook: ",
        }.get(self.client)
        if prefix:
            self.assertTrue(text.startswith(prefix), text)
        if self.client in ("claude", "gemini"):
            self.assertTrue(error, "the denied call comes back as an error")
        return text

    # Tool names of the guard payloads, per client: (shell, edit with its input for a path).
    def edit_call(self, project, path):
        full = os.path.join(project.repo, path)
        if self.client == "claude":
            return "Edit", {"file_path": full}
        if self.client == "codex":
            return "apply_patch", {"command": f"*** Begin Patch\n*** Update File: {path}\n@@\n-x\n+y\n*** End Patch\n"}
        if self.client == "gemini":
            return "replace", {"file_path": full}
        return "edit", {"path": full}

    def hook_outputs(self, run, event="Stop"):
        """Claude only: what each run of `event`'s hook printed, from stream-json hook events."""
        return [
            e.get("output", "").strip()
            for e in run.events
            if e.get("type") == "system"
            and e.get("subtype") == "hook_response"
            and e.get("hook_event") == event
        ]

    def hook_outcomes(self, run, event):
        """Codex only: the outcome of each run of `event`'s hooks, from the transcript's
        `hook: Stop Blocked` lines (`codex exec` does not show a hook's systemMessage)."""
        return re.findall(rf"^hook: {event} (\w+)$", run.stderr, re.MULTILINE)

    def gemini_blocked_stops(self, run):
        """Gemini only: the AfterAgent denials it reports (stream-json `error` events)."""
        return [
            e["message"]
            for e in run.events
            if e.get("type") == "error" and e.get("message", "").startswith("Agent execution blocked: backstop: ")
        ]

    def sessions(self, project):
        states = {}
        for path in glob.glob(os.path.join(project.repo, ".git", "backstop", "sessions", "*.json")):
            if path.endswith(".stop.json"):
                continue  # the record of the last judged stop, not a session
            with open(path) as f:
                states[os.path.basename(path)[:-5]] = json.load(f)
        return states

    # -- 1. Stop ----------------------------------------------------------------------------

    def test_stop_blocks_with_feedback_then_passes_once_fixed(self):
        project = self.installed("stop")
        run = self.run_script(project, STOP_SCRIPT)
        # Five requests: the "done" after the break was not the end; the fixed one was.
        self.assertEnded(run, 5)
        self.assertStopFeedback(run, 2, "gates failed: lint", LINT_AT, LINT_MESSAGE, "Full report: ")
        self.assertEqual(project.read("calc.py"), FIXED_CALC)
        if self.client == "claude":
            outputs = self.hook_outputs(run)
            self.assertEqual(len(outputs), 2, outputs)
            self.assertEqual(json.loads(outputs[0])["decision"], "block")
            self.assertEqual(outputs[1], "", "a green stop prints nothing")
        elif self.client == "codex":
            self.assertEqual(self.hook_outcomes(run, "Stop"), ["Blocked", "Completed"], run.describe())
        elif self.client == "gemini":
            self.assertEqual(len(self.gemini_blocked_stops(run)), 1, run.describe())
        (state,) = self.sessions(project).values()
        self.assertEqual(state["base"], project.head(), "SessionStart recorded the session's base")
        self.assertEqual(state["blocks"], 0, "the green stop reset the count")

    def test_control_stop_without_backstop_ends_with_the_gate_failing(self):
        project = self.bare("stop-control")
        run = self.run_script(project, STOP_SCRIPT)
        # The turn ends at the first "done": the fix in the script is never asked for.
        self.assertEnded(run, 3)
        self.assertIn(LINT_AT, project.backstop("run", "stop").stdout)
        self.assertEqual(project.backstop("run", "stop").returncode, 1)

    # -- 2. Loop safety ---------------------------------------------------------------------

    def test_loop_safety_lets_go_after_stop_retries_blocks(self):
        project = self.installed("loop")
        run = self.run_script(project, LOOP_SCRIPT)
        # read, edit, then STOP_RETRIES blocked "done"s and the one that is let go.
        self.assertEnded(run, 2 + STOP_RETRIES + 1)
        for step in range(2, 2 + STOP_RETRIES):
            self.assertStopFeedback(run, step, LINT_AT)
        (state,) = self.sessions(project).values()
        self.assertEqual(state["blocks"], STOP_RETRIES)
        released = "the agent was let stop after 3 attempts, but gates still fail: lint"
        if self.client == "claude":
            outputs = self.hook_outputs(run)
            self.assertEqual(
                [json.loads(o).get("decision") for o in outputs], ["block"] * STOP_RETRIES + [None]
            )
            self.assertIn(released, json.loads(outputs[-1])["systemMessage"])
        elif self.client == "codex":
            self.assertEqual(
                self.hook_outcomes(run, "Stop"), ["Blocked"] * STOP_RETRIES + ["Completed"], run.describe()
            )
        elif self.client == "gemini":
            self.assertEqual(len(self.gemini_blocked_stops(run)), STOP_RETRIES, run.describe())
            self.assertIn(released, run.stderr, "Gemini shows the systemMessage on stderr")
        self.assertEqual(project.backstop("run", "stop").returncode, 1, "the gate still fails")

    def test_control_loop_a_hook_that_never_lets_go_is_caught_by_the_mock(self):
        # stop_retries far above the script: backstop keeps blocking, the client keeps asking,
        # and the mock's refusal past the script is what ends the run. This is what the test
        # above would see if backstop did not let go.
        project = self.installed("loop-control", stop_retries=100)
        run = self.run_script(project, LOOP_SCRIPT)
        self.assertEqual(run.served, len(LOOP_SCRIPT), run.describe())
        self.assertGreaterEqual(run.overrun, 1, run.describe())
        self.assertStopFeedback(run, len(LOOP_SCRIPT) - 1, LINT_AT)

    # -- 3. Guard ---------------------------------------------------------------------------

    def test_guard_denies_no_verify_and_protected_edits_git_hook_runs(self):
        project = self.installed("guard", git_hooks=True)
        base = project.log()
        run = self.run_script(project, GUARD_SCRIPT)
        self.assertEnded(run, len(GUARD_SCRIPT))

        # --no-verify: denied with backstop's reason, and never ran.
        reason = self.deny_reason(project, "Bash", {"command": NO_VERIFY})
        self.assertIn("--no-verify", reason)
        text = self.denied(run, 2, reason)
        if self.client == "codex":
            self.assertIn(f"{reason}. Command: {NO_VERIFY}", text, "one full stop before Codex's suffix")

        # The ordinary commit ran and the git hook refused it, naming the lint failure.
        text, _ = self.tool_result(run, 3)
        self.assertIn(LINT_AT, text)

        # The protected gates.toml: denied, unchanged.
        reason = self.deny_reason(project, *self.edit_call(project, "gates.toml"))
        self.assertIn("gates.toml", reason)
        self.denied(run, 5, reason)
        self.assertEqual(project.read("gates.toml"), GATES.format(stop_retries=STOP_RETRIES, cache="true"))

        # The matcher sends every shell call and every edit to the guard (Claude's Read is not
        # matched); exactly the two bypasses are denied.
        if self.client == "claude":
            outputs = self.hook_outputs(run, "PreToolUse")
            self.assertEqual(len(outputs), 6, outputs)
            denied = [json.loads(o)["hookSpecificOutput"]["permissionDecision"] for o in outputs if o]
            self.assertEqual(denied, ["deny", "deny"])
        elif self.client == "codex":
            outcomes = self.hook_outcomes(run, "PreToolUse")
            self.assertEqual(len(outcomes), len(GUARD_SCRIPT) - 1, outcomes)
            self.assertEqual(outcomes.count("Blocked"), 2, outcomes)
        elif self.client == "gemini":
            # Gemini's shell runs no git hook: the ordinary commit was judged and refused by the
            # BeforeTool hook instead (the third denial), with the same gate feedback.
            text, error = self.tool_result(run, 3)
            self.assertTrue(text.startswith("Tool execution blocked: backstop: this commit was not made"), text)

        # After the fix the same ordinary commit goes through the hook; no wip commit exists.
        self.assertEqual(project.log(), ["Add sub", *base])
        self.assertEqual(project.read("calc.py"), FIXED_CALC)

    def test_control_guard_without_backstop_the_no_verify_commit_runs(self):
        project = self.bare("guard-control")
        base = project.log()
        run = self.run_script(project, GUARD_SCRIPT)
        self.assertEnded(run, len(GUARD_SCRIPT))
        text, _ = self.tool_result(run, 2)
        self.assertNotIn("backstop", text)
        self.assertEqual(project.log()[-len(base) - 1 :], ["wip: debug output", *base])
        self.assertNotIn(LINT_AT, self.tool_result(run, 3)[0], "no git hook ran")
        self.assertIn('on = ["manual"]', project.read("gates.toml"), "the gates.toml edit landed")

    # -- 4. Commits through the agent's own shell ---------------------------------------------

    def commit_refused_then_made(self, project):
        base = project.log()
        run = self.run_script(project, COMMIT_SCRIPT)
        self.assertEnded(run, len(COMMIT_SCRIPT))
        text, _ = self.tool_result(run, 2)
        self.assertIn(LINT_AT, text)
        self.assertIn(LINT_MESSAGE, text)
        self.assertEqual(project.log(), ["Add sub", *base], "only the fixed commit landed")
        self.assertEqual(project.read("calc.py"), FIXED_CALC)
        # Once, not twice: one pre-commit judgement per commit attempt, whoever ran it.
        runs = project.gate_runs()
        self.assertEqual(runs.count("pre-commit"), 2, runs)
        self.assertEqual(runs.count("stop"), 1, runs)
        return text

    def test_a_failing_commit_is_refused_with_the_gate_feedback_with_git_hooks(self):
        project = self.installed("commit-hooks", git_hooks=True, cache=False)
        text = self.commit_refused_then_made(project)
        if self.client == "gemini":
            # Gemini's shell turns git hooks off: backstop's BeforeTool hook judged the commit.
            self.assertTrue(text.startswith("Tool execution blocked: backstop: this commit was not made"), text)
            self.assertIn("git runs no hooks in this agent's shell", text)
        else:
            # git ran backstop's hook; the pre-tool hook left the commit to it.
            self.assertNotIn("this commit was not made", text)

    def test_a_failing_commit_is_refused_with_the_gate_feedback_without_git_hooks(self):
        project = self.installed("commit-no-hooks", cache=False)
        text = self.commit_refused_then_made(project)
        self.assertIn("backstop: this commit was not made: its pre-commit gates fail.", text)

    # -- 5. Session base --------------------------------------------------------------------

    def test_session_base_catches_a_test_deletion_committed_in_the_session(self):
        project = self.installed("session", protect_on=["stop"])
        start = project.head()
        run = self.run_script(project, SESSION_SCRIPT)
        self.assertEnded(run, len(SESSION_SCRIPT))
        # The edit and the commit on one line never ran: the pre-tool hook refused it.
        self.denied(run, 0, OWN_COMMAND)
        feedback = self.assertStopFeedback(run, 3, "protected", "tests/test_calc.py", "test_add_negative")
        self.assertIn("deleted", feedback)
        self.assertEqual(project.log()[:2], ['Revert "Remove a flaky test"', "Remove a flaky test"])
        self.assertEqual(project.read("tests/test_calc.py").count("def test_"), 2)
        (state,) = self.sessions(project).values()
        self.assertEqual(state["base"], start)

    def test_control_session_base_without_backstop_the_deletion_stays(self):
        project = self.bare("session-control", protect_on=["stop"])
        run = self.run_script(project, SESSION_SCRIPT)
        # The one-line edit and commit ran (then the edit again, a commit of nothing), and the
        # turn ended at the first "done".
        self.assertEnded(run, 4)
        self.assertEqual(project.log()[0], "Remove a flaky test")
        self.assertEqual(project.read("tests/test_calc.py").count("def test_"), 1)
        # And without a session base a stop check compares with HEAD, where the deletion is
        # already committed: only the base recorded at SessionStart sees it.
        self.assertEqual(project.backstop("run", "stop").returncode, 0)


def inner_repository(project):
    """A second repository inside the workspace (`inner/`, ignored by the outer one) with its own
    gate, failing on a `BAD` line, and a tracked file changed to have one."""
    inner = os.path.join(project.repo, "inner")
    os.makedirs(inner)
    with open(os.path.join(project.repo, ".gitignore"), "a") as f:
        f.write("inner/\n")
    harness.git(project.repo, "commit", "-qam", "Ignore inner/")
    for path, text in {
        "gates.toml": '[gates.no-bad]\nrun = "! grep -Hn BAD a.txt"\non = ["pre-commit"]\n',
        "a.txt": "fine\n",
    }.items():
        with open(os.path.join(inner, path), "w") as f:
            f.write(text)
    harness.git(inner, "init", "-q")
    harness.git(inner, "config", "user.name", "Scripted Model")
    harness.git(inner, "config", "user.email", "model@example.invalid")
    harness.git(inner, "add", "-A")
    harness.git(inner, "commit", "-qm", "inner")
    with open(os.path.join(inner, "a.txt"), "w") as f:
        f.write("fine\nBAD\n")
    return inner


# A commit in the directory the shell tool is given (Codex `workdir`, Gemini `dir_path`), in
# another repository than the one the agent started in.
INNER_COMMIT = [{"bash": "git commit -qam 'Add a line'", "dir": "inner"}, {"say": "Done."}]


class ToolDirectory:
    """Codex and Gemini: the shell tool's own directory argument is where the commit is judged."""

    def test_a_commit_in_the_shell_tools_directory_is_judged_there(self):
        project = self.installed("tool-dir")
        inner = inner_repository(project)
        run = self.run_script(project, INNER_COMMIT)
        self.assertEnded(run, 2)
        text = self.denied(run, 0, "backstop: this commit was not made")
        self.assertIn("a.txt:2: BAD", text)
        self.assertEqual(harness.git(inner, "log", "--format=%s").splitlines(), ["inner"])

    def test_control_tool_directory_without_backstop_the_commit_lands_there(self):
        project = self.bare("tool-dir-control")
        inner = inner_repository(project)
        run = self.run_script(project, INNER_COMMIT)
        self.assertEnded(run, 2)
        self.assertEqual(harness.git(inner, "log", "--format=%s").splitlines(), ["Add a line", "inner"])


class ClaudeCode(Scenarios, unittest.TestCase):
    client = "claude"


class CodexCLI(Scenarios, ToolDirectory, unittest.TestCase):
    client = "codex"

    def test_install_says_how_to_trust_the_hooks(self):
        project = self.project("install", agents=["codex"])
        self.assertIn("/hooks", project.install_output)
        self.assertIn("--dangerously-bypass-hook-trust", project.install_output)
        # The TOML it prints is valid and trusts exactly this repository (the other scenarios
        # copy it into $CODEX_HOME/config.toml as their trust step).
        printed = tomllib.loads(harness.printed_project_trust(project.install_output))
        self.assertEqual(printed, {"projects": {project.repo: {"trust_level": "trusted"}}})

    def test_control_untrusted_hooks_do_not_run(self):
        # Step 1 taken, step 2 not: the project is trusted, backstop's hooks are not, and
        # Codex skips them without a word.
        project = self.project("untrusted-hooks", agents=["codex"])
        hooks = harness.trust_codex(project, hooks=False)
        self.assertTrue(hooks and all(h["trustStatus"] == "untrusted" for h in hooks), hooks)
        run = self.run_script(project, STOP_SCRIPT)
        self.assertEnded(run, 3)
        self.assertEqual(self.hook_outcomes(run, "Stop"), [])
        self.assertEqual(self.sessions(project), {}, "no backstop hook ran")

    def test_control_untrusted_project_loads_no_hooks(self):
        # Step 2 taken, step 1 undone: in an untrusted project Codex does not load
        # .codex/hooks.json at all, trusted hashes or not.
        project = self.project("untrusted-project", agents=["codex"])
        harness.trust_codex(project)
        path = os.path.join(project.home, ".codex", "trust.toml")
        with open(path) as f:
            entries = f.read()
        harness.write_codex_trust(
            project, entries.replace(harness.printed_project_trust(project.install_output), "")
        )
        self.assertEqual(harness.codex_hooks(project), [])
        run = self.run_script(project, STOP_SCRIPT)
        self.assertEnded(run, 3)
        self.assertEqual(self.sessions(project), {}, "no backstop hook ran")

    def test_automation_bypass_of_hook_trust_runs_the_hooks(self):
        # The automation path install prints: a trusted project and
        # --dangerously-bypass-hook-trust instead of trusting each hook.
        project = self.project("bypass", agents=["codex"], stop_retries=STOP_RETRIES)
        harness.trust_codex(project, hooks=False)
        run = run_client("codex", project, STOP_SCRIPT, extra_args=["--dangerously-bypass-hook-trust"])
        self.assertEqual(run.connects, [])
        self.assertEnded(run, 5)
        self.assertStopFeedback(run, 2, LINT_AT)


class GeminiCLI(Scenarios, ToolDirectory, unittest.TestCase):
    client = "gemini"

    def test_install_says_how_to_trust_the_folder(self):
        project = self.project("install", agents=["gemini"])
        self.assertIn("GEMINI_CLI_TRUST_WORKSPACE=true", project.install_output)
        # The entry it prints is valid JSON naming exactly this folder (the other scenarios
        # write it to ~/.gemini/trustedFolders.json as their trust step).
        self.assertEqual(harness.trust_gemini(project), {project.repo: "TRUST_FOLDER"})

    def test_control_skip_trust_alone_runs_without_the_hooks(self):
        project = self.project("skip-trust", agents=["gemini"])
        run = self.run_script(project, STOP_SCRIPT, trust="skip")
        self.assertEnded(run, 3)
        self.assertEqual(self.sessions(project), {}, "no backstop hook ran")

    def test_automation_trust_by_environment_runs_the_hooks(self):
        project = self.project("trust-env", agents=["gemini"])
        run = self.run_script(project, STOP_SCRIPT, trust="env")
        self.assertEnded(run, 5)
        self.assertStopFeedback(run, 2, LINT_AT)

    def test_control_gemini_shell_runs_no_git_hooks(self):
        # backstop's git hooks, no agent hooks: the failing commit lands, because Gemini's shell
        # sets core.hooksPath to nothing. This is why the BeforeTool hook judges commits.
        project = self.project("no-git-hooks-control", git_hooks=True, cache=False)
        base = project.log()
        run = self.run_script(project, COMMIT_SCRIPT[:3] + [{"say": "Done."}])
        self.assertEnded(run, 4)
        self.assertEqual(project.log(), ["Add sub", *base])
        self.assertIn('print("debug"', project.read("calc.py"))
        self.assertEqual(project.gate_runs(), [], "no gate ran: git ran no hook")
        # The same commit outside Gemini is refused by the same hook.
        harness.git(project.repo, "reset", "-q", "--soft", "HEAD~1")
        refused = subprocess.run(
            ["git", "commit", "-qm", "Add sub"],
            cwd=project.repo,
            capture_output=True,
            text=True,
            env=harness.scrubbed_env(HOME=project.home),
        )
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn(LINT_AT, refused.stdout + refused.stderr)


# A subagent (Copilot's `task` tool) commits a test deletion; its own requests take steps 1 to 5.
# Only the parent session's base sees a deletion committed inside the session.
SUBAGENT_SCRIPT = [
    {"task": "Clean up the tests."},
    {"bash": DROP},
    {"bash": DROP_COMMIT},
    {"say": "Done: the suite is green."},  # 3: the subagent's stop, blocked
    {"bash": "git revert --no-edit HEAD"},
    {"say": "Restored the test."},  # 5: the subagent's stop, passed
    {"say": "Done: the subagent is finished."},  # 6: the main agent's stop, passed
]


class CopilotCLI(Scenarios, unittest.TestCase):
    client = "copilot"

    def test_install_says_how_to_trust_the_folder(self):
        project = self.project("install", agents=["copilot"])
        self.assertIn("--trust-folder", project.install_output)
        self.assertEqual(harness.trust_copilot(project), {"trustedFolders": [project.repo]})

    def test_control_untrusted_folder_runs_no_hooks(self):
        project = self.project("untrusted", agents=["copilot"])
        run = self.run_script(project, STOP_SCRIPT, trust="none")
        self.assertEnded(run, 3)
        self.assertEqual(self.sessions(project), {}, "no backstop hook ran")

    def test_automation_trust_folder_flag_runs_the_hooks(self):
        project = self.project("trust-flag", agents=["copilot"])
        run = self.run_script(project, STOP_SCRIPT, trust="flag")
        self.assertEnded(run, 5)
        self.assertStopFeedback(run, 2, LINT_AT)

    def test_a_subagent_stop_is_judged_once_against_the_parent_sessions_base(self):
        project = self.installed("subagent", cache=False, protect_on=["stop"])
        start = project.head()
        run = self.run_script(project, SUBAGENT_SCRIPT)
        self.assertEnded(run, len(SUBAGENT_SCRIPT))
        # The subagent's first stop was blocked with the protected finding: its next request
        # carries the feedback. The deletion was committed, so only the parent's base shows it.
        self.assertStopFeedback(run, 3, "protected", "tests/test_calc.py", "test_add_negative")
        self.assertEqual(project.log()[:2], ['Revert "Remove a flaky test"', "Remove a flaky test"])
        # Copilot fired agentStop and subagentStop for each of the subagent's two stops, and
        # agentStop for the main agent's: three judgements, one per stop.
        self.assertEqual(project.gate_runs().count("stop"), 3, project.gate_runs())
        states = self.sessions(project)
        self.assertEqual(len(states), 2, states)
        (parent,) = [name for name in states if "-agent-" not in name]
        (child,) = [name for name in states if "-agent-" in name]
        self.assertTrue(child.startswith(f"{parent}-agent-"), states)
        self.assertEqual(states[parent]["base"], start, "the session's base, recorded at its start")
        self.assertEqual(states[child]["blocks"], 0, "the subagent's own budget, reset by its pass")


class Isolation(unittest.TestCase):
    """The network checks themselves can fail."""

    def test_the_strace_check_flags_connections_that_leave_loopback(self):
        path = os.path.join(harness.WORK, "synthetic.strace")
        lines = [
            '12 connect(3, {sa_family=AF_INET, sin_port=htons(4000), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
            '12 connect(4, {sa_family=AF_UNIX, sun_path="/run/x.sock"}, 110) = 0',
            "13 connect(5, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), "
            'inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0',
            '14 connect(6, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.2")}, 16) = 0',
            "15 connect(7, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), "
            'inet_pton(AF_INET6, "2606:4700::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 EINPROGRESS',
        ]
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.assertEqual(harness.foreign_connects(path), [lines[3], lines[4]])

    def test_this_run_is_isolated(self):
        self.assertIn(harness.ISOLATION, ("netns", "strace"))
        if harness.ISOLATION != "netns":
            self.skipTest("isolation by strace: each client run is checked instead")
        with open("/proc/self/net/dev") as f:
            self.assertEqual([line.split(":")[0].strip() for line in f.readlines()[2:]], ["lo"])
        with socket.socket() as s, self.assertRaises(OSError) as caught:
            s.settimeout(2)
            s.connect(("203.0.113.1", 443))
        self.assertEqual(caught.exception.errno, errno.ENETUNREACH)
