package httpx

import "errors"

// StatusOf returns the HTTP status of a failed call: the Status of the
// [*Error] in err's chain, or 0 when there is none or no response came (a
// refused connection, a timeout). A connector reads it where a status
// means something particular to its vendor or its call: a 404 on an
// update (the object is gone), a 401 or 403 in Check (name the setting to
// fix).
func StatusOf(err error) int {
	var he *Error
	if errors.As(err, &he) {
		return he.Status
	}
	return 0
}
