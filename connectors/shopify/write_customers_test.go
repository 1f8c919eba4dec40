package shopify

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/shopify/sandbox"
	"github.com/cxhub/cxhub/sdk"
	kit "github.com/cxhub/cxhub/sdk/sandbox"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

const annData = `{"email":"  Ann.Shopper@Example.org ","first_name":"Ann","last_name":"Shopper","phone":"+44 20 7946 0123","tags":["vip","eu"]}`

func TestWritingACustomerTwiceUpdatesOne(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 9, Customers: 3, Orders: -1})
	first, err := e.write(e.config(), StreamCustomers, record("contacts", "c-1", annData))
	if err != nil || first[0].Err != nil || !first[0].Created {
		t.Fatalf("create: %+v, %v", first, err)
	}
	again, err := e.write(e.config(), StreamCustomers, record("contacts", "c-1", strings.Replace(annData, `"Ann"`, `"Annie"`, 1)))
	if err != nil || again[0].Err != nil || again[0].ID != first[0].ID || again[0].Created {
		t.Fatalf("second write without a link: %+v, %v; want customer %s updated", again, err, first[0].ID)
	}
	cs := e.sb.CustomersByEmail("ann.shopper@example.org")
	if len(cs) != 1 || cs[0].FirstName != "Annie" || cs[0].Phone != "+442079460123" || strings.Join(cs[0].Tags, ",") != "vip,eu" {
		t.Errorf("customers %+v, want one, renamed, its phone in E.164 and its tags", cs)
	}
	// Linked: updated by id, even with another email.
	linked := record("contacts", "c-1", `{"email":"ann.new@example.org"}`)
	linked.TargetID = first[0].ID
	res, err := e.write(e.config(), StreamCustomers, linked)
	if err != nil || res[0].Err != nil || res[0].ID != first[0].ID {
		t.Fatalf("linked update: %+v, %v", res, err)
	}
	// A link to a customer deleted since: found by email instead.
	gone := record("contacts", "c-1", `{"email":"ann.new@example.org","note":"x"}`)
	gone.TargetID = "999"
	if res, err = e.write(e.config(), StreamCustomers, gone); err != nil || res[0].Err != nil || res[0].ID != first[0].ID {
		t.Errorf("write with a stale link: %+v, %v; want %s found by email", res, err, first[0].ID)
	}
	if n := len(e.sb.Customers()); n != 4 {
		t.Errorf("%d customers, want the 3 seeded and one written", n)
	}
}

func TestACreateWhoseAnswerWasLostMakesOneCustomer(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 10, Customers: 3, Orders: -1})
	const create = "/admin/api/" + DefaultAPIVersion + "/customers.json"
	// The create is made, and its answer lost: the kit drops the
	// connection after the handler ran, for that request only.
	var once sync.Once
	srv, err := kit.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == create {
			once.Do(func() {
				_ = e.sb.Kit().SetFaults(kit.Faults{DropAfterRate: 1})
				defer func() { _ = e.sb.Kit().SetFaults(kit.Faults{}) }()
				e.sb.Handler().ServeHTTP(w, r)
				r = nil
			})
			if r == nil {
				return
			}
		}
		e.sb.Handler().ServeHTTP(w, r)
	}), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfg := e.config("base_url", srv.URL)
	res, err := e.write(cfg, StreamCustomers, record("contacts", "c-2", annData))
	if err != nil || res[0].Err != nil {
		t.Fatalf("write: %+v, %v", res, err)
	}
	cs := e.sb.CustomersByEmail("ann.shopper@example.org")
	if len(cs) != 1 || strconv.FormatInt(cs[0].ID, 10) != res[0].ID || !res[0].Created {
		t.Fatalf("customers %+v for result %+v: want one, reported created", cs, res[0])
	}
	if e.sb.Kit().Stats().ByStatus[0] == 0 || e.sb.Kit().Count("POST", create) != 1 {
		t.Errorf("stats %+v: the create's answer was not dropped, or the create was sent twice", e.sb.Kit().Stats())
	}
	// The core's retry of the record, without a link: the same customer.
	again, err := e.write(cfg, StreamCustomers, record("contacts", "c-2", annData))
	if err != nil || again[0].ID != res[0].ID || again[0].Created || len(e.sb.CustomersByEmail("ann.shopper@example.org")) != 1 {
		t.Errorf("retry: %+v, %v; want customer %s updated, still one", again, err, res[0].ID)
	}
}

