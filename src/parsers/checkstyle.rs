//! `parser = "checkstyle"`: Checkstyle XML, which ktlint, detekt, golangci-lint, phpcs,
//! shellcheck, biome and eslint's checkstyle formatter write: `<file name>` elements holding
//! `<error line column severity message source>`. Every document in the text is read (one
//! per batch of `pass_files`), whatever is printed around it.

use super::Place;
use crate::diagnostic::{Diagnostic, severity_from};

const CLOSE: &str = "</checkstyle>";

/// Every `<error>` of every `<checkstyle>` document in `text`.
pub fn parse(text: &str, place: &Place<'_>) -> Result<Vec<Diagnostic>, String> {
    let mut found = Vec::new();
    let mut documents = 0;
    let mut broken = None;
    let mut from = 0;
    // The next `</checkstyle>` and `>` are searched again only once passed: searching from
    // every opening made many small documents quadratic.
    let (mut close, mut gt) = (None, None);
    while let Some(start) = text[from..].find("<checkstyle").map(|i| from + i) {
        if super::budget::exhausted() {
            break;
        }
        let close = next_at(text, CLOSE, start, &mut close);
        let document = &text[start..];
        // `<checkstyle version="4.3"/>`: nothing found, and ended before any later close.
        let empty = next_at(text, ">", start, &mut gt).filter(|gt| text[..*gt].ends_with('/'));
        let end = match (empty, close) {
            (Some(gt), Some(close)) if gt < close => gt + 1 - start,
            (Some(gt), None) => gt + 1 - start,
            (_, Some(close)) => close - start + CLOSE.len(),
            (None, None) => document.len(),
        };
        match roxmltree::Document::parse(&document[..end]) {
            Ok(xml) => {
                documents += 1;
                found.extend(errors(&xml, place));
            }
            Err(e) => broken = Some(e.to_string()),
        }
        from = start + end.max(1);
    }
    match (documents, broken) {
        (0, Some(why)) => Err(format!("the <checkstyle> document is not valid XML: {why}")),
        (0, None) => Err("no <checkstyle> document was found".to_owned()),
        _ => Ok(found),
    }
}

/// Where `pattern` next occurs at or after `from`, remembered in `memo` (`Some(None)`: nowhere
/// after an earlier point, so nowhere after this one; `None`: not searched yet).
#[allow(clippy::option_option)]
fn next_at(
    text: &str,
    pattern: &str,
    from: usize,
    memo: &mut Option<Option<usize>>,
) -> Option<usize> {
    match *memo {
        Some(Some(at)) if at >= from => Some(at),
        Some(None) => None,
        _ => {
            let found = text[from..].find(pattern).map(|i| from + i);
            *memo = Some(found);
            found
        }
    }
}

fn errors(xml: &roxmltree::Document<'_>, place: &Place<'_>) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for file in xml.descendants().filter(|n| n.has_tag_name("file")) {
        let Some(name) = file.attribute("name").filter(|n| !n.is_empty()) else {
            continue;
        };
        for error in file.children().filter(|n| n.has_tag_name("error")) {
            let number = |key: &str| error.attribute(key).and_then(|v| v.trim().parse().ok());
            let source = error
                .attribute("source")
                .map(str::trim)
                .filter(|s| !s.is_empty());
            let message = without_rule(error.attribute("message").unwrap_or_default(), source);
            let severity = error.attribute("severity").and_then(severity_from);
            found.push(Diagnostic::new(severity, message).rule(source).at(
                place,
                name,
                number("line"),
                number("column"),
            ));
        }
    }
    found
}

