//! The TypeScript web app (`examples/web`, served by Vite on localhost): eslint, tsc, vitest,
//! and Playwright end-to-end tests in Debian's Chromium.

use crate::case::{Case, Edit, Hook, Line, check};
use crate::project::Project;

const LINT: Case = Case {
    name: "eslint error",
    defect: &[Edit {
        path: "src/main.ts",
        from: "    if (saved) {\n",
        to: "    if (saved != null) {\n",
    }],
    fix: &[Edit {
        path: "src/main.ts",
        from: "    if (saved) {\n",
        to: "    if (saved !== null) {\n",
    }],
    failing: &["eslint"],
    file: "src/main.ts",
    line: Line::Broken("if (saved != null)"),
    says: &["Expected '!==' and instead saw '!='"],
    hook: Hook::Commit,
};

const TYPE_ERROR: Case = Case {
    name: "type error",
    defect: &[Edit {
        path: "src/list.ts",
        from: "  const match = /^",
        to: "  const match: RegExpExecArray = /^",
    }],
    fix: &[Edit {
        path: "src/list.ts",
        from: "  const match = /^",
        to: "  const match: RegExpExecArray | null = /^",
    }],
    failing: &["tsc"],
    file: "src/list.ts",
    line: Line::Broken("const match: RegExpExecArray = /^"),
    says: &["not assignable to type 'RegExpExecArray'"],
    hook: Hook::Commit,
};

const FAILING_TEST: Case = Case {
    name: "failing unit test",
    defect: &[Edit {
        path: "src/list.ts",
        from: "  const abs = Math.abs(cents);\n",
        to: "  const abs = cents;\n",
    }],
    fix: &[Edit {
        path: "src/list.ts",
        from: "  const sign = cents < 0 ? \"-\" : \"\";\n  const abs = Math.abs(cents);\n  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, \"0\")}`;\n",
        to: "  return (cents / 100).toFixed(2);\n",
    }],
    failing: &["vitest"],
    file: "src/list.test.ts",
    line: Line::Broken("expect(formatMoney(-300)).toBe(\"-3.00\");"),
    says: &["expected '--3.00' to be '-3.00'"],
    hook: Hook::Push,
};

/// A broken page: the over-budget warning shows the amount with the wrong sign.
const BROKEN_PAGE: Case = Case {
    name: "broken page",
    defect: &[Edit {
        path: "src/main.ts",
        from: "`Over budget by ${formatMoney(-status.left)}`",
        to: "`Over budget by ${formatMoney(status.left)}`",
    }],
    fix: &[Edit {
        path: "src/main.ts",
        from: "`Over budget by ${formatMoney(-status.left)}`",
        to: "`Over budget by ${formatMoney(status.spent - state.budgetCents)}`",
    }],
    failing: &["playwright"],
    // The assertion on the page, in the spec, with what the page showed: not a crash, a
    // timeout or a browser that failed to start.
    file: "e2e/list.spec.ts",
    line: Line::Broken("toHaveText(\"Over budget by 1.30\")"),
    says: &[
        "warns when the list costs more than the budget",
        "toHaveText",
        "Expected: \"Over budget by 1.30\"",
        "Received: \"Over budget by -1.30\"",
    ],
    hook: Hook::Push,
};

const REFUSED_PRICE_TEST: &str = "test(\"says why a price is refused\", async ({ page }) => {
  await add(page, \"Tea\", \"1\", \"cheap\");
  await expect(page.getByRole(\"status\")).toHaveText('\"cheap\" is not a price');
  await expect(page.getByRole(\"listitem\")).toHaveCount(0);
});
";

const RELOAD_TEST: &str = "test(\"keeps the list after a reload\", async ({ page }) => {
  await add(page, \"Tea\", \"1\", \"3\");
  await page.reload();
  await expect(page.getByRole(\"listitem\")).toHaveCount(1);
});
";

const DELETED_TEST: Case = Case {
    name: "deleted test",
    defect: &[Edit {
        path: "e2e/list.spec.ts",
        from: REFUSED_PRICE_TEST,
        to: RELOAD_TEST,
    }],
    fix: &[Edit {
        path: "e2e/list.spec.ts",
        from: REFUSED_PRICE_TEST,
        to: concat!(
            "test(\"says why a price is refused\", async ({ page }) => {
  await add(page, \"Tea\", \"1\", \"cheap\");
  await expect(page.getByRole(\"status\")).toHaveText('\"cheap\" is not a price');
  await expect(page.getByRole(\"listitem\")).toHaveCount(0);
});

",
            "test(\"keeps the list after a reload\", async ({ page }) => {
  await add(page, \"Tea\", \"1\", \"3\");
  await page.reload();
  await expect(page.getByRole(\"listitem\")).toHaveCount(1);
});
"
        ),
    }],
    failing: &["protected"],
    file: "e2e/list.spec.ts",
    line: Line::Before("test(\"says why a price is refused\""),
    says: &["says why a price is refused"],
    hook: Hook::Commit,
};

#[test]
#[ignore = "needs the examples' tools; run by .ci/run"]
fn typescript_web_app() {
    let project = Project::new("web");
    for case in [LINT, TYPE_ERROR, FAILING_TEST, BROKEN_PAGE, DELETED_TEST] {
        check(&project, &case);
    }
}
