package local

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// keyHash returns the hex SHA-256 of key: the only part of a path that
// depends on the key.
func keyHash(key string) string {
	s := sha256.Sum256([]byte(key))
	return hex.EncodeToString(s[:])
}

// isHash reports whether s looks like what keyHash returns.
func isHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

// isID reports whether s looks like what newID returns, so that a record
// naming something else cannot point a reader at another path.
func isID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func (b *Backend) shardDir(h string) string   { return filepath.Join(b.objects, h[:2]) }
func (b *Backend) recordPath(h string) string { return filepath.Join(b.shardDir(h), h+".json") }
func (b *Backend) dataPath(h, id string) string {
	return filepath.Join(b.shardDir(h), h+"."+id+".data")
}

// record is the JSON file beside each copy. Its field names are part of the
// on-disk format: keep them.
type record struct {
	Version     int               `json:"version"`
	ID          string            `json:"id"`
	Key         string            `json:"key"`
	Size        int64             `json:"size"`
	MD5         string            `json:"md5"`
	SHA256      string            `json:"sha256"`
	ContentType string            `json:"content_type,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	Attributes  *attrRecord       `json:"attributes,omitempty"`
	Stored      time.Time         `json:"stored"`
	Failed      []failedAttempt   `json:"failed,omitempty"`
}

// failedAttempt is an uploader.Attempt as a record keeps it.
type failedAttempt struct {
	Target        string        `json:"target"`
	Provider      string        `json:"provider,omitempty"`
	Start         time.Time     `json:"start"`
	Elapsed       string        `json:"elapsed"`
	Kind          uploader.Kind `json:"kind"`
	Op            string        `json:"op,omitempty"`
	Status        int           `json:"status,omitempty"`
	Code          string        `json:"code,omitempty"`
	RequestID     string        `json:"request_id,omitempty"`
	Skew          string        `json:"skew,omitempty"`
	SkewCorrected bool          `json:"skew_corrected,omitempty"`
	Message       string        `json:"message,omitempty"`
}

func toFailed(a uploader.Attempt) failedAttempt {
	f := failedAttempt{
		Target: a.Target, Provider: a.Provider, Start: a.Start.UTC(), Elapsed: a.Elapsed.String(),
		Kind: a.Kind, Status: a.Status, Code: a.Code, RequestID: a.RequestID, SkewCorrected: a.SkewCorrected,
	}
	if f.Kind == uploader.OK && a.Err != nil {
		f.Kind = uploader.KindOf(a.Err)
	}
	if a.Skew != 0 {
		f.Skew = a.Skew.String()
	}
	if e := uploader.AsError(a.Err); e != nil {
		f.Op = e.Op
		f.Message = e.Message
		if f.Message == "" && e.Err != nil {
			f.Message = e.Err.Error()
		}
	} else if a.Err != nil {
		f.Message = a.Err.Error()
	}
	return f
}

func (f failedAttempt) attempt(key string) uploader.Attempt {
	elapsed, _ := time.ParseDuration(f.Elapsed)
	skew, _ := time.ParseDuration(f.Skew)
	a := uploader.Attempt{
		Target: f.Target, Provider: f.Provider, Start: f.Start, Elapsed: elapsed,
		Kind: f.Kind, Status: f.Status, Code: f.Code, RequestID: f.RequestID, Skew: skew, SkewCorrected: f.SkewCorrected,
	}
	if f.Kind != uploader.OK {
		a.Err = &uploader.Error{Kind: f.Kind, Target: f.Target, Provider: f.Provider, Op: f.Op, Key: key,
			Status: f.Status, Code: f.Code, RequestID: f.RequestID, Skew: skew, Message: f.Message}
	}
	return a
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

// store is Put and Backup.
func (b *Backend) store(ctx context.Context, obj uploader.Object, failed []uploader.Attempt) (res uploader.Result, err error) {
	res = uploader.Result{Key: obj.Key, Provider: Provider}
	const op = "put"
	if e := b.closedErr(op, obj.Key); e != nil {
		return res, e
	}
	if err := obj.Validate(); err != nil {
		return res, b.fsError(op, obj.Key, "", err)
	}
	if err := ctx.Err(); err != nil {
		return res, b.errorf(uploader.Canceled, op, obj.Key, err, "%v", err)
	}
	h := keyHash(obj.Key)
	dir := b.shardDir(h)
	if err := b.mkShard(dir); err != nil {
		return res, b.fsError(op, obj.Key, dir, err)
	}
	id, err := b.newID()
	if err != nil {
		return res, b.errorf(uploader.Unknown, op, obj.Key, err, "making a copy ID: %v", err)
	}

	// The temporary files are removed on every path but the commit.
	var temps []string
	defer func() {
		for _, p := range temps {
			os.Remove(p)
		}
	}()

	data, err := b.createTemp(dir, ".tmp-"+h[:8]+"-*.data")
	if err != nil {
		return res, b.fsError("write", obj.Key, dir, err)
	}
	temps = append(temps, data.Name())
	md5h, shah := md5.New(), sha256.New()
	n, err := b.copyBody(ctx, obj, data, md5h, shah)
	if progress := uploader.ProgressFunc(ctx); progress != nil {
		defer func() {
			if err != nil && n > 0 {
				progress(-n) // rewind: nothing was stored
			}
		}()
	}
	md5sum := md5h.Sum(nil)
	switch {
	case err != nil:
	case n != obj.Size:
		err = b.errorf(uploader.Integrity, "write", obj.Key, nil,
			"the body ended after %d bytes; Object.Size is %d", n, obj.Size)
	case obj.MD5 != nil && !bytes.Equal(obj.MD5, md5sum):
		err = b.errorf(uploader.Integrity, "write", obj.Key, nil,
			"the body's MD5 is %x; Object.MD5 is %x", md5sum, obj.MD5)
	}
	if err != nil {
		data.Close()
		return res, err
	}
	if err := b.finish(data, obj.Key); err != nil {
		return res, err
	}

	rec := record{
		Version: 1, ID: id, Key: obj.Key, Size: n,
		MD5: hex.EncodeToString(md5sum), SHA256: hex.EncodeToString(shah.Sum(nil)),
		ContentType: obj.ContentType, Metadata: obj.Metadata, Stored: b.now().UTC(),
		Attributes: recordAttributes(obj.Attributes),
	}
	for _, a := range failed {
		rec.Failed = append(rec.Failed, toFailed(a))
	}
	js, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return res, b.errorf(uploader.Invalid, "write", obj.Key, err, "encoding the record: %v", err)
	}
	rf, err := b.createTemp(dir, ".tmp-"+h[:8]+"-*.json")
	if err != nil {
		return res, b.fsError("write", obj.Key, dir, err)
	}
	temps = append(temps, rf.Name())
	if _, err := rf.Write(js); err != nil {
		rf.Close()
		return res, b.fsError("write", obj.Key, rf.Name(), err)
	}
	if err := b.finish(rf, obj.Key); err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, b.errorf(uploader.Canceled, op, obj.Key, err, "%v", err)
	}

	if err := b.commit(h, id, data.Name(), rf.Name()); err != nil {
		return res, b.fsError("commit", obj.Key, dir, err)
	}
	temps = nil
	res.Target = b.name
	res.URL = fileURL(b.dataPath(h, id))
	res.ETag = rec.MD5
	res.MD5 = rec.MD5
	res.Size = n
	res.BackedUp = true
	return res, nil
}

// copyBody copies obj's body into w and the hashes, chunk by chunk, checking
// ctx between chunks. It returns the number of bytes copied.
func (b *Backend) copyBody(ctx context.Context, obj uploader.Object, w tempFile, hs ...hash.Hash) (int64, error) {
	r, body, err := obj.Reader()
	if err != nil {
		return 0, b.fsError("open", obj.Key, "", err)
	}
	defer body.Close()
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	progress := uploader.ProgressFunc(ctx)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, b.errorf(uploader.Canceled, "write", obj.Key, err, "canceled after %d of %d bytes: %v", n, obj.Size, err)
		}
		m, rerr := io.ReadFull(r, buf)
		if m > 0 {
			if _, err := w.Write(buf[:m]); err != nil {
				return n, b.fsError("write", obj.Key, w.Name(), err)
			}
			for _, h := range hs {
				h.Write(buf[:m])
			}
			n += int64(m)
			if progress != nil {
				progress(int64(m))
			}
		}
		switch {
		case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
			return n, nil
		case rerr != nil:
			if e := uploader.AsError(rerr); e != nil {
				return n, b.fsError("read", obj.Key, "", rerr)
			}
			return n, b.errorf(uploader.Invalid, "read", obj.Key, rerr,
				"reading the body after %d bytes: %v", n, rerr)
		}
	}
}

// finish fsyncs and closes f.
func (b *Backend) finish(f tempFile, key string) error {
	if err := f.Sync(); err != nil {
		f.Close()
		return b.fsError("sync", key, f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return b.fsError("close", key, f.Name(), err)
	}
	return nil
}

// mkShard creates a shard directory (and the root, if it was removed). An
// existing one must be trusted (see checkDir).
func (b *Backend) mkShard(dir string) error {
	err := os.Mkdir(dir, b.dirMode)
	switch {
	case err == nil:
		syncDir(b.objects)
		return nil
	case errors.Is(err, fs.ErrExist):
		return b.checkDir(dir)
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, b.dirMode); err != nil {
			return err
		}
		syncDir(b.objects)
		syncDir(b.root)
		return nil
	}
	return err
}

// commit makes copy id of the key with hash h visible: under the shard's
// lock, it renames the data and then the record into place, with a directory
// fsync after each, and removes every other data file of the key.
func (b *Backend) commit(h, id, dataTmp, recTmp string) error {
	dir := b.shardDir(h)
	unlock, err := b.lock(h)
	if err != nil {
		return err
	}
	defer unlock()
	final := b.dataPath(h, id)
	if err := os.Rename(dataTmp, final); err != nil {
		return err
	}
	if err := syncDir(dir); err != nil {
		os.Remove(final)
		return err
	}
	if err := os.Rename(recTmp, b.recordPath(h)); err != nil {
		os.Remove(final)
		return err
	}
	if err := syncDir(dir); err != nil {
		// The record may or may not survive a crash; either way a reader
		// sees a complete copy, old or new. Report the failure.
		return err
	}
	b.removeOthers(h, id)
	return nil
}

// removeOthers removes the data files of the key with hash h other than
// copy keep. The caller holds the shard's lock: under it, every data file
// with a final name is either the recorded copy or garbage, because writers
// rename data into place only under the lock.
func (b *Backend) removeOthers(h, keep string) {
	names, _ := filepath.Glob(filepath.Join(b.shardDir(h), h+".*.data"))
	for _, p := range names {
		if keep != "" && filepath.Base(p) == h+"."+keep+".data" {
			continue
		}
		os.Remove(p)
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// readRecord reads the record of the key with hash h. A record that is
// there but cannot be trusted (a symbolic link, another user's file, not
// JSON, not matching its name) gives a *damage.
func (b *Backend) readRecord(h string) (*record, error) {
	path := b.recordPath(h)
	f, err := b.openFile(path)
	if err != nil {
		return nil, err
	}
	js, err := io.ReadAll(io.LimitReader(f, 16<<20))
	f.Close()
	if err != nil {
		return nil, err
	}
	var rec record
	if err := json.Unmarshal(js, &rec); err != nil {
		return nil, &damage{path: path, why: fmt.Sprintf("the record is not valid JSON (%v)", err)}
	}
	d := &damage{path: path, key: rec.Key, id: rec.ID, size: rec.Size}
	switch {
	case keyHash(rec.Key) != h:
		d.key = ""
		d.why = fmt.Sprintf("the record does not match its file name (it holds the key %s, whose hash is %s)", strconv.QuoteToASCII(rec.Key), keyHash(rec.Key))
	case !isID(rec.ID):
		d.why = fmt.Sprintf("the record's copy ID %s is not one the backup makes", strconv.QuoteToASCII(rec.ID))
	case rec.Size < 0:
		d.why = fmt.Sprintf("the record's size %d is negative", rec.Size)
	default:
		return &rec, nil
	}
	return nil, d
}

// load returns the visible record of the key with hash h: one whose data
// file exists with the recorded size. A record replaced while it is read is
// read again. It returns nil with no error when there is none, and a
// *damage when there is one that cannot be trusted or whose data file is
// missing or of another size.
func (b *Backend) load(h string) (*record, error) {
	var lastID string
	for range 3 {
		rec, err := b.readRecord(h)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		path := b.dataPath(h, rec.ID)
		fi, err := os.Lstat(path)
		if err == nil {
			if d := b.checkFile(path, fi); d != nil {
				d.key, d.id, d.size = rec.Key, rec.ID, rec.Size
				return nil, d
			}
			if fi.Size() == rec.Size {
				return rec, nil
			}
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if rec.ID == lastID {
			d := &damage{path: b.recordPath(h), key: rec.Key, id: rec.ID, size: rec.Size}
			if err != nil {
				d.why = fmt.Sprintf("its data file %s is missing", filepath.Base(path))
			} else {
				d.why = fmt.Sprintf("its data file %s holds %d bytes; the record says %d", filepath.Base(path), fi.Size(), rec.Size)
			}
			return nil, d
		}
		lastID = rec.ID
	}
	return nil, nil
}

// sweep removes temporary files older than before, and data files that no
// record names and that are older than before (left by a crash between the
// two renames of a commit).
func (b *Backend) sweep(before time.Time) {
	shards, _ := os.ReadDir(b.objects)
	for _, s := range shards {
		if !s.IsDir() || len(s.Name()) != 2 {
			continue
		}
		dir := filepath.Join(b.objects, s.Name())
		if b.checkDir(dir) != nil {
			continue // not trusted: touch nothing there
		}
		ents, _ := os.ReadDir(dir)
		orphans := map[string]bool{}
		for _, e := range ents {
			name := e.Name()
			info, err := e.Info()
			if err != nil || !info.ModTime().Before(before) {
				continue
			}
			switch {
			case strings.HasPrefix(name, ".tmp-"):
				os.Remove(filepath.Join(dir, name))
			case strings.HasSuffix(name, ".data") && len(name) > 64 && isHash(name[:64]):
				orphans[name[:64]] = true
			}
		}
		for h := range orphans {
			unlock, err := b.lock(h)
			if err != nil {
				continue
			}
			keep := ""
			if rec, err := b.readRecord(h); err == nil {
				keep = rec.ID
			} else if !errors.Is(err, fs.ErrNotExist) {
				unlock()
				continue // an unreadable record: leave its data alone
			}
			for _, e := range ents {
				name := e.Name()
				if !strings.HasPrefix(name, h+".") || !strings.HasSuffix(name, ".data") || name == h+"."+keep+".data" {
					continue
				}
				if info, err := e.Info(); err == nil && info.ModTime().Before(before) {
					os.Remove(filepath.Join(dir, name))
				}
			}
			unlock()
		}
	}
}
