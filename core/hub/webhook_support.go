package hub

// TakesWebhooks reports whether a connection's connector declares webhooks
// (a stream of its spec has the webhook capability; a connector whose
// streams are all discovered, like file, declares none), and whether that
// is known: it is once the config was checked against the specs read from
// the connectors.
func (h *Hub) TakesWebhooks(connection string) (takes, known bool) {
	cfg, err := h.Config()
	if err != nil {
		return false, false
	}
	conn, ok := cfg.Connections[connection]
	if !ok {
		return false, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	spec, ok := h.specs[conn.Connector]
	if !ok || (spec.Version == "" && len(spec.Streams) == 0) {
		return false, false // not checked, or installed but unused: a name only
	}
	for _, st := range spec.Streams {
		if st.Capabilities.Webhook {
			return true, true
		}
	}
	return false, true
}
