// Package api serves an inventory over HTTP as JSON.
package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"example.com/stock"
)

// Handler serves GET /items, GET /reorder and POST /items/{sku}/take?quantity=N.
type Handler struct {
	Inventory *stock.Inventory
}

type takeRequest struct {
	Quantity int `json:"quantity"`
}

type problem struct {
	Error string `json:"error"`
}

func (h Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/items":
		write(w, http.StatusOK, h.Inventory.Items())
	case r.Method == http.MethodGet && r.URL.Path == "/reorder":
		write(w, http.StatusOK, h.Inventory.ToReorder())
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/items/") && strings.HasSuffix(r.URL.Path, "/take"):
		sku := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/items/"), "/take")
		h.take(w, r, sku)
	default:
		write(w, http.StatusNotFound, problem{Error: "no such route: " + r.Method + " " + r.URL.Path})
	}
}

func (h Handler) take(w http.ResponseWriter, r *http.Request, sku string) {
	var body takeRequest
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Quantity <= 0 {
		write(w, http.StatusBadRequest, problem{Error: "send {\"quantity\": N} with N > 0"})
		return
	}
	err := h.Inventory.Take(sku, body.Quantity)
	switch {
	case errors.Is(err, stock.ErrUnknownSKU):
		write(w, http.StatusNotFound, problem{Error: err.Error()})
	case errors.Is(err, stock.ErrShort):
		write(w, http.StatusConflict, problem{Error: err.Error()})
	case err != nil:
		write(w, http.StatusInternalServerError, problem{Error: err.Error()})
	default:
		item, _ := h.Inventory.Get(sku)
		write(w, http.StatusOK, item)
	}
}

func write(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
