package scaffold

import "fmt"

// Shape is what a generated connector is: which of sdk.Source and
// sdk.Destination it implements.
type Shape string

// The shapes of a connector.
const (
	// Both is a source and a destination: it reads and writes customers.
	Both Shape = "both"
	// Source only reads: no write code, no write checks.
	Source Shape = "source"
	// Destination only writes: no read code, no read checks.
	Destination Shape = "destination"
)

// Shapes lists the shapes, for a flag's help.
func Shapes() []Shape { return []Shape{Both, Source, Destination} }

// normal returns the shape, Both for "", or an error naming the shapes.
func (s Shape) normal() (Shape, error) {
	switch s {
	case "":
		return Both, nil
	case Both, Source, Destination:
		return s, nil
	}
	return "", fmt.Errorf("unknown connector shape %q: want %s, %s or %s", string(s), Both, Source, Destination)
}

// has reports whether a connector of shape s has the capability c: a file
// for c is generated for it. "" (a file for every shape) is in all.
func (s Shape) has(c Shape) bool { return c == "" || s == Both || s == c }
