//! Maven and Gradle: `Surefire`/`Failsafe` (`skipTests`, `skip`, `testFailureIgnore`, `excludes`,
//! `includes`, `groups`, `excludedGroups`, `rerunFailingTestsCount`), the properties that switch
//! them (`maven.test.skip`...), `JaCoCo` limits and `haltOnFailure`; Gradle test tasks (`exclude`,
//! `ignoreFailures`, `enabled = false`, `onlyIf { false }`, tags, test filters, retries) and
//! `JaCoCo`/`Kover` minimums, read over the Kotlin lexer's tokens (Groovy reads alike).

use std::collections::HashMap;

use roxmltree::{Document, Node};

use super::facts::{Fact, Value};
use super::patterns::{Family, Matcher};
use crate::protected::lexer::{Kind, Language, Token, tokenize};

const SUREFIRE_INCLUDES: [&str; 4] = [
    "**/Test*.java",
    "**/*Test.java",
    "**/*Tests.java",
    "**/*TestCase.java",
];
const FAILSAFE_INCLUDES: [&str; 3] = ["**/IT*.java", "**/*IT.java", "**/*ITCase.java"];

fn line(doc: &Document<'_>, node: Node<'_, '_>) -> u32 {
    doc.text_pos_at(node.range().start).row
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| c.has_tag_name(name))
}

fn text<'a>(node: Node<'a, '_>) -> &'a str {
    node.text().unwrap_or_default().trim()
}

