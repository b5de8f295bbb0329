// Package stock keeps the stock levels of a small shop and says what to reorder.
package stock

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Item is one product on the shelves.
type Item struct {
	SKU      string `json:"sku"`
	Name     string `json:"name"`
	Quantity int    `json:"quantity"`
	// Reorder is the level at or below which the item should be ordered again.
	Reorder int `json:"reorder"`
}

// ErrUnknownSKU is returned for a SKU the inventory does not hold.
var ErrUnknownSKU = errors.New("unknown SKU")

// ErrShort is returned when more is taken than there is.
var ErrShort = errors.New("not enough stock")

// Inventory holds items by SKU.
type Inventory struct {
	items map[string]*Item
}

// New returns an empty inventory.
func New() *Inventory {
	return &Inventory{items: map[string]*Item{}}
}

// NormalizeSKU upper-cases a SKU and removes spaces around it.
func NormalizeSKU(sku string) string {
	return strings.ToUpper(strings.TrimSpace(sku))
}

// Add puts a new item on the shelves, or adds to the quantity of one already there.
func (inv *Inventory) Add(item Item) error {
	item.SKU = NormalizeSKU(item.SKU)
	if item.SKU == "" {
		return errors.New("an item needs a SKU")
	}
	if item.Quantity < 0 {
		return fmt.Errorf("%s: quantity %d is negative", item.SKU, item.Quantity)
	}
	if existing, ok := inv.items[item.SKU]; ok {
		existing.Quantity += item.Quantity
		return nil
	}
	inv.items[item.SKU] = &item
	return nil
}

// Take removes quantity units of an item.
func (inv *Inventory) Take(sku string, quantity int) error {
	item, ok := inv.items[NormalizeSKU(sku)]
	if !ok {
		return fmt.Errorf("%s: %w", sku, ErrUnknownSKU)
	}
	if quantity > item.Quantity {
		return fmt.Errorf("%s: %w (have %d, want %d)", item.SKU, ErrShort, item.Quantity, quantity)
	}
	item.Quantity -= quantity
	return nil
}

// Get returns a copy of an item.
func (inv *Inventory) Get(sku string) (Item, bool) {
	item, ok := inv.items[NormalizeSKU(sku)]
	if !ok {
		return Item{}, false
	}
	return *item, true
}

// Items returns copies of every item, sorted by SKU.
func (inv *Inventory) Items() []Item {
	items := make([]Item, 0, len(inv.items))
	for _, item := range inv.items {
		items = append(items, *item)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].SKU < items[j].SKU })
	return items
}

// ToReorder returns the items at or below their reorder level, the emptiest first.
func (inv *Inventory) ToReorder() []Item {
	var low []Item
	for _, item := range inv.Items() {
		if item.Quantity <= item.Reorder {
			low = append(low, item)
		}
	}
	sort.SliceStable(low, func(i, j int) bool { return low[i].Quantity < low[j].Quantity })
	return low
}

// Describe is a one-line description of an item for people.
func Describe(item Item) string {
	return fmt.Sprintf("%s %q: %d left (reorder at %d)", item.SKU, item.Name, item.Quantity, item.Reorder)
}
