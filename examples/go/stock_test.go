package stock

import (
	"errors"
	"testing"
)

func shop(t *testing.T) *Inventory {
	t.Helper()
	inv := New()
	for _, item := range []Item{
		{SKU: "tea-1", Name: "Green tea", Quantity: 12, Reorder: 5},
		{SKU: "COF-2", Name: "Coffee beans", Quantity: 3, Reorder: 4},
		{SKU: "mug-3", Name: "Mug", Quantity: 0, Reorder: 2},
	} {
		if err := inv.Add(item); err != nil {
			t.Fatalf("Add(%v): %v", item, err)
		}
	}
	return inv
}

func TestNormalizeSKU(t *testing.T) {
	cases := []struct{ in, want string }{
		{"tea-1", "TEA-1"},
		{"  mug-3 ", "MUG-3"},
		{"", ""},
	}
	for _, c := range cases {
		if got := NormalizeSKU(c.in); got != c.want {
			t.Errorf("NormalizeSKU(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestAddMergesQuantities(t *testing.T) {
	inv := shop(t)
	if err := inv.Add(Item{SKU: "Tea-1", Quantity: 8}); err != nil {
		t.Fatal(err)
	}
	item, _ := inv.Get("TEA-1")
	if item.Quantity != 20 {
		t.Errorf("quantity = %d, want 20", item.Quantity)
	}
	if item.Name != "Green tea" {
		t.Errorf("name = %q, want the first one kept", item.Name)
	}
}

func TestAddRefusesBadItems(t *testing.T) {
	inv := New()
	if err := inv.Add(Item{SKU: " ", Quantity: 1}); err == nil {
		t.Error("an item without a SKU was added")
	}
	if err := inv.Add(Item{SKU: "x", Quantity: -1}); err == nil {
		t.Error("a negative quantity was added")
	}
}

func TestTake(t *testing.T) {
	inv := shop(t)
	if err := inv.Take("tea-1", 4); err != nil {
		t.Fatal(err)
	}
	if item, _ := inv.Get("tea-1"); item.Quantity != 8 {
		t.Errorf("quantity = %d, want 8", item.Quantity)
	}
	if err := inv.Take("cof-2", 4); !errors.Is(err, ErrShort) {
		t.Errorf("taking too much: err = %v, want ErrShort", err)
	}
	if err := inv.Take("nope", 1); !errors.Is(err, ErrUnknownSKU) {
		t.Errorf("unknown SKU: err = %v, want ErrUnknownSKU", err)
	}
}

func TestToReorderEmptiestFirst(t *testing.T) {
	low := shop(t).ToReorder()
	if len(low) != 2 {
		t.Fatalf("ToReorder() = %v, want 2 items", low)
	}
	if low[0].SKU != "MUG-3" || low[1].SKU != "COF-2" {
		t.Errorf("order = %s, %s; want MUG-3, COF-2", low[0].SKU, low[1].SKU)
	}
}

func TestDescribe(t *testing.T) {
	item, _ := shop(t).Get("cof-2")
	want := `COF-2 "Coffee beans": 3 left (reorder at 4)`
	if got := Describe(item); got != want {
		t.Errorf("Describe() = %q, want %q", got, want)
	}
}
