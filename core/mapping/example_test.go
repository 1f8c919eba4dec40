package mapping_test

import (
	"encoding/json"
	"fmt"

	"github.com/cxhub/cxhub/core/mapping"
)

func ExampleCompile() {
	m, err := mapping.Compile([]mapping.Field{
		{Name: "email", Expr: "properties.email"},
		{Name: "name", Expr: "{{properties.firstname}} {{properties.middlename}} {{properties.lastname}}"},
		{Name: "external_id", Expr: "id"},
		{Name: "user_fields.score", Expr: "properties.score"},
		{Name: "user_fields.fax", Expr: "properties.fax"},
		{Name: "verified", Const: json.RawMessage(`true`)},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	src := []byte(`{"id":51,"properties":{"email":"ada@example.com","firstname":"Ada","lastname":"Lovelace","score":"9"}}`)
	out, err := m.Apply(nil, src)
	fmt.Println(string(out), err)
	// Output:
	// {"email":"ada@example.com","name":"Ada Lovelace","external_id":51,"user_fields":{"score":"9"},"verified":true} <nil>
}

func ExampleCompile_error() {
	_, err := mapping.Compile([]mapping.Field{
		{Name: "properties", Expr: "props"},
		{Name: "properties.email", Expr: "email"},
	})
	fmt.Println(err)
	// Output:
	// map field 1: destination "properties.email" conflicts with field 0 "properties": "properties" cannot be both a value and an object
}

func ExampleCompileFilter() {
	f, err := mapping.CompileFilter(`properties.email != "" && properties.score >= 7`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Match([]byte(`{"properties":{"email":"ada@example.com","score":"9"}}`)))
	fmt.Println(f.Match([]byte(`{"properties":{"email":"","score":"9"}}`)))
	fmt.Println(f.Match([]byte(`{"properties":{"score":"9"}}`)))
	fmt.Println(f.Match([]byte(`{"properties":{"email":"bob@example.com","score":"5"}}`)))
	// Output:
	// true
	// false
	// false
	// false
}

func ExampleCompileFilter_error() {
	_, err := mapping.CompileFilter(`properties.email==`)
	fmt.Println(err)
	// Output:
	// expected a value after "==" at offset 18
}
