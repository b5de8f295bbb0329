#!/usr/bin/env python3
"""Side-by-side timing of backstop, prek, pre-commit and lefthook (SPEC §8).

Driven by bench/compare.sh, which installs the competitors and builds backstop. Standard library
only. Environment:
  RUNS       timed runs per scenario and tool (default 15); the median is reported
  MEM_RUNS   runs of the 1 GiB memory scenario (default 3)
  MEM_MIB    output of the loud gate in MiB (default 1024)
  MEM_LIMIT  seconds after which a competitor's memory run is killed and marked n/a (default 60)
  SCENARIOS  comma-separated subset of a,a1,a2,b,c,d,e,f,g,g10k,g100k,gu,gu100k (default all)
  BACKSTOP, PREK, PRE_COMMIT, LEFTHOOK, HK   paths of the binaries (empty/missing: n/a)
  WORKDIR    where the synthetic repositories are built (default: a fresh temp dir, removed)
  OUT        also write the markdown table to this file
"""
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = int(os.environ.get("RUNS", "15"))
MEM_RUNS = int(os.environ.get("MEM_RUNS", "3"))
MEM_MIB = int(os.environ.get("MEM_MIB", "1024"))
MEM_LIMIT = float(os.environ.get("MEM_LIMIT", "60"))
SCENARIOS = os.environ.get("SCENARIOS", "a,a1,a2,b,c,d,e,f,g,g10k,g100k,gu,gu100k").split(",")
TOOLS = ["backstop", "prek", "pre-commit", "lefthook", "hk"]
BIN = {
    "backstop": os.environ.get("BACKSTOP", ""),
    "prek": os.environ.get("PREK", ""),
    "pre-commit": os.environ.get("PRE_COMMIT", ""),
    "lefthook": os.environ.get("LEFTHOOK", ""),
    "hk": os.environ.get("HK", ""),
}
# hk's config amends its own Config.pkl; the version hk embeds is read offline
HK_VERSION = os.environ.get("HK_VERSION", "")
BIN = {t: (p if p and os.access(p, os.X_OK) else "") for t, p in BIN.items()}

GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1",
}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def git(repo, *args, check=True, env=None, capture=False):
    return subprocess.run(["git", "-C", repo, *args], check=check, env=env or ENV,
                          stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                          stderr=subprocess.PIPE if capture else subprocess.DEVNULL, text=True)


# ---------------------------------------------------------------- repositories

def rel(i):
    return f"d{i // 1000:03d}/e{(i // 50) % 20:02d}/f{i:06d}.txt"


