package scaffold_test

import (
	"fmt"

	"github.com/cxhub/cxhub/core/scaffold"
)

func ExampleValidateName() {
	for _, name := range []string{"acme_crm", "Acme-CRM", "type"} {
		fmt.Println(name, "->", scaffold.ValidateName(name))
	}
	// Output:
	// acme_crm -> <nil>
	// Acme-CRM -> connector name "Acme-CRM" is not allowed: a connector name is lower case: a letter, then letters, digits or underscores ([a-z][a-z0-9_]*), since it becomes a Go package name and the binary cxhub-connector-<name>
	// type -> connector name "type" is a Go keyword, which cannot name a package: choose another
}

func ExampleBinaryName() {
	fmt.Println(scaffold.BinaryName("acme"))
	// Output: cxhub-connector-acme
}
