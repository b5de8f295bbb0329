//! The Go module (`examples/go`, standard library only): gofmt, go vet, go test.

use crate::case::{Case, Edit, Hook, Line, check};
use crate::project::Project;

const LINT: Case = Case {
    name: "go vet finding",
    // A malformed struct tag: it compiles and the tests pass, but the field's JSON name is lost.
    defect: &[Edit {
        path: "stock.go",
        from: "\tReorder int `json:\"reorder\"`\n",
        to: "\tReorder int `json:\"reorder\"`\n\t// Shelf is where the item is kept.\n\tShelf string `json:\"shelf\",omitempty`\n",
    }],
    fix: &[Edit {
        path: "stock.go",
        from: "\tReorder int `json:\"reorder\"`\n",
        to: "\tReorder int `json:\"reorder\"`\n\t// Shelf is where the item is kept.\n\tShelf string `json:\"shelf,omitempty\"`\n",
    }],
    failing: &["go-vet"],
    file: "stock.go",
    line: Line::Broken("`json:\"shelf\",omitempty`"),
    says: &["not compatible with reflect.StructTag.Get"],
    hook: Hook::Commit,
};

const TYPE_ERROR: Case = Case {
    name: "type error",
    defect: &[Edit {
        path: "stock.go",
        from: "// Items returns copies",
        to: "// Len is the number of different items.\nfunc (inv *Inventory) Len() int {\n\treturn uint(len(inv.items))\n}\n\n// Items returns copies",
    }],
    fix: &[Edit {
        path: "stock.go",
        from: "// Items returns copies",
        to: "// Len is the number of different items.\nfunc (inv *Inventory) Len() int {\n\treturn len(inv.items)\n}\n\n// Items returns copies",
    }],
    // The package does not build: vet and the tests both say so.
    failing: &["go-vet", "go-test"],
    file: "stock.go",
    line: Line::Broken("return uint(len(inv.items))"),
    says: &["cannot use uint(len(inv.items))"],
    hook: Hook::Commit,
};

const FAILING_TEST: Case = Case {
    name: "failing unit test",
    defect: &[Edit {
        path: "stock.go",
        from: "return low[i].Quantity < low[j].Quantity })",
        to: "return low[i].Quantity > low[j].Quantity })",
    }],
    fix: &[Edit {
        path: "stock.go",
        from: "\tsort.SliceStable(low, func(i, j int) bool { return low[i].Quantity < low[j].Quantity })\n",
        to: "\tsort.SliceStable(low, func(i, j int) bool {\n\t\tif low[i].Quantity != low[j].Quantity {\n\t\t\treturn low[i].Quantity < low[j].Quantity\n\t\t}\n\t\treturn low[i].SKU < low[j].SKU\n\t})\n",
    }],
    failing: &["go-test"],
    file: "stock_test.go",
    line: Line::Broken("t.Errorf(\"order = %s, %s; want MUG-3, COF-2\""),
    says: &["order = COF-2, MUG-3; want MUG-3, COF-2"],
    hook: Hook::Push,
};

const UNKNOWN_ROUTE_TEST: &str = "func TestUnknownRoute(t *testing.T) {
\tresp, err := http.Get(server(t).URL + \"/nope\")
\tif err != nil {
\t\tt.Fatal(err)
\t}
\tresp.Body.Close()
\tif resp.StatusCode != http.StatusNotFound {
\t\tt.Errorf(\"status %d, want 404\", resp.StatusCode)
\t}
}
";

const DELETED_TEST: Case = Case {
    name: "deleted test",
    defect: &[Edit {
        path: "api/api_test.go",
        from: UNKNOWN_ROUTE_TEST,
        to: "func TestReorder(t *testing.T) {
\tresp, err := http.Get(server(t).URL + \"/reorder\")
\tif err != nil {
\t\tt.Fatal(err)
\t}
\tdefer resp.Body.Close()
\tvar items []stock.Item
\tif err := json.NewDecoder(resp.Body).Decode(&items); err != nil {
\t\tt.Fatal(err)
\t}
\tif len(items) != 1 || items[0].SKU != \"MUG-3\" {
\t\tt.Errorf(\"items = %v, want MUG-3 only\", items)
\t}
}
",
    }],
    fix: &[Edit {
        path: "api/api_test.go",
        from: UNKNOWN_ROUTE_TEST,
        to: concat!(
            "func TestReorder(t *testing.T) {
\tresp, err := http.Get(server(t).URL + \"/reorder\")
\tif err != nil {
\t\tt.Fatal(err)
\t}
\tdefer resp.Body.Close()
\tvar items []stock.Item
\tif err := json.NewDecoder(resp.Body).Decode(&items); err != nil {
\t\tt.Fatal(err)
\t}
\tif len(items) != 1 || items[0].SKU != \"MUG-3\" {
\t\tt.Errorf(\"items = %v, want MUG-3 only\", items)
\t}
}

",
            "func TestUnknownRoute(t *testing.T) {
\tresp, err := http.Get(server(t).URL + \"/nope\")
\tif err != nil {
\t\tt.Fatal(err)
\t}
\tresp.Body.Close()
\tif resp.StatusCode != http.StatusNotFound {
\t\tt.Errorf(\"status %d, want 404\", resp.StatusCode)
\t}
}
"
        ),
    }],
    failing: &["protected"],
    file: "api/api_test.go",
    line: Line::Before("func TestUnknownRoute"),
    says: &["TestUnknownRoute"],
    hook: Hook::Commit,
};

#[test]
#[ignore = "needs the examples' tools; run by .ci/run"]
fn go_module() {
    let project = Project::new("go");
    for case in [LINT, TYPE_ERROR, FAILING_TEST, DELETED_TEST] {
        check(&project, &case);
    }
}
