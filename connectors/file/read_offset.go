package file

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// hashWindow is how many bytes at the start of the file, and just before
// the checkpoint, an offset state hashes to notice that the file was
// rewritten rather than appended to.
const hashWindow = 4096

// offsetState is the checkpoint of a read by offset.
type offsetState struct {
	// Offset and Line are where the next read starts: a line boundary.
	Offset int64 `json:"offset"`
	Line   int   `json:"line"`
	// Size is the file's size when the checkpoint was taken.
	Size int64 `json:"size"`
	// Head is the SHA-256 of the first min(4096, Offset) bytes; Tail, of
	// the min(4096, Offset) bytes before Offset.
	Head string `json:"head"`
	Tail string `json:"tail,omitempty"`
	// OpenLine is the length of a final line without a newline that ends
	// at Offset: if the file grows, that line is read again, whole.
	OpenLine int64 `json:"open_line,omitempty"`
}

// readByOffset emits the records after the state's offset, with a
// checkpoint after each batch and at the end. It streams the file.
func (s *source) readByOffset(ctx context.Context, state []byte) error {
	from, err := s.resume(state)
	if err != nil {
		return err
	}
	afterHeader, ok, err := s.readHeader()
	if err != nil {
		return err
	}
	if !ok {
		return s.checkpointOffset(position{}, 0) // a CSV file without a complete header yet
	}
	if from.off < afterHeader.off {
		from = afterHeader
	}
	sc := s.scanner(from)
	at, openLine := from, int64(0)
	batch := make([]sdk.Record, 0, s.batchSize)
	for n := 0; ; n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		c, err := sc.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", s.path, err)
		}
		rec, blank := s.dec.decode(c)
		if !c.terminated {
			if blank || rec.Problem != "" {
				s.log.Debug("final line has no newline and does not parse: left for the next read", "line", c.line)
				break
			}
			batch = append(batch, kept(rec))
			// Checkpoint past the line only if nothing was appended to it
			// meanwhile; if it grows later, the state's OpenLine has it
			// read again.
			grown, err := s.grownPast(c.end)
			if err != nil {
				return err
			}
			if !grown {
				at, openLine = sc.pos, c.end-c.start
			}
			break
		}
		at = sc.pos
		if blank {
			continue
		}
		batch = append(batch, kept(rec))
		if len(batch) >= s.batchSize {
			if err := s.emit(batch); err != nil {
				return err
			}
			if err := s.checkpointOffset(at, 0); err != nil {
				return err
			}
			batch = make([]sdk.Record, 0, s.batchSize)
		}
	}
	if err := s.emit(batch); err != nil {
		return err
	}
	return s.checkpointOffset(at, openLine)
}

// resume returns where to start reading given the last checkpoint: from
// the start when there is none, or when the file is no longer the one the
// checkpoint saw.
func (s *source) resume(state []byte) (position, error) {
	if len(state) == 0 {
		return position{}, nil
	}
	var st offsetState
	if err := json.Unmarshal(state, &st); err != nil || !gjson.GetBytes(state, "offset").Exists() ||
		st.Offset < 0 || st.Line < 0 || st.OpenLine < 0 || st.OpenLine > st.Offset {
		s.log.Warn("checkpoint is not an offset state: reading the file from the start", "state", string(state))
		return position{}, nil
	}
	info, err := s.file.Stat()
	if err != nil {
		return position{}, fmt.Errorf("stat %s: %w", s.path, err)
	}
	if info.Size() < st.Offset {
		s.log.Warn("file is shorter than at the last checkpoint (truncated or rewritten): reading it again from the start",
			"size", info.Size(), "checkpoint_offset", st.Offset)
		return position{}, nil
	}
	head, tail, err := s.hashes(st.Offset)
	if err != nil {
		return position{}, err
	}
	if head != st.Head || (st.Tail != "" && tail != st.Tail) {
		s.log.Warn("file changed before the last checkpoint (rewritten): reading it again from the start",
			"checkpoint_offset", st.Offset)
		return position{}, nil
	}
	if st.OpenLine > 0 && info.Size() > st.Offset {
		// Back up to the start of that line (a CSV record may span lines).
		open := make([]byte, st.OpenLine)
		if _, err := s.file.ReadAt(open, st.Offset-st.OpenLine); err != nil {
			return position{}, fmt.Errorf("read %s at %d: %w", s.path, st.Offset-st.OpenLine, err)
		}
		from := position{off: st.Offset - st.OpenLine, line: st.Line - 1 - bytes.Count(open, []byte("\n"))}
		s.log.Debug("final line read without a newline has grown since: reading it again", "line", from.line+1)
		return from, nil
	}
	return position{off: st.Offset, line: st.Line}, nil
}

// checkpointOffset sends the state of position at.
func (s *source) checkpointOffset(at position, openLine int64) error {
	info, err := s.file.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", s.path, err)
	}
	head, tail, err := s.hashes(at.off)
	if err != nil {
		return err
	}
	state, err := json.Marshal(offsetState{
		Offset: at.off, Line: at.line, Size: info.Size(), Head: head, Tail: tail, OpenLine: openLine,
	})
	if err != nil {
		return fmt.Errorf("encode checkpoint: %w", err)
	}
	return s.out.Checkpoint(s.dec.stream, state)
}

// hashes returns the hex SHA-256 of the first min(4096, off) bytes of the
// file and of the min(4096, off) bytes before off.
func (s *source) hashes(off int64) (head, tail string, err error) {
	n := min(off, hashWindow)
	buf := make([]byte, n)
	sum := func(at int64) (string, error) {
		if _, err := s.file.ReadAt(buf, at); err != nil {
			return "", fmt.Errorf("read %s at %d: %w", s.path, at, err)
		}
		h := sha256.Sum256(buf)
		return hex.EncodeToString(h[:]), nil
	}
	if head, err = sum(0); err != nil {
		return "", "", err
	}
	if off <= hashWindow {
		return head, head, nil
	}
	tail, err = sum(off - n)
	return head, tail, err
}

// grownPast reports whether the file now goes on past offset end.
func (s *source) grownPast(end int64) (bool, error) {
	info, err := s.file.Stat()
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", s.path, err)
	}
	return info.Size() > end, nil
}
