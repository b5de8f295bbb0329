"""The protected gate's analysis time against the size of the change (bench/protected.sh).

For each size N, builds a repository whose base has N tests spread over the five language
families (files of TESTS_PER_FILE tests), then changes every one of them in the working tree
(an expected value updated, one assertion in ten loosened, one test in fifty renamed in place)
and times `backstop run --gate protected --no-cache` (median of RUNS, after one untimed warm-up).
Standard library only.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BACKSTOP = os.environ["BACKSTOP"]
SIZES = [int(s) for s in os.environ.get("SIZES", "10000,40000,170000").split(",")]
RUNS = int(os.environ.get("RUNS", "3"))
PER_FILE = int(os.environ.get("TESTS_PER_FILE", "100"))
LIMIT = float(os.environ.get("LIMIT", "1800"))


def rust(i, changed):
    want = i + 1 if changed else i
    name = f"renamed_{i}" if changed and i % 50 == 0 else f"case_{i}"
    check = f"assert!(value({i}) > 0);" if changed and i % 10 == 1 else f"assert_eq!(value({i}), {want});"
    return f"#[test]\nfn {name}() {{\n    let x = value({i});\n    {check}\n    assert!(x >= 0);\n}}\n"


def python(i, changed):
    want = i + 1 if changed else i
    name = f"test_renamed_{i}" if changed and i % 50 == 0 else f"test_case_{i}"
    check = f"assert value({i})" if changed and i % 10 == 1 else f"assert value({i}) == {want}"
    return f"def {name}():\n    x = value({i})\n    {check}\n    assert x is not None\n\n"


def js(i, changed):
    want = i + 1 if changed else i
    name = f"renamed {i}" if changed and i % 50 == 0 else f"case {i}"
    check = (
        f"expect(value({i})).toBeDefined();" if changed and i % 10 == 1 else f"expect(value({i})).toBe({want});"
    )
    return f"  it('{name}', () => {{\n    const x = value({i});\n    {check}\n    expect(x).not.toBeNull();\n  }});\n"


def go(i, changed):
    want = i + 1 if changed else i
    name = f"TestRenamed{i}" if changed and i % 50 == 0 else f"TestCase{i}"
    check = (
        f"assert.NotNil(t, value({i}))" if changed and i % 10 == 1 else f"assert.Equal(t, {want}, value({i}))"
    )
    return f"func {name}(t *testing.T) {{\n\tx := value({i})\n\t{check}\n\tassert.NotNil(t, x)\n}}\n\n"


def java(i, changed):
    want = i + 1 if changed else i
    name = f"renamed{i}" if changed and i % 50 == 0 else f"case{i}"
    check = (
        f"assertNotNull(value({i}));" if changed and i % 10 == 1 else f"assertEquals({want}, value({i}));"
    )
    return f"    @Test\n    void {name}() {{\n        int x = value({i});\n        {check}\n        assertTrue(x >= 0);\n    }}\n\n"


FAMILIES = [
    ("rust", "tests/t{n}.rs", "use demo::value;\n\n", "", rust),
    ("python", "tests/test_t{n}.py", "from demo import value\n\n\n", "", python),
    ("js", "src/t{n}.test.js", "import { value } from './demo';\n\ndescribe('t{n}', () => {\n", "});\n", js),
    ("go", "pkg/t{n}_test.go", "package pkg\n\nimport (\n\t\"testing\"\n\n\t\"github.com/stretchr/testify/assert\"\n)\n\n", "", go),
    (
        "java",
        "src/test/java/demo/T{n}Test.java",
        "package demo;\n\nimport org.junit.jupiter.api.Test;\nimport static org.junit.jupiter.api.Assertions.*;\n\nclass T{n}Test {{\n",
        "}\n",
        java,
    ),
]


def write_tree(root, total, changed):
    files = max(1, total // PER_FILE)
    for f in range(files):
        kind, path, head, tail, test = FAMILIES[f % len(FAMILIES)]
        start = f * PER_FILE
        body = "".join(test(i, changed) for i in range(start, start + PER_FILE))
        target = os.path.join(root, path.format(n=f))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as out:
            out.write(head.replace("{n}", str(f)).replace("{{", "{") + body + tail)


def git(root, *args):
    subprocess.run(["git", "-C", root, *args], check=True, stdout=subprocess.DEVNULL)


def measure(total):
    root = tempfile.mkdtemp(prefix=f"protected-{total}-")
    try:
        git(root, "init", "-q", "-b", "main")
        git(root, "config", "user.email", "bench@example.com")
        git(root, "config", "user.name", "bench")
        with open(os.path.join(root, "gates.toml"), "w") as out:
            out.write("[protect]\n")
        write_tree(root, total, changed=False)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "base")
        write_tree(root, total, changed=True)
        times = []
        command = [BACKSTOP, "-C", root, "run", "--gate", "protected", "--no-cache", "-q"]
        for run in range(RUNS + 1):
            started = time.perf_counter()
            try:
                subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=LIMIT)
            except subprocess.TimeoutExpired:
                return None
            if run > 0:
                times.append(time.perf_counter() - started)
            if times and times[-1] > LIMIT / 3:
                break
        return statistics.median(times)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    print(f"protected gate, {PER_FILE} tests per file, five families, every test changed")
    print(f"{'changed tests':>14} {'median s':>9} {'µs/test':>8}")
    for total in SIZES:
        seconds = measure(total)
        if seconds is None:
            print(f"{total:>14} {'>' + str(int(LIMIT)):>9}")
            continue
        print(f"{total:>14} {seconds:>9.2f} {seconds / total * 1e6:>8.0f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
