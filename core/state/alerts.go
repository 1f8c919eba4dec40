package state

import (
	"errors"
	"time"
)

// AlertStatus is where an alert is in its life: firing, then resolved.
type AlertStatus string

const (
	// AlertFiring is a condition that holds now.
	AlertFiring AlertStatus = "firing"
	// AlertResolved is a condition that held and has cleared.
	AlertResolved AlertStatus = "resolved"
)

// Alert is a condition the hub's monitor raised: a connection failing its
// checks, a stale pipeline, an error rate or dead-letter depth past its
// threshold, a hung plugin. At most one alert per Key fires at a time (the
// dedup key); when it clears it is resolved, and a later recurrence is a
// new alert.
type Alert struct {
	ID      int64       `json:"id"`
	Key     string      `json:"key"`     // dedup key, e.g. "connection_failing:crm"
	Kind    string      `json:"kind"`    // e.g. connection_failing, pipeline_stale
	Subject string      `json:"subject"` // the connection or pipeline it is about
	Status  AlertStatus `json:"status"`
	Message string      `json:"message"`
	// Notified is the last status the receivers were told of ("" for
	// none): a restart does not tell them again.
	Notified   AlertStatus `json:"notified,omitempty"`
	FiredAt    time.Time   `json:"fired_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
	ResolvedAt time.Time   `json:"resolved_at,omitzero"`
}

// Validate reports an alert that cannot be raised.
func (a Alert) Validate() error {
	if a.Key == "" || a.Kind == "" || a.Subject == "" {
		return errors.New("alert: key, kind and subject are required")
	}
	return nil
}

// AlertFilter selects alerts; zero values select all, newest first, 100.
type AlertFilter struct {
	Status AlertStatus
	Limit  int
}
