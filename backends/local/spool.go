package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/resilient-upload/upload/uploader"
)

// shardIndex returns the number of the shard of the key with hash h.
func shardIndex(h string) int {
	n, _ := strconv.ParseUint(h[:2], 16, 8)
	return int(n)
}

// Stat returns the info of the visible copy under key; see the package
// documentation for what is visible. ETag is the hex MD5 and LastModified
// the time the copy was stored. A missing key gives an error for which
// [uploader.IsNotFound] is true.
func (b *Backend) Stat(ctx context.Context, key string) (uploader.ObjectInfo, error) {
	rec, err := b.visible(ctx, "stat", key)
	if err != nil {
		return uploader.ObjectInfo{}, err
	}
	info := uploader.ObjectInfo{
		Key: rec.Key, Size: rec.Size, ETag: rec.MD5, ContentType: rec.ContentType,
		LastModified: rec.Stored, Metadata: rec.Metadata,
	}
	setInfo(&info, rec.Attributes.attributes())
	return info, nil
}

// visible returns the visible record of key, or a not-found error.
func (b *Backend) visible(ctx context.Context, op, key string) (*record, error) {
	if e := b.closedErr(op, key); e != nil {
		return nil, e
	}
	if err := ctx.Err(); err != nil {
		return nil, b.errorf(uploader.Canceled, op, key, err, "%v", err)
	}
	if err := uploader.ValidateKey(key); err != nil {
		return nil, b.fsError(op, key, "", err)
	}
	h := keyHash(key)
	rec, err := b.load(h)
	var d *damage
	if errors.As(err, &d) {
		// A damaged copy is not visible; List reports it.
		return nil, b.notFound(op, key, "the copy in "+b.root+" is damaged: "+d.Error())
	}
	if err != nil {
		return nil, b.fsError(op, key, b.shardDir(h), err)
	}
	if rec == nil {
		return nil, b.notFound(op, key, "no such key in "+b.root)
	}
	return rec, nil
}

// Get returns a reader of the visible copy under key. The reader verifies
// the size and SHA-256 recorded for the copy: a copy damaged on disk makes
// its last Read fail with Kind Integrity. The caller closes the reader. A
// missing key gives an error for which [uploader.IsNotFound] is true.
func (b *Backend) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	for range 3 {
		rec, err := b.visible(ctx, "get", key)
		if err != nil {
			return nil, err
		}
		f, err := b.openFile(b.dataPath(keyHash(key), rec.ID))
		if errors.Is(err, fs.ErrNotExist) {
			continue // replaced between the record and the open
		}
		if err != nil {
			return nil, b.fsError("get", key, b.dataPath(keyHash(key), rec.ID), err)
		}
		return &verifyingReader{b: b, f: f, key: key, size: rec.Size, want: rec.SHA256, h: sha256.New()}, nil
	}
	return nil, b.notFound("get", key, "the copy was replaced or removed while opening it")
}

// verifyingReader reads a data file and checks its size and SHA-256 at EOF.
type verifyingReader struct {
	b    *Backend
	f    *os.File
	key  string
	size int64
	want string
	h    hash.Hash
	n    int64
}

func (r *verifyingReader) Read(p []byte) (int, error) {
	n, err := r.f.Read(p)
	r.h.Write(p[:n])
	r.n += int64(n)
	if err == io.EOF {
		if got := hex.EncodeToString(r.h.Sum(nil)); r.n != r.size || got != r.want {
			return n, r.b.errorf(uploader.Integrity, "get", r.key, nil,
				"the copy in %s is damaged: %d bytes with SHA-256 %s, recorded %d bytes with %s",
				r.f.Name(), r.n, got, r.size, r.want)
		}
	}
	return n, err
}

func (r *verifyingReader) Close() error { return r.f.Close() }

// Delete removes the copy under key; a missing key is not an error.
func (b *Backend) Delete(ctx context.Context, key string) error {
	if e := b.closedErr("delete", key); e != nil {
		return e
	}
	if err := ctx.Err(); err != nil {
		return b.errorf(uploader.Canceled, "delete", key, err, "%v", err)
	}
	if err := uploader.ValidateKey(key); err != nil {
		return b.fsError("delete", key, "", err)
	}
	_, err := b.remove(keyHash(key), "")
	if err != nil {
		return b.fsError("delete", key, b.shardDir(keyHash(key)), err)
	}
	return nil
}

// remove removes the record and data of the key with hash h, if the record
// names copy id (any copy if id is empty), under the shard's lock.
func (b *Backend) remove(h, id string) (bool, error) {
	if _, err := os.Stat(b.shardDir(h)); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	unlock, err := b.lock(h)
	if err != nil {
		return false, err
	}
	defer unlock()
	rec, err := b.readRecord(h)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if id == "" {
			b.removeOthers(h, "")
		}
		return false, nil
	case err != nil && id != "":
		return false, nil // not a record of copy id
	case err == nil && id != "" && rec.ID != id:
		return false, nil // a newer copy: the drain must leave it
	}
	if err := os.Remove(b.recordPath(h)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	syncDir(b.shardDir(h))
	b.removeOthers(h, "")
	return true, nil
}

