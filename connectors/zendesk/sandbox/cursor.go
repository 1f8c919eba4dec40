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

// encode gives the opaque after_cursor of p.
func (p position) encode() string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "zdx1:%d:%d", p.At, p.ID))
}

// decodePosition reads an after_cursor.
func decodePosition(s string) (position, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return position{}, fmt.Errorf("cursor is not one this API gave")
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 3 || parts[0] != "zdx1" {
		return position{}, fmt.Errorf("cursor is not one this API gave")
	}
	at, err1 := strconv.ParseInt(parts[1], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return position{}, fmt.Errorf("cursor is not one this API gave")
	}
	return position{At: at, ID: id}, nil
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
