package hub

import (
	"context"
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
// found dead is replaced once.
func (w *webhookPlugins) handle(ctx context.Context, h *Hub, conn *config.Connection, req sdk.WebhookRequest) (sdk.WebhookResponse, error) {
	for attempt := 0; ; attempt++ {
		p, err := w.plugin(ctx, h, conn)
		if err != nil {
			return sdk.WebhookResponse{}, err
		}
		resp, err := p.HandleWebhook(ctx, req)
		if err != nil && p.Exited() && attempt == 0 {
			w.forget(h, conn.Name, p)
			continue
		}
		return resp, err
	}
}

func (w *webhookPlugins) plugin(ctx context.Context, h *Hub, conn *config.Connection) (*host.Plugin, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if wp, ok := w.running[conn.Name]; ok && !wp.p.Exited() && wp.connector == conn.Connector {
		return wp.p, nil
	}
	host, err := h.Plugins()
	if err != nil {
		return nil, err
	}
	p, err := host.Start(ctx, conn.Connector)
	if err != nil {
		return nil, fmt.Errorf("start %s for webhooks: %w", conn.Name, err)
	}
	if old, ok := w.running[conn.Name]; ok {
		host.Stop(old.p)
	}
	if w.running == nil {
		w.running = map[string]warmPlugin{}
	}
	w.running[conn.Name] = warmPlugin{p: p, connector: conn.Connector}
	return p, nil
}

func (w *webhookPlugins) forget(h *Hub, connection string, p *host.Plugin) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running[connection].p == p {
		delete(w.running, connection)
		if host, err := h.Plugins(); err == nil {
			host.Stop(p)
		}
	}
}
