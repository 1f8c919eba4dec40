package generator

import (
	"fmt"
	"strconv"

	"github.com/tidwall/gjson"
)

// A stream's checkpoint is {"next":N}: every record before record N (0 to
// N-1, keys ...00001 to N) has been emitted.

// appendState appends the checkpoint state of a read that has emitted
// every record before next.
func appendState(dst []byte, next int64) []byte {
	dst = append(dst, `{"next":`...)
	dst = strconv.AppendInt(dst, next, 10)
	return append(dst, '}')
}

// parseState returns the first record a read from state must emit: 0 for
// no state.
func parseState(state []byte) (int64, error) {
	if len(state) == 0 {
		return 0, nil
	}
	if !gjson.ValidBytes(state) {
		return 0, fmt.Errorf("checkpoint %.100q is not JSON", state)
	}
	next := gjson.GetBytes(state, "next")
	if next.Type != gjson.Number || next.Num != float64(next.Int()) || next.Int() < 0 {
		return 0, fmt.Errorf("checkpoint %.100q has no next record number", state)
	}
	return next.Int(), nil
}
