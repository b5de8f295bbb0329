//! Reading ledger lines into entries.

use std::fmt;

/// A calendar date as written in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year, four digits.
    pub year: u16,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of the month, 1 to 31.
    pub day: u8,
}

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// When it happened.
    pub date: Date,
    /// Lower-case category (`groceries`, `salary`).
    pub category: String,
    /// Amount in cents; negative for expenses.
    pub cents: i64,
    /// The text after `#`, if any.
    pub note: Option<String>,
}

/// Why a line could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for ParseError {}

/// Reads a whole ledger; the first bad line stops it.
pub fn parse_ledger(text: &str) -> Result<Vec<Entry>, ParseError> {
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let entry = parse_entry(line).map_err(|reason| ParseError {
            line: index + 1,
            reason,
        })?;
        entries.push(entry);
    }
    Ok(entries)
}

/// Reads one non-empty line.
pub fn parse_entry(line: &str) -> Result<Entry, String> {
    let (fields, note) = match line.split_once('#') {
        Some((fields, note)) => (fields, Some(note.trim().to_owned())),
        None => (line, None),
    };
    let mut parts = fields.split_whitespace();
    let date = parts.next().ok_or("missing date")?;
    let category = parts.next().ok_or("missing category")?;
    let amount = parts.next().ok_or("missing amount")?;
    if let Some(extra) = parts.next() {
        return Err(format!("unexpected `{extra}` after the amount"));
    }
    Ok(Entry {
        date: parse_date(date)?,
        category: category.to_lowercase(),
        cents: parse_cents(amount)?,
        note: note.filter(|n| !n.is_empty()),
    })
}

fn parse_date(text: &str) -> Result<Date, String> {
    let bad = || format!("`{text}` is not a date (YYYY-MM-DD)");
    let mut parts = text.split('-');
    let (Some(year), Some(month), Some(day), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return Err(bad());
    }
    let date = Date {
        year: year.parse().map_err(|_| bad())?,
        month: month.parse().map_err(|_| bad())?,
        day: day.parse().map_err(|_| bad())?,
    };
    if !(1..=12).contains(&date.month)
        || !(1..=days_in_month(date.year, date.month)).contains(&date.day)
    {
        return Err(bad());
    }
    Ok(date)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `-12.5` → -1250; at most two decimals.
fn parse_cents(text: &str) -> Result<i64, String> {
    let bad = || format!("`{text}` is not an amount");
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || fraction.len() > 2 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    let cents = whole
        .checked_mul(100)
        .and_then(|c| c.checked_add(fraction))
        .ok_or_else(bad)?;
    Ok(if negative { -cents } else { cents })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_entry_with_a_note() {
        let entry = parse_entry("2026-03-04 Groceries -12.5 # market").unwrap();
        assert_eq!(
            entry.date,
            Date {
                year: 2026,
                month: 3,
                day: 4
            }
        );
        assert_eq!(entry.category, "groceries");
        assert_eq!(entry.cents, -1250);
        assert_eq!(entry.note.as_deref(), Some("market"));
    }

    #[test]
    fn refuses_bad_dates() {
        assert!(parse_entry("2026-02-30 rent -900").is_err());
        assert!(parse_entry("2026-13-01 rent -900").is_err());
        assert!(parse_entry("26-01-01 rent -900").is_err());
        assert!(parse_entry("2024-02-29 rent -900").is_ok());
    }

    #[test]
    fn refuses_bad_amounts() {
        assert_eq!(
            parse_cents("1.234"),
            Err("`1.234` is not an amount".to_owned())
        );
        assert!(parse_cents("-").is_err());
        assert!(parse_cents("1.x").is_err());
        assert_eq!(parse_cents("+3"), Ok(300));
    }

    #[test]
    fn a_bad_line_is_reported_with_its_number() {
        let error =
            parse_ledger("# budget\n2026-01-01 salary 1800\n2026-01-02 rent\n").unwrap_err();
        assert_eq!(error.line, 3);
        assert_eq!(error.to_string(), "line 3: missing amount");
    }
}
