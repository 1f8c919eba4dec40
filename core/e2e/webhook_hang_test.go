package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// TestAStoppedWebhookPluginIsReplaced: the warm plugin that verifies a
// connection's webhooks is SIGSTOPped. The next delivery gets 503 (the
// vendor retries) once server.webhook_timeout has passed, not never; the
// stopped plugin is killed; and the delivery after it is handled by a new
// plugin and reaches the destination.
func TestAStoppedWebhookPluginIsReplaced(t *testing.T) {
	hs, _, url := startHubSpot(t, testSeed(t), 10)
	port := freePort(t)
	rcv := newReceiver(t)
	cfg := fmt.Sprintf(serveHubSpotConfig, port, url, rcv.url)
	cfg = strings.Replace(cfg, "monitor:\n  check_interval: 1s", "  webhook_timeout: 2s\nmonitor:\n  check_interval: 1h", 1)
	w := newWorkspace(t, cfg)
	srv, _ := serve(t, w, port)
	hook := fmt.Sprintf("http://127.0.0.1:%d/webhooks/crm", port)

	var ids []string
	for _, o := range hs.Objects("contacts") {
		ids = append(ids, o.ID)
	}
	sort.Strings(ids)
	deliver := func(i int) (int, time.Duration) {
		t.Helper()
		name := fmt.Sprintf("Hooked%d", i)
		if _, err := hs.Update("contacts", ids[i], map[string]string{"firstname": name}); err != nil {
			t.Fatal(err)
		}
		events, err := hs.Events("contacts", ids[i])
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		start := time.Now()
		status, err := hs.Deliver(ctx, hook, events)
		if err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
		return status, time.Since(start)
	}
	arrives := func(i int) {
		t.Helper()
		waitFor(t, "the webhook's change in the destination", 30*time.Second, func() bool {
			return strings.Contains(outputLines(t, w, "contacts")[ids[i]], fmt.Sprintf("Hooked%d", i))
		})
	}

	if status, _ := deliver(0); status != 200 {
		t.Fatalf("first delivery: %d, want 200", status)
	}
	arrives(0)
	// The pushed run's plugins end with it; the warm webhook plugin stays.
	var warm int
	waitFor(t, "one warm hubspot plugin", 30*time.Second, func() bool {
		var found []int
		for _, p := range pluginProcesses(w) {
			if p.ppid == srv.pid() && p.exe == "cxhub-connector-hubspot" {
				found = append(found, p.pid)
			}
		}
		if len(found) == 1 {
			warm = found[0]
		}
		return len(found) == 1
	})
	if err := syscall.Kill(warm, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}

	status, took := deliver(1)
	if status != 503 {
		t.Fatalf("a delivery to a stopped plugin: %d after %v, want 503", status, took)
	}
	if took > 10*time.Second {
		t.Errorf("a delivery to a stopped plugin took %v to be refused, want about the 2s webhook_timeout", took)
	}
	waitFor(t, "the stopped plugin to be killed", 15*time.Second, func() bool {
		return syscall.Kill(warm, 0) != nil || !isPluginOf(w, warm, srv.pid())
	})

	// The vendor retries: a new plugin handles it.
	if status, _ := deliver(1); status != 200 {
		t.Fatalf("the retried delivery: %d, want 200", status)
	}
	arrives(1)
	srv.stop(syscall.SIGTERM, 20*time.Second)
}

// isPluginOf reports whether pid is a live plugin process of parent.
func isPluginOf(w *workspace, pid, parent int) bool {
	for _, p := range pluginProcesses(w) {
		if p.pid == pid && p.ppid == parent {
			return true
		}
	}
	return false
}

// TestCheckWithAStoppedPluginGivesUp: `cxhub check --timeout 4s` on a
// connection whose plugin is SIGSTOPped while it waits on the (slow)
// vendor exits with an error saying the connector did not answer, within
// about the timeout, and leaves no plugin behind.
func TestCheckWithAStoppedPluginGivesUp(t *testing.T) {
	hs, _, url := startHubSpot(t, testSeed(t), 1)
	if err := hs.Kit().SetFaults(kit.Faults{Latency: kit.Duration(3 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	w := newWorkspace(t, fmt.Sprintf(serveHubSpotConfig, port, url, "http://127.0.0.1:1/unused"))
	check := w.start("check", "crm", "--timeout", "4s")
	// The config's validation starts the plugin for its spec, briefly; the
	// check's own plugin then waits 3s on the vendor: the one alive for
	// more than a second.
	var plugin int
	firstSeen := map[int]time.Time{}
	waitFor(t, "the check's plugin", 30*time.Second, func() bool {
		if pid := childPlugin(w, check.pid(), "hubspot"); pid != 0 {
			if _, ok := firstSeen[pid]; !ok {
				firstSeen[pid] = time.Now()
			}
			if time.Since(firstSeen[pid]) > time.Second {
				plugin = pid
			}
		}
		return plugin != 0
	})
	// Stopped in its wait on the vendor, it never answers.
	if err := syscall.Kill(plugin, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := check.mustWait(30 * time.Second)
	if res.code == 0 || !strings.Contains(res.stderr, "the connector did not answer within 4s (--timeout 4s)") {
		t.Fatalf("check of a stopped plugin: want a failure saying it did not answer:\n%s", res)
	}
	if took := time.Since(start); took > 12*time.Second {
		t.Errorf("check gave up %v after the plugin stopped, want about the 4s timeout", took)
	}
	noPluginSurvives(t, w, 5*time.Second)
}
