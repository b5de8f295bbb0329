//! Node and TypeScript: biome, prettier, eslint, tsc, the test runner and Playwright, each only
//! when the project uses it, run as its own config says (flat or legacy eslint config, tsconfig
//! references, the `test` script).

use std::path::Path;

use super::project::{Context, read_json};
use super::{GateDraft, SLOW, draft};
use crate::config::ParserKind;

/// Where the vitest gate writes its `JUnit` report: under `node_modules/.cache`, which every
/// npm, pnpm and yarn project already ignores, so the report never shows up as a change.
const VITEST_REPORT: &str = "node_modules/.cache/backstop/vitest-junit.xml";

/// Biome's `--reporter=github` lines: `::error title=RULE,file=F,line=L,endLine=..,col=C,...::MSG`.
const BIOME_PATTERN: &str = r"^::(?P<severity>error|warning|notice) title=(?P<rule>[^,]*),file=(?P<file>[^,]+),line=(?P<line>\d+),endLine=\d+,col=(?P<col>\d+),endColumn=\d+::(?P<message>.*)$";

const SOURCES: &str = "*.{js,jsx,mjs,cjs,ts,tsx,mts,cts}";

/// The gates of the package in `dir`, if there is one.
pub fn gates(dir: &Path, context: &Context) -> Option<Vec<GateDraft>> {
    let manifest = read_json(&dir.join("package.json"))?;
    let has_dep = |name: &str| {
        ["dependencies", "devDependencies"]
            .iter()
            .any(|section| manifest.get(section).and_then(|s| s.get(name)).is_some())
    };
    let has_file = |prefixes: &[&str]| {
        std::fs::read_dir(dir).ok().is_some_and(|entries| {
            entries.flatten().any(|e| {
                e.file_name()
                    .to_str()
                    .is_some_and(|n| prefixes.iter().any(|p| n.starts_with(p)))
            })
        })
    };
    let (exec, pm) = context.package_manager(dir);
    let evidence = context.evidence(dir);
    let runs = |tool: &str| evidence.contains(tool);
    let biome = has_dep("@biomejs/biome") || has_file(&["biome.json"]);
    let mut gates = Vec::new();
    if biome {
        let mut check = draft(
            "biome",
            &format!("{exec} biome ci --reporter=github --no-errors-on-unmatched ."),
            &["*.{js,jsx,mjs,cjs,ts,tsx,mts,cts,json,jsonc,css,graphql}"],
        );
        check.gate.fix = Some(format!("{exec} biome check --write ."));
        check.gate.parser = Some(ParserKind::Regex);
        check.gate.pattern = Some(BIOME_PATTERN.to_owned());
        gates.push(check);
    }
    // With biome as the formatter and linter, prettier and eslint count only when the
    // project's scripts or hooks run them (an installed but unused tool fails untouched code).
    let prettier_config =
        has_file(&[".prettierrc", "prettier.config."]) || manifest.get("prettier").is_some();
    let prettier = if biome {
        runs("prettier")
    } else {
        has_dep("prettier") || (prettier_config && runs("prettier"))
    };
    if prettier && has_dep("prettier") {
        let mut fmt = draft(
            "prettier",
            &format!("{exec} prettier --check ."),
            &["*.{js,jsx,mjs,cjs,ts,tsx,mts,cts,json,css,scss,md,html,vue,svelte}"],
        );
        fmt.gate.fix = Some(format!("{exec} prettier --write ."));
        gates.push(fmt);
    }
    let flat = has_file(&["eslint.config."]);
    let legacy = has_file(&[".eslintrc"]) || manifest.get("eslintConfig").is_some();
    let eslint = if biome {
        (flat || legacy) && has_dep("eslint")
    } else {
        has_dep("eslint") || flat || legacy
    };
    if eslint {
        // JSON: ESLint's own formats are not `path:line:col: message` lines.
        let mut lint = draft(
            "eslint",
            &format!("{exec} eslint --max-warnings=0 --format json ."),
            &[SOURCES],
        );
        lint.gate.fix = Some(format!("{exec} eslint --fix ."));
        lint.gate.parser = Some(ParserKind::Eslint);
        if legacy && !flat && eslint_major(&manifest).is_some_and(|m| m >= 9) {
            // ESLint 9 reads only flat configs unless told otherwise.
            lint.gate
                .env
                .insert("ESLINT_USE_FLAT_CONFIG".to_owned(), "false".to_owned());
        }
        gates.push(lint);
    }
    if has_dep("typescript") && dir.join("tsconfig.json").exists() {
        gates.extend(tsc_gates(dir, exec));
    }
    if let Some(mut unit) = unit_tests(&manifest, &has_dep, exec, pm) {
        unit.gate.on = Some(SLOW.to_vec());
        gates.push(unit);
    }
    if has_dep("@playwright/test") || has_file(&["playwright.config."]) {
        // The list for people, then the JSON report that says where each failure is.
        let mut e2e = draft(
            "playwright",
            &format!("{exec} playwright test --reporter=list,json"),
            &[
                "*.{js,jsx,ts,tsx,html,css}",
                "playwright.config.*",
                "package.json",
            ],
        );
        e2e.gate.on = Some(SLOW.to_vec());
        e2e.gate.timeout = Some("20m".to_owned());
        e2e.gate.parser = Some(ParserKind::Playwright);
        gates.push(e2e);
    }
    Some(gates)
}

