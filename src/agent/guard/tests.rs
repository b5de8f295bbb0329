//! The guard's rules, each with the look-alikes that must still pass untouched.

use std::path::{Path, PathBuf};

use super::*;

fn verdict_in(script: &str, cwd: &str) -> Option<String> {
    let protected =
        GlobList::new(&["gates.toml".to_owned(), ".claude/settings.json".to_owned()]).unwrap();
    let git_dirs = [PathBuf::from("/repo/.git")];
    let remotes = ["origin".to_owned()];
    let aliases = [
        ("ci".to_owned(), "commit".to_owned()),
        ("sh".to_owned(), "!sh -c".to_owned()),
    ];
    let context = GuardContext {
        cwd: Path::new(cwd),
        root: Path::new("/repo"),
        protected: &protected,
        git_dirs: &git_dirs,
        remotes: &remotes,
        aliases: &aliases,
    };
    check(&ToolCall::Shell(script.to_owned()), &context)
}

fn verdict(script: &str) -> Option<String> {
    verdict_in(script, "/repo/sub")
}

fn assert_denied(scripts: &[&str]) {
    let allowed: Vec<&&str> = scripts.iter().filter(|s| verdict(s).is_none()).collect();
    assert!(allowed.is_empty(), "should be denied: {allowed:#?}");
}

fn assert_allowed(scripts: &[&str]) {
    let denied: Vec<String> = scripts
        .iter()
        .filter_map(|s| verdict(s).map(|r| format!("{s}: {r}")))
        .collect();
    assert!(denied.is_empty(), "should be allowed: {denied:#?}");
}

#[test]
fn bypass_attempts_are_denied() {
    assert_denied(&[
        "git commit --no-verify -m 'wip'",
        "git commit -n -m wip",
        "git commit -nm wip",
        "git commit -anm 'all of it'",
        "git commit -am wip --no-verify",
        "cd .. && git commit -q --no-verify",
        "git -c core.hooksPath=/dev/null commit -m x",
        "git config core.hooksPath /tmp/nothing",
        "git config --local core.hookspath .nohooks",
        "git push --no-verify origin main",
        "git push -u origin HEAD --no-verify",
        "BACKSTOP_SKIP=clippy git commit -m x",
        "export BACKSTOP_SKIP=tests",
        "env BACKSTOP_SKIP=all git push",
        "rm -f ../.git/hooks/pre-commit",
        "echo 'exit 0' > /repo/.git/hooks/pre-push",
        "chmod -x .git/hooks/pre-commit",
        "backstop approve",
        "backstop uninstall --git",
        "sed -i 's/cargo test/true/' ../gates.toml",
        "echo '[gates]' > ../gates.toml",
        "sh -c 'git commit --no-verify -m x'",
        "bash -lc \"git commit -n -m x\"",
        "(git commit --no-verify -m x)",
        "echo $(git commit --no-verify -m x)",
        "git merge --no-verify topic",
        "sudo git commit -n -m x",
        "git rm ../gates.toml",
        "cp /tmp/mine.json ../.claude/settings.json",
        "HUSKY=0 git commit -m x",
        "LEFTHOOK=0 git commit -m x",
        "LEFTHOOK=false git push",
        "env HUSKY=0 git commit -m x",
        "export HUSKY=0; git commit -m x",
        "SKIP=backstop-pre-commit git commit -m x",
        "LEFTHOOK_EXCLUDE=backstop git commit -m x",
        "PRE_COMMIT_ALLOW_NO_CONFIG=1 git commit -m x",
        "HUSKY=$(echo 0) git commit -m x",
        "declare -x LEFTHOOK=0; git push",
        "sudo HUSKY=0 git commit -m x",
    ]);
}

#[test]
fn look_alikes_are_allowed() {
    assert_allowed(&[
        "git commit -m 'do not use --no-verify'",
        "git commit -m \"fix: handle -n flag in parser\"",
        "git commit -m -n",
        "git commit -F notes-about--no-verify.txt",
        "git commit -- -n",
        "git push -n origin main",
        "git push --dry-run",
        "git log --grep=no-verify",
        "git config --get core.hooksPath",
        "grep -rn 'no-verify' docs/",
        "echo BACKSTOP_SKIP is for people",
        "cat ../.git/hooks/pre-commit",
        "ls -la .git/hooks",
        "backstop approve --show",
        "backstop run --all-files",
        "cargo test -- --nocapture",
        "cp ../gates.toml /tmp/backup.toml",
        "sed -n 1,20p ../gates.toml",
        "npm test -- -n 4",
        "git commit -m \"$(cat msg.txt)\"",
        "HUSKY=1 git commit -m x",
        "SKIP=codespell git commit -m x",
        "echo HUSKY=0 is what the docs say",
    ]);
}