def make_repo(root, n):
    """n small text files in nested dirs (100 top dirs x 20 subdirs at 100k), one `git add -A`,
    one commit."""
    repo = os.path.join(root, f"repo{n}")
    if os.path.isdir(os.path.join(repo, ".git")):
        return repo
    t0 = time.perf_counter()
    for i in range(n):
        p = os.path.join(repo, rel(i))
        if i % 50 == 0:
            os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(f"line {i}\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "commit.gpgsign", "false")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"{n} files")
    log(f"  repo with {n} files: {time.perf_counter() - t0:.1f} s")
    return repo


def reset(repo):
    """Back to the initial commit: nothing staged, nothing modified, no configs."""
    first = git(repo, "rev-list", "--max-parents=0", "HEAD", capture=True).stdout.strip()
    git(repo, "reset", "-q", "--hard", first)
    git(repo, "clean", "-qfdx", "-e", ".git")


def configure(repo, gates, jobs=4):
    """The same gates for every tool. gate: (name, command, pass_files, glob)."""
    toml = [f"[settings]\njobs = {jobs}\n"]
    pc = ["repos:", "- repo: local", "  hooks:"]
    lh = ["pre-commit:", "  parallel: true", "  commands:"]
    for name, cmd, pass_files, glob in gates:
        toml.append(f"[gates.{name}]\nrun = {json.dumps(cmd)}\nfiles = [{json.dumps(glob)}]\n"
                    f"pass_files = {'true' if pass_files else 'false'}\non = [\"pre-commit\", \"stop\"]\n")
        # pre-commit/prek: `files` is a regex; language system runs the entry directly
        entry = cmd if " " not in cmd or cmd.startswith("sleep ") else f"sh -c {json.dumps(cmd)} --"
        regex = r"\.txt$" if glob == "*.txt" else glob
        pc += [f"  - id: {name}", f"    name: {name}", f"    entry: {json.dumps(entry)}",
               "    language: system", f"    files: {json.dumps(regex)}",
               f"    pass_filenames: {'true' if pass_files else 'false'}",
               # prek runs hooks of equal priority concurrently (its default: one priority per
               # hook, i.e. sequential); pre-commit only warns about the unknown key
               "    priority: 0"]
        lh += [f"    {name}:", f"      glob: {json.dumps(glob)}",
               f"      run: {json.dumps(cmd + (' {staged_files}' if pass_files else ''))}"]
    hk = [f'amends "package://github.com/jdx/hk/releases/download/v{HK_VERSION}/hk@{HK_VERSION}#/Config.pkl"',
          "", "hooks {", '  ["pre-commit"] {', "    steps {"]
    for name, cmd, pass_files, glob in gates:
        # hk runs `check` once with the matching files when the command names {{files}}
        hk += [f'      ["{name}"] {{', f"        glob = {json.dumps(glob)}",
               f"        check = {json.dumps(cmd + (' {{files}}' if pass_files else ''))}", "      }"]
    hk += ["    }", "  }", "}"]
    for fname, text in (("gates.toml", "\n".join(toml)), (".pre-commit-config.yaml", "\n".join(pc) + "\n"),
                        ("lefthook.yml", "\n".join(lh) + "\n"), ("hk.pkl", "\n".join(hk) + "\n")):
        with open(os.path.join(repo, fname), "w") as f:
            f.write(text)
    # committed so that none counts as staged and pre-commit/prek do not refuse an unstaged config
    git(repo, "add", "gates.toml", ".pre-commit-config.yaml", "lefthook.yml", "hk.pkl")
    git(repo, "commit", "-q", "-m", "gates")


def touch(repo, indices, stage):
    paths = [rel(i) for i in indices]
    for p in paths:
        with open(os.path.join(repo, p), "a") as f:
            f.write("changed\n")
    if stage:
        # one `git add` for the lot, via a pathspec file
        lst = os.path.join(repo, ".git", "bench-paths")
        with open(lst, "w") as f:
            f.write("\n".join(paths) + "\n")
        git(repo, "add", f"--pathspec-from-file={lst}")
    return paths


# ---------------------------------------------------------------- timing

def hook_cmd(tool, mode="pre-commit", no_cache=True):
    b = BIN[tool]
    if tool == "backstop":
        if mode == "stop":
            return [b, "run", "stop", "-q"]
        return [b, "run", "pre-commit", "-q"] + (["--no-cache"] if no_cache else [])
    if tool in ("prek", "pre-commit"):
        return [b, "run"] + (["--all-files"] if mode == "all" else [])
    if tool == "lefthook":
        return [b, "run", "pre-commit"] + (["--all-files"] if mode == "all" else [])
    if tool == "hk":
        return [b, "run", "pre-commit"] + (["--all"] if mode == "all" else [])


def once(cmd, repo, timeout=None):
    t0 = time.perf_counter_ns()
    p = subprocess.run(cmd, cwd=repo, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=timeout)
    t1 = time.perf_counter_ns()
    return (t1 - t0) / 1e6, p.returncode, p.stderr.decode(errors="replace")


MINS = {}  # id(row values) -> {tool: best run}; the best run shows the cost without contention


class Timed(float):
    """A median that also carries the best run."""
    def __new__(cls, median, best):
        v = super().__new__(cls, median)
        v.best = best
        return v


def measure(cmd, repo, runs=None, warm=1):
    """Median wall ms of `runs` runs after `warm` untimed ones (with .best, the fastest run);
    None if the command fails."""
    runs = runs or RUNS
    for _ in range(warm):
        _, rc, err = once(cmd, repo)
        if rc != 0:
            log(f"    FAILED ({rc}): {' '.join(cmd)}\n    {err.strip()[-600:]}")
            return None
    times = []
    for _ in range(runs):
        ms, rc, err = once(cmd, repo)
        if rc != 0:
            log(f"    FAILED ({rc}) on a timed run: {' '.join(cmd)}\n    {err.strip()[-600:]}")
            return None
        times.append(ms)
    return Timed(statistics.median(times), min(times))


def peak_rss_kib(cmd, repo, limit):
    """Peak RSS in KiB of cmd and its waited-for descendants (GNU time's %M), or None on timeout."""
    wrapped = ["/usr/bin/time", "-f", "%M", *cmd] if os.access("/usr/bin/time", os.X_OK) else None
    if wrapped is None:
        return None
    p = subprocess.Popen(wrapped, cwd=repo, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         start_new_session=True)
    try:
        _, err = p.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return "timeout"
    lines = err.decode(errors="replace").strip().splitlines()
    if p.returncode != 0 or not lines:
        log(f"    FAILED ({p.returncode}): {' '.join(cmd)}\n    {' '.join(lines[-5:])[-600:]}")
        return None
    return int(lines[-1])


# ---------------------------------------------------------------- scenarios

ROWS = []  # (label, {tool: value or None}, unit)


def row(label, values, unit="ms", extra=None):
    ROWS.append((label, values, unit, extra))
    log("  " + label + ": " + ", ".join(f"{t}={fmt(v, unit)}" for t, v in values.items()))


def fmt(v, unit):
    if v is None:
        return "n/a"
    if isinstance(v, str):
        return v
    if unit == "MiB":
        return f"{v:.0f} MiB"
    return f"{v:.1f} ms"


def each_tool(fn):
    out = {}
    for t in TOOLS:
        out[t] = fn(t) if BIN[t] else None
    return out


TRUE4 = [(f"g{k}", "true", True, "*.txt") for k in range(1, 5)]
TRUE1 = [("g1", "true", True, "*.txt")]


def scen_a(repo):
    reset(repo); configure(repo, TRUE1)
    row("(a) nothing staged, 1 no-op gate, 2k files",
        each_tool(lambda t: measure(hook_cmd(t), repo)))


def scen_a1(repo):
    reset(repo); configure(repo, TRUE1); touch(repo, [7], stage=True)
    row("(a1) 1 staged file, 1 no-op gate, 2k files",
        each_tool(lambda t: measure(hook_cmd(t), repo)))


def scen_a2(repo):
    """(a1)'s run answered from the result cache: never slower than running the no-op gate."""
    reset(repo); configure(repo, TRUE1); touch(repo, [7], stage=True)
    if BIN["backstop"]:
        b = BIN["backstop"]
        row("(a2) backstop: (a1) answered from the cache (`run pre-commit`, a hit)",
            {"backstop": measure([b, "run", "pre-commit", "-q"], repo)})
        row("(a2) backstop: the pre-commit hook entry, a cache hit",
            {"backstop": measure([b, "hook", "git", "pre-commit"], repo)})
        row("(a2) backstop: the pre-commit hook entry, --no-cache equivalent (cache cleared)",
            {"backstop": measure_after([b, "hook", "git", "pre-commit"], repo, [b, "cache", "clear"])})


def measure_after(cmd, repo, after):
    """Like measure, with `after` run (untimed) after every run."""
    times = []
    for k in range(RUNS + 1):
        ms, rc, err = once(cmd, repo)
        if rc != 0:
            log(f"    FAILED ({rc}): {' '.join(cmd)}\n    {err.strip()[-600:]}")
            return None
        subprocess.run(after, cwd=repo, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if k:
            times.append(ms)
    return Timed(statistics.median(times), min(times))


def scen_b(repo):
    reset(repo); configure(repo, TRUE4); touch(repo, range(0, 2000, 10), stage=True)
    row("(b) 4 no-op gates, 200 staged files, 2k files",
        each_tool(lambda t: measure(hook_cmd(t), repo)))


def scen_c(repo):
    reset(repo)
    configure(repo, [(f"s{k}", "sleep 0.5", False, "*.txt") for k in range(1, 5)])
    touch(repo, [7], stage=True)
    vals = each_tool(lambda t: measure(hook_cmd(t), repo))
    row("(c) four 0.5 s gates, 1 staged file, 2k files", vals)
    row("(c) same, ms above the 500 ms critical path",
        {t: (None if v is None else Timed(v - 500.0, v.best - 500.0)) for t, v in vals.items()})


def scen_d(repo):
    reset(repo); configure(repo, TRUE4); touch(repo, range(0, 10000, 200), stage=False)

    def f(t):
        if t == "backstop":
            return measure(hook_cmd(t, "stop"), repo, warm=1)  # the warm run is the green one
        return measure(hook_cmd(t, "all"), repo)
    row("(d) repeated stop, nothing changed, 4 gates, 10k files (competitors: run --all-files)",
        each_tool(f))
    if BIN["backstop"]:
        row("(d') backstop stop with the cache off (--no-cache), same tree",
            {"backstop": measure([BIN["backstop"], "run", "stop", "-q", "--no-cache"], repo)})


def scen_e(repo):
    reset(repo); configure(repo, TRUE1); touch(repo, range(0, 100000, 100), stage=True)
    row("(e) 1,000 staged files, 1 no-op gate, 100k files",
        each_tool(lambda t: measure(hook_cmd(t), repo)))


def scen_f(repo):
    reset(repo)
    loud = f'head -c {MEM_MIB}M /dev/zero | tr "\\0" x'
    configure(repo, [("loud", loud, False, "*.txt")])
    touch(repo, [7], stage=True)

    def f(t):
        peaks = []
        for _ in range(MEM_RUNS):
            kib = peak_rss_kib(hook_cmd(t), repo, MEM_LIMIT if t != "backstop" else max(MEM_LIMIT, 300))
            if kib is None:
                return None
            if kib == "timeout":
                return f"> {MEM_LIMIT:.0f} s, killed"
            peaks.append(kib)
        return statistics.median(peaks) / 1024
    row(f"(f) peak RSS, one gate printing {MEM_MIB} MiB", each_tool(f), unit="MiB")


def install_hooks(t, repo):
    hooks = os.path.join(repo, ".git", "hooks")
    shutil.rmtree(hooks, ignore_errors=True)
    os.makedirs(hooks)
    cmd = {"backstop": [BIN["backstop"], "install", "-q"], "prek": [BIN["prek"], "install"],
           "pre-commit": [BIN["pre-commit"], "install"], "lefthook": [BIN["lefthook"], "install"],
           "hk": [BIN["hk"], "install"]}[t]
    p = subprocess.run(cmd, cwd=repo, env=ENV, capture_output=True, text=True)
    if p.returncode != 0:
        log(f"    install FAILED for {t}: {p.stderr.strip()[-400:]}")
        return False
    return True


def commit_times(repo, extra, after=None):
    """Median ms of `git commit` of the one staged file; the commit is undone (untimed) after each."""
    times = []
    for k in range(RUNS + 1):
        ms, rc, err = once(["git", "commit", "-q", "-m", "x", *extra], repo)
        if rc != 0:
            log(f"    git commit FAILED: {err.strip()[-400:]}")
            return None
        git(repo, "reset", "-q", "--soft", "HEAD~1")
        if after:
            subprocess.run(after, cwd=repo, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if k:
            times.append(ms)
    return Timed(statistics.median(times), min(times))


def scen_g(repo, label="2k files", unstaged=False):
    reset(repo); configure(repo, TRUE1); touch(repo, [7], stage=True)
    if unstaged:
        # unstaged edits to other tracked files: every tool must set them aside
        touch(repo, [3, 11, 500, 1501], stage=False)
    bare = commit_times(repo, ["--no-verify"])
    vals, over = {}, {}
    for t in TOOLS:
        if not BIN[t] or not install_hooks(t, repo):
            vals[t] = over[t] = None
            continue
        # the same content is committed each time: clear backstop's cache (untimed) after each
        # commit so that its gate really runs, as it would for a new commit
        after = [BIN["backstop"], "cache", "clear"] if t == "backstop" else None
        vals[t] = commit_times(repo, [], after)
        over[t] = (None if vals[t] is None or bare is None
                   else Timed(vals[t] - bare, vals[t].best - bare.best))
    shutil.rmtree(os.path.join(repo, ".git", "hooks"), ignore_errors=True)
    os.makedirs(os.path.join(repo, ".git", "hooks"))
    what = "1 staged file" + (" and 4 unstaged edits (set aside)" if unstaged else "")
    row(f"(g) `git commit` of {what}, {label}, hook installed (git --no-verify: {bare:.1f} ms)",
        vals)
    row(f"(g) same, overhead over `git commit --no-verify` ({label}{', unstaged work' if unstaged else ''})",
        over)


# ---------------------------------------------------------------- report

# ---------------------------------------------------------------- report

def version(t):
    if not BIN[t]:
        return "not installed"
    arg = ["version"] if t == "lefthook" else ["--version"]
    p = subprocess.run([BIN[t], *arg], capture_output=True, text=True)
    return (p.stdout or p.stderr).strip().splitlines()[0] if (p.stdout or p.stderr).strip() else "?"


def machine():
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gitv = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"nproc {os.cpu_count()} ({len(os.sched_getaffinity(0))} usable), {model}, "
            f"Linux {platform.release()}, {gitv}, Python {platform.python_version()}; "
            f"load average (1 min) {LOAD0:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")


def table(best=False):
    head = "| scenario | " + " | ".join(TOOLS) + " | backstop / best peer |"
    lines = [head, "|" + "---|" * (len(TOOLS) + 2)]
    for label, vals, unit, _ in ROWS:
        if best and unit != "ms":
            continue
        pick = (lambda v: getattr(v, "best", v)) if best else (lambda v: v)
        base = pick(vals.get("backstop"))
        cells = []
        for t in TOOLS:
            v = pick(vals.get(t))
            c = fmt(v, unit)
            if (t != "backstop" and isinstance(v, (int, float)) and isinstance(base, (int, float))
                    and base > 0 and "above" not in label):
                c += f" ({v / base:.1f}x)"
            cells.append(c)
        peers = [pick(vals.get(t)) for t in TOOLS if t != "backstop"]
        peers = [v for v in peers if isinstance(v, (int, float)) and v > 0]
        to_peer = (f"{base / min(peers):.2f}" if peers and isinstance(base, (int, float)) and base > 0
                   else "n/a")
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {to_peer} |")
    return "\n".join(lines)


def main():
    global ENV, LOAD0
    LOAD0 = os.getloadavg()[0]
    # a `kill` (SIGTERM) still removes the temp dir
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    keep = os.environ.get("WORKDIR")
    root = keep or tempfile.mkdtemp(prefix="backstop-compare-")
    os.makedirs(root, exist_ok=True)
    ENV = dict(os.environ, **GIT_ENV, PRE_COMMIT_HOME=os.path.join(root, "pre-commit-home"),
               PREK_HOME=os.path.join(root, "prek-home"), HOME=os.path.join(root, "home"),
               # prek caps concurrent hooks at the core count; the gates here all get jobs = 4
               PREK_MAX_CONCURRENCY="4")
    os.makedirs(ENV["HOME"], exist_ok=True)
    try:
        log(f"runs: {RUNS}; repositories under {root}")
        need = {"a", "a1", "a2", "b", "c", "f", "g", "gu"} & set(SCENARIOS)
        r2k = make_repo(root, 2000) if need else None
        r10k = make_repo(root, 10000) if {"d", "g10k"} & set(SCENARIOS) else None
        r100k = make_repo(root, 100000) if {"e", "g100k", "gu100k"} & set(SCENARIOS) else None
        os.sync()  # let the write-back of the new repositories settle before timing
        time.sleep(2)
        for s, fn, repo in (("a", scen_a, r2k), ("a1", scen_a1, r2k), ("a2", scen_a2, r2k),
                            ("b", scen_b, r2k), ("c", scen_c, r2k), ("d", scen_d, r10k),
                            ("e", scen_e, r100k), ("f", scen_f, r2k), ("g", scen_g, r2k),
                            ("g10k", lambda r: scen_g(r, "10k files"), r10k),
                            ("g100k", lambda r: scen_g(r, "100k files"), r100k),
                            ("gu", lambda r: scen_g(r, "2k files", unstaged=True), r2k),
                            ("gu100k", lambda r: scen_g(r, "100k files", unstaged=True), r100k)):
            if s in SCENARIOS:
                log(f"scenario {s}")
                fn(repo)
        out = [f"Medians of {RUNS} runs (memory: {MEM_RUNS} runs); ratio = tool / backstop.", "",
               table(), "", f"Fastest of the {RUNS} runs (less sensitive to other load on the machine):",
               "", table(best=True), "", f"Machine: {machine()}", "",
               "Versions: " + "; ".join(f"{t} {version(t)}" for t in TOOLS)]
        text = "\n".join(out)
        print(text)
        if os.environ.get("OUT"):
            with open(os.environ["OUT"], "w") as f:
                f.write(text + "\n")
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
