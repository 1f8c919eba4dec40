package sandbox

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// position is a place in an incremental export: after the item updated at
// At (unix seconds) with id ID. Items are exported in (At, ID) order.
type position struct {
	At int64
	ID int64
}

func (p position) before(q position) bool {
	return p.At < q.At || (p.At == q.At && p.ID < q.ID)
}

// encode gives the opaque after_cursor of p, in the shape Zendesk's
// cursors have: base64 of "<unix seconds>.0||<id>|" (Zendesk's own example
// "MTU3NjYxMzUzOS4wfHw0Njd8" is "1576613539.0||467|").
func (p position) encode() string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "%d.0||%d|", p.At, p.ID))
}

// decodePosition reads an after_cursor.
func decodePosition(s string) (position, error) {
	bad := fmt.Errorf("cursor is not one this API gave")
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return position{}, bad
	}
	at, rest, ok1 := strings.Cut(string(raw), ".0||")
	id, ok2 := strings.CutSuffix(rest, "|")
	if !ok1 || !ok2 {
		return position{}, bad
	}
	a, err1 := strconv.ParseInt(at, 10, 64)
	i, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil {
		return position{}, bad
	}
	return position{At: a, ID: i}, nil
}

// encodeID and decodeID are the list endpoints' page[after] cursors.
func encodeID(id int64) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "zdl1:%d", id))
}

func decodeID(s string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, fmt.Errorf("page[after] is not a cursor this API gave")
	}
	v, ok := strings.CutPrefix(string(raw), "zdl1:")
	id, err := strconv.ParseInt(v, 10, 64)
	if !ok || err != nil {
		return 0, fmt.Errorf("page[after] is not a cursor this API gave")
	}
	return id, nil
}
