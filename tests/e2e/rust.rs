//! The Rust crate (`examples/rust`): rustfmt, clippy, cargo test.

use crate::case::{Case, Edit, Hook, Line, check};
use crate::project::Project;

const LINT: Case = Case {
    name: "clippy lint",
    defect: &[Edit {
        path: "src/ledger.rs",
        from: "    /// The sum of every amount.\n",
        to: "    /// Whether anything was entered.\n    pub fn has_entries(&self) -> bool {\n        self.entries.len() > 0\n    }\n\n    /// The sum of every amount.\n",
    }],
    fix: &[Edit {
        path: "src/ledger.rs",
        from: "    /// The sum of every amount.\n",
        to: "    /// Whether anything was entered.\n    pub fn has_entries(&self) -> bool {\n        !self.entries.is_empty()\n    }\n\n    /// The sum of every amount.\n",
    }],
    failing: &["clippy"],
    file: "src/ledger.rs",
    line: Line::Broken("self.entries.len() > 0"),
    says: &["length comparison to zero"],
    hook: Hook::Commit,
};

const TYPE_ERROR: Case = Case {
    name: "type error",
    defect: &[Edit {
        path: "src/parse.rs",
        from: "            line: index + 1,\n",
        to: "            line: u32::try_from(index + 1).unwrap_or(u32::MAX),\n",
    }],
    fix: &[
        Edit {
            path: "src/parse.rs",
            from: "            line: index + 1,\n",
            to: "            line: u32::try_from(index + 1).unwrap_or(u32::MAX),\n",
        },
        Edit {
            path: "src/parse.rs",
            from: "    pub line: usize,\n",
            to: "    pub line: u32,\n",
        },
    ],
    failing: &["clippy", "cargo-test"],
    file: "src/parse.rs",
    line: Line::Broken("u32::try_from(index + 1)"),
    says: &["mismatched types"],
    hook: Hook::Commit,
};

const FAILING_TEST: Case = Case {
    name: "failing unit test",
    defect: &[Edit {
        path: "src/ledger.rs",
        from: ".filter(|e| e.date >= from && e.date <= to)",
        to: ".filter(|e| e.date >= from && e.date < to)",
    }],
    fix: &[Edit {
        path: "src/ledger.rs",
        from: ".filter(|e| e.date >= from && e.date <= to)",
        to: ".filter(|e| (from..=to).contains(&e.date))",
    }],
    failing: &["cargo-test"],
    file: "tests/ledger.rs",
    line: Line::Broken("assert_eq!(march.entries().len(), 4)"),
    says: &["left == right"],
    hook: Hook::Push,
};

const MONTHS_TEST: &str = "#[test]
fn months_are_totalled() {
    let totals = ledger().by_month();
    assert_eq!(totals[&(2026, 3)], 77750);
    assert_eq!(totals[&(2026, 4)], -90000);
}
";

const DELETED_TEST: Case = Case {
    name: "deleted test",
    // The test is replaced by another one: the new test is fine, the loss of the old is not.
    defect: &[Edit {
        path: "tests/ledger.rs",
        from: MONTHS_TEST,
        to: "#[test]
fn months_are_in_order() {
    let months: Vec<_> = ledger().by_month().into_keys().collect();
    assert_eq!(months, [(2026, 3), (2026, 4)]);
}
",
    }],
    fix: &[Edit {
        path: "tests/ledger.rs",
        from: MONTHS_TEST,
        to: concat!(
            "#[test]
fn months_are_in_order() {
    let months: Vec<_> = ledger().by_month().into_keys().collect();
    assert_eq!(months, [(2026, 3), (2026, 4)]);
}

",
            "#[test]
fn months_are_totalled() {
    let totals = ledger().by_month();
    assert_eq!(totals[&(2026, 3)], 77750);
    assert_eq!(totals[&(2026, 4)], -90000);
}
"
        ),
    }],
    failing: &["protected"],
    file: "tests/ledger.rs",
    line: Line::Before("#[test]\nfn months_are_totalled"),
    says: &["months_are_totalled"],
    hook: Hook::Commit,
};

#[test]
#[ignore = "needs the examples' tools; run by .ci/run"]
fn rust_crate() {
    let project = Project::new("rust");
    for case in [LINT, TYPE_ERROR, FAILING_TEST, DELETED_TEST] {
        check(&project, &case);
    }
}
