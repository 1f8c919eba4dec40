package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/state"
)

// Notification is the JSON body POSTed to a receiver when an alert fires
// and when it resolves.
type Notification struct {
	// Version of this shape; fields are only ever added within a version.
	Version int `json:"version"`
	// ID, Key, Kind, Subject: the alert (see state.Alert). ID and Status
	// together identify the notification (the X-Cxhub-Delivery header).
	ID      int64  `json:"id"`
	Key     string `json:"key"`
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
	// Status is "firing", or "resolved" for the recovery notice.
	Status state.AlertStatus `json:"status"`
	// Message says what holds (firing) or why it cleared (resolved).
	Message    string    `json:"message"`
	FiredAt    time.Time `json:"fired_at"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	// Text is the notification in one line for people; with it the body
	// is also a Slack incoming-webhook message.
	Text string `json:"text"`
}

// NotificationVersion is the Version of the Notification shape.
const NotificationVersion = 1

// notificationOf returns the notification of an alert as it is now.
func notificationOf(a state.Alert) Notification {
	n := Notification{Version: NotificationVersion, ID: a.ID, Key: a.Key, Kind: a.Kind, Subject: a.Subject,
		Status: a.Status, Message: a.Message, FiredAt: a.FiredAt.UTC(), ResolvedAt: a.ResolvedAt.UTC()}
	if a.Status == state.AlertResolved {
		n.Text = fmt.Sprintf("[RESOLVED] %s %s after %s: %s", a.Kind, a.Subject,
			a.ResolvedAt.Sub(a.FiredAt).Round(time.Second), a.Message)
	} else {
		n.Text = fmt.Sprintf("[FIRING] %s %s: %s", a.Kind, a.Subject, a.Message)
	}
	return n
}

// sentKey is one receiver told of one status of one alert.
type sentKey struct {
	id       int64
	status   state.AlertStatus
	receiver string
}

// notifyLoop sends what is pending at once, then whenever an alert fires
// or resolves, whenever another process may have raised or resolved one
// (the state changed: see watchLoop), and every NotifyEvery (to retry
// what failed), until ctx ends. A receiver that failed is tried again at
// the next NotifyEvery or the next alert this monitor raises or resolves,
// not at every change of the state: on a busy hub that is every few
// seconds.
func (m *Monitor) notifyLoop(ctx context.Context, st state.Store) {
	t := time.NewTicker(m.opts.NotifyEvery)
	defer t.Stop()
	retryFailed := true
	for {
		m.notifyPass(ctx, st, retryFailed)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			retryFailed = true
		case <-m.notify:
			retryFailed = true
		case <-m.changed:
			retryFailed = false
		}
	}
}

// notifyPending tells the receivers of every alert whose status they were
// not told of, oldest change first, and records in the state what they
// were told, so that a restart does not tell them again. A resolved alert
// whose firing was never sent is recorded without a notice: the receivers
// never heard of it.
func (m *Monitor) notifyPending(ctx context.Context, st state.Store) { m.notifyPass(ctx, st, true) }

// notifyPass is notifyPending; unless retryFailed, a receiver whose POST
// failed less than NotifyEvery ago is left out of the pass.
func (m *Monitor) notifyPass(ctx context.Context, st state.Store, retryFailed bool) {
	defer m.passes.Add(1)
	cfg, err := m.config()
	if err != nil || len(cfg.Monitor.Receivers) == 0 {
		return
	}
	if m.opts.Notifies != nil && !m.opts.Notifies() {
		return // another worker sends them
	}
	var pending []state.Alert
	for _, status := range []state.AlertStatus{state.AlertFiring, state.AlertResolved} {
		alerts, err := st.Alerts(ctx, state.AlertFilter{Status: status, Limit: 1000})
		if err != nil {
			if ctx.Err() == nil {
				m.log.Error("list alerts to notify", "error", err)
			}
			return
		}
		for _, a := range alerts {
			if a.Notified != a.Status {
				pending = append(pending, a)
			}
		}
	}
	sort.Slice(pending, func(i, j int) bool { return pending[i].UpdatedAt.Before(pending[j].UpdatedAt) })
	down := map[string]bool{} // receivers that failed in this pass: tried again next pass
	if !retryFailed {
		m.mu.Lock()
		for name, at := range m.failedAt {
			if time.Since(at) < m.opts.NotifyEvery {
				down[name] = true
			}
		}
		m.mu.Unlock()
	}
	for _, a := range pending {
		if ctx.Err() != nil {
			return
		}
		if a.Status == state.AlertResolved && a.Notified == "" || m.deliver(ctx, cfg.Monitor.Receivers, a, down) {
			if !m.markNotified(ctx, st, a) {
				continue
			}
			m.mu.Lock()
			for _, r := range cfg.Monitor.Receivers {
				delete(m.sent, sentKey{a.ID, a.Status, r.Name}) // the state remembers it now
			}
			m.mu.Unlock()
		}
	}
}

// markNotified records that the receivers were told of an alert's status.
// It does so even when ctx has just ended: the receivers have it, and a
// restart must not send it again.
func (m *Monitor) markNotified(ctx context.Context, st state.Store, a state.Alert) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := st.MarkAlertNotified(ctx, a.ID, a.Status); err != nil {
		m.log.Error("record alert notified", "id", a.ID, "error", err)
		return false
	}
	return true
}

// deliver POSTs an alert's notification to each receiver not told yet
// and not down (failed earlier in this pass; it joins down if it fails),
// and reports whether every receiver has it now (a receiver that refused
// it for good counts as told: sending it again would not help).
func (m *Monitor) deliver(ctx context.Context, receivers []config.Receiver, a state.Alert, down map[string]bool) bool {
	body, err := json.Marshal(notificationOf(a))
	if err != nil {
		m.log.Error("encode alert notification", "id", a.ID, "error", err)
		return false
	}
	all := true
	for _, r := range receivers {
		k := sentKey{a.ID, a.Status, r.Name}
		m.mu.Lock()
		done := m.sent[k]
		m.mu.Unlock()
		if done {
			continue
		}
		if down[r.Name] {
			all = false
			continue
		}
		err := m.post(ctx, r, a, body)
		var refused *refusedError
		switch {
		case err == nil:
			m.log.Info("alert notification sent", "receiver", r.Name, "id", a.ID, "status", a.Status)
		case errors.As(err, &refused):
			m.log.Error("alert receiver refused the notification; not sending it again", "receiver", r.Name,
				"id", a.ID, "status", a.Status, "error", err)
		default:
			if ctx.Err() == nil {
				m.log.Error("alert notification failed; will try again", "receiver", r.Name, "id", a.ID,
					"status", a.Status, "error", err)
			}
			all = false
			down[r.Name] = true
			m.mu.Lock()
			m.failedAt[r.Name] = time.Now()
			m.mu.Unlock()
			continue
		}
		m.mu.Lock()
		m.sent[k] = true
		delete(m.failedAt, r.Name)
		m.mu.Unlock()
	}
	return all
}

// shutdownGrace is how long a POST under way may go on once the monitor
// is stopping.
const shutdownGrace = 2 * time.Second

// refusedError is a receiver's answer that retrying cannot change (a 4xx
// other than 408 and 429).
type refusedError struct{ status int }

func (e *refusedError) Error() string {
	return fmt.Sprintf("receiver answered %d %s", e.status, http.StatusText(e.status))
}

// post sends one notification to one receiver, signed afresh on each try,
// retrying network errors, 408, 429 and 5xx answers with exponential
// backoff, NotifyRetries times at most.
func (m *Monitor) post(ctx context.Context, r config.Receiver, a state.Alert, body []byte) error {
	delivery := strconv.FormatInt(a.ID, 10) + "." + string(a.Status)
	// A POST under way when ctx ends gets a moment to finish, so that a
	// receiver that has the notification is known to have it.
	reqCtx, cancelReq := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelReq()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(shutdownGrace, cancelReq) })
	defer stop()
	send := func() error {
		req, err := http.NewRequestWithContext(reqCtx, http.MethodPost, r.URL, bytes.NewReader(body))
		if err != nil {
			return backoff.Permanent(fmt.Errorf("post to %s: its url does not parse", r.Name))
		}
		ts := strconv.FormatInt(m.opts.Now().Unix(), 10)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "cxhub-monitor")
		req.Header.Set(HeaderDelivery, delivery)
		req.Header.Set(HeaderTimestamp, ts)
		if r.Secret != "" {
			req.Header.Set(HeaderSignature, Sign(r.Secret, ts, body))
		}
		resp, err := m.opts.Client.Do(req)
		if err != nil {
			// Not the URL: a Slack webhook's URL is its credential.
			var uerr *url.Error
			if errors.As(err, &uerr) {
				err = uerr.Err
			}
			return fmt.Errorf("post to %s: %s", r.Name, m.hub.Redact(err.Error()))
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		switch s := resp.StatusCode; {
		case s >= 200 && s < 300:
			return nil
		case s == http.StatusRequestTimeout || s == http.StatusTooManyRequests || s >= 500:
			return fmt.Errorf("post to %s: answered %d %s", r.Name, s, http.StatusText(s))
		default:
			return backoff.Permanent(&refusedError{status: s})
		}
	}
	bo := backoff.NewExponentialBackOff(backoff.WithInitialInterval(m.opts.NotifyBackoff),
		backoff.WithMaxInterval(30*time.Second), backoff.WithMaxElapsedTime(0))
	return backoff.Retry(send, backoff.WithContext(backoff.WithMaxRetries(bo, uint64(m.opts.NotifyRetries)), ctx))
}
