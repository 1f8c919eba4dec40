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
// started again on the next delivery. One start at a time per connection:
// the deliveries that find no plugin wait for the start under way instead
// of each starting their own (a burst of deliveries to a cold connection
// would otherwise start a process per delivery, and on a small machine
// those starts starve each other past their deadline). The hub's Close
// stops them with the rest.
type webhookPlugins struct {
	mu       sync.Mutex
	running  map[string]warmPlugin   // by connection
	starting map[string]*pluginStart // by connection and connector: the start under way
}

type warmPlugin struct {
	p         *host.Plugin
	connector string
}

// pluginStart is a warm plugin's start, which every delivery that needs
// it waits for.
type pluginStart struct {
	done chan struct{} // closed when p or err is set
	p    *host.Plugin
	err  error
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
// none (or it died, or the connection's connector changed), or waiting for
// the start under way. The start runs outside the lock, and on its own: a
// delivery that gives up waiting (its ctx ended) does not cancel the start
// the others wait for.
func (w *webhookPlugins) plugin(ctx context.Context, h *Hub, conn *config.Connection) (*host.Plugin, error) {
	w.mu.Lock()
	if wp, ok := w.running[conn.Name]; ok && !wp.p.Exited() && wp.connector == conn.Connector {
		w.mu.Unlock()
		return wp.p, nil
	}
	key := conn.Name + "\x00" + conn.Connector
	s, ok := w.starting[key]
	if !ok {
		s = &pluginStart{done: make(chan struct{})}
		if w.starting == nil {
			w.starting = map[string]*pluginStart{}
		}
		w.starting[key] = s
		go w.start(context.WithoutCancel(ctx), h, *conn, key, s)
	}
	w.mu.Unlock()
	select {
	case <-s.done:
		return s.p, s.err
	case <-ctx.Done():
		return nil, fmt.Errorf("start %s for webhooks: %w", conn.Name, ctx.Err())
	}
}

// start starts the connection's warm plugin, installs it in place of the
// one it replaces (stopped), and tells the deliveries waiting for it. The
// host bounds the start (its spec must come within 30 s).
func (w *webhookPlugins) start(ctx context.Context, h *Hub, conn config.Connection, key string, s *pluginStart) {
	defer close(s.done)
	plugins, err := h.Plugins()
	if err == nil {
		s.p, err = plugins.Start(ctx, conn.Connector)
	}
	w.mu.Lock()
	delete(w.starting, key)
	if err != nil {
		w.mu.Unlock()
		s.err = fmt.Errorf("start %s for webhooks: %w", conn.Name, err)
		return
	}
	old, had := w.running[conn.Name]
	if w.running == nil {
		w.running = map[string]warmPlugin{}
	}
	w.running[conn.Name] = warmPlugin{p: s.p, connector: conn.Connector}
	w.mu.Unlock()
	if had {
		plugins.Stop(old.p)
	}
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
