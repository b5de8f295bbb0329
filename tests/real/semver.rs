//! dtolnay/semver: a Rust crate whose remote's default branch is `master`, with a cargo-fuzz
//! crate beside it and no hook manager.

use crate::repo::{Real, holds};

#[test]
#[ignore = "needs cargo and crates.io; run by .ci/run"]
fn semver_from_clone_to_green() {
    let real = Real::clone("semver");
    let init = real.init();
    holds(
        &init,
        &[
            "found rust: rustfmt, clippy, cargo-test",
            "base: origin/master",
        ],
    );
    assert!(
        !init.contains("fuzz"),
        "a cargo-fuzz crate gets no gates: {init}"
    );
    real.install("--git --claude");
    real.untouched_passes(&[]);

    // A lint error is refused by git commit.
    real.append(
        "src/lib.rs",
        "\npub fn lint_me(v: &[u8]) -> bool {\n    v.len() == 0\n}\n",
    );
    real.ok("git add src/lib.rs");
    let (committed, out) = real.commit("a lint error");
    assert!(!committed, "the lint error was committed:\n{out}");
    holds(&out, &["clippy", "len_zero"]);
    real.ok("git checkout -q HEAD -- src/lib.rs");

    // A failing test committed past the hooks still stops the agent (no SessionStart record).
    real.write(
        "tests/zz_sneaky.rs",
        "#[test]\nfn major_is_two() {\n    assert_eq!(semver::Version::parse(\"1.2.3\").unwrap().major, 2);\n}\n",
    );
    real.ok("git add tests/zz_sneaky.rs && git commit -q --no-verify -m 'a failing test'");
    let answer = real.stop();
    holds(
        &answer,
        &["\"decision\":\"block\"", "cargo-test", "tests/zz_sneaky.rs"],
    );

    // The fallback base on a real clone: settings.base (origin/master) gone, no origin/HEAD;
    // the remote's one main/master branch is compared with, said, and the failure still found.
    real.ok(
        "git remote set-head origin -d && git update-ref refs/remotes/origin/main refs/remotes/origin/master && git update-ref -d refs/remotes/origin/master",
    );
    let run = real.backstop(&["run", "--gate", "cargo-test"]);
    assert_eq!(run.status.code(), Some(1), "{}", crate::repo::text(&run));
    holds(
        &crate::repo::text(&run),
        &[
            "comparing with `origin/main` (the remote's default branch)",
            "zz_sneaky",
        ],
    );

    // No hook manager: the hooks are backstop's own.
    let doctor = real.backstop(&["doctor"]);
    holds(
        &crate::repo::text(&doctor),
        &["hook managers: none", "pre-commit: runs backstop"],
    );
}
