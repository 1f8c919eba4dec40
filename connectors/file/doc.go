// Package file is the cxhub connector for plain data files: it reads and
// writes CSV and JSON Lines files, one file per stream, in one directory.
// It is a Source, a Destination and a Discoverer, and builds to the plugin
// binary cxhub-connector-file (see cmd/cxhub-connector-file).
//
// It is for files that people and other programs drop into or pick up from
// a directory: exports, imports, hand-made fixtures, the output of a script.
// It is not a database, though its writer is built like a small storage
// engine: append-only writes, an on-disk key index beside the file, and
// compaction; one process writes a stream at a time.
//
// # Configuration
//
//	config:
//	  dir: ./data/in            # required; relative to the plugin's working directory
//	  format: jsonl             # jsonl (default) or csv: for files the writer creates
//	  create_dir: true          # default true: create dir on the first write
//	  streams:                  # optional, per stream
//	    customers:
//	      key: id               # gjson path of the record's key; default "id"
//	      cursor: updated_at    # read incrementally by this field instead of by offset
//
// A stream named customers is the file customers.jsonl, customers.ndjson or
// customers.csv in dir; two of them at once is a configuration error. Files
// whose names begin with a dot are ignored. A stream declared under streams
// may have no file yet: it then reads as empty and is created on the first
// write.
//
// # Reading
//
// A JSON Lines file holds one JSON object per line; blank lines are
// skipped. A CSV file (RFC 4180: quoted cells may hold commas, quotes and
// line breaks) has a header row; every other row becomes an object of
// string values in header order. A record's Key is the value at the
// stream's key path, or "<stream>:<line>" when it has none; its UpdatedAt is
// the cursor field's value when that is an RFC 3339 time.
//
// A line that cannot be used (not a JSON object, a row with the wrong number
// of cells, bytes that are not UTF-8, an object nested more than 10,000
// levels deep) does not stop the read: it becomes a record with Problem set
// ("line 12: invalid JSON: ...", "line 4: invalid UTF-8 at byte offset 9
// in the record, 120 in the file") and the raw line as Data, which the core
// dead-letters. Data is never changed: invalid UTF-8 is not replaced by
// U+FFFD. A final line without a newline is read when it parses; when it
// does not, it is taken to be still being written and left for the next
// read.
//
// A quoted CSV cell may hold line breaks, so a stray quote could otherwise
// swallow the rest of the file. The rule: when the file ends inside a
// quoted cell and at least one complete line (ending in a line break)
// follows the line the record starts on, the record is a bad row: that
// first line is dead-lettered ("quoted cell opened on this line is not
// closed before the end of the file") and reading goes on with the next
// line. When no complete line follows it, the record is taken to be still
// being written, like an unfinished final line, and left for the next
// read. So a program that writes cells with line breaks into a file being
// read should append each record with one write.
//
// A stray quote that a later one closes (an inches mark: 12",) would make
// the rows between them one cell. When a quoted cell runs over two or more
// lines besides its last and every one of them reads as a whole row (the
// header's number of cells, no quote open), the record's first line is
// dead-lettered ("quoted cell opened on this line runs over the next 47
// lines, each of which reads as a whole row: a stray quote?") and those
// lines are read as rows of their own. Text in a quoted cell (a note, an
// address) is not taken for rows: not every one of its lines has the shape
// of a row. A stray quote that swallows a single row is not recognised.
//
// By default a read is incremental by position: the checkpoint holds the
// byte offset and line number reached and hashes of the bytes around it. A
// file found shorter than the checkpoint, or changed before it, is read
// again from the start (with a warning): destinations are idempotent, so a
// repeat costs time, never correctness. This suits files that only grow.
// The file is streamed; memory stays flat whatever its size.
//
// With streams.<s>.cursor set, a read is incremental by that field: the
// checkpoint holds the greatest cursor value emitted and the keys emitted
// at that value, and a later read emits every record after it, in
// (cursor, key) order. This suits files rewritten in place, like those this
// connector writes. Cursor values compare as numbers when both are
// numbers, as times when both are RFC 3339 times, and as strings otherwise;
// across kinds, numbers come before times and times before other strings,
// which keeps the order total. Memory grows with the number of changed
// records: up to 64 MiB of them are held as read, past that only their
// key, cursor and position, and they are read from the file again to be
// emitted.
//
// Lines without a cursor value (records without the field, or with it null
// or empty, and problem lines) are emitted before the others, in file
// order, when the checkpoint does not list them: the checkpoint also holds
// the 64-bit FNV-1a hashes of those in the file, of their record's key,
// problem and data. So a line added or changed since is emitted (a problem
// line is dead-lettered), and an unchanged one is not; a record without a
// key of its own and a problem line are keyed by their line number, and
// are emitted again when they move to another line. Only the hashes of the
// last 10,000 such lines in the file are kept: past that, each read warns
// and emits the earlier ones again. A full read emits them all, and a
// checkpoint written before the hashes were kept lists none, so the first
// read from it emits them all again: a repeat (a problem line is then
// dead-lettered twice), never a gap.
//
// # Writing
//
// A writer upserts and deletes by key, idempotently: writing a record again
// changes nothing, and writing a batch twice leaves the file byte-identical.
// The key is the value at streams.<s>.key in the record's data when that is
// configured (a record without it is a bad record); otherwise the data's
// "id", else the record's TargetID, else its source Key — and then the key
// is written into the line as "id", so that the file stays keyed when it is
// opened again. A delete may carry no data: its key is then its TargetID
// (or, without a configured key, its Key). A delete that names no line —
// a configured key its data lacks, and no TargetID, so the core never
// linked its record to one — has nothing to do and succeeds.
//
// The writer creates <stream>.<format> unless the stream already has a file,
// whose format is kept. JSON Lines output is one compact object per line;
// CSV output has a header of the columns in the order first seen (a new
// column rewrites the file with a wider header) and writes nested values as
// their JSON text.
//
// The file is written append-only (write*.go): when Write returns, the
// batch's new and changed lines are appended, the lines they replace and
// those of deleted keys are blanked in place (spaces in JSON Lines, line
// breaks in CSV: blank lines, which readers skip), the file is synced, and
// then the key index is committed. The key index, .<file>.idx beside the
// file, is a SQLite database mapping each key to its line's offset and
// length; it is a cache of the file, which stays the truth, so a file that
// differs from what the index says (no index yet, another inode, shorter,
// longer) is indexed again when it is opened for writing. Once blanked
// lines take more room than live ones, the file is compacted: copied
// without its blanks to a temporary file that is synced and renamed over
// it. A torn final line (a crash during an append) is cut off when the
// file is next opened for writing. Lines the writer cannot parse, or that
// have no key, are kept as they are; of a key on several lines (a file
// edited by hand), the last counts and the others are blanked.
//
// See README.md for the crash guarantees and what each crash leaves.
package file
