//! Python's regular expressions (pre-commit's `files`/`exclude`) as backstop's regex engine reads
//! them: translated where a form exists (`\Z`, a leading `(?!...)`), else refused with why, so
//! that one hook is "not converted" instead of init writing a config that does not load.

use crate::config::GateConfig;

/// Makes the gate's `files_regex` and `exclude_regex` valid for backstop, or says why not.
pub fn settle(gate: &mut GateConfig) -> Result<(), String> {
    for regex in [&mut gate.files_regex, &mut gate.exclude_regex]
        .into_iter()
        .flatten()
    {
        *regex = regex.replace(r"\Z", r"\z");
    }
    // `files: ^(?!X)REST`: the files REST selects, less those starting with X.
    if let Some((ahead, rest)) = gate
        .files_regex
        .as_deref()
        .and_then(leading_negative_lookahead)
    {
        gate.files_regex = (rest != ".*" && !rest.is_empty()).then(|| format!("^{rest}"));
        let excluded = format!("^(?:{ahead})");
        gate.exclude_regex = Some(match gate.exclude_regex.take() {
            Some(before) => format!("(?:{before})|{excluded}"),
            None => excluded,
        });
    }
    // `exclude: ^(?!X)`: everything but what starts with X is excluded: only X is selected.
    if let Some((ahead, rest)) = gate
        .exclude_regex
        .as_deref()
        .and_then(leading_negative_lookahead)
        && matches!(rest.as_str(), "" | ".*" | ".*$")
    {
        if gate.files_regex.is_some() {
            return Err(format!(
                "`exclude` `{}` selects only paths starting with `{ahead}`, and `files` is a regular expression too; one regular expression cannot say both",
                gate.exclude_regex.as_deref().unwrap_or("")
            ));
        }
        gate.exclude_regex = None;
        gate.files_regex = Some(format!("^(?:{ahead})"));
    }
    for (key, regex) in [
        ("files", &gate.files_regex),
        ("exclude", &gate.exclude_regex),
    ] {
        if let Some(regex) = regex
            && let Err(e) = regex::bytes::Regex::new(regex)
        {
            let why = e.to_string();
            let why = why.lines().last().unwrap_or(&why).trim();
            return Err(format!(
                "its `{key}` regular expression `{regex}` uses what only Python's `re` has (look-around or a backreference): {why}"
            ));
        }
    }
    Ok(())
}

/// `^(?!X)REST` as (`X`, `REST`), when `X` itself has no look-around.
fn leading_negative_lookahead(regex: &str) -> Option<(String, String)> {
    let inner = regex.strip_prefix("^(?!")?;
    let mut depth = 1;
    let mut escaped = false;
    for (i, c) in inner.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    let ahead = &inner[..i];
                    if ahead.contains("(?=") || ahead.contains("(?!") || ahead.contains("(?<") {
                        return None;
                    }
                    return Some((ahead.to_owned(), inner[i + 1..].to_owned()));
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settled(
        files: Option<&str>,
        exclude: Option<&str>,
    ) -> Result<(Option<String>, Option<String>), String> {
        let mut gate = GateConfig {
            files_regex: files.map(str::to_owned),
            exclude_regex: exclude.map(str::to_owned),
            ..GateConfig::default()
        };
        settle(&mut gate)?;
        Ok((gate.files_regex, gate.exclude_regex))
    }

    #[test]
    fn python_only_regexes_are_translated_or_refused() {
        assert_eq!(
            settled(None, Some("^(?!src/)")),
            Ok((Some("^(?:src/)".to_owned()), None))
        );
        assert_eq!(
            settled(Some(r"^(?!tests/).*\.py$"), None),
            Ok((Some(r"^.*\.py$".to_owned()), Some("^(?:tests/)".to_owned())))
        );
        assert_eq!(
            settled(Some(r"\.py\Z"), None),
            Ok((Some(r"\.py\z".to_owned()), None))
        );
        assert!(settled(None, Some(r"foo(?=bar)")).is_err());
        assert!(settled(Some(r"(a)\1"), None).is_err());
        assert!(settled(Some("^src/"), Some("^(?!src/a)")).is_err());
        assert_eq!(
            settled(Some("^src/"), Some("^docs/")),
            Ok((Some("^src/".to_owned()), Some("^docs/".to_owned())))
        );
    }
}
