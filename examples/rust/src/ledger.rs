//! Totals over entries: the balance, per category, per month.

use std::collections::BTreeMap;

use crate::parse::{Date, Entry};

/// The entries of a ledger, in the order they were written.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    entries: Vec<Entry>,
}

/// What a summary shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Everything earned, in cents.
    pub income: i64,
    /// Everything spent, in cents (a positive number).
    pub expenses: i64,
    /// Income less expenses.
    pub balance: i64,
    /// The category that cost the most, with what it cost.
    pub costliest: Option<(String, i64)>,
}

impl Ledger {
    /// A ledger of these entries.
    pub fn new(entries: Vec<Entry>) -> Ledger {
        Ledger { entries }
    }

    /// The entries.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The sum of every amount.
    pub fn balance(&self) -> i64 {
        self.entries.iter().map(|e| e.cents).sum()
    }

    /// The sum per category, categories in alphabetical order.
    pub fn by_category(&self) -> BTreeMap<String, i64> {
        let mut totals = BTreeMap::new();
        for entry in &self.entries {
            *totals.entry(entry.category.clone()).or_insert(0) += entry.cents;
        }
        totals
    }

    /// The sum per month, as `(year, month)`.
    pub fn by_month(&self) -> BTreeMap<(u16, u8), i64> {
        let mut totals = BTreeMap::new();
        for entry in &self.entries {
            *totals
                .entry((entry.date.year, entry.date.month))
                .or_insert(0) += entry.cents;
        }
        totals
    }

    /// The entries between two dates, both included.
    pub fn between(&self, from: Date, to: Date) -> Ledger {
        Ledger::new(
            self.entries
                .iter()
                .filter(|e| e.date >= from && e.date <= to)
                .cloned()
                .collect(),
        )
    }

    /// Income, expenses, balance and the costliest category.
    pub fn summary(&self) -> Summary {
        let income = self
            .entries
            .iter()
            .map(|e| e.cents)
            .filter(|c| *c > 0)
            .sum();
        let expenses = -self
            .entries
            .iter()
            .map(|e| e.cents)
            .filter(|c| *c < 0)
            .sum::<i64>();
        let costliest = self
            .by_category()
            .into_iter()
            .filter(|(_, total)| *total < 0)
            .min_by_key(|(_, total)| *total)
            .map(|(category, total)| (category, -total));
        Summary {
            income,
            expenses,
            balance: income - expenses,
            costliest,
        }
    }
}
