package shopify

import (
	"net/http"
	"testing"

	"github.com/cxhub/cxhub/connectors/shopify/sandbox"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// TestPacingOnTheLeakyBucketMeetsNo429: a read of many pages against
// Shopify's bucket (here 10 places draining 20 a second, so that the test
// is quick), with the bucket already half full from another app and the
// connector told a wrong, larger size: the call-limit header corrects both,
// and no request is refused.
func TestPacingOnTheLeakyBucketMeetsNo429(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 7, Customers: 400, Orders: -1, BucketSize: 10, LeakRate: 20})
	for range 5 { // another app of the shop uses the same bucket
		req, _ := http.NewRequest("GET", e.srv.URL+"/admin/api/2025-01/shop.json", nil)
		req.Header.Set("X-Shopify-Access-Token", sandbox.DefaultToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var counter httpx.Counter
	e.conn = NewWithOptions(Options{Counter: &counter})
	col := e.read(e.config("page_size", 10, "bucket_size", 40, "leak_rate", 20), StreamCustomers, nil)
	if len(col.Records) != 400 {
		t.Fatalf("%d records, want 400", len(col.Records))
	}
	st := counter.Statuses()
	if st[200] != 40 || st[429] != 0 || e.sb.Kit().Stats().ByStatus[429] != 0 {
		t.Errorf("statuses %v (sandbox %v): want 40 pages and no 429", st, e.sb.Kit().Stats().ByStatus)
	}
}

// TestA429WaitsItsFloatRetryAfter: an answer 429 with Retry-After 0.3 is
// retried after it, and the read completes.
func TestA429WaitsItsFloatRetryAfter(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 8, Customers: 30, Orders: -1, FaultRetryAfter: 300_000_000})
	var counter httpx.Counter
	e.conn = NewWithOptions(Options{Counter: &counter})
	e.sb.Kit().FailNext(429, 2)
	col := e.read(e.config("page_size", 10), StreamCustomers, nil)
	if len(col.Records) != 30 || counter.Retries() != 2 || counter.Statuses()[429] != 2 {
		t.Errorf("%d records, %d retries, statuses %v: want 30 after two 429s retried", len(col.Records), counter.Retries(), counter.Statuses())
	}
}
