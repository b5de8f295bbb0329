//! A minimal INI reader (pytest.ini, tox.ini, setup.cfg, .coveragerc): sections, keys with
//! `=` or `:`, values continued on indented lines, `#`/`;` comments; with line numbers.

/// One `key = value` with the line of its key.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The key, as written.
    pub key: String,
    /// The value, continuation lines joined with newlines.
    pub value: String,
    /// 1-based line of the key.
    pub line: u32,
}

/// One `[section]`.
#[derive(Debug, Clone)]
pub struct Section {
    /// Its name.
    pub name: String,
    /// 1-based line of its header.
    pub line: u32,
    /// Its entries, in order.
    pub entries: Vec<Entry>,
}

impl Section {
    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// Every section of an INI text.
pub fn read(text: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            sections.push(Section {
                name: name.trim().to_owned(),
                line,
                entries: Vec::new(),
            });
            continue;
        }
        let Some(section) = sections.last_mut() else {
            continue;
        };
        let continued = raw.starts_with([' ', '\t']);
        if continued && let Some(last) = section.entries.last_mut() {
            if !last.value.is_empty() {
                last.value.push('\n');
            }
            last.value.push_str(trimmed);
            continue;
        }
        let at = trimmed.find(['=', ':']).unwrap_or(trimmed.len());
        let (key, value) = trimmed.split_at(at);
        section.entries.push(Entry {
            key: key.trim().to_owned(),
            value: value.get(1..).unwrap_or_default().trim().to_owned(),
            line,
        });
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_keys_and_continuations() {
        let ini = "[pytest]\naddopts = -ra\n    --deselect a::b\n# c\ntestpaths: tests\n[tox]\nenvlist = py312\n";
        let sections = read(ini);
        assert_eq!(sections.len(), 2);
        let pytest = &sections[0];
        assert_eq!(pytest.get("addopts").unwrap().value, "-ra\n--deselect a::b");
        assert_eq!(pytest.get("testpaths").unwrap().value, "tests");
        assert_eq!(pytest.get("testpaths").unwrap().line, 5);
    }
}
