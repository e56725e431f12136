package local

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/resilient-upload/upload/uploader"
)

// TreeProvider is the provider name of a [Tree] in results.
const TreeProvider = "dir"

// Tree is a local directory that keeps each object at its key's path (key
// sub/b.txt is DIR/sub/b.txt, readable with any tool): the local
// destination, where [Backend] (hashed names, records, drain) is the
// backup. Every path is opened through an [os.Root], so no key, and no
// symbolic link met on the way, leads outside the directory. A key that
// names an existing directory, or whose parent is a file, is an error of
// kind Invalid for that object. A Put writes a temporary file beside the
// target, fsyncs it and renames it into place: a reader never sees half a
// file, and a failed Put leaves the previous copy. A Tree keeps the bytes
// only: an object's attributes (Cache-Control, storage class, tags...) have
// no place beside a plain file and are not kept.
type Tree struct {
	name string
	dir  string

	mu   sync.Mutex
	root *os.Root // nil until the directory exists (NoCreate)
}

// NewTree returns a Tree over opts.Dir (DefaultDir when empty), created
// 0755 unless opts.NoCreate. Options other than Dir, Name and NoCreate are
// ignored.
func NewTree(opts Options) (*Tree, error) {
	t := &Tree{name: opts.Name}
	if t.name == "" {
		t.name = "local"
	}
	dir := opts.Dir
	if dir == "" {
		dir = DefaultDir
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, t.errorf(uploader.Invalid, "open", "", err, "%s: %v", dir, err)
	}
	t.dir = abs
	if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
		return nil, t.errorf(uploader.Invalid, "open", "", nil, "%s is a file; a local destination is a directory", abs)
	}
	if opts.NoCreate {
		return t, nil
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, t.fsError("open", "", abs, err)
	}
	if t.root, err = os.OpenRoot(abs); err != nil {
		return nil, t.fsError("open", "", abs, err)
	}
	return t, nil
}

// Name returns the target's name (Options.Name, default "local").
func (t *Tree) Name() string { return t.name }

// Dir returns the directory, absolute.
func (t *Tree) Dir() string { return t.dir }

// Describe says what the target is.
func (t *Tree) Describe() uploader.Description {
	return uploader.Description{Name: t.name, Provider: TreeProvider, Endpoint: fileURL(t.dir)}
}

// ErrorKind returns the Kind of an error of this backend.
func (t *Tree) ErrorKind(err error) uploader.Kind { return uploader.KindOf(err) }

// Close releases the directory; Put fails after it.
func (t *Tree) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.root != nil {
		t.root.Close()
		t.root = nil
	}
	t.dir = ""
	return nil
}

// errTreeClosed is openRoot's error after Close: Kind Invalid (the
// caller's mistake), like every backend's after Close.
var errTreeClosed = errors.New("the backend is closed")

func (t *Tree) openRoot() (*os.Root, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.root != nil {
		return t.root, nil
	}
	if t.dir == "" {
		return nil, errTreeClosed
	}
	r, err := os.OpenRoot(t.dir)
	if err != nil {
		return nil, err
	}
	t.root = r
	return r, nil
}

// rel returns the path of key under the directory, or an Invalid error
// for a key that is no relative path: empty, absolute, with an empty, "."
// or ".." segment, or (on Windows) with a backslash or a colon.
func (t *Tree) rel(op, key string) (string, error) {
	if err := uploader.ValidateKey(key); err != nil {
		e := *uploader.AsError(err)
		e.Target, e.Provider, e.Op = t.name, TreeProvider, op
		return "", &e
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" {
			return "", t.errorf(uploader.Invalid, op, key, nil, "key %q has an empty path segment (\"//\" or a trailing \"/\"); a local destination stores keys as paths", key)
		}
		if filepath.Separator != '/' && strings.ContainsAny(seg, `\:`) {
			return "", t.errorf(uploader.Invalid, op, key, nil, "key %q holds \\ or :, which this system reads as a path", key)
		}
	}
	return filepath.FromSlash(key), nil
}

