//! uuidjs/uuid: TypeScript with biome and `node --test` (jest and prettier installed but not
//! what the project runs), lefthook installed by `npm ci` (`prepare: lefthook install`), its
//! pre-commit hook running lint-staged and its commit-msg hook commitlint.

use crate::repo::{Real, holds, text};

#[test]
#[ignore = "needs Node, npm and the npm registry; run by .ci/run"]
fn uuid_from_clone_to_green_with_lefthook_and_lint_staged_migrated() {
    let real = Real::clone("uuid");
    // The documented setup; its `prepare` script installs lefthook's hooks.
    real.ok("npm ci --loglevel=error");
    let init = real.init();
    holds(
        &init,
        &[
            "lefthook.yml: pre-commit lint-staged: runs lint-staged, converted from lint-staged's own config",
            "lefthook.yml: commit-msg commitlint: converted to gate `commitlint`",
            "package.json (lint-staged): \"*\": biome check --write --no-errors-on-unmatched: converted to gate `biome`",
            "found node: tsc, node-test",
        ],
    );
    assert!(
        !init.contains("prettier") && !init.contains("jest"),
        "{init}"
    );
    let gates = real.read("gates.toml");
    holds(
        &gates,
        &[
            "run = \"npx --no-install biome check --reporter=github --no-errors-on-unmatched\"",
            "fix = \"npx --no-install biome check --write --no-errors-on-unmatched\"",
            "run = 'npx --no-install commitlint --edit \"$1\"'",
        ],
    );
    real.untouched_passes(&[]);

    // install wires backstop into lefthook.yml; lefthook's hooks (from npm ci) run it.
    let install = real.backstop(&["install", "--git", "--claude"]);
    assert!(install.status.success(), "{}", text(&install));
    holds(
        &text(&install),
        &[
            "lefthook: added backstop to lefthook.yml",
            "pre-commit: runs backstop through lefthook",
        ],
    );
    real.ok("git add -A && git commit -q --no-verify -m 'chore: hooks' && backstop approve");

    // The converted hooks catch what the originals caught.
    real.append(
        "src/nil.ts",
        "\nexport function looseEqual(a: unknown, b: unknown) {\n  return a == b;\n}\n",
    );
    let out = real.backstop(&[
        "run",
        "--files",
        "src/nil.ts",
        "--gate",
        "biome",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    holds(
        &text(&out),
        &[
            "\"rule\": \"lint/suspicious/noDoubleEquals\"",
            "\"file\": \"src/nil.ts\"",
        ],
    );
    real.write(".git/zz-message", "bad message without a type\n");
    let out = real.backstop(&["hook", "git", "commit-msg", ".git/zz-message"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "commitlint passed a bad message: {}",
        text(&out)
    );

    // A lint error is refused by git commit, and still after lefthook reinstalls itself.
    real.ok("git add src/nil.ts");
    let (committed, out) = real.commit("fix: a lint error");
    assert!(!committed, "the lint error was committed:\n{out}");
    holds(&out, &["backstop", "noDoubleEquals"]);
    real.ok("npx --no-install lefthook install");
    let (committed, out) = real.commit("fix: a lint error, again");
    assert!(
        !committed,
        "after lefthook's reinstall the lint error was committed:\n{out}"
    );
    holds(&out, &["backstop", "noDoubleEquals"]);
    let doctor = text(&real.backstop(&["doctor"]));
    holds(
        &doctor,
        &[
            "pre-commit: runs backstop (.git/hooks/pre-commit is lefthook's, and its config runs backstop)",
        ],
    );
    real.ok("git checkout -q HEAD -- src/nil.ts");
    // A bad commit message is refused through lefthook's commit-msg hook, by backstop's gate.
    real.write("zz-notes.txt", "notes\n");
    real.ok("git add zz-notes.txt");
    let (committed, out) = real.commit("bad message without a type");
    assert!(!committed, "the bad message was committed:\n{out}");
    holds(&out, &["gates failed: commitlint"]);
    real.ok("git rm -q --cached zz-notes.txt && rm zz-notes.txt");

    // A failing test committed past the hooks still stops the agent.
    real.write(
        "src/test/zz_sneaky.test.ts",
        "import assert from 'node:assert';\nimport test from 'node:test';\n\ntest('sneaky', () => {\n  assert.strictEqual(1 + 1, 3);\n});\n",
    );
    real.ok(
        "git add src/test/zz_sneaky.test.ts && git commit -q --no-verify -m 'test: a failing test'",
    );
    let answer = real.stop();
    holds(&answer, &["\"decision\":\"block\"", "node-test"]);
}