// List returns every visible copy, oldest first (by the time stored, then by
// ID), and every damaged one, with Damaged set: a record that is not JSON,
// does not match its name, is a symbolic link or belongs to another user; a
// data file that is missing, of another size, a link or another user's; a
// shard directory that is not trusted (see [New]). It reads the records
// only; a copy's bytes are verified when read through [Backend.Object].
func (b *Backend) List(ctx context.Context) ([]uploader.Spooled, error) {
	if e := b.closedErr("list", ""); e != nil {
		return nil, e
	}
	shards, err := os.ReadDir(b.objects)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, b.fsError("list", "", b.objects, err)
	}
	var out []uploader.Spooled
	for _, s := range shards {
		if err := ctx.Err(); err != nil {
			return nil, b.errorf(uploader.Canceled, "list", "", err, "%v", err)
		}
		name := s.Name()
		if len(name) != 2 || !isHex(name[0]) || !isHex(name[1]) {
			continue
		}
		dir := filepath.Join(b.objects, name)
		if err := b.checkDir(dir); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			out = append(out, b.shardDamage(dir, err))
			continue
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, b.fsError("list", "", dir, err)
		}
		for _, e := range ents {
			name := e.Name()
			h, ok := strings.CutSuffix(name, ".json")
			if !ok || !isHash(h) || h[:2] != s.Name() {
				continue
			}
			rec, err := b.load(h)
			var d *damage
			if errors.As(err, &d) {
				out = append(out, d.spooled(b))
				continue
			}
			if err != nil {
				return nil, b.fsError("list", "", dir, err)
			}
			if rec != nil {
				out = append(out, b.spooled(h, rec))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Stored.Equal(out[j].Stored) {
			return out[i].Stored.Before(out[j].Stored)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (b *Backend) spooled(h string, rec *record) uploader.Spooled {
	s := uploader.Spooled{
		ID: rec.ID, Key: rec.Key, Size: rec.Size, ContentType: rec.ContentType, Metadata: rec.Metadata,
		Attributes: rec.Attributes.attributes(),
		MD5:        rec.MD5, SHA256: rec.SHA256, Stored: rec.Stored, URL: fileURL(b.dataPath(h, rec.ID)),
	}
	for _, f := range rec.Failed {
		s.Failed = append(s.Failed, f.attempt(rec.Key))
	}
	return s
}

// Object returns an Object whose body is the copy s. Every Open reads the
// whole data file once to check its size and SHA-256 against s before
// handing it out, so no attempt sends damaged bytes: a mismatch gives Kind
// Integrity. Open fails with an error for which [uploader.IsNotFound] is true
// once the copy is gone (removed, or replaced by a newer backup of the key).
// The Object carries s's MD5, so a cloud backend can have the server verify
// the bytes too.
func (b *Backend) Object(s uploader.Spooled) (uploader.Object, error) {
	if s.Damaged != nil {
		if e := uploader.AsError(s.Damaged); e != nil && e.Kind == uploader.Integrity {
			return uploader.Object{}, e
		}
		return uploader.Object{}, b.errorf(uploader.Integrity, "open", s.Key, s.Damaged, "the backup copy is damaged: %v", s.Damaged)
	}
	if err := uploader.ValidateKey(s.Key); err != nil {
		return uploader.Object{}, b.fsError("open", s.Key, "", err)
	}
	if !isID(s.ID) {
		return uploader.Object{}, b.notFound("open", s.Key, "no copy with ID "+strconv.Quote(s.ID))
	}
	md5sum, err := hex.DecodeString(s.MD5)
	if err != nil || len(md5sum) != 16 {
		md5sum = nil
	}
	path := b.dataPath(keyHash(s.Key), s.ID)
	if _, err := os.Lstat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return uploader.Object{}, b.notFound("open", s.Key, "copy "+s.ID+" is no longer held")
		}
		return uploader.Object{}, b.fsError("open", s.Key, path, err)
	}
	return uploader.Object{
		Key: s.Key, Size: s.Size, ContentType: s.ContentType, Metadata: s.Metadata, MD5: md5sum, Attributes: s.Attributes,
		Open: func() (uploader.Body, error) {
			f, err := b.openFile(path)
			if errors.Is(err, fs.ErrNotExist) {
				return nil, b.notFound("open", s.Key, "copy "+s.ID+" is no longer held")
			}
			var d *damage
			if errors.As(err, &d) {
				return nil, b.errorf(uploader.Integrity, "open", s.Key, nil, "the backup copy %s is damaged: %s", d.path, d.why)
			}
			if err != nil {
				return nil, b.fsError("open", s.Key, path, err)
			}
			h := sha256.New()
			n, err := io.Copy(h, io.NewSectionReader(f, 0, s.Size+1))
			if err != nil {
				f.Close()
				return nil, b.fsError("read", s.Key, path, err)
			}
			if got := hex.EncodeToString(h.Sum(nil)); n != s.Size || got != s.SHA256 {
				f.Close()
				return nil, b.errorf(uploader.Integrity, "open", s.Key, nil,
					"the copy in %s is damaged: %d bytes with SHA-256 %s, recorded %d bytes with %s",
					path, n, got, s.Size, s.SHA256)
			}
			return f, nil
		},
	}, nil
}

// Remove deletes the copy s if the key's record still names s.ID, and
// reports whether it did. A newer backup of the key, made while s was being
// drained, is left in place.
func (b *Backend) Remove(ctx context.Context, s uploader.Spooled) (bool, error) {
	if e := b.closedErr("remove", s.Key); e != nil {
		return false, e
	}
	if err := ctx.Err(); err != nil {
		return false, b.errorf(uploader.Canceled, "remove", s.Key, err, "%v", err)
	}
	if s.Damaged != nil || !isID(s.ID) || uploader.ValidateKey(s.Key) != nil {
		return false, nil
	}
	ok, err := b.remove(keyHash(s.Key), s.ID)
	if err != nil {
		return false, b.fsError("remove", s.Key, b.shardDir(keyHash(s.Key)), err)
	}
	return ok, nil
}
