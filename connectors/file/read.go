package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/cxhub/cxhub/sdk"
)

// Read reads the requested streams one after the other, each incrementally
// by offset or, when the stream has a cursor configured, by cursor.
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return err
	}
	batchSize := req.BatchSize
	if batchSize <= 0 {
		batchSize = sdk.DefaultBatchSize
	}
	for _, st := range req.Streams {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.readStream(ctx, cfg, st, batchSize, out); err != nil {
			return fmt.Errorf("read stream %q: %w", st.Stream, err)
		}
	}
	return nil
}

func (c *Connector) readStream(ctx context.Context, cfg config, st sdk.StreamState, batchSize int, out sdk.Emitter) error {
	if err := checkStreamName(st.Stream); err != nil {
		return sdk.ConfigError(err)
	}
	log := sdk.Logger(ctx).With("stream", st.Stream)
	if _, err := dirExists(cfg); err != nil {
		return err
	}
	sf, ok, err := findStreamFile(cfg.Dir, st.Stream)
	if err != nil {
		return err
	}
	if !ok {
		if cfg.declared(st.Stream) {
			log.Info("stream has no file yet: nothing to read", "dir", cfg.Dir)
			return nil
		}
		return sdk.ConfigError(fmt.Errorf("no file %s.jsonl, %[1]s.ndjson or %[1]s.csv in %s", st.Stream, cfg.Dir))
	}
	f, err := os.Open(sf.path)
	if err != nil {
		return fmt.Errorf("open %s: %w", sf.path, err)
	}
	defer f.Close()
	keyPath, _ := cfg.keyPath(st.Stream)
	src := &source{
		file: f,
		path: sf.path,
		dec: decoder{
			stream:     st.Stream,
			format:     sf.format,
			keyPath:    keyPath,
			cursorPath: cfg.cursorPath(st.Stream),
		},
		out:         out,
		batchSize:   batchSize,
		holdBytes:   c.cursorHold,
		noCursorMax: c.noCursorMax,
		log:         log.With("file", sf.path),
	}
	if src.dec.cursorPath != "" {
		return src.readByCursor(ctx, st.State)
	}
	return src.readByOffset(ctx, st.State)
}

// source is the read of one stream's file.
type source struct {
	file        *os.File
	path        string
	dec         decoder
	out         sdk.Emitter
	batchSize   int
	holdBytes   int // see cursorHoldBytes
	noCursorMax int // see noCursorMaxLines
	log         *slog.Logger
}

// scanner returns a scanner of the records from a position: for CSV, one
// that knows a row's cells from the header, to tell a stray quote.
func (s *source) scanner(from position) *scanner {
	sc := newScanner(s.file, from, s.dec.format == formatCSV)
	if s.dec.header != nil {
		sc.rowCells = len(s.dec.header.names)
	}
	return sc
}

// readHeader reads a CSV file's header (its first non-blank record) into
// the decoder and returns the position after it; ok is false when the file
// has no complete header yet. A JSON Lines file has none: it returns the
// start of the file.
func (s *source) readHeader() (after position, ok bool, err error) {
	if s.dec.format != formatCSV {
		return position{}, true, nil
	}
	sc := newScanner(s.file, position{}, true)
	for {
		c, err := sc.next()
		if errors.Is(err, io.EOF) {
			return position{}, false, nil
		}
		if err != nil {
			return position{}, false, fmt.Errorf("read %s: %w", s.path, err)
		}
		if !c.terminated {
			return position{}, false, nil // the header is still being written
		}
		raw := trimCR(c.raw)
		if len(raw) == 0 {
			continue
		}
		if at := invalidUTF8(raw); at >= 0 {
			return position{}, false, sdk.ConfigError(fmt.Errorf("%s: header line %d: invalid UTF-8 at byte offset %d in the file", s.path, c.line, c.start+int64(at)))
		}
		cells, err := parseCSVRecord(raw, nil)
		if err == nil {
			s.dec.header, err = newCSVHeader(cells)
		}
		if err != nil {
			return position{}, false, sdk.ConfigError(fmt.Errorf("%s: header line %d: %w", s.path, c.line, err))
		}
		return sc.pos, true, nil
	}
}

// emit sends a batch of records, if there are any.
func (s *source) emit(batch []sdk.Record) error {
	if len(batch) == 0 {
		return nil
	}
	return s.out.Emit(batch...)
}

// kept returns rec with its own copy of its data, safe to keep past the
// decoder's next call.
func kept(rec sdk.Record) sdk.Record {
	rec.Data = bytes.Clone(rec.Data)
	return rec
}
