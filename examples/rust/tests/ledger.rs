//! The ledger through its public API, on a month of a household's entries.

use ledger::{Date, Ledger, parse_ledger};

const MARCH: &str = "\
# March
2026-03-01 salary 1800
2026-03-02 rent -900
2026-03-05 groceries -54.20 # market
2026-03-12 groceries -31.80
2026-03-15 transport -49
2026-03-28 refund 12.5
2026-04-01 rent -900
";

fn ledger() -> Ledger {
    Ledger::new(parse_ledger(MARCH).expect("a valid ledger"))
}

#[test]
fn balance_is_the_sum_of_every_entry() {
    assert_eq!(ledger().balance(), -12250);
}

#[test]
fn categories_are_totalled() {
    let totals = ledger().by_category();
    assert_eq!(totals["groceries"], -8600);
    assert_eq!(totals["rent"], -180_000);
    assert_eq!(totals.len(), 5);
}

#[test]
fn months_are_totalled() {
    let totals = ledger().by_month();
    assert_eq!(totals[&(2026, 3)], 77750);
    assert_eq!(totals[&(2026, 4)], -90000);
}

#[test]
fn summary_splits_income_and_expenses() {
    let summary = ledger().summary();
    assert_eq!(summary.income, 181_250);
    assert_eq!(summary.expenses, 193_500);
    assert_eq!(summary.balance, -12250);
    assert_eq!(summary.costliest, Some(("rent".to_owned(), 180_000)));
}

#[test]
fn between_includes_both_ends() {
    let from = Date {
        year: 2026,
        month: 3,
        day: 2,
    };
    let to = Date {
        year: 2026,
        month: 3,
        day: 15,
    };
    let march = ledger().between(from, to);
    assert_eq!(march.entries().len(), 4);
    assert_eq!(march.balance(), -103_500);
}
