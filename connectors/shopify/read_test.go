package shopify

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/shopify/sandbox"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/cxhub/cxhub/sdk/sdktest"
	"github.com/tidwall/gjson"
)

func TestReadFollowsLinkHeadersWithoutGapOrRepeat(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 4, Customers: 120, Orders: 130})
	var counter httpx.Counter
	e.conn = NewWithOptions(Options{Counter: &counter})
	col := e.read(e.config("page_size", 50), StreamCustomers, nil)
	keys := map[string]int{}
	for _, r := range col.Records {
		keys[r.Key]++
	}
	for _, c := range e.sb.Customers() {
		if n := keys[strconv.FormatInt(c.ID, 10)]; n != 1 {
			t.Errorf("customer %d read %d times, want once", c.ID, n)
		}
	}
	if len(col.Records) != 120 || len(col.Checkpoints) != 1 {
		t.Errorf("%d records, %d checkpoints; want 120 and 1", len(col.Records), len(col.Checkpoints))
	}
	// Three pages: the two later ones followed the Link header exactly (the
	// sandbox refuses page_info beside any filter with a 400).
	if got := e.sb.Kit().Count("GET", "/admin/api/"+DefaultAPIVersion+"/customers.json"); got != 3 || counter.Statuses()[200] != 3 {
		t.Errorf("%d list requests (statuses %v), want 3 answered 200", got, counter.Statuses())
	}
	// Orders: status=any reads closed and cancelled orders too.
	col = e.read(e.config("page_size", 50), StreamOrders, nil)
	closed := 0
	for _, r := range col.Records {
		if gjson.GetBytes(r.Data, "closed_at").String() != "" {
			closed++
		}
	}
	if len(col.Records) != 130 || closed == 0 {
		t.Errorf("%d orders read, %d of them closed; want all 130, closed ones included", len(col.Records), closed)
	}
}

func TestIncrementalReadAtATieNeitherSkipsNorRepeats(t *testing.T) {
	clock := sdktest.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	e := newEnv(t, sandbox.Options{Seed: 5, Customers: 30, Orders: -1, Now: clock.Now})
	cfg := e.config("page_size", 7)
	first := e.read(cfg, StreamCustomers, nil)
	if len(first.Records) != 30 {
		t.Fatalf("first read: %d records", len(first.Records))
	}
	cs := e.sb.Customers()
	// Two customers change in the same second; the next read begins a
	// second later, so its checkpoint is exactly that second: a tie.
	if err := e.sb.TouchCustomers(cs[3].ID, cs[17].ID); err != nil {
		t.Fatal(err)
	}
	tie := e.sb.Now()
	clock.Advance(time.Second)
	second := e.read(cfg, StreamCustomers, first.Last(StreamCustomers))
	if got := keysOf(second); got != keyList(cs[3].ID, cs[17].ID) {
		t.Fatalf("read after two changes: %s", got)
	}
	var st state
	if err := json.Unmarshal(second.Last(StreamCustomers), &st); err != nil || !st.Since.Equal(tie) || len(st.Keys) != 2 {
		t.Fatalf("checkpoint %s: want updated_at_min %s with the two keys read at it", second.Last(StreamCustomers), tie)
	}
	// Shopify's updated_at_min is inclusive: both come back from the
	// list, and are skipped as read.
	third := e.read(cfg, StreamCustomers, second.Last(StreamCustomers))
	if len(third.Records) != 0 {
		t.Errorf("read from the tie, nothing changed: %s, want none", keysOf(third))
	}
	// One of them changes again, and a third customer: exactly those two.
	if err := e.sb.TouchCustomers(cs[17].ID, cs[20].ID); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	fourth := e.read(cfg, StreamCustomers, third.Last(StreamCustomers))
	if got := keysOf(fourth); got != keyList(cs[17].ID, cs[20].ID) {
		t.Errorf("read after two more changes: %s", got)
	}
}

func TestFulfillmentsCarryTheirOrderDeliveryStatusAndLateness(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 6, Customers: 200, Orders: 600})
	col := e.read(e.config(), StreamFulfillments, nil)
	if len(col.Records) != len(e.sb.Fulfillments()) {
		t.Fatalf("%d fulfillments read, the shop has %d", len(col.Records), len(e.sb.Fulfillments()))
	}
	count := map[string]int{}
	for _, r := range col.Records {
		d := gjson.ParseBytes(r.Data)
		status, late := d.Get("delivery_status").String(), d.Get("late").Bool()
		count[status]++
		if late {
			count["late"]++
		}
		o, _ := e.sb.Order(d.Get("order_id").Int())
		if d.Get("order.email").String() != o.Email || d.Get("order.customer.id").Int() != o.CustomerID || d.Get("order.name").String() == "" {
			t.Errorf("fulfillment %s: order %s, want the order's email %s and customer %d", r.Key, d.Get("order").Raw, o.Email, o.CustomerID)
		}
		if late && status != deliveryInTransit && status != deliveryShipped {
			t.Errorf("fulfillment %s is late but %s", r.Key, status)
		}
	}
	if count["late"] == 0 || count[deliveryFailed] == 0 || count[deliveryDelivered] == 0 || count[deliveryInTransit] <= count["late"] {
		t.Errorf("statuses %v: want delivered, failed, late and in-time in-transit shipments", count)
	}
}

func keysOf(col interface{ Keys(string) []string }) string {
	var out []string
	for _, s := range []string{StreamCustomers, StreamOrders, StreamFulfillments} {
		out = append(out, col.Keys(s)...)
	}
	return keyStrings(out)
}

func keyList(ids ...int64) string {
	var out []string
	for _, id := range ids {
		out = append(out, strconv.FormatInt(id, 10))
	}
	return keyStrings(out)
}

func keyStrings(keys []string) string {
	b, _ := json.Marshal(sortedCopy(keys))
	return string(b)
}
