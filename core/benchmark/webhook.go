package benchmark

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// TargetWebhookP99 is the webhook → destination latency issue 18 asks for.
const TargetWebhookP99 = time.Second

// WebhookRun is one run of the webhook scenario: signed Shopify-style
// orders/create deliveries POSTed to a real `cxhub serve` at a steady rate,
// each timed from the moment it is sent to the moment its record is in the
// destination file.
type WebhookRun struct {
	Deliveries int
	Rate       int // deliveries per second
	Latencies  []time.Duration
	Failed     int // deliveries not answered 2xx
}

// Percentile returns the p-th percentile latency (0 < p ≤ 100).
func (w WebhookRun) Percentile(p float64) time.Duration {
	if len(w.Latencies) == 0 {
		return 0
	}
	s := slices.Clone(w.Latencies)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

const webhookSecret = "bench-webhook-secret"

const webhookYAML = `version: 1
state: {path: state/cxhub.db}
plugins: {dir: %q}
server: {listen: "%s"}
connections:
  shop:
    connector: shopify
    config: {base_url: "http://127.0.0.1:1", access_token: bench-token, webhook_secret: %q}
  out:
    connector: file
    config: {dir: out, streams: {orders: {key: id}}}
pipelines:
  - name: orders
    from: {connection: shop, stream: orders}
    to: {connection: out, stream: orders}
    map: {id: id, email: email, total: total_price}
`

// webhookLatency runs `cxhub serve` over a Shopify webhook pipeline and
// sends rate deliveries per second for the given time.
func webhookLatency(ctx context.Context, cxhub, pluginDir, dir string, rate int, d time.Duration) (WebhookRun, error) {
	run := WebhookRun{Rate: rate}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return run, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := filepath.Join(dir, "cxhub.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, webhookYAML, pluginDir, addr, webhookSecret), 0o600); err != nil {
		return run, err
	}
	cmd := exec.CommandContext(ctx, cxhub, "-c", cfg, "serve")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return run, err
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	base := "http://" + addr
	if err := waitReady(ctx, base, 60*time.Second); err != nil {
		return run, fmt.Errorf("cxhub serve: %w\n%s", err, stderr.String())
	}

	n := rate * int(d/time.Second)
	sent := make([]time.Time, n)
	arrived := make([]time.Time, n)
	var mu sync.Mutex
	tailCtx, stopTail := context.WithCancel(ctx)
	tailDone := make(chan error, 1)
	go func() {
		tailDone <- tailIDs(tailCtx, filepath.Join(dir, "out", "orders.jsonl"), func(id int, at time.Time) {
			mu.Lock()
			defer mu.Unlock()
			if i := id - 1; i >= 0 && i < n && arrived[i].IsZero() { // ids start at 1: Shopify has no order 0
				arrived[i] = at
			}
		})
	}()
	client := &http.Client{Timeout: 10 * time.Second}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	var wg sync.WaitGroup
	var failed sync.Map
	for i := range n {
		select {
		case <-ctx.Done():
			stopTail()
			return run, ctx.Err()
		case <-tick.C:
		}
		body := fmt.Appendf(nil, `{"id":%d,"name":"#%d","email":"buyer%d@example.com","total_price":"%d.00","updated_at":%q,"financial_status":"paid","line_items":[]}`,
			i+1, 1000+i, i, 10+i%90, time.Now().UTC().Format(time.RFC3339))
		mu.Lock()
		sent[i] = time.Now()
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := deliver(ctx, client, base+"/webhooks/shop", i+1, body); err != nil {
				failed.Store(i, err)
			}
		}()
	}
	wg.Wait()
	// Wait for the last records, at most 30 s.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		missing := slices.ContainsFunc(arrived, func(t time.Time) bool { return t.IsZero() })
		mu.Unlock()
		if !missing {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopTail()
	<-tailDone
	var firstFailure error
	failed.Range(func(_, v any) bool {
		run.Failed++
		if firstFailure == nil {
			firstFailure = v.(error)
		}
		return true
	})
	mu.Lock()
	defer mu.Unlock()
	for i := range n {
		if arrived[i].IsZero() {
			return run, fmt.Errorf("delivery %d never reached the destination (%d of %d deliveries failed; first: %v)\n%s",
				i, run.Failed, n, firstFailure, stderr.String())
		}
		run.Latencies = append(run.Latencies, arrived[i].Sub(sent[i]))
	}
	run.Deliveries = n
	return run, nil
}

// deliver POSTs one signed orders/create delivery.
func deliver(ctx context.Context, client *http.Client, url string, id int, body []byte) error {
	mac := hmac.New(sha256.New, []byte(webhookSecret))
	mac.Write(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Topic", "orders/create")
	req.Header.Set("X-Shopify-Hmac-Sha256", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	req.Header.Set("X-Shopify-Webhook-Id", fmt.Sprintf("bench-%d", id))
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("delivery %d: %s", id, resp.Status)
	}
	return nil
}

// waitReady polls /readyz until it answers 200.
func waitReady(ctx context.Context, base string, d time.Duration) error {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("not ready within %v", d)
}

// tailIDs follows a JSON Lines file as it grows and reports each line's
// "id" with the time it was seen, until ctx ends.
func tailIDs(ctx context.Context, path string, seen func(id int, at time.Time)) error {
	var f *os.File
	for f == nil {
		var err error
		if f, err = os.Open(path); err != nil {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var partial []byte
	for {
		line, err := r.ReadBytes('\n')
		partial = append(partial, line...)
		if err == nil {
			var rec struct {
				ID json.Number `json:"id"`
			}
			if json.Unmarshal(partial, &rec) == nil {
				if id, err := rec.ID.Int64(); err == nil {
					seen(int(id), time.Now())
				}
			}
			partial = partial[:0]
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(2 * time.Millisecond):
		}
	}
}