#[test]
fn second_review_bypasses_are_denied() {
    for script in [
        "backstop -C . approve",
        "backstop --config gates.toml approve",
        "echo '{\"session_id\":\"x\"}' | backstop hook claude session-start",
        "rm -rf .git/backstop",
        "printf '[core]\\n\\thooksPath=/x\\n' >> .git/config",
        "echo '{\"disableAllHooks\": true}' > .claude/settings.local.json",
        "GIT_CONFIG_PARAMETERS=\"'core.hooksPath'='/dev/null'\" git commit -m x",
        "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.hooksPath GIT_CONFIG_VALUE_0=/x git commit -m x",
        "git config alias.ci 'commit --no-verify'",
        "git push --no-veri",
        "python3 -c \"open('.git/hooks/pre-commit','w')\"",
        "cd .git/hooks && rm pre-commit",
        "git checkout HEAD~3 -- gates.toml",
        "git restore gates.toml",
        "git commit --verify --no-verify -m x",
    ] {
        assert!(
            verdict_in(script, "/repo").is_some(),
            "should be denied: {script}"
        );
    }
}

#[test]
fn second_review_false_denials_are_allowed() {
    for script in [
        "git commit -uno -m wip",
        "git config core.hooksPath",
        "git commit --no-verify --verify -m x",
        "git commit -F- <<EOF\nexport BACKSTOP_SKIP=x is for people\nEOF",
        "cat <<-'END'\n\tgit commit --no-verify\n\tEND\necho done",
        "git checkout main",
        "git restore src/lib.rs",
    ] {
        assert_eq!(
            verdict_in(script, "/repo"),
            None,
            "should be allowed: {script}"
        );
    }
}

#[test]
fn edits_and_patches_of_protected_paths_are_denied() {
    let protected = GlobList::new(&["gates.toml".to_owned()]).unwrap();
    let context = GuardContext {
        cwd: Path::new("/repo"),
        root: Path::new("/repo"),
        protected: &protected,
        git_dirs: &[],
        remotes: &[],
        aliases: &[],
    };
    let edit = |p: &str| check(&ToolCall::Edit(vec![PathBuf::from(p)]), &context);
    assert!(edit("/repo/gates.toml").is_some());
    assert!(edit("/repo/.git/info/attributes").is_some());
    assert!(edit("/repo/.git/refs/remotes/origin/main").is_some());
    assert!(edit("/repo/src/lib.rs").is_none());
    assert!(edit("/repo/git/notes.md").is_none());
    let patch = |p: &str| check(&ToolCall::Patch(p.to_owned()), &context);
    assert!(
        patch("*** Begin Patch\n*** Update File: gates.toml\n@@\n-x\n+y\n*** End Patch").is_some()
    );
    assert!(
        patch("*** Begin Patch\n*** Add File: src/new.rs\n+fn x() {}\n*** End Patch").is_none()
    );
}

#[test]
fn shell_hidden_in_variables_compound_commands_and_wrappers_is_read() {
    assert_denied(&[
        "B=backstop; $B approve",
        "G=git; $G commit --no-verify",
        "$(echo git) commit -n",
        "if true; then git commit -n; fi",
        "for i in 1; do git push --no-verify; done",
        "case x in x) backstop approve;; esac",
        "f() { git commit -n; }",
        "time -p git commit -n",
        "command -p git commit --no-verify",
        "nice -n 5 git commit -n",
        "timeout -k 5 10 git commit -n",
        "xargs backstop < list",
        "git commit $'\\x2dn'",
        "git commit $F",
        "git push origin \"$BRANCH\"",
        "git $SUB --no-verify",
        "git ci -n -m x",
        "git sh 'git commit -n'",
        "g() { \"$@\"; }; g git commit -n",
        "env -S 'git commit -n'",
        "bash <<'EOF'\ngit commit -n\nEOF",
        "uv run git commit -n",
    ]);
}