/// The facts of a pom.xml.
#[expect(
    clippy::too_many_lines,
    reason = "properties, Surefire/Failsafe and JaCoCo in one walk"
)]
pub fn pom_facts(xml: &str) -> Vec<Fact> {
    let Ok(doc) = Document::parse(xml) else {
        return Vec::new();
    };
    let mut facts = Vec::new();
    let mut properties: HashMap<String, String> = HashMap::new();
    for props in doc.descendants().filter(|n| n.has_tag_name("properties")) {
        for p in props.children().filter(Node::is_element) {
            let name = p.tag_name().name().to_owned();
            properties.insert(name.clone(), text(p).to_owned());
            let value = text(p);
            let weak = match name.as_str() {
                "skipTests"
                | "maven.test.skip"
                | "skipITs"
                | "maven.test.failure.ignore"
                | "jacoco.skip"
                | "surefire.skip"
                | "skipUTs" => value == "true",
                "jacoco.haltOnFailure" => value == "false",
                _ => continue,
            };
            facts.push(Fact::new(
                format!("pom.xml property `{name}`"),
                line(&doc, p),
                Value::Switch(weak),
            ));
        }
    }
    let resolve = |value: &str| -> String {
        value
            .strip_prefix("${")
            .and_then(|v| v.strip_suffix('}'))
            .and_then(|name| properties.get(name).cloned())
            .unwrap_or_else(|| value.to_owned())
    };
    for plugin in doc.descendants().filter(|n| n.has_tag_name("plugin")) {
        let Some(artifact) = child(plugin, "artifactId").map(text) else {
            continue;
        };
        let configurations: Vec<Node<'_, '_>> = plugin
            .descendants()
            .filter(|n| n.has_tag_name("configuration"))
            .collect();
        let tool = match artifact {
            "maven-surefire-plugin" => "surefire",
            "maven-failsafe-plugin" => "failsafe",
            "jacoco-maven-plugin" => "jacoco",
            _ => continue,
        };
        let at = line(&doc, plugin);
        if tool == "jacoco" {
            for (n, limit) in plugin
                .descendants()
                .filter(|n| n.has_tag_name("limit"))
                .enumerate()
            {
                let counter = child(limit, "counter").map_or("INSTRUCTION", text);
                let value = child(limit, "value").map_or("COVEREDRATIO", text);
                for (tag, minimum) in [("minimum", true), ("maximum", false)] {
                    if let Some(bound) = child(limit, tag)
                        && let Ok(v) = resolve(text(bound)).trim_end_matches('%').parse::<f64>()
                    {
                        let key = format!("JaCoCo limit {} {counter} {value} {tag}", n + 1);
                        let fact = if minimum {
                            Value::Minimum(v)
                        } else {
                            Value::Maximum(v)
                        };
                        facts.push(Fact::new(key, line(&doc, bound), fact));
                    }
                }
            }
            for config in &configurations {
                if let Some(halt) = child(*config, "haltOnFailure") {
                    facts.push(Fact::new(
                        "JaCoCo haltOnFailure",
                        line(&doc, halt),
                        Value::Switch(resolve(text(halt)) == "false"),
                    ));
                }
                if let Some(skip) = child(*config, "skip") {
                    facts.push(Fact::new(
                        "JaCoCo skip",
                        line(&doc, skip),
                        Value::Switch(resolve(text(skip)) == "true"),
                    ));
                }
            }
            continue;
        }
        let mut includes: Option<(Vec<String>, u32)> = None;
        let mut excludes: Vec<String> = Vec::new();
        let mut excludes_line = at;
        for config in &configurations {
            for (tag, weak_when) in [
                ("skipTests", "true"),
                ("skip", "true"),
                ("skipITs", "true"),
                ("testFailureIgnore", "true"),
                ("skipExec", "true"),
            ] {
                if let Some(node) = child(*config, tag) {
                    facts.push(Fact::new(
                        format!("{tool} {tag}"),
                        line(&doc, node),
                        Value::Switch(resolve(text(node)) == weak_when),
                    ));
                }
            }
            if let Some(node) = child(*config, "includes") {
                let list = node
                    .children()
                    .filter(|c| c.has_tag_name("include"))
                    .map(|c| text(c).to_owned())
                    .collect();
                includes = Some((list, line(&doc, node)));
            }
            if let Some(node) = child(*config, "excludes") {
                excludes_line = line(&doc, node);
                excludes.extend(
                    node.children()
                        .filter(|c| c.has_tag_name("exclude"))
                        .map(|c| text(c).to_owned()),
                );
            }
            for tag in [
                "groups",
                "excludedGroups",
                "test",
                "excludedEnvironmentVariables",
            ] {
                if let Some(node) = child(*config, tag) {
                    facts.push(Fact::new(
                        format!("{tool} {tag}"),
                        line(&doc, node),
                        Value::Filter(resolve(text(node))),
                    ));
                }
            }
            if let Some(node) = child(*config, "rerunFailingTestsCount")
                && let Ok(v) = resolve(text(node)).parse::<f64>()
            {
                facts.push(Fact::new(
                    format!("{tool} rerunFailingTestsCount"),
                    line(&doc, node),
                    Value::Maximum(v),
                ));
            }
        }
        let default: &[&str] = if tool == "failsafe" {
            &FAILSAFE_INCLUDES
        } else {
            &SUREFIRE_INCLUDES
        };
        let (list, l) =
            includes.unwrap_or_else(|| (default.iter().map(|s| (*s).to_owned()).collect(), at));
        facts.push(Fact::new(
            format!("{tool} includes"),
            l,
            Value::Include(Matcher::Glob, Family::Jvm, list),
        ));
        facts.push(Fact::new(
            format!("{tool} excludes"),
            excludes_line,
            Value::Exclude(Matcher::Glob, Family::Jvm, excludes),
        ));
    }
    facts
}

/// `0.8` of `0.8.toBigDecimal`.
fn leading_number(text: &str) -> Option<f64> {
    let end = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == '_'))
        .map_or(text.len(), |(at, _)| at);
    text[..end]
        .trim_end_matches('.')
        .replace('_', "")
        .parse()
        .ok()
}

/// One statement of a Gradle script: its tokens and the block heads around it.
struct Statement<'t> {
    tokens: Vec<&'t Token>,
    blocks: Vec<String>,
}

