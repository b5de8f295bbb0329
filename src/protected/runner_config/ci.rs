//! CI pipelines: each job's test commands, with the shell each system runs them in, and what
//! lets a failing test job or step pass (GitHub `continue-on-error`, GitLab `allow_failure` and
//! `when: manual`, Azure `continueOnError`, Buildkite `soft_fail`, Jenkins `catchError`), or
//! switches it off (`if: false`); Codecov's targets and thresholds.

use super::command::{self, Invocation, Shell};
use super::facts::{Fact, Value};
use super::yaml::{self, Node};
use crate::protected::lexer::{Kind, Language, tokenize};

/// Which CI system a path configures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {
    /// `.github/workflows/*.yml`.
    GitHub,
    /// `.gitlab-ci.yml`.
    GitLab,
    /// `.circleci/config.yml`.
    Circle,
    /// `azure-pipelines.yml`.
    Azure,
    /// `.buildkite/pipeline.yml`.
    Buildkite,
    /// `.travis.yml`.
    Travis,
    /// `bitbucket-pipelines.yml`.
    Bitbucket,
    /// `Jenkinsfile`.
    Jenkins,
    /// `codecov.yml`.
    Codecov,
}

/// The CI system of a path, if it is a CI configuration.
pub fn system_of(path: &str) -> Option<System> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let yaml = std::path::Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"));
    if (path.starts_with(".github/workflows/") || path.contains("/.github/workflows/")) && yaml {
        return Some(System::GitHub);
    }
    match name {
        ".gitlab-ci.yml" | ".gitlab-ci.yaml" => Some(System::GitLab),
        "config.yml" if path.ends_with(".circleci/config.yml") => Some(System::Circle),
        "azure-pipelines.yml" | "azure-pipelines.yaml" => Some(System::Azure),
        "pipeline.yml" | "pipeline.yaml" if path.contains(".buildkite/") => Some(System::Buildkite),
        ".travis.yml" => Some(System::Travis),
        "bitbucket-pipelines.yml" => Some(System::Bitbucket),
        "Jenkinsfile" => Some(System::Jenkins),
        "codecov.yml" | ".codecov.yml" | "codecov.yaml" => Some(System::Codecov),
        _ if path.starts_with(".gitlab/ci/") && yaml => Some(System::GitLab),
        _ => None,
    }
}

/// A literal true (`true`, `"true"`, `${{ true }}`).
fn literal(node: Option<&Node>, value: &str) -> bool {
    node.and_then(Node::text).is_some_and(|t| {
        let t = t.trim();
        t == value || t.trim_start_matches("${{").trim_end_matches("}}").trim() == value
    })
}

fn mark(invocations: &mut [Invocation], how: &str) {
    for i in invocations {
        i.swallowed.get_or_insert_with(|| how.to_owned());
    }
}

fn run_commands(script: &str, line: u32, shell: Shell) -> Vec<Invocation> {
    command::read(script, line, shell)
}

fn github(doc: &Node) -> Vec<Fact> {
    let mut facts = Vec::new();
    let Some(Node::Map(jobs)) = doc.get("jobs") else {
        return facts;
    };
    let default_shell = doc
        .get("defaults")
        .and_then(|d| d.get("run"))
        .and_then(|r| r.get("shell"))
        .and_then(Node::text);
    for (id, job, line) in jobs {
        let job_shell = job
            .get("defaults")
            .and_then(|d| d.get("run"))
            .and_then(|r| r.get("shell"))
            .and_then(Node::text)
            .or(default_shell);
        let mut invocations = Vec::new();
        if let Some(Node::Seq(steps)) = job.get("steps") {
            for (step, step_line) in steps {
                let Some(script) = step.get("run").and_then(Node::text) else {
                    continue;
                };
                // Unset: `bash -e {0}`; an explicit `bash`: `bash -eo pipefail {0}`.
                let shell = match step.get("shell").and_then(Node::text).or(job_shell) {
                    Some("bash") => Shell {
                        errexit: true,
                        pipefail: true,
                    },
                    Some(s)
                        if s.contains("pwsh") || s.contains("powershell") || s.contains("cmd") =>
                    {
                        Shell {
                            errexit: false,
                            pipefail: true,
                        }
                    }
                    _ => Shell {
                        errexit: true,
                        pipefail: false,
                    },
                };
                let run_line = step.line_of("run").unwrap_or(*step_line);
                let first = if script.contains('\n') {
                    run_line + 1
                } else {
                    run_line
                };
                let mut found = run_commands(script, first, shell);
                if literal(step.get("continue-on-error"), "true") {
                    mark(&mut found, "continue-on-error: true");
                }
                if literal(step.get("if"), "false") {
                    continue;
                }
                invocations.extend(found);
            }
        }
        if literal(job.get("continue-on-error"), "true") {
            mark(&mut invocations, "continue-on-error: true on the job");
        }
        if literal(job.get("if"), "false") {
            invocations.clear();
        }
        facts.push(Fact::new(
            format!("workflow job `{id}`"),
            *line,
            Value::Commands(invocations),
        ));
    }
    facts
}