// Put stores obj at DIR/KEY.
func (t *Tree) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	rel, err := t.rel("put", obj.Key)
	if err != nil {
		return uploader.Result{}, err
	}
	root, err := t.openRoot()
	if err != nil {
		return uploader.Result{}, t.fsError("put", obj.Key, t.dir, err)
	}
	if d := filepath.Dir(rel); d != "." {
		if err := root.MkdirAll(d, 0o755); errors.Is(err, fs.ErrExist) {
			// A part of d exists and is not a directory.
			return uploader.Result{}, t.errorf(uploader.Invalid, "put", obj.Key, err,
				"key %q: a part of %s is a file, not a directory (rename one of them)", obj.Key, filepath.Join(t.dir, d))
		} else if err != nil {
			return uploader.Result{}, t.pathError("put", obj.Key, d, err)
		}
	}
	if fi, err := root.Lstat(rel); err == nil && fi.IsDir() {
		return uploader.Result{}, t.errorf(uploader.Invalid, "put", obj.Key, nil,
			"key %q names the directory %s; a file cannot take its place (rename one of them)", obj.Key, filepath.Join(t.dir, rel))
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	tmp := filepath.Join(filepath.Dir(rel), "."+filepath.Base(rel)+".upload-"+hex.EncodeToString(rnd[:]))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return uploader.Result{}, t.pathError("put", obj.Key, tmp, err)
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			root.Remove(tmp)
		}
	}()
	h := md5.New()
	n, err := t.copyBody(ctx, obj, io.MultiWriter(f, h))
	if progress := uploader.ProgressFunc(ctx); progress != nil && n > 0 {
		defer func() {
			if !done {
				progress(-n) // rewind: nothing was stored
			}
		}()
	}
	if err == nil && obj.MD5 != nil && !bytes.Equal(obj.MD5, h.Sum(nil)) {
		err = t.errorf(uploader.Integrity, "put", obj.Key, nil, "the body's MD5 is %x; Object.MD5 is %x", h.Sum(nil), obj.MD5)
	}
	if err != nil {
		return uploader.Result{}, err
	}
	if err := f.Sync(); err != nil {
		return uploader.Result{}, t.fsError("put", obj.Key, tmp, err)
	}
	if err := f.Close(); err != nil {
		return uploader.Result{}, t.fsError("put", obj.Key, tmp, err)
	}
	if err := root.Rename(tmp, rel); err != nil {
		return uploader.Result{}, t.pathError("put", obj.Key, rel, err)
	}
	done = true
	sum := hex.EncodeToString(h.Sum(nil))
	return uploader.Result{Key: obj.Key, Target: t.name, Provider: TreeProvider, URL: fileURL(filepath.Join(t.dir, rel)),
		ETag: sum, MD5: sum, Size: n}, nil
}

// copyBody copies obj's body to w, checking ctx between chunks and the size
// at the end.
func (t *Tree) copyBody(ctx context.Context, obj uploader.Object, w io.Writer) (int64, error) {
	body, err := obj.Open()
	if err != nil {
		return 0, t.errorf(uploader.Invalid, "put", obj.Key, err, "opening the body: %v", err)
	}
	defer body.Close()
	r := io.NewSectionReader(body, 0, obj.Size)
	buf := make([]byte, 256<<10)
	progress := uploader.ProgressFunc(ctx)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, t.errorf(uploader.Canceled, "put", obj.Key, err, "%v", err)
		}
		k, rerr := r.Read(buf)
		if k > 0 {
			if _, err := w.Write(buf[:k]); err != nil {
				return n, t.fsError("put", obj.Key, t.dir, err)
			}
			n += int64(k)
			if progress != nil {
				progress(int64(k))
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return n, t.errorf(uploader.Invalid, "put", obj.Key, rerr, "reading the body: %v", rerr)
		}
	}
	if n != obj.Size {
		return n, t.errorf(uploader.Integrity, "put", obj.Key, nil, "the body ended after %d bytes; Object.Size is %d", n, obj.Size)
	}
	return n, nil
}

// Stat returns the size and time of DIR/KEY (no checksum: computing one
// reads the file).
func (t *Tree) Stat(ctx context.Context, key string) (uploader.ObjectInfo, error) {
	rel, err := t.rel("stat", key)
	if err != nil {
		return uploader.ObjectInfo{}, err
	}
	root, err := t.openRoot()
	if errors.Is(err, fs.ErrNotExist) {
		return uploader.ObjectInfo{}, t.notFound("stat", key)
	} else if err != nil {
		return uploader.ObjectInfo{}, t.fsError("stat", key, t.dir, err)
	}
	fi, err := root.Stat(rel)
	switch {
	case errors.Is(err, fs.ErrNotExist), err == nil && !fi.Mode().IsRegular():
		return uploader.ObjectInfo{}, t.notFound("stat", key)
	case err != nil:
		return uploader.ObjectInfo{}, t.pathError("stat", key, rel, err)
	}
	return uploader.ObjectInfo{Key: key, Size: fi.Size(), LastModified: fi.ModTime()}, nil
}