fn flush<'t>(current: &mut Vec<&'t Token>, blocks: &[String], out: &mut Vec<Statement<'t>>) {
    if !current.is_empty() {
        out.push(Statement {
            tokens: std::mem::take(current),
            blocks: blocks.to_vec(),
        });
    }
}

fn statements(tokens: &[Token]) -> Vec<Statement<'_>> {
    let mut out = Vec::new();
    let mut blocks: Vec<String> = Vec::new();
    let mut current: Vec<&Token> = Vec::new();
    let mut depth_paren = 0i32;
    for t in tokens {
        if t.kind == Kind::Comment {
            continue;
        }
        if t.is('(') {
            depth_paren += 1;
        } else if t.is(')') {
            depth_paren -= 1;
        }
        let new_line = current.last().is_some_and(|l| l.line < t.line) && depth_paren <= 0;
        if new_line
            && !t.is('.')
            && !current
                .last()
                .is_some_and(|l| l.is('.') || l.is('=') || l.is(','))
        {
            flush(&mut current, &blocks, &mut out);
        }
        if t.is('{') && depth_paren <= 0 {
            let head: String = current.iter().map(|t| t.text.as_str()).collect();
            blocks.push(head);
            current.clear();
            continue;
        }
        if t.is('}') && depth_paren <= 0 {
            flush(&mut current, &blocks, &mut out);
            blocks.pop();
            continue;
        }
        if t.is(';') {
            flush(&mut current, &blocks, &mut out);
            continue;
        }
        current.push(t);
    }
    flush(&mut current, &blocks, &mut out);
    out
}