/// The major version of the eslint the manifest asks for (`^9.1.0`, `~10.2.0` → 9, 10).
fn eslint_major(manifest: &serde_json::Value) -> Option<u32> {
    ["devDependencies", "dependencies"].iter().find_map(|s| {
        let spec = manifest.get(s)?.get("eslint")?.as_str()?;
        let digits: String = spec
            .trim_start_matches(|c: char| !c.is_ascii_digit())
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    })
}

/// One `tsc --noEmit`, or one per referenced project when tsconfig.json is a solution file
/// (`references` with nothing of its own to check).
fn tsc_gates(dir: &Path, exec: &str) -> Vec<GateDraft> {
    let files = ["*.{ts,tsx,mts,cts}", "tsconfig*.json", "package.json"];
    let config = read_json(&dir.join("tsconfig.json")).unwrap_or_default();
    let references: Vec<String> = config
        .get("references")
        .and_then(|r| r.as_array())
        .map(|refs| {
            refs.iter()
                .filter_map(|r| r.get("path")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let solution = !references.is_empty()
        && config
            .get("files")
            .and_then(|f| f.as_array())
            .is_some_and(Vec::is_empty)
        && config.get("include").is_none();
    if !solution {
        let mut tsc = draft("tsc", &format!("{exec} tsc --noEmit"), &files);
        tsc.gate.parser = Some(ParserKind::Tsc);
        return vec![tsc];
    }
    references
        .iter()
        .map(|reference| {
            let project = reference.trim_start_matches("./").trim_end_matches('/');
            let name = project
                .trim_end_matches(".json")
                .rsplit('/')
                .find(|p| !p.is_empty() && *p != "tsconfig")
                .unwrap_or("project")
                .trim_start_matches("tsconfig.");
            let mut tsc = draft(
                &format!("tsc-{}", super::project::prefix(name)),
                &format!("{exec} tsc --noEmit -p {project}"),
                &files,
            );
            tsc.tool = Some(format!("tsc {project}"));
            tsc.gate.parser = Some(ParserKind::Tsc);
            tsc
        })
        .collect()
}

/// The unit test gate: the runner the `test` script names (vitest with a `JUnit` report, jest),
/// `node --test`, or the script itself; without a script, an installed vitest or jest.
fn unit_tests(
    manifest: &serde_json::Value,
    has_dep: &dyn Fn(&str) -> bool,
    exec: &str,
    pm: &str,
) -> Option<GateDraft> {
    let script = manifest
        .pointer("/scripts/test")
        .and_then(|s| s.as_str())
        .filter(|s| !s.is_empty() && !s.contains("no test specified"));
    let names = |tool: &str| {
        script.map_or_else(
            || has_dep(tool),
            |s| {
                s.split(|c: char| !c.is_alphanumeric() && c != '-')
                    .any(|w| w == tool)
            },
        )
    };
    let files = [SOURCES, "package.json"];
    if names("vitest") {
        // Vitest's own reporter says where a test failed only in a `❯ file:line:col` line
        // apart from the message; its JUnit report keeps the two together. People still get
        // the default reporter's output.
        let mut vitest = draft(
            "vitest",
            &format!(
                "{exec} vitest run --reporter=default --reporter=junit --outputFile.junit={VITEST_REPORT}"
            ),
            &files,
        );
        vitest.gate.parser = Some(ParserKind::Junit);
        vitest.gate.report = Some(VITEST_REPORT.to_owned());
        return Some(vitest);
    }
    if names("jest") {
        return Some(draft("jest", &format!("{exec} jest"), &files));
    }
    let script = script?;
    // The script may build first (`pretest`) and knows its own files: run it as it is.
    let test = format!("{pm} test");
    if script.contains("node --test") || script.contains("node:test") {
        let mut gate = draft("node-test", &test, &files);
        gate.tool = Some("node-test".to_owned());
        return Some(gate);
    }
    Some(draft("npm-test", &test, &files))
}
