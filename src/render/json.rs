//! The JSON report (SPEC §7).

use crate::report::Report;

/// The report as pretty JSON with a final newline.
pub fn render(report: &Report) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(report).expect("the report is plain data");
    bytes.push(b'\n');
    bytes
}
