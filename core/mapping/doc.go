// Package mapping is the per-record hot path of a pipeline: it turns a source
// record's JSON into a destination record's JSON (a pipeline's "map:") and
// decides whether a record is synced at all (a pipeline's "where:").
//
// Both are compiled once, when the configuration is loaded, into immutable
// values that are safe for concurrent use: a [Mapper] from [Compile] and a
// [Filter] from [CompileFilter]. Applying them works on raw JSON bytes with
// gjson: no document is ever decoded into maps, no reflection, no
// encoding/json. [Mapper.Apply] appends into a buffer the caller owns, so a
// caller that reuses its buffer maps records without allocating.
//
// A caller that filters and maps the same record (the engine) prepares it
// once as a [Doc]: the record is checked once, its top-level members are
// found in one pass, and each plain path (names joined by dots) is answered
// from the member it starts with instead of a scan of the whole record.
// [Filter.MatchDoc] and [Mapper.ApplyDoc] give exactly what [Filter.Match]
// and [Mapper.Apply] give.
//
// The package is not for: reading YAML (core/config turns "map:" into
// []Field and hands "where:" over as a string), transforming values
// (no functions, no arithmetic, no type conversions beyond a template's
// string form), or the canonical customer model (core/identity).
//
// # Mapping
//
// A map is an ordered list of destination fields. Each field is one of:
//
//   - a path: a gjson path into the source record, such as properties.email,
//     emails.0, tags.#, name.first or friends.#(last=="Murphy").first. The
//     value is copied as its raw JSON, so numbers stay numbers and objects stay
//     objects. When the path matches nothing the field is left out. A JSON null
//     in the source is copied as null.
//   - a template: any expression containing "{{", such as
//     "{{properties.firstname}} {{properties.lastname}}". Literal text is kept;
//     each {{path}} renders the string form of the value (a string's text, a
//     number as written, true or false, an object or array as its JSON text;
//     null and missing values render as nothing). Spaces just inside the braces
//     are ignored: {{ name }} is {{name}}. The result is trimmed of leading and
//     trailing whitespace, and the whitespace on both sides of a part that
//     rendered nothing collapses into the first run, so a missing middle name
//     leaves one space, not two. A template always produces a JSON string,
//     possibly "".
//   - a constant: any JSON value, emitted as written.
//
// Destination names with dots build nested objects: properties.email
// becomes {"properties":{"email":...}}. Keys come out in field order; the
// fields of a nested object are grouped at the place where its first field
// appears (a.x, b, a.y gives {"a":{"x":..,"y":..},"b":..}). A nested object
// whose fields are all missing is left out rather than written as {}. A name
// cannot contain a literal dot, and it cannot be both a value and an object
// (a and a.b), nor appear twice.
//
// Compile rejects an empty name or name segment, an empty path, a path with
// unbalanced brackets, parentheses, braces or quotes, an empty path segment
// (a..b, .a, a.), an unclosed "{{" or an empty "{{}}" in a template, and a
// constant that is not valid JSON.
//
// A nil *Mapper (a pipeline without "map:") is the identity.
//
// # Filter expressions
//
// A "where:" expression is a condition on the record, for example
//
//	properties.email != "" && properties.score >= 7
//	not archived and (country == "DE" or country == "AT")
//	email contains "@example.com"
//	status in ["open", "pending"]
//
// Operands:
//
//   - paths, written bare: a gjson path made of letters, digits and
//     _ . # - @ * ? (non-ASCII letters are fine). A path starts with a letter,
//     _, @, # or a backslash; a backslash escapes the next character, so
//     first\ name is the key "first name" and \and is a key named "and".
//     gjson queries and multipaths, which need parentheses or braces, are not
//     available in filters.
//   - strings in "double" or 'single' quotes, with the escapes \" \' \\ \/
//     \b \f \n \r \t and \uXXXX.
//   - numbers: 7, -3, 2.5, 1e6.
//   - true, false and null.
//
// Operators, from the tightest binding to the loosest:
//
//	!  not                         negation
//	== != < <= > >= contains in    comparison (one per operand pair, no chains)
//	&& and                         both
//	|| or                          either
//
// Parentheses group. Keywords are lower case. Because ! binds tighter than a
// comparison, !a == b means (!a) == b; write !(a == b) to negate a comparison.
// A negation or a parenthesised condition is a boolean: comparing it with
// anything but true, false, a path or another condition, or with an operator
// other than == and !=, is rejected when the filter is compiled.
//
// Meaning:
//
//   - An operand on its own is a truth test: it holds when the value exists
//     and is not false, null, "", 0, [] or {} (the strings "false" and "0"
//     are true).
//   - A missing value, a JSON null and "" all mean "no value": with == and
//     != they equal each other, so properties.email != "" holds only when
//     there is a non-empty email, and so does properties.email != null.
//   - When both sides are numbers, or one is a number and the other a string
//     that reads as a number ("9", "-2.5", "1e3"), they compare as numbers:
//     properties.score >= 7 holds for "score":"9". Two strings compare as
//     strings even when both read as numbers.
//   - true and false equal JSON booleans only: active == true does not hold
//     for "active":"true".
//   - Everything else compares as strings, ordered by bytes; objects and
//     arrays compare as their JSON text.
//   - <, <=, > and >= never hold when either side is missing, null, true or
//     false.
//   - a contains b: when a is an array, one of its elements equals b; otherwise
//     the string form of a contains the string form of b (case-sensitive).
//     Never holds when either side is missing or null.
//   - a in [v1, v2, ...]: a equals one of the listed strings, numbers, booleans
//     or null.
//
// A syntax error is a [*SyntaxError] that says what was expected and where,
// as a 0-based byte offset into the expression:
//
//	expected a value after "==" at offset 18
//	unterminated string at offset 3
//	unexpected ")" at offset 9
package mapping
