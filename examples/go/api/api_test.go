package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"example.com/stock"
)

func server(t *testing.T) *httptest.Server {
	t.Helper()
	inv := stock.New()
	for _, item := range []stock.Item{
		{SKU: "TEA-1", Name: "Green tea", Quantity: 12, Reorder: 5},
		{SKU: "MUG-3", Name: "Mug", Quantity: 1, Reorder: 2},
	} {
		if err := inv.Add(item); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(Handler{Inventory: inv})
	t.Cleanup(srv.Close)
	return srv
}

func TestListsItems(t *testing.T) {
	resp, err := http.Get(server(t).URL + "/items")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var items []stock.Item
	if err := json.NewDecoder(resp.Body).Decode(&items); err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].SKU != "MUG-3" {
		t.Errorf("items = %v, want MUG-3 then TEA-1", items)
	}
}

func TestTakeStatuses(t *testing.T) {
	srv := server(t)
	cases := []struct {
		path, body string
		status     int
	}{
		{"/items/tea-1/take", `{"quantity": 2}`, http.StatusOK},
		{"/items/mug-3/take", `{"quantity": 5}`, http.StatusConflict},
		{"/items/none/take", `{"quantity": 1}`, http.StatusNotFound},
		{"/items/tea-1/take", `{"quantity": 0}`, http.StatusBadRequest},
	}
	for _, c := range cases {
		resp, err := http.Post(srv.URL+c.path, "application/json", strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("POST %s %s: status %d, want %d", c.path, c.body, resp.StatusCode, c.status)
		}
	}
}

func TestUnknownRoute(t *testing.T) {
	resp, err := http.Get(server(t).URL + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404", resp.StatusCode)
	}
}
