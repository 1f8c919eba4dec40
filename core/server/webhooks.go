package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// deliveryHeaders are vendors' delivery id headers, most specific first.
// Without one, a delivery is known by the SHA-256 of its body: a vendor's
// redelivery repeats the body byte for byte.
var deliveryHeaders = []string{"X-Shopify-Webhook-Id", "X-Zendesk-Webhook-Invocation-Id", "X-Cxhub-Delivery-Id"}

// webhook handles POST /webhooks/{connection}: the connection's connector
// verifies the vendor's signature and makes records of the request; they
// are stored durably in the inbox BEFORE the vendor gets its 2xx, then the
// pipelines reading that connection deliver them. A bad or missing
// signature gets 401 and stores nothing; a redelivery is acknowledged and
// ignored. A connection whose connector takes no webhooks gets 404, one
// not set up for them (a connector's config error, such as a missing
// signing secret) 400: neither is worth a vendor's retry. Only a failure
// to store (or a plugin that did not answer) gets 503.
func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	connection := r.PathValue("connection")
	outcome := "error"
	defer func() {
		if s.opts.Metrics != nil {
			s.opts.Metrics.WebhookDelivery(connection, outcome)
		}
	}()
	if _, ok := s.config().Connections[connection]; !ok {
		outcome = "unknown_connection"
		writeError(w, http.StatusNotFound, "no connection named "+connection)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.config().Server.MaxBodyBytes))
	if err != nil {
		outcome = "rejected"
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "webhook body larger than server.max_body_bytes")
			return
		}
		writeError(w, http.StatusBadRequest, "read webhook body: "+err.Error())
		return
	}
	delivery := ""
	for _, h := range deliveryHeaders {
		if v := r.Header.Get(h); v != "" {
			delivery = h + ":" + v
			break
		}
	}
	if delivery == "" {
		sum := sha256.Sum256(body)
		delivery = "sha256:" + hex.EncodeToString(sum[:])
	}
	req := sdk.WebhookRequest{Method: r.Method, URL: r.URL.RequestURI(), Header: r.Header.Clone(), Body: body}
	// Bounded: the vendor gives up on a slow answer anyway, and a plugin
	// that cannot answer (hung, stopped) is replaced by the hub.
	ctx, cancel := context.WithTimeout(r.Context(), s.config().Server.WebhookTimeout)
	defer cancel()
	pushed, err := s.hub.HandleWebhook(ctx, connection, req, delivery)
	if err != nil {
		switch sdk.KindOf(err) {
		case sdk.KindAuth:
			outcome = "rejected"
			s.log.Warn("webhook refused: signature did not verify", "connection", connection, "remote", r.RemoteAddr, "error", err)
			writeError(w, http.StatusUnauthorized, "webhook signature did not verify")
		case sdk.KindBadRecord:
			outcome = "rejected"
			s.log.Warn("webhook refused: bad request", "connection", connection, "error", err)
			writeError(w, http.StatusBadRequest, s.hub.Redact(err.Error()))
		case sdk.KindConfig:
			// The connection cannot take webhooks: its connector has no
			// webhook support, or lacks a setting (a signing secret). A
			// retry cannot mend that, so the vendor is told not to.
			outcome = "rejected"
			if takes, known := s.hub.TakesWebhooks(connection); known && !takes {
				s.log.Warn("webhook refused: the connection's connector takes no webhooks", "connection", connection, "error", err)
				writeError(w, http.StatusNotFound, "connection "+connection+" takes no webhooks")
				return
			}
			s.log.Warn("webhook refused: the connection is not set up to take webhooks", "connection", connection, "error", err)
			writeError(w, http.StatusBadRequest, "connection "+connection+" is not set up to take webhooks: "+s.hub.Redact(err.Error()))
		default:
			s.log.Error("webhook not stored: the vendor should retry", "connection", connection, "error", err)
			writeError(w, http.StatusServiceUnavailable, "webhook not stored; retry")
		}
		return
	}
	outcome = "accepted"
	if pushed.Records > 0 && pushed.New == 0 {
		outcome = "duplicate"
	}
	if pushed.New > 0 {
		s.pushArrived(connection, pushed.Streams, arrived)
	}
	status := pushed.Response.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	if len(pushed.Response.Body) > 0 {
		w.WriteHeader(status)
		_, _ = w.Write(pushed.Response.Body)
		return
	}
	writeJSON(w, status, map[string]any{"records": pushed.Records, "new": pushed.New})
}

// webhookProbe answers the HEAD request some vendors send to a webhook URL
// before they subscribe it (SurveyMonkey asks for a 200 when a webhook is
// created): 200 for a connection whose connector takes webhooks, 404 for
// any other. Nothing is stored, and no body is sent.
func (s *Server) webhookProbe(w http.ResponseWriter, r *http.Request) {
	connection := r.PathValue("connection")
	if _, ok := s.config().Connections[connection]; !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if takes, known := s.hub.TakesWebhooks(connection); known && !takes {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// pushArrived asks every pipeline reading one of the streams of a
// connection to deliver what arrived.
func (s *Server) pushArrived(connection string, streams []string, arrived time.Time) {
	for _, p := range s.config().Pipelines {
		if p.From.Connection != connection {
			continue
		}
		for _, st := range streams {
			if p.From.Stream == st {
				if w, ok := s.worker(p.Name); ok {
					w.requestPush(arrived)
				}
				break
			}
		}
	}
}