/// The facts of a build.gradle or build.gradle.kts.
#[expect(
    clippy::too_many_lines,
    reason = "the test task's settings and coverage limits"
)]
pub fn gradle_facts(text: &str) -> Vec<Fact> {
    let tokens = tokenize(text, Language::Kotlin);
    let mut facts = Vec::new();
    let mut excludes: Vec<String> = Vec::new();
    let mut excludes_line = 1;
    let mut limits = 0;
    for statement in statements(&tokens) {
        let words: Vec<&str> = statement.tokens.iter().map(|t| t.text.as_str()).collect();
        let Some(first) = statement.tokens.first() else {
            continue;
        };
        let joined = words.concat();
        let in_test = statement.blocks.iter().any(|b| {
            let lower = b.to_ascii_lowercase();
            lower.contains("test")
                && !lower.contains("dependencies")
                && !lower.starts_with("testing")
                || b.contains("<Test>")
                || b.contains("(Test)")
        }) || joined.starts_with("test.")
            || joined.starts_with("tasks.test.");
        let strings: Vec<String> = statement
            .tokens
            .iter()
            .filter(|t| t.kind == Kind::Str)
            .map(|t| crate::protected::extract::unquote(&t.text))
            .collect();
        let assigned = |key: &str| -> Option<String> {
            let at = words.iter().position(|w| *w == key)?;
            let rest: Vec<&str> = words[at + 1..]
                .iter()
                .copied()
                .filter(|w| *w != "=" && *w != "(" && *w != ")")
                .collect();
            rest.first().map(|s| (*s).to_owned())
        };
        if in_test {
            let line = first.line;
            if words
                .first()
                .is_some_and(|w| *w == "exclude" || *w == "excludes")
            {
                excludes.extend(strings.iter().cloned());
                excludes_line = line;
            }
            for key in ["ignoreFailures", "isIgnoreFailures"] {
                if let Some(v) = assigned(key) {
                    facts.push(Fact::new(
                        "Gradle test ignoreFailures",
                        line,
                        Value::Switch(v == "true"),
                    ));
                }
            }
            for key in ["enabled", "isEnabled"] {
                if let Some(v) = assigned(key) {
                    facts.push(Fact::new(
                        "Gradle test task enabled",
                        line,
                        Value::Switch(v == "false"),
                    ));
                }
            }
            if joined.starts_with("onlyIf") && joined.contains("false") {
                facts.push(Fact::new(
                    "Gradle test task onlyIf",
                    line,
                    Value::Switch(true),
                ));
            }
            if let Some(v) = assigned("failOnNoMatchingTests") {
                facts.push(Fact::new(
                    "Gradle test failOnNoMatchingTests",
                    line,
                    Value::Switch(v == "false"),
                ));
            }
            for key in [
                "excludeTags",
                "includeTags",
                "excludeCategories",
                "includeCategories",
                "excludeEngines",
                "excludeTestsMatching",
                "includeTestsMatching",
                "excludeGroups",
                "includeGroups",
            ] {
                if words.first().is_some_and(|w| *w == key) {
                    for s in &strings {
                        facts.push(Fact::new(
                            format!("Gradle test {key} `{s}`"),
                            line,
                            Value::Filter(s.clone()),
                        ));
                    }
                }
            }
            if let Some(v) = assigned("maxRetries").and_then(|v| v.parse::<f64>().ok()) {
                facts.push(Fact::new(
                    "Gradle test retry maxRetries",
                    line,
                    Value::Maximum(v),
                ));
            }
        }
        // JaCoCo `limit { minimum = 0.80 }` (any spelling of the number), Kover `minBound(80)`.
        let in_limit = statement
            .blocks
            .last()
            .is_some_and(|b| b == "limit" || b == "bound");
        if in_limit && (words.first() == Some(&"minimum") || words.first() == Some(&"minValue")) {
            let number = statement.tokens.iter().find_map(|t| match t.kind {
                Kind::Num => leading_number(&t.text),
                Kind::Str => crate::protected::extract::unquote(&t.text)
                    .parse::<f64>()
                    .ok(),
                _ => None,
            });
            if let Some(v) = number {
                limits += 1;
                facts.push(Fact::new(
                    format!("coverage limit {limits} minimum"),
                    first.line,
                    Value::Minimum(v),
                ));
            }
        }
        if words.first() == Some(&"minBound")
            && let Some(v) = statement
                .tokens
                .iter()
                .find(|t| t.kind == Kind::Num)
                .and_then(|t| leading_number(&t.text))
        {
            limits += 1;
            facts.push(Fact::new(
                format!("Kover minBound {limits}"),
                first.line,
                Value::Minimum(v),
            ));
        }
    }
    facts.push(Fact::new(
        "Gradle test exclude",
        excludes_line,
        Value::Exclude(Matcher::Glob, Family::Jvm, excludes),
    ));
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surefire_switches_and_patterns() {
        let pom = "<project><build><plugins><plugin><artifactId>maven-surefire-plugin</artifactId><configuration><skipTests>true</skipTests><excludes><exclude>**/*IT.java</exclude></excludes></configuration></plugin></plugins></build></project>";
        let facts = pom_facts(pom);
        assert!(
            facts
                .iter()
                .any(|f| f.key == "surefire skipTests" && matches!(f.value, Value::Switch(true)))
        );
        assert!(
            facts
                .iter()
                .any(|f| matches!(&f.value, Value::Exclude(_, _, p) if p == &["**/*IT.java"]))
        );
    }

    #[test]
    fn gradle_test_task() {
        let facts = gradle_facts(
            "tasks.test {\n    useJUnitPlatform {\n        excludeTags(\"slow\")\n    }\n    ignoreFailures = true\n    exclude(\"**/*IT*\")\n}\nlimit {\n    minimum = \"0.80\".toBigDecimal()\n}\n",
        );
        assert!(facts.iter().any(
            |f| f.key == "Gradle test ignoreFailures" && matches!(f.value, Value::Switch(true))
        ));
        assert!(
            facts
                .iter()
                .any(|f| f.key.starts_with("Gradle test excludeTags"))
        );
        assert!(
            facts
                .iter()
                .any(|f| matches!(&f.value, Value::Exclude(_, _, p) if p == &["**/*IT*"]))
        );
        assert!(
            facts
                .iter()
                .any(|f| matches!(f.value, Value::Minimum(v) if (v - 0.8).abs() < 1e-9))
        );
    }
}