fn gitlab(doc: &Node) -> Vec<Fact> {
    const RESERVED: [&str; 12] = [
        "stages",
        "variables",
        "default",
        "include",
        "workflow",
        "image",
        "services",
        "before_script",
        "after_script",
        "cache",
        "pages",
        "spec",
    ];
    let Node::Map(entries) = doc else {
        return Vec::new();
    };
    let mut facts = Vec::new();
    for (id, job, line) in entries {
        if RESERVED.contains(&id.as_str()) || id.starts_with('.') {
            continue;
        }
        let Some(script) = job.get("script").and_then(Node::script) else {
            continue;
        };
        let at = job.line_of("script").unwrap_or(*line) + 1;
        let mut found = run_commands(
            &script,
            at,
            Shell {
                errexit: true,
                pipefail: true,
            },
        );
        if literal(job.get("allow_failure"), "true")
            || job
                .get("allow_failure")
                .is_some_and(|n| matches!(n, Node::Map(_)))
        {
            mark(&mut found, "allow_failure");
        }
        if literal(job.get("when"), "manual") {
            mark(&mut found, "when: manual");
        }
        if literal(job.get("when"), "never") {
            found.clear();
        }
        facts.push(Fact::new(
            format!("GitLab job `{id}`"),
            *line,
            Value::Commands(found),
        ));
    }
    facts
}

/// Steps of Azure (`script`/`bash`), `CircleCI` (`run`), Buildkite (`command`), Bitbucket and
/// Travis (`script`), found wherever they sit.
fn steps(node: &Node, system: System, path: &str, out: &mut Vec<Fact>) {
    match node {
        Node::Map(entries) => {
            let mut found = Vec::new();
            let (keys, shell, soft): (&[&str], Shell, &[&str]) = match system {
                System::Azure => (&["script", "bash"], Shell::default(), &["continueOnError"]),
                System::Circle => (
                    &["run"],
                    Shell {
                        errexit: true,
                        pipefail: true,
                    },
                    &[],
                ),
                System::Buildkite => (
                    &["command", "commands"],
                    Shell {
                        errexit: true,
                        pipefail: false,
                    },
                    &["soft_fail"],
                ),
                System::Travis | System::Bitbucket => (
                    &["script"],
                    Shell {
                        errexit: true,
                        pipefail: false,
                    },
                    &[],
                ),
                _ => (&[], Shell::default(), &[]),
            };
            for key in keys {
                let Some(value) = node.get(key) else { continue };
                let script = match value {
                    Node::Map(_) => value.get("command").and_then(Node::text).map(str::to_owned),
                    other => other.script(),
                };
                if let Some(script) = script {
                    let line = node.line_of(key).unwrap_or(1);
                    found.extend(run_commands(
                        &script,
                        line + u32::from(script.contains('\n')),
                        shell,
                    ));
                }
            }
            for key in soft {
                if literal(node.get(key), "true") {
                    mark(&mut found, &format!("{key}: true"));
                }
            }
            if !found.is_empty() {
                let line = found[0].line;
                let name = node
                    .get("name")
                    .or_else(|| node.get("displayName"))
                    .or_else(|| node.get("label"))
                    .and_then(Node::text)
                    .map_or_else(
                        || format!("step {}", out.len() + 1),
                        |n| format!("step `{n}`"),
                    );
                out.push(Fact::new(
                    format!("{path} {name}"),
                    line,
                    Value::Commands(found),
                ));
            }
            for (key, child, _) in entries {
                if !keys.contains(&key.as_str()) {
                    steps(child, system, path, out);
                }
            }
        }
        Node::Seq(items) => {
            for (item, _) in items {
                steps(item, system, path, out);
            }
        }
        Node::Scalar(_) => {}
    }
}

