// Package fieldcheck helps the SDK's tests that compare a value before and
// after it crossed the protocol: it makes sure the value sets every field,
// so that a field the protocol drops cannot go unnoticed. Tests only.
package fieldcheck

import (
	"fmt"
	"reflect"
	"testing"
)

// NoZero fails t if any field of v (a struct, followed into structs and
// slices) is the zero value; path names v in the messages.
func NoZero(t testing.TB, path string, v reflect.Value) {
	t.Helper()
	if v.IsZero() {
		t.Errorf("fixture leaves %s zero: the comparison would not see it dropped", path)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			NoZero(t, path+"."+v.Type().Field(i).Name, v.Field(i))
		}
	case reflect.Slice:
		for i := range v.Len() {
			NoZero(t, fmt.Sprintf("%s[%d]", path, i), v.Index(i))
		}
	}
}