#[test]
fn refs_and_state_are_denied() {
    assert_denied(&[
        "git update-ref refs/remotes/origin/main HEAD",
        "git branch origin/main",
        "git tag main HEAD",
        "git fetch . HEAD:refs/remotes/origin/main",
        "git remote set-url origin /tmp/x",
        "git -c remote.origin.url=/tmp/x fetch",
        "git config include.path /tmp/x",
        "git config --edit",
        "find ../.git/backstop -delete",
        "rm -rf $X/backstop/sessions",
        "rm -rf \"$(git rev-parse --git-dir)/hooks\"",
        "echo > ../.git/info/attributes",
        "python3 -c \"import os; os.system('git commit -n')\"",
        "python3 -c \"import subprocess; subprocess.run(['git', 'commit', '--no-verify'])\"",
        "node -e \"require('child_process').execSync('backstop approve')\"",
    ]);
}

#[test]
fn unreadable_shell_is_denied_with_the_reason() {
    for script in [
        "echo eA== | base64 -d | sh",
        "eval \"$X\"",
        "cat x | python3",
        "sh -c \"$X\"",
    ] {
        let reason = verdict(script).unwrap_or_else(|| panic!("{script}"));
        assert!(reason.contains("cannot read"), "{script}: {reason}");
    }
}

#[test]
fn more_look_alikes_are_allowed() {
    assert_allowed(&[
        "B=cargo; $B test",
        "for f in *.rs; do wc -l \"$f\"; done",
        "git push -u origin \"$(git branch --show-current)\"",
        "git commit -m \"$MSG\"",
        "git commit -am \"$MSG\"",
        "git commit -F \"$FILE\"",
        "git checkout -b feature/x",
        "git branch -f topic HEAD",
        "git fetch origin main:refs/remotes/origin/main",
        "find . -name '*.pyc' -delete",
        "rm -rf \"$TMPDIR/build\"",
        "python3 -c \"print(open('../gates.toml').read())\"",
        "node -e \"console.log(process.version)\"",
        "echo git commit --no-verify",
        "printf '%s' 'backstop approve'",
        "cat <<'EOF'\ngit commit -n\nEOF",
        "sh -c 'cargo test'",
        "env FOO=1 cargo test",
        "git -c user.name=x commit -m y",
        "git config user.email a@b",
        "time cargo test",
    ]);
}

