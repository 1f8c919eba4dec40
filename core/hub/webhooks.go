package hub

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/host"
)

// webhookPlugins keeps one running plugin per connection for webhooks, so
// that a delivery costs a call, not a process start. A plugin that died is
// started again on the next delivery. The hub's Close stops them with the
// rest.
type webhookPlugins struct {
	mu      sync.Mutex
	running map[string]warmPlugin // by connection
}

type warmPlugin struct {
	p         *host.Plugin
	connector string
}

// handle calls HandleWebhook on the connection's warm plugin; a plugin
// found dead is replaced once. A plugin that did not answer before ctx's
// deadline is taken for hung (stopped, deadlocked): it is stopped, and the
// next delivery starts a new one.
func (w *webhookPlugins) handle(ctx context.Context, h *Hub, conn *config.Connection, req sdk.WebhookRequest) (sdk.WebhookResponse, error) {
	for attempt := 0; ; attempt++ {
		p, err := w.plugin(ctx, h, conn)
		if err != nil {
			return sdk.WebhookResponse{}, err
		}
		resp, err := p.HandleWebhook(ctx, req)
		switch {
		case err == nil:
			return resp, nil
		case p.Exited() && attempt == 0:
			w.forget(h, conn.Name, p)
			continue
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			w.forget(h, conn.Name, p)
			h.Logger().Warn("webhook plugin did not answer in time: taken for hung and stopped; the next delivery starts a new one",
				"connection", conn.Name, "pid", p.Pid())
			return resp, fmt.Errorf("connection %s: the connector did not answer the webhook in time (taken for hung, replaced): %w", conn.Name, err)
		}
		return resp, err
	}
}

// plugin returns the connection's warm plugin, starting one if there is
// none (or it died, or the connection's connector changed). The start runs
// outside the lock: a plugin slow to start holds up no other connection's
// deliveries. Two deliveries that both find none may both start one; the
// first installed stays, the other is stopped.
func (w *webhookPlugins) plugin(ctx context.Context, h *Hub, conn *config.Connection) (*host.Plugin, error) {
	if p := w.warm(conn); p != nil {
		return p, nil
	}
	host, err := h.Plugins()
	if err != nil {
		return nil, err
	}
	p, err := host.Start(ctx, conn.Connector)
	if err != nil {
		return nil, fmt.Errorf("start %s for webhooks: %w", conn.Name, err)
	}
	w.mu.Lock()
	old, had := w.running[conn.Name]
	if had && !old.p.Exited() && old.connector == conn.Connector {
		w.mu.Unlock()
		host.Stop(p)
		return old.p, nil
	}
	if w.running == nil {
		w.running = map[string]warmPlugin{}
	}
	w.running[conn.Name] = warmPlugin{p: p, connector: conn.Connector}
	w.mu.Unlock()
	if had {
		host.Stop(old.p)
	}
	return p, nil
}

// warm returns the connection's running warm plugin, or nil.
func (w *webhookPlugins) warm(conn *config.Connection) *host.Plugin {
	w.mu.Lock()
	defer w.mu.Unlock()
	if wp, ok := w.running[conn.Name]; ok && !wp.p.Exited() && wp.connector == conn.Connector {
		return wp.p
	}
	return nil
}

func (w *webhookPlugins) forget(h *Hub, connection string, p *host.Plugin) {
	w.mu.Lock()
	mine := w.running[connection].p == p
	if mine {
		delete(w.running, connection)
	}
	w.mu.Unlock()
	// Stopped outside the lock: a hung plugin takes the kill's grace, and
	// other connections' deliveries must not wait for it.
	if mine {
		if host, err := h.Plugins(); err == nil {
			host.Stop(p)
		}
	}
}