fn jenkins(text: &str) -> Vec<Fact> {
    let tokens: Vec<_> = tokenize(text, Language::Kotlin)
        .into_iter()
        .filter(|t| t.kind != Kind::Comment)
        .collect();
    let mut invocations = Vec::new();
    let mut catching: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    for (k, t) in tokens.iter().enumerate() {
        if t.is('{') {
            depth += 1;
        } else if t.is('}') {
            depth = depth.saturating_sub(1);
            catching.retain(|d| *d <= depth);
        }
        if t.is_ident("catchError") || t.is_ident("warnError") {
            catching.push(depth + 1);
        }
        if !(t.is_ident("sh") || t.is_ident("bat")) {
            continue;
        }
        let window = &tokens[k + 1..tokens.len().min(k + 12)];
        let Some(script) = window.iter().find(|n| n.kind == Kind::Str) else {
            continue;
        };
        let returns_status = window.iter().any(|n| n.is_ident("returnStatus"));
        let body = crate::protected::extract::unquote(&script.text);
        let mut found = run_commands(
            &body,
            script.line,
            Shell {
                errexit: true,
                pipefail: false,
            },
        );
        if returns_status {
            mark(&mut found, "returnStatus: true");
        }
        if !catching.is_empty() {
            mark(&mut found, "catchError");
        }
        invocations.extend(found);
    }
    vec![Fact::new("Jenkinsfile", 1, Value::Commands(invocations))]
}

fn codecov(doc: &Node) -> Vec<Fact> {
    let mut facts = Vec::new();
    let Some(status) = doc.get("coverage").and_then(|c| c.get("status")) else {
        return facts;
    };
    for scope in ["project", "patch"] {
        let Some(Node::Map(entries)) = status.get(scope) else {
            continue;
        };
        for (name, settings, line) in entries {
            let key = format!("Codecov {scope} `{name}`");
            if let Some(target) = settings
                .get("target")
                .and_then(Node::text)
                .and_then(|t| t.trim_end_matches('%').parse::<f64>().ok())
            {
                facts.push(Fact::new(
                    format!("{key} target"),
                    settings.line_of("target").unwrap_or(*line),
                    Value::Minimum(target),
                ));
            }
            if let Some(threshold) = settings
                .get("threshold")
                .and_then(Node::text)
                .and_then(|t| t.trim_end_matches('%').parse::<f64>().ok())
            {
                facts.push(Fact::new(
                    format!("{key} threshold"),
                    settings.line_of("threshold").unwrap_or(*line),
                    Value::Maximum(threshold),
                ));
            }
            facts.push(Fact::new(
                format!("{key} informational"),
                settings.line_of("informational").unwrap_or(*line),
                Value::Switch(literal(settings.get("informational"), "true")),
            ));
        }
    }
    facts
}

/// The facts of a CI configuration file.
pub fn facts(path: &str, text: &str) -> Vec<Fact> {
    let Some(system) = system_of(path) else {
        return Vec::new();
    };
    if system == System::Jenkins {
        return jenkins(text);
    }
    let doc = yaml::read(text);
    match system {
        System::GitHub => github(&doc),
        System::GitLab => gitlab(&doc),
        System::Codecov => codecov(&doc),
        _ => {
            let mut out = Vec::new();
            steps(
                &doc,
                system,
                path.rsplit('/').next().unwrap_or(path),
                &mut out,
            );
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_steps_and_continue_on_error() {
        let text = "jobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - name: Tests\n        continue-on-error: true\n        run: pytest\n      - run: go test ./... | tee log\n";
        let facts = facts(".github/workflows/ci.yml", text);
        let Value::Commands(c) = &facts[0].value else {
            panic!()
        };
        assert_eq!(c.len(), 2);
        assert!(c[0].swallowed.is_some());
        assert!(
            c[1].swallowed.is_some(),
            "the default shell has no pipefail"
        );
        assert_eq!(c[0].line, 7);
    }

    #[test]
    fn gitlab_allow_failure() {
        let facts = facts(
            ".gitlab-ci.yml",
            "stages: [test]\nunit:\n  stage: test\n  script:\n    - cargo test\n  allow_failure: true\n",
        );
        let Value::Commands(c) = &facts[0].value else {
            panic!()
        };
        assert!(c[0].swallowed.is_some());
    }
}
