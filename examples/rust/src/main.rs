//! `ledger < FILE`: prints the summary and the totals per category.

use std::io::Read;
use std::process::ExitCode;

use ledger::{Ledger, format_cents, parse_ledger};

fn main() -> ExitCode {
    let mut text = String::new();
    if let Err(error) = std::io::stdin().read_to_string(&mut text) {
        eprintln!("ledger: cannot read standard input: {error}");
        return ExitCode::from(2);
    }
    let entries = match parse_ledger(&text) {
        Ok(entries) => entries,
        Err(error) => {
            eprintln!("ledger: {error}");
            return ExitCode::from(1);
        }
    };
    let ledger = Ledger::new(entries);
    let summary = ledger.summary();
    println!("income   {:>12}", format_cents(summary.income));
    println!("expenses {:>12}", format_cents(summary.expenses));
    println!("balance  {:>12}", format_cents(summary.balance));
    if let Some((category, cost)) = summary.costliest {
        println!("costliest: {category} ({})", format_cents(cost));
    }
    for (category, total) in ledger.by_category() {
        println!("  {category:<16}{:>12}", format_cents(total));
    }
    ExitCode::SUCCESS
}