/// Commands coding agents run every day: none may be denied.
#[test]
fn everyday_agent_commands_pass_untouched() {
    assert_allowed(&[
        "cargo build --release 2>&1 | tail -20",
        "cargo test -p foo -- --nocapture",
        "npm install && npm run build",
        "npm run lint -- --fix",
        "npx tsc --noEmit",
        "yarn add -D vitest",
        "pip install -e '.[dev]'",
        "python -m pytest -x -q tests/",
        "python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt",
        "uv run pytest -k 'not slow'",
        "go test ./... && go build -o bin/app ./cmd/app",
        "make test",
        "cat src/main.rs | head -50",
        "grep -rn \"TODO\" src/ | wc -l",
        "rg -n 'fn main' --type rust",
        "find . -name \"*.py\" -not -path \"./.venv/*\" | xargs wc -l",
        "sed -i 's/foo/bar/g' src/lib.rs",
        "mkdir -p src/utils && touch src/utils/mod.rs",
        "cp -r templates/ dist/",
        "mv old.txt new.txt",
        "rm -rf node_modules dist build .pytest_cache",
        "git status && git diff HEAD~1 --stat && git log --oneline -10",
        "git add -A && git commit -m \"feat: add x\"",
        "git commit -am \"fix: y\" && git push",
        "git checkout -b fix/issue-12",
        "git switch main && git pull --rebase",
        "git stash push -m wip",
        "git cherry-pick abc123",
        "git merge --no-ff feature",
        "git tag -a v1.2.0 -m release && git push origin v1.2.0",
        "git push --set-upstream origin feature/x",
        "git fetch --all --prune",
        "git reset --soft HEAD~1",
        "git clean -fd",
        "git worktree add ../wt feature",
        "git -C ../other status",
        "git submodule update --init --recursive",
        "git show HEAD:src/x.rs > /tmp/old.rs",
        "git config user.name Agent && git config --local pull.rebase true",
        "git config --global core.editor vim",
        "gh pr create --title x --body y",
        "docker build -t app . && docker run --rm app",
        "curl -s http://localhost:8080/health | jq .",
        "cat > src/config.ts << 'EOF'\nexport const x = 1;\nEOF",
        "tee README.md <<'EOF'\n# x\nEOF",
        "python3 -c \"import json,sys; print(json.load(sys.stdin)['x'])\" < data.json",
        "node -e \"console.log(require('./package.json').version)\"",
        "python3 - <<'EOF'\nfrom pathlib import Path\np = Path('src/app.py')\np.write_text(p.read_text().replace('a', 'b'))\nEOF",
        "perl -pi -e 's/\\r$//' src/*.c",
        "awk '{print $1}' file | sort | uniq -c",
        "for f in src/*.ts; do npx prettier --write \"$f\"; done",
        "while IFS= read -r line; do echo \"$line\"; done < file.txt",
        "if [ -d .venv ]; then . .venv/bin/activate; fi",
        "[ -f .env ] && export $(grep -v '^#' .env | xargs)",
        "export NODE_ENV=test && npm test",
        "RUST_LOG=debug cargo run -- --port 3000",
        "timeout 30 npm test",
        "nohup npm run dev > /tmp/dev.log 2>&1 &",
        "ps aux | grep node | grep -v grep",
        "chmod +x scripts/*.sh",
        "cd frontend && npm ci && npm test",
        "pushd src && ls && popd",
        "wc -l $(git ls-files '*.rs')",
        "git diff --name-only | xargs -r npx eslint",
        "jq '.version = \"1.2.3\"' package.json > tmp.json && mv tmp.json package.json",
        "tar czf /tmp/backup.tgz src/",
        "unzip -o archive.zip -d vendor/",
        "echo $? && printf '%s\\n' a b c && date +%s",
        "sudo apt-get install -y jq",
        "ln -s ../shared/config.json config.json",
        "cat ../.git/config && git rev-parse --show-toplevel",
        "echo \"$(git rev-parse --short HEAD)\"",
        "ruff check --fix . && ruff format .",
        "cargo clippy --fix --allow-dirty && cargo fmt --all",
        "npm version patch --no-git-tag-version",
        "du -sh * | sort -h",
        "git log --format='%H %s' -5 | while read h s; do echo \"$h\"; done",
        "kill $(lsof -t -i :3000) || true",
        "case \"$(uname)\" in Linux) echo linux;; Darwin) echo mac;; esac",
        "test -f Cargo.toml && cargo check",
        "x=$(cat VERSION); echo \"version $x\"",
        "git commit -m \"$(cat <<'EOF'\nfeat: thing\n\nLonger body with --no-verify mentioned.\nEOF\n)\"",
    ]);
}