func TestATakenEmailResolvesToTheCustomerWhoHasIt(t *testing.T) {
	clock := sdktest.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	// Customer search lags an hour behind writes, as Shopify's index can.
	e := newEnv(t, sandbox.Options{Seed: 11, Customers: 3, Orders: -1, SearchLag: time.Hour, Now: clock.Now})
	existing := e.sb.AddCustomers(1)[0] // made just now: not searchable yet
	data := `{"email":"` + strings.ToUpper(existing.Email) + `","first_name":"Renamed"}`
	res, err := e.write(e.config(), StreamCustomers, record("contacts", "c-3", data))
	if err != nil || sdk.KindOf(res[0].Err) != sdk.KindTransient || !strings.Contains(res[0].Err.Error(), "already been taken") {
		t.Fatalf("write while search lags: %+v, %v; want a transient failure saying the email is taken", res, err)
	}
	clock.Advance(2 * time.Hour) // the index caught up: the core's retry finds it
	res, err = e.write(e.config(), StreamCustomers, record("contacts", "c-3", data))
	if err != nil || res[0].Err != nil || res[0].ID != strconv.FormatInt(existing.ID, 10) || res[0].Created {
		t.Fatalf("retry: %+v, %v; want customer %d updated", res, err, existing.ID)
	}
	if cs := e.sb.CustomersByEmail(existing.Email); len(cs) != 1 || cs[0].FirstName != "Renamed" {
		t.Errorf("customers %+v, want one, renamed", cs)
	}
}

func TestRefusedCustomersFailAloneWithShopifysMessage(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 12, Customers: 3, Orders: -1})
	res, err := e.write(e.config(), StreamCustomers,
		record("contacts", "ok-1", `{"email":"one@example.org"}`),
		record("contacts", "bad", `{"email":"not-an-email"}`),
		record("contacts", "nomail", `{"first_name":"Nobody"}`),
		record("contacts", "ok-2", `{"email":"two@example.org"}`))
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[3].Err != nil {
		t.Errorf("good records: %+v", res)
	}
	if sdk.KindOf(res[1].Err) != sdk.KindBadRecord || !strings.Contains(res[1].Err.Error(), "email is invalid") {
		t.Errorf("bad email: %v", res[1].Err)
	}
	if sdk.KindOf(res[2].Err) != sdk.KindBadRecord || !strings.Contains(res[2].Err.Error(), "email is required") {
		t.Errorf("no email: %v", res[2].Err)
	}
}

func TestTrackingUpdates(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 13, Customers: 5, Orders: 20})
	f := e.sb.Fulfillments()[0]
	id := strconv.FormatInt(f.ID, 10)
	data := `{"id":` + id + `,"tracking_number":"1ZNEW","tracking_company":"DHL Express","tracking_url":"https://www.dhl.com/track?id=1ZNEW"}`
	for range 2 { // twice: the same tracking, one fulfillment
		res, err := e.write(e.config(), StreamFulfillments, record("shipments", "s-1", data))
		if err != nil || res[0].Err != nil || res[0].ID != id || res[0].Created {
			t.Fatalf("tracking update: %+v, %v", res, err)
		}
	}
	got, _ := e.sb.Fulfillment(f.ID)
	if got.TrackingNumber != "1ZNEW" || got.TrackingCompany != "DHL Express" {
		t.Errorf("fulfillment after the update: %+v", got)
	}
	res, err := e.write(e.config(), StreamFulfillments, record("shipments", "s-2", `{"id":12345,"tracking_number":"X"}`))
	if err != nil || sdk.KindOf(res[0].Err) != sdk.KindBadRecord || !strings.Contains(res[0].Err.Error(), "does not exist") {
		t.Errorf("unknown fulfillment: %+v, %v", res, err)
	}
}

// TestTrackingInfoWinsOverTheFlatTrackingFields: a fulfillments record as
// a read gives it carries Shopify's tracking_number, tracking_company and
// tracking_url; a pipeline that sets tracking_info on it must send
// tracking_info's values (and only those), every time. Before, which of the two was sent
// depended on Go's map order: the old number came back about half the
// time.
func TestTrackingInfoWinsOverTheFlatTrackingFields(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 13, Customers: 5, Orders: 20})
	f := e.sb.Fulfillments()[0]
	id := strconv.FormatInt(f.ID, 10)
	old := `{"id":` + id + `,"tracking_number":"1ZOLD","tracking_company":"UPS","tracking_url":"https://ups.example/1ZOLD"}`
	both := strings.TrimSuffix(old, "}") + `,"tracking_info":{"number":"1ZNEW","company":"DHL Express","url":"https://www.dhl.com/track?id=1ZNEW"}}`
	for i := range 24 {
		for _, data := range []string{old, both} {
			if res, err := e.write(e.config(), StreamFulfillments, record("shipments", "s-1", data)); err != nil || res[0].Err != nil {
				t.Fatalf("write %d: %+v, %v", i, res, err)
			}
		}
		got, _ := e.sb.Fulfillment(f.ID)
		if got.TrackingNumber != "1ZNEW" || got.TrackingCompany != "DHL Express" || got.TrackingURL != "https://www.dhl.com/track?id=1ZNEW" {
			t.Fatalf("write %d: fulfillment tracking %q %q %q, want tracking_info's 1ZNEW, DHL Express and its URL",
				i, got.TrackingNumber, got.TrackingCompany, got.TrackingURL)
		}
	}
}
