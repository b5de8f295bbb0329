//! Which lines of a gate's output are machine-readable documents: JSON values (on one line,
//! as `eslint --format json` prints its report with every file's source, or pretty-printed
//! over many, as SARIF logs are) and XML documents (Checkstyle, `JUnit`). The diagnostics read
//! from them say the same to a person; quoted, they say nothing. Each byte is read at most
//! twice, whatever the output holds (a document cut by the capture included).

/// For each line of `output`, whether it belongs to a machine-readable document.
pub fn lines(output: &str) -> Vec<bool> {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(output.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i < output.len())
        .collect();
    let line_of = |offset: usize| starts.partition_point(|&s| s <= offset).saturating_sub(1);
    let mut machine = vec![false; starts.len()];
    let mut index = 0;
    while index < starts.len() {
        let start = starts[index];
        let end = starts.get(index + 1).copied().unwrap_or(output.len());
        let line = &output[start..end];
        let text = line.trim_start();
        let offset = start + (line.len() - text.len());
        let through = if text.starts_with('{') || text.starts_with('[') {
            json_end(&output[offset..]).map(|used| line_of(offset + used.saturating_sub(1)))
        } else if text.starts_with("<?xml") {
            Some(xml_end(&output[offset..]).map_or(starts.len() - 1, |used| {
                line_of(offset + used.saturating_sub(1))
            }))
        } else {
            None
        };
        match through {
            Some(last) => {
                for flag in &mut machine[index..=last.max(index)] {
                    *flag = true;
                }
                index = last.max(index) + 1;
            }
            None => index += 1,
        }
    }
    machine
}

/// Bytes of `text` taken by the JSON value it starts with: the whole value, or the part that
/// parsed before the text stopped being JSON (a document the capture cut) when that part
/// spans lines. `None` when the first line is not JSON at all (`[INFO] starting`).
fn json_end(text: &str) -> Option<usize> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<serde::de::IgnoredAny>();
    match stream.next() {
        Some(Ok(_)) => Some(stream.byte_offset()),
        Some(Err(error)) if error.line() > 1 => {
            // The lines before the one that broke were JSON.
            let lines_before = error.line() - 1;
            let end = text
                .match_indices('\n')
                .nth(lines_before - 1)
                .map_or(text.len(), |(i, _)| i + 1);
            Some(end)
        }
        _ => None,
    }
}

/// Bytes of `text` taken by the XML document it starts with (through the end tag of its
/// root element), or `None` when that end tag is not there (a cut document).
fn xml_end(text: &str) -> Option<usize> {
    let after_declaration = text.find("?>")? + 2;
    // The first element: not a comment (`<!--`) nor an instruction (`<?`).
    let root_at = text[after_declaration..]
        .match_indices('<')
        .map(|(i, _)| i + after_declaration)
        .find(|&i| text[i + 1..].starts_with(|c: char| c.is_alphabetic()))?;
    let name: String = text[root_at + 1..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
        .collect();
    if name.is_empty() {
        return None;
    }
    let close = format!("</{name}>");
    text.find(&close).map(|i| i + close.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(output: &str) -> Vec<&str> {
        output
            .lines()
            .zip(lines(output))
            .filter(|(_, m)| *m)
            .map(|(l, _)| l)
            .collect()
    }

    #[test]
    fn one_line_and_pretty_json_documents() {
        let output = "[{\"filePath\": \"a.js\", \"source\": \"x\"}]\nESLint found too many warnings (maximum: 0).\n{\n  \"runs\": [\n    1\n  ]\n}\ndone\n";
        assert_eq!(
            marked(output),
            [
                "[{\"filePath\": \"a.js\", \"source\": \"x\"}]",
                "{",
                "  \"runs\": [",
                "    1",
                "  ]",
                "}"
            ]
        );
    }

    #[test]
    fn log_lines_that_look_like_json_are_text() {
        let output = "[INFO] starting\n{not json}\n[ 50%] built\n";
        assert!(marked(output).is_empty());
    }

    #[test]
    fn a_document_cut_by_the_capture() {
        let output = "{\n  \"a\": [\n    1,\n[… 900 bytes cut …]\n  ]\n}\nafter\n";
        assert_eq!(marked(output), ["{", "  \"a\": [", "    1,"]);
    }

    #[test]
    fn xml_documents() {
        let output = "10:48 [main] WARN lint found errors\n<?xml version=\"1.0\"?>\n<checkstyle version=\"8.0\">\n<file name=\"a.kt\"/>\n</checkstyle>\nlint ━━━\n";
        assert_eq!(
            marked(output),
            [
                "<?xml version=\"1.0\"?>",
                "<checkstyle version=\"8.0\">",
                "<file name=\"a.kt\"/>",
                "</checkstyle>"
            ]
        );
    }
}
