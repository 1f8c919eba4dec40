// Package connectordocs keeps the reference pages of the repository's
// connectors, docs/connectors/<name>.md, equal to their specs: its test
// renders each page with sdk/specdoc and fails when the checked-in page is
// stale; `make docs` (go test ./core/connectordocs -update) rewrites them.
// The inline example's page is kept by its own test, since a main package
// cannot be imported.
package connectordocs

// Dir is the pages' directory, from the repository's root.
const Dir = "docs/connectors"
