//! go-chi/chi: a standard-library Go module whose remote's default branch is `master`, with
//! `_examples/` modules that need downloads (the go tool skips `_` directories, so does init).

use crate::repo::{Real, holds};

#[test]
#[ignore = "needs Go; run by .ci/run"]
fn chi_from_clone_to_green() {
    let real = Real::clone("chi");
    let init = real.init();
    holds(
        &init,
        &["found go: gofmt, go-vet, go-test", "base: origin/master"],
    );
    assert!(!init.contains("examples"), "{init}");
    real.install("--git --claude");
    real.untouched_passes(&[]);

    // A vet error is refused by git commit.
    real.write(
        "zz_vet.go",
        "package chi\n\nimport \"fmt\"\n\nfunc vetMe() string {\n\treturn fmt.Sprintf(\"%d\", \"not a number\")\n}\n",
    );
    real.ok("git add zz_vet.go");
    let (committed, out) = real.commit("a vet error");
    assert!(!committed, "the vet error was committed:\n{out}");
    holds(&out, &["go-vet", "zz_vet.go"]);
    real.ok("git rm -q --cached zz_vet.go && rm zz_vet.go");

    // A failing test committed past the hooks still stops the agent.
    real.write(
        "zz_sneaky_test.go",
        "package chi\n\nimport \"testing\"\n\nfunc TestSneaky(t *testing.T) {\n\tif NewRouter() != nil {\n\t\tt.Errorf(\"a router was made\")\n\t}\n}\n",
    );
    real.ok("git add zz_sneaky_test.go && git commit -q --no-verify -m 'a failing test'");
    let answer = real.stop();
    holds(
        &answer,
        &["\"decision\":\"block\"", "go-test", "zz_sneaky_test.go"],
    );
}