/// Variants of the reproduced bypasses: the rule behind each, not the example.
#[test]
fn variants_of_each_bypass_are_denied() {
    assert_denied(&[
        // Positional parameters and unquoted unknowns.
        "set -- backstop approve; \"$@\"",
        "set -- git commit -n; $1 $2 $3",
        "sh -c '\"$@\"' _ backstop approve",
        "bash -c '\"$0\" \"$@\"' git commit --no-verify",
        "IFS=:; X=git:commit:-n; $X",
        "$CMD",
        "${TOOL:-git} commit -n",
        // git's own programs.
        "/usr/lib/git-core/git-commit -n -m x",
        "\"$(git --exec-path)/git-commit\" --no-verify -m x",
        // Links and names.
        "ln -s ../.git/hooks h && rm h/pre-commit",
        "ln -s ../gates.toml g",
        "echo x > \"$(git rev-parse --git-path hooks)/pre-commit\"",
        "find .. -name pre-commit -exec rm {} \\;",
        "find .. -path '*hooks*' -delete",
        "find .. -name '*.toml' -delete",
        // Interpreters with the path as an argument, awk and sed writes.
        "python3 -c 'import os,sys; os.remove(sys.argv[1])' ../gates.toml",
        "node -e 'require(\"fs\").writeFileSync(process.argv[1], \"\")' ../.git/HEAD",
        "awk 'BEGIN { printf \"\" > \"../gates.toml\" }'",
        "awk '{ system(\"git commit -n -m x\") }' a.txt",
        "sed -n 'w ../.git/hooks/pre-commit' a.txt",
        "sed 's/a/b/w ../gates.toml' a.txt",
        // Environment around a hooked git command.
        "env -i PATH=/usr/bin git commit -m x",
        "env -u HOME git push",
        "unset HOME; git commit -m x",
        // Hiding files from git, and so from the gates.
        "git sparse-checkout set src",
        "git config core.sparseCheckout true",
        "git config core.excludesFile /tmp/ignore",
        // Arrays and appends hold commands too.
        "arr=(git commit -n); \"${arr[@]}\" -m x",
        "declare -a a=(git commit -n); \"${a[@]}\"",
        "a=(backstop approve); ${a[*]}",
        "X=git; X+=' commit -n'; $X -m x",
        "export X=back; export X+=stop; $X approve",
        "X[0]=git; $X commit -n -m x",
        "set -- git commit -n; \"${@:1}\" -m x",
        // Making git store other bytes than the gates read.
        "git config filter.x.clean 'sed s/BAD/ok/'",
        "git config core.attributesFile /tmp/attributes",
        // Options spelled partly when the command runs.
        "git commit --no-verify${X} -m x",
        "git commit -${F} -m x",
        "git commit -a$F -m x",
        "git push --no-ve$X",
        // Aliases the line defines, used with arguments.
        "git -c alias.co=commit co -n",
        "git config alias.co commit; git co -n",
        "shopt -s expand_aliases; alias g=git; g commit -n",
        // Text xargs reads, run as shell.
        "xargs -I{} sh -c {} <<< 'git commit -n'",
        "echo 'git commit -n' | xargs -0 sh -c",
        "xargs -P 4 -I {} sh -c {} < cmds",
        // Another repository's config and hooks.
        "git --git-dir=/tmp/o.git --work-tree=. commit -m x",
        // Perl and Ruby quote-like operators and Perl's open modes.
        "perl -e 'system(qq{git commit -n})'",
        "ruby -e 'system(%q(git commit -n))'",
        "perl -e 'open(my $f, q{>}, q{gates.toml})'",
        "perl -e 'open(F, \">gates.toml\")'",
    ]);
}

#[test]
fn variants_look_alikes_are_allowed() {
    assert_allowed(&[
        "set -- a b; echo \"$@\"",
        "sh -c 'echo \"$1\"' _ hello",
        "\"$EDITOR_NAME\" --version",
        "ln -s ../README.md docs/README.md",
        "find . -name '*.pyc' -delete",
        "find . -path './node_modules/*' -prune -o -name '*.js' -print",
        "python3 -c 'import sys; print(sys.argv[1])' ../gates.toml",
        "awk '{ print $1 > \"out.txt\" }' a.txt",
        "sed -n 'p' a.txt",
        "sed 's/w/W/g' a.txt",
        "env -i PATH=/usr/bin cargo test",
        "unset FOO; git status",
        "git-lfs pull",
        "git sparse-checkout list",
        "git config --get core.excludesFile",
        "files=(a.txt b.txt); cat \"${files[@]}\"",
        "X=cargo; X+=' test'; echo $X",
        "args=(--lib); cargo test \"${args[@]}\"",
        "git config --get filter.lfs.clean",
        "git commit -m\"$(cat msg)\"",
        "git commit --message=\"$M\"",
        "git push -f$X",
        "git -c alias.co=commit co -m x",
        "alias g=git; g status",
        "find . -name '*.txt' | xargs -I{} wc -l {}",
        "echo a b | xargs -n1 echo",
        "git --git-dir=.git status",
        "perl -e 'print qq{hello}'",
        "perl -e 'open(F, \">out.txt\")'",
        "python3 -c 'print(\">\", open(\"gates.toml\").read())'",
    ]);
}

#[test]
fn the_readers_bounds_deny_rather_than_read_a_word_as_unknown() {
    // A protected path padded past a bound, or hidden among many brace alternatives, must not
    // become an unknown write target (which the guard lets through).
    let padded = format!("F=\"{}../gates.toml\"; echo x > \"$F\"", "./".repeat(3000));
    let doubled = {
        let mut s = String::from("P=./");
        for _ in 0..20 {
            s.push_str("; P=\"$P$P\"");
        }
        s.push_str("; rm \"$P../gates.toml\"");
        s
    };
    let many = format!(
        "rm {{../gates.toml,{}}}",
        (0..300)
            .map(|n| format!("x{n}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let long = format!("rm {{../gates.toml,{}}}", "y".repeat(300_000));
    assert_denied(&[&padded, &doubled, &many, &long]);
}