// Get opens DIR/KEY.
func (t *Tree) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	rel, err := t.rel("get", key)
	if err != nil {
		return nil, err
	}
	root, err := t.openRoot()
	if err != nil {
		return nil, t.notFound("get", key)
	}
	f, err := root.Open(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, t.notFound("get", key)
	} else if err != nil {
		return nil, t.pathError("get", key, rel, err)
	}
	return f, nil
}

// Delete removes DIR/KEY, and then the directories it leaves empty below
// DIR (an object store has no empty directories: a key's directories
// exist through it). A missing file is not an error; a directory at KEY is
// not removed (Invalid). See [uploader.Deleter].
func (t *Tree) Delete(ctx context.Context, key string) error {
	rel, err := t.rel("delete", key)
	if err != nil {
		return err
	}
	root, err := t.openRoot()
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return t.fsError("delete", key, t.dir, err)
	}
	fi, err := root.Lstat(rel)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return t.pathError("delete", key, rel, err)
	case fi.IsDir():
		return t.errorf(uploader.Invalid, "delete", key, nil, "key %q is a directory in %s, not a file; not removed", key, t.dir)
	}
	if err := root.Remove(rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return t.pathError("delete", key, rel, err)
	}
	// Remove fails on a directory that is not empty: that ends the walk up.
	for d := filepath.Dir(rel); d != "."; d = filepath.Dir(d) {
		if root.Remove(d) != nil {
			break
		}
	}
	return nil
}

var _ uploader.Deleter = (*Tree)(nil)

func (t *Tree) errorf(k uploader.Kind, op, key string, cause error, format string, args ...any) *uploader.Error {
	return &uploader.Error{Kind: k, Target: t.name, Provider: TreeProvider, Op: op, Key: key,
		Message: fmt.Sprintf(format, args...), Err: cause}
}

func (t *Tree) notFound(op, key string) *uploader.Error {
	e := t.errorf(uploader.Invalid, op, key, nil, "no file for key %q in %s", key, t.dir)
	e.Status, e.Code = 404, "NoSuchKey"
	return e
}

// pathError classifies an error on rel, a path under the directory: one
// that leaves the directory (through a symbolic link) or meets a file
// where a directory must be is Invalid for this key; the others are
// fsError's.
func (t *Tree) pathError(op, key, rel string, err error) *uploader.Error {
	var pe *fs.PathError
	switch {
	case errors.Is(err, syscall.ENOTDIR):
		return t.errorf(uploader.Invalid, op, key, err, "key %q: a part of %s is a file, not a directory (rename one of them)", key, filepath.Join(t.dir, rel))
	case errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "escapes"):
		return t.errorf(uploader.Invalid, op, key, err, "key %q leads outside %s (through a symbolic link); refused", key, t.dir)
	}
	return t.fsError(op, key, filepath.Join(t.dir, rel), err)
}

func (t *Tree) fsError(op, key, path string, err error) *uploader.Error {
	if errors.Is(err, errTreeClosed) {
		return t.errorf(uploader.Invalid, op, key, err, "the backend is closed; create a new one to use the directory again")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return t.errorf(uploader.Canceled, op, key, err, "%v", err)
	}
	k, why := errnoKind(err)
	if why == "" {
		return t.errorf(k, op, key, err, "%v", err)
	}
	return t.errorf(k, op, key, err, "%s: %s", why, path)
}

// ListObjects lists the files whose keys start with prefix, in key order;
// see [uploader.ObjectLister]. The temporary files of Puts in progress and
// what is not a regular file are left out; there is no checksum.
func (t *Tree) ListObjects(ctx context.Context, prefix string, fn func(uploader.ObjectInfo) bool) error {
	root, err := t.openRoot()
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return t.fsError("list", prefix, t.dir, err)
	}
	// Walk the deepest directory the prefix names whole.
	start := "."
	if i := strings.LastIndex(prefix, "/"); i > 0 {
		start = prefix[:i]
	}
	var infos []uploader.ObjectInfo
	err = fs.WalkDir(root.FS(), start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == start {
				return fs.SkipAll
			}
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		key := strings.TrimPrefix(p, "./")
		if d.IsDir() {
			if p != start && !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(key, prefix) || strings.HasPrefix(d.Name(), ".") && strings.Contains(d.Name(), ".upload-") {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		infos = append(infos, uploader.ObjectInfo{Key: key, Size: fi.Size(), LastModified: fi.ModTime()})
		return nil
	})
	if err != nil {
		return t.fsError("list", prefix, t.dir, err)
	}
	slices.SortFunc(infos, func(a, b uploader.ObjectInfo) int { return strings.Compare(a.Key, b.Key) })
	for _, in := range infos {
		if !fn(in) {
			return nil
		}
	}
	return nil
}

var _ uploader.ObjectLister = (*Tree)(nil)
