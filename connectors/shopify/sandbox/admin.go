package sandbox

import (
	"fmt"
	"net/http"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// adminPrefix is where the Shopify sandbox's own admin endpoints live.
const adminPrefix = kit.AdminPrefix + "shopify/"

// addAdmin registers the admin endpoints (record edits, the clock, webhook
// deliveries) beside the kit's.
func (s *Sandbox) addAdmin(mux *http.ServeMux) {
	mux.HandleFunc("GET "+adminPrefix+"summary", s.adminSummary)
	mux.HandleFunc("POST "+adminPrefix+"summary", s.adminSummary) // for cxhub-sandbox post
	mux.HandleFunc("POST "+adminPrefix+"touch", s.adminTouch)
	mux.HandleFunc("POST "+adminPrefix+"add", s.adminAdd)
	mux.HandleFunc("POST "+adminPrefix+"shipment", s.adminShipment)
	mux.HandleFunc("POST "+adminPrefix+"clock", s.adminClock)
	mux.HandleFunc("POST "+adminPrefix+"reset", s.adminReset)
	mux.HandleFunc("POST "+adminPrefix+"webhook", s.adminWebhook)
}

func (s *Sandbox) adminSummary(w http.ResponseWriter, _ *http.Request) {
	late, failed := 0, 0
	now := s.Now()
	for _, f := range s.Fulfillments() {
		switch {
		case f.ShipmentStatus == "failure":
			failed++
		case f.ShipmentStatus != "delivered" && now.Sub(f.CreatedAt) > LateAfter:
			late++
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"customers": len(s.Customers()), "orders": len(s.Orders()),
		"fulfillments": len(s.Fulfillments()), "late_shipments": late, "failed_shipments": failed,
		"now": formatTime(now), "shop": s.opts.Shop + ".myshopify.com"})
}

// adminTouch: {"object":"customers"|"orders","ids":[..]} or {"object":..,"count":N}
// (the first N by id) → {"touched":[ids]}.
func (s *Sandbox) adminTouch(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Object string  `json:"object"`
		IDs    []int64 `json:"ids"`
		Count  int     `json:"count"`
	}
	if !kit.DecodeAdmin(w, r, &req) {
		return
	}
	ids := req.IDs
	var err error
	switch req.Object {
	case "customers":
		for _, c := range s.Customers() {
			if len(req.IDs) == 0 && len(ids) < req.Count {
				ids = append(ids, c.ID)
			}
		}
		err = s.TouchCustomers(ids...)
	case "orders":
		for _, o := range s.Orders() {
			if len(req.IDs) == 0 && len(ids) < req.Count {
				ids = append(ids, o.ID)
			}
		}
		err = s.TouchOrders(ids...)
	default:
		err = fmt.Errorf(`object %q: want "customers" or "orders"`, req.Object)
	}
	if err != nil {
		kit.AdminFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"touched": ids})
}

// adminAdd: {"object":"customers"|"orders","count":N,"ship":"in_transit"} → {"added":[ids]}.
func (s *Sandbox) adminAdd(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Object string `json:"object"`
		Count  int    `json:"count"`
		Ship   string `json:"ship"`
	}
	if !kit.DecodeAdmin(w, r, &req) {
		return
	}
	if req.Count < 0 || req.Count > 100000 {
		kit.AdminFail(w, fmt.Errorf("count %d: want 0 to 100000", req.Count))
		return
	}
	ids := []int64{}
	switch req.Object {
	case "customers":
		for _, c := range s.AddCustomers(req.Count) {
			ids = append(ids, c.ID)
		}
	case "orders":
		os, err := s.AddOrders(req.Count, req.Ship)
		if err != nil {
			kit.AdminFail(w, err)
			return
		}
		for _, o := range os {
			ids = append(ids, o.ID)
		}
	default:
		kit.AdminFail(w, fmt.Errorf(`object %q: want "customers" or "orders"`, req.Object))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"added": ids})
}

// adminShipment: {"fulfillment_id":N,"status":"delivered"} sets a
// shipment's status now, as a carrier's event; {"order_id":N,"status":..}
// ships the order now with that status.
func (s *Sandbox) adminShipment(w http.ResponseWriter, r *http.Request) {
	var req struct {
		FulfillmentID int64  `json:"fulfillment_id"`
		OrderID       int64  `json:"order_id"`
		Status        string `json:"status"`
	}
	if !kit.DecodeAdmin(w, r, &req) {
		return
	}
	if req.OrderID != 0 {
		f, err := s.ShipOrder(req.OrderID, req.Status)
		if err != nil {
			kit.AdminFail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"fulfillment_id": f.ID})
		return
	}
	if err := s.SetShipmentStatus(req.FulfillmentID, req.Status); err != nil {
		kit.AdminFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"fulfillment_id": req.FulfillmentID})
}

// adminClock: {"advance":"2m"} moves the clock → {"now":..}.
func (s *Sandbox) adminClock(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Advance kit.Duration `json:"advance"`
	}
	if !kit.DecodeAdmin(w, r, &req) {
		return
	}
	if req.Advance < 0 {
		kit.AdminFail(w, fmt.Errorf("advance: the clock only moves forward"))
		return
	}
	s.Advance(time.Duration(req.Advance))
	writeJSON(w, http.StatusOK, map[string]string{"now": formatTime(s.Now())})
}

// adminReset: {"customers":N,"orders":M} reseeds the data.
func (s *Sandbox) adminReset(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Customers int `json:"customers"`
		Orders    int `json:"orders"`
	}
	if !kit.DecodeAdmin(w, r, &req) {
		return
	}
	if err := s.Reset(req.Customers, req.Orders); err != nil {
		kit.AdminFail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// adminWebhook: {"topic":"orders/updated","id":N} → {"headers":{..},"body":".."}:
// a signed delivery, for a demo to send on.
func (s *Sandbox) adminWebhook(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Topic string `json:"topic"`
		ID    int64  `json:"id"`
	}
	if !kit.DecodeAdmin(w, r, &req) {
		return
	}
	h, body, err := s.Delivery(req.Topic, req.ID)
	if err != nil {
		kit.AdminFail(w, err)
		return
	}
	headers := map[string]string{}
	for k := range h {
		headers[k] = h.Get(k)
	}
	writeJSON(w, http.StatusOK, map[string]any{"headers": headers, "body": string(body)})
}
