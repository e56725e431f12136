package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"sync"
	"time"
)

// The resume journal (--state FILE) is a file of JSON lines, appended to
// and never rewritten: a header line, then one record per file stored,
// written when the upload ends, and the lines of multipart uploads in
// progress (state_multipart.go). Records are written and fsync'ed in groups
// by one goroutine (see flusher), and on exit, so a crash loses at most the
// records of the fsync in progress, which a rerun uploads again. A torn last line, from a crash in the middle of a write, is cut
// off when the journal is opened again. The file is locked (flock) while
// an upload uses it, so two runs cannot interleave their records.

const journalVersion = 1

// stateRecord is one line of the journal: a file that was stored, and
// where. A later record for the same key replaces an earlier one.
type stateRecord struct {
	Key     string `json:"key"`
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	MtimeNS int64  `json:"mtime_ns"`
	MD5     string `json:"md5"`
	// CRC32C (8 hex digits) is the CRC-32C of the bytes stored; a record of
	// a file sent in parts to a cloud has it and no MD5 (see newFile).
	CRC32C   string `json:"crc32c,omitempty"`
	Target   string `json:"target"`
	Provider string `json:"provider"`
	Endpoint string `json:"endpoint"`
	Bucket   string `json:"bucket"`
	URL      string `json:"url"`
	BackedUp bool   `json:"backed_up,omitempty"`
	Time     string `json:"time"`
}

type journalHeader struct {
	UploadState int    `json:"upload_state"`
	Created     string `json:"created"`
}

// journal is an open resume journal.
type journal struct {
	path string
	f    *os.File
	recs map[string]stateRecord
	// Ignored counts the unreadable lines found on opening (a torn last
	// line is cut off and not counted).
	ignored int

	// mp holds the multipart uploads started and not ended (see
	// state_multipart.go).
	mp uploads

	mu      sync.Mutex
	pending bytes.Buffer
	err     error
	// queued counts the lines added, flushed those on disk; cond is
	// broadcast after each flush, for addMultipart's wait. closing is set
	// when the journal is closed.
	queued, flushed uint64
	cond            *sync.Cond
	closing         bool

	kick    chan struct{}
	done    chan struct{}
	stopped chan struct{}
}

// openJournal opens or creates the journal at path, reads its records and
// locks it.
func openJournal(path string, now time.Time) (*journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("--state %s: %v", path, plainErr(err))
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--state %s: %v", path, err)
	}
	j := &journal{path: path, f: f, recs: map[string]stateRecord{},
		kick: make(chan struct{}, 1), done: make(chan struct{}), stopped: make(chan struct{})}
	j.cond = sync.NewCond(&j.mu)
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("--state %s: %v", path, err)
	}
	// Cut a torn last line off, so that the next record starts a line.
	good := len(data)
	if good > 0 && data[good-1] != '\n' {
		good = bytes.LastIndexByte(data, '\n') + 1
		if err := f.Truncate(int64(good)); err != nil {
			f.Close()
			return nil, fmt.Errorf("--state %s: cutting a torn last line: %v", path, err)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(data[:good]))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	first := true
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if first {
			first = false
			var h journalHeader
			if json.Unmarshal(line, &h) == nil && h.UploadState != 0 {
				if h.UploadState > journalVersion {
					f.Close()
					return nil, fmt.Errorf("--state %s: written by a newer upload (version %d)", path, h.UploadState)
				}
				continue
			}
			f.Close()
			return nil, fmt.Errorf("--state %s: not an upload state file (its first line is no upload_state header); refusing to append to it", path)
		}
		if j.loadMultipart(line) {
			continue
		}
		var r stateRecord
		if err := json.Unmarshal(line, &r); err != nil || r.Key == "" {
			j.ignored++
			continue
		}
		j.recs[r.Key] = r
		j.mp.forget(r.Key) // the file is stored: its multipart upload is over
	}
	if _, err := f.Seek(int64(good), io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	if good == 0 {
		h, _ := json.Marshal(journalHeader{UploadState: journalVersion, Created: now.UTC().Format(time.RFC3339)})
		j.pending.Write(append(h, '\n'))
	}
	go j.flusher()
	return j, nil
}

// lookup returns the record of key.
func (j *journal) lookup(key string) (stateRecord, bool) {
	r, ok := j.recs[key]
	return r, ok
}

// add appends r; the flusher writes it at once, or with the next group.
func (j *journal) add(r stateRecord) {
	b, err := json.Marshal(r)
	if err != nil {
		return
	}
	j.mu.Lock()
	j.pending.Write(append(b, '\n'))
	j.mu.Unlock()
	select {
	case j.kick <- struct{}{}:
	default:
	}
}

// flusher writes pending records as a group commit: whatever gathered
// while the previous write and fsync ran goes out in the next one, so the
// batches grow with the load and a crash loses only the records of the
// fsync in progress.
func (j *journal) flusher() {
	defer close(j.stopped)
	for {
		select {
		case <-j.kick:
			j.flush()
		case <-j.done:
			j.flush()
			return
		}
	}
}

func (j *journal) flush() {
	j.mu.Lock()
	buf := append([]byte(nil), j.pending.Bytes()...)
	j.pending.Reset()
	seq := j.queued
	j.mu.Unlock()
	if len(buf) == 0 {
		return
	}
	_, err := j.f.Write(buf)
	if err == nil {
		err = j.f.Sync()
	}
	j.mu.Lock()
	if err != nil && j.err == nil {
		j.err = err
	}
	j.flushed = seq
	j.cond.Broadcast()
	j.mu.Unlock()
}

// close writes what is pending, fsyncs, unlocks and closes the journal.
func (j *journal) close() error {
	close(j.done)
	<-j.stopped
	j.flush()
	err := j.f.Close() // closing releases the lock
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closing = true
	j.cond.Broadcast()
	if j.err != nil {
		return fmt.Errorf("--state %s: writing the journal: %v", j.path, j.err)
	}
	return err
}

// sameBytes reports whether the file at path holds the bytes rec records:
// the same MD5, or, for a record with none, the same CRC-32C. md5sum is the
// file's MD5 when the record has one (the upload can send it).
func (rec stateRecord) sameBytes(ctx context.Context, path string) (same bool, md5sum []byte, err error) {
	if rec.MD5 != "" || rec.CRC32C == "" {
		sum, err := fileDigest(ctx, path, md5.New())
		return err == nil && hex.EncodeToString(sum) == rec.MD5, sum, err
	}
	sum, err := fileDigest(ctx, path, crc32.New(crc32.MakeTable(crc32.Castagnoli)))
	return err == nil && hex.EncodeToString(sum) == rec.CRC32C, nil, err
}

// fileDigest returns h's sum of the file at path, stopping if ctx ends.
func fileDigest(ctx context.Context, path string, h hash.Hash) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 256<<10)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if errors.Is(err, io.EOF) {
			return h.Sum(nil), nil
		}
		if err != nil {
			return nil, err
		}
	}
}
