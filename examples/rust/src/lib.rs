//! A plain-text household ledger.
//!
//! Each line is `YYYY-MM-DD category amount [# note]`, amounts in the currency's main unit with
//! at most two decimals (`-12.50` is an expense, `1800` an income). Blank lines and lines that
//! start with `#` are ignored.

pub mod ledger;
pub mod parse;

pub use ledger::{Ledger, Summary};
pub use parse::{Date, Entry, ParseError, parse_entry, parse_ledger};

/// Formats cents as `-12.50`.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use super::format_cents;

    #[test]
    fn formats_both_signs_with_two_decimals() {
        assert_eq!(format_cents(-1250), "-12.50");
        assert_eq!(format_cents(180_000), "1800.00");
        assert_eq!(format_cents(5), "0.05");
        assert_eq!(format_cents(0), "0.00");
    }
}