/// The message without a trailing `(rule)` that repeats the end of its source (eslint's
/// formatter writes `... never used. (no-unused-vars)` for `eslint.rules.no-unused-vars`).
fn without_rule<'m>(message: &'m str, source: Option<&str>) -> &'m str {
    let message = message.trim();
    let Some(source) = source else {
        return message;
    };
    message
        .strip_suffix(')')
        .and_then(|m| m.rsplit_once(" ("))
        .filter(|(_, rule)| {
            !rule.is_empty()
                && (source == *rule
                    || [".", ":", "/"]
                        .iter()
                        .any(|sep| source.ends_with(&format!("{sep}{rule}"))))
        })
        .map_or(message, |(text, _)| text.trim_end())
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, lines};
    use super::*;

    fn read(name: &str) -> Vec<String> {
        let fixture = Fixture::new("checkstyle");
        lines(&parse(&fixture.output(name), &fixture.place()).unwrap())
    }

    #[test]
    fn eslint_checkstyle_formatter() {
        assert_eq!(
            read("eslint.xml"),
            [
                "error src/app.js:1:7 [eslint.rules.no-unused-vars] 'unused' is assigned a value but never used.",
                "error src/app.js:4:13 [eslint.rules.eqeqeq] Expected '===' and instead saw '=='.",
                "error src/app.js:5:5 [eslint.rules.no-undef] 'console' is not defined.",
                "warning src/app.js:5:5 [eslint.rules.no-console] Unexpected console statement.",
                "error src/app.js:7:10 [eslint.rules.no-undef] 'undefinedThing' is not defined.",
                // An empty source is no rule.
                "error src/syntax.js:2:3 Parsing error: Unexpected keyword 'return'",
            ]
        );
    }

    #[test]
    fn phpcs() {
        assert_eq!(
            read("phpcs.xml"),
            [
                "error src/Cart.php:1:1 [PSR12.Files.FileHeader.SpacingAfterBlock] Header blocks must be separated by a single blank line",
                "error src/Cart.php:4:12 [PSR2.Classes.ClassDeclaration.OpenBraceNewLine] Opening brace of a class must be on the line after the definition",
                "error src/Cart.php:7:44 [Squiz.Functions.MultiLineFunctionDeclaration.BraceOnSameLine] Opening brace should be on a new line",
                "error src/Cart.php:8:9 [Generic.ControlStructures.InlineControlStructure.NotAllowed] Inline control structures are not allowed",
                "error src/Cart.php:11:12 [PSR1.Methods.CamelCapsMethodName.NotCamelCaps] Method name \"Cart::Total\" is not in camel caps format",
                "error src/Cart.php:13:7 [Generic.WhiteSpace.ScopeIndent.Incorrect] Line indented incorrectly; expected at least 8 spaces, found 6",
                "error src/Cart.php:14:41 [Squiz.ControlStructures.ControlSignature.NewlineAfterOpenBrace] Newline required after opening brace",
                "error src/Cart.php:14:67 [Squiz.WhiteSpace.ScopeClosingBrace.ContentBefore] Closing brace must be on a line by itself",
            ]
        );
    }

    #[test]
    fn shellcheck_severities_and_character_references() {
        assert_eq!(
            read("shellcheck.xml"),
            [
                "note scripts/deploy.sh:3:12 [ShellCheck.SC2086] Double quote to prevent globbing and word splitting.",
                "note scripts/deploy.sh:5:6 [ShellCheck.SC2086] Double quote to prevent globbing and word splitting.",
                "note scripts/deploy.sh:7:6 [ShellCheck.SC2086] Double quote to prevent globbing and word splitting.",
                "warning scripts/deploy.sh:7:14 [ShellCheck.SC3014] In POSIX sh, == in place of = is undefined.",
                "note scripts/deploy.sh:8:21 [ShellCheck.SC2006] Use $(...) notation instead of legacy backticks `...`.",
                "warning scripts/deploy.sh:10:1 [ShellCheck.SC2164] Use 'cd ... || exit' or 'cd ... || return' in case cd fails.",
            ]
        );
    }

    #[test]
    fn ktlint_after_its_log_line() {
        assert_eq!(
            read("ktlint.xml"),
            [
                "error app/src/main/kotlin/Cart.kt:3:1 [standard:no-wildcard-imports] Wildcard import",
                "error app/src/main/kotlin/Cart.kt:5:11 [standard:curly-spacing] Missing spacing before \"{\"",
                "error app/src/main/kotlin/Cart.kt:5:11 [standard:class-signature] Expected a single space before class body",
                "error app/src/main/kotlin/Cart.kt:7:5 [standard:blank-line-before-declaration] Expected a blank line for this declaration",
                "error app/src/main/kotlin/Cart.kt:7:17 [standard:parameter-list-spacing] Whitespace after ':' is missing",
                "error app/src/main/kotlin/Cart.kt:7:18 [standard:colon-spacing] Missing spacing after \":\"",
                "error app/src/main/kotlin/Cart.kt:8:25 [standard:no-semi] Unnecessary semicolon",
                "error app/src/main/kotlin/Cart.kt:11:22 [standard:function-expression-body] Function body should be replaced with body expression",
                "error app/src/main/kotlin/Cart.kt:11:24 [standard:statement-wrapping] Missing newline after '{'",
                "error app/src/main/kotlin/Cart.kt:11:42 [standard:statement-wrapping] Missing newline before '}'",
            ]
        );
    }

    #[test]
    fn biome_with_relative_names() {
        assert_eq!(
            read("biome.xml"),
            [
                "warning src/app.js:1:7 [lint/correctness/noUnusedVariables] This variable unused is unused.",
                "error src/syntax.js:2:10 [parse] expected `:` but instead found `1`",
                "error src/syntax.js:2:11 [parse] expected `:` but instead found `;`",
                "error src/syntax.js:3:1 [parse] Expected a statement but instead found '}'.",
            ]
        );
    }

    /// Review A2: each document searched for `</checkstyle>` from its own start to the end of
    /// the text (20,000 empty documents: quadratic), and an empty document was read up to the
    /// next document's close (broken XML, so that document's errors were lost).
    #[test]
    fn many_empty_documents_then_one_with_an_error() {
        let fixture = Fixture::new("checkstyle");
        let mut text = "<checkstyle version=\"4.3\"/>\n".repeat(20_000);
        text.push_str("<checkstyle version=\"4.3\"><file name=\"a.kt\"><error line=\"2\" column=\"1\" severity=\"error\" message=\"bad\" source=\"r\"/></file></checkstyle>\n");
        text.push_str(&"<checkstyle <checkstyle ".repeat(5_000));
        assert_eq!(
            lines(&parse(&text, &fixture.place()).unwrap()),
            ["error a.kt:2:1 [r] bad"]
        );
    }

    #[test]
    fn no_document_is_an_error_and_an_empty_one_is_not() {
        let fixture = Fixture::new("checkstyle");
        assert!(parse("ktlint: command not found\n", &fixture.place()).is_err());
        assert!(parse("<checkstyle version=\"4.3\"><file", &fixture.place()).is_err());
        assert_eq!(
            parse(
                "<?xml version=\"1.0\"?>\n<checkstyle version=\"4.3\"/>\n",
                &fixture.place()
            ),
            Ok(Vec::new())
        );
        assert_eq!(
            parse(
                "<checkstyle version=\"4.3\">\n</checkstyle>\n",
                &fixture.place()
            ),
            Ok(Vec::new())
        );
    }

    #[test]
    fn a_repeated_rule_leaves_the_message() {
        assert_eq!(
            without_rule("Unused. (no-unused)", Some("eslint.rules.no-unused")),
            "Unused."
        );
        assert_eq!(
            without_rule("Unused. (no-unused)", Some("other")),
            "Unused. (no-unused)"
        );
        assert_eq!(without_rule("Call f (x)", None), "Call f (x)");
    }

    #[test]
    fn documents_of_several_batches_are_all_read() {
        let fixture = Fixture::new("checkstyle");
        let one = "<checkstyle><file name=\"src/app.js\"><error line=\"1\" column=\"2\" severity=\"warning\" message=\"a\" source=\"r\"/></file></checkstyle>";
        let two = one.replace("line=\"1\"", "line=\"3\"");
        assert_eq!(
            lines(&parse(&format!("{one}\n{two}\n"), &fixture.place()).unwrap()),
            [
                "warning src/app.js:1:2 [r] a",
                "warning src/app.js:3:2 [r] a"
            ]
        );
    }
}
