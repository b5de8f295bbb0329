// Command stockd serves a demonstration inventory on localhost.
package main

import (
	"flag"
	"log"
	"net/http"

	"example.com/stock"
	"example.com/stock/api"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	inv := stock.New()
	for _, item := range []stock.Item{
		{SKU: "TEA-1", Name: "Green tea", Quantity: 12, Reorder: 5},
		{SKU: "COF-2", Name: "Coffee beans", Quantity: 3, Reorder: 4},
	} {
		if err := inv.Add(item); err != nil {
			log.Fatal(err)
		}
	}
	log.Printf("listening on http://%s", *addr)
	log.Fatal(http.ListenAndServe(*addr, api.Handler{Inventory: inv}))
}
