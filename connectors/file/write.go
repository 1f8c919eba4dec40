package file

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// compactMinEnv overrides compactMinBytes (a tuning knob, and how the
// crash tests make compaction frequent).
const compactMinEnv = "CXHUB_FILE_COMPACT_MIN_BYTES"

// compactMinBytes is the least blanked space that starts a compaction;
// past it, a compaction starts once blanked lines take more of the file
// than live ones. So the file is at most about twice its live size, and
// each byte written is copied about once more, on average, by compactions.
const compactMinBytes = 8 << 20

// OpenWriter opens the stream's file for writing by key: the file the
// stream has, in its own format, or else a new <stream>.<format>. When the
// directory exists it opens the file's key index at once (building it from
// the file if it has none, or the file changed since), so that a problem
// shows here; else on the first write.
func (c *Connector) OpenWriter(ctx context.Context, req sdk.OpenWriterRequest) (sdk.Writer, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	if err := checkStreamName(req.Stream); err != nil {
		return nil, sdk.ConfigError(err)
	}
	exists, err := dirExists(cfg)
	if err != nil {
		return nil, err
	}
	sf, ok, err := findStreamFile(cfg.Dir, req.Stream)
	if err != nil {
		return nil, err
	}
	if !ok {
		sf = streamFile{stream: req.Stream, path: filepath.Join(cfg.Dir, req.Stream+"."+string(cfg.Format)), format: cfg.Format}
	}
	keyPath, keyConfigured := cfg.keyPath(req.Stream)
	if sf.format == formatCSV && strings.ContainsAny(keyPath, `.*?|#@\!=`) {
		return nil, sdk.ConfigError(fmt.Errorf("stream %q: key %q: the key of a CSV file must be a top-level column", req.Stream, keyPath))
	}
	unlock, err := c.lockStream(cfg.Dir, req.Stream)
	if err != nil {
		return nil, err
	}
	w := &writer{
		unlock:        unlock,
		dir:           cfg.Dir,
		path:          sf.path,
		idxPath:       filepath.Join(cfg.Dir, "."+filepath.Base(sf.path)+".idx"),
		format:        sf.format,
		keyPath:       keyPath,
		keyConfigured: keyConfigured,
		createDir:     cfg.createDir(),
		compactMin:    compactMinBytes,
		log:           sdk.Logger(ctx).With("stream", req.Stream, "file", sf.path),
	}
	if v, err := strconv.ParseInt(os.Getenv(compactMinEnv), 10, 64); err == nil && v >= 0 {
		w.compactMin = v
	}
	if exists {
		if err := w.ready(); err != nil {
			w.Close(ctx)
			return nil, err
		}
	}
	return w, nil
}

// writer upserts and deletes the records of one stream's file by key. The
// file is written append-only: a new or changed line is appended, and the
// line it replaces (or a deleted key's line) is blanked in place, so that
// readers skip it; a compaction rewrites the file without its blanks once
// they take more room than live lines. Where each key's line is lives in
// an on-disk key index (keyIndex), not in memory.
type writer struct {
	// mu serializes Write, Close and the release of an idle writer's
	// files (write_idle.go).
	mu            sync.Mutex
	idle          *time.Timer // releases the files once the writer idles
	idleGen       uint64      // the number of the last Write, for the idle timer
	unlock        func()
	dir, path     string
	idxPath       string
	format        format
	keyPath       string
	keyConfigured bool
	createDir     bool
	compactMin    int64
	log           *slog.Logger

	idx *keyIndex
	f   *os.File  // the data file, read-write; nil while it does not exist
	m   indexMeta // the file as of the last commit
	// CSV: the columns, and each one's index in header.
	header  []string
	columns map[string]int
	cells   [][]byte // a row's values, reused
	// stale is set when a write failed half-way: the file and its index
	// are brought in line again before the next one.
	stale bool

	batch batch  // the Write in progress
	out   []byte // the batch's appended lines
	read  []byte // a line read back to compare
	fill  []byte // filler bytes for blanking
	blank []byte // what blanks lines next to each other
}

var _ sdk.Writer = (*writer)(nil)

// ready opens the key index and brings it in line with the file, if that
// is not done yet or a write failed since.
func (w *writer) ready() error {
	if w.idx != nil && !w.stale {
		return nil
	}
	if err := w.ensureDir(); err != nil {
		return err
	}
	if w.idx == nil {
		idx, err := openIndex(w.idxPath)
		if err != nil {
			return err
		}
		w.idx = idx
	}
	if err := w.recover(); err != nil {
		return fmt.Errorf("open %s for writing: %w", w.path, err)
	}
	w.stale = false
	return nil
}

// Close releases the stream file and its index. Every batch is already on
// disk.
func (w *writer) Close(context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	defer w.unlock()
	w.stopIdle()
	return w.closeFiles()
}

// closeFiles closes the data file and the key index, releasing its lock;
// the next write opens them again (see ready).
func (w *writer) closeFiles() error {
	var err error
	if w.f != nil {
		err = w.f.Close()
		w.f = nil
	}
	if w.idx != nil {
		if cerr := w.idx.close(); cerr != nil && err == nil {
			err = cerr
		}
		w.idx = nil
	}
	return err
}

// freshMeta is the index's record of a file that does not exist yet.
func (w *writer) freshMeta() indexMeta {
	return indexMeta{Version: indexVersion, Format: string(w.format), KeyPath: w.keyPath}
}

// setHeader makes cells the CSV header.
func (w *writer) setHeader(cells []string) {
	w.header = cells
	w.columns = make(map[string]int, len(cells))
	for i, name := range cells {
		w.columns[name] = i
	}
}
