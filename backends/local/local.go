// Package local is the backup backend: objects kept in a directory on this
// machine, with beside each one what a later drain needs to move it to a
// cloud target. It implements [uploader.Backend], [uploader.Spool],
// [uploader.Stater], [uploader.Getter], [uploader.Deleter] and
// [uploader.Describer].
//
// # Layout
//
// Keys never become paths. Under the root directory, the object with key k
// lives in the shard directory objects/XX, where H is the hex SHA-256 of k
// and XX its first two characters:
//
//	objects/XX/H.json        the record: key, size, MD5, SHA-256, content
//	                         type, metadata, time, copy ID, failed attempts
//	objects/XX/H.ID.data     the bytes of the copy with that ID
//	objects/XX/.tmp-*        files being written (never read)
//	objects/XX/.lock         the shard's lock file
//
// Every file name is built from hex digits only, whatever the key holds
// ("../../etc/passwd", an absolute path, backslashes, NUL, 1024 bytes of
// unicode), so no key can name a path outside the root, and the keys "a" and
// "a/b" can both exist.
//
// # Atomicity and visibility
//
// Put writes the bytes to a temporary file in the shard directory, checking
// the context between chunks and hashing as it goes, verifies the size (and
// Object.MD5 if set), fsyncs the file, and writes the record the same way.
// Then, holding the shard's lock, it renames the data file to its final name,
// fsyncs the directory, renames the record over the key's previous record and
// fsyncs the directory again, and finally removes the previous copy's data
// file. The rename of the record is the commit point.
//
// Readers trust a record only if its data file exists with the recorded size
// and its name matches the hash of the key it holds; Get and Spool.Object
// also verify the SHA-256 of the bytes. So an object is visible only when
// both its data and its record are complete, and a failed, canceled or
// crashed write leaves at most unreferenced temporary files, which nothing
// reads and [New] sweeps once they are older than Options.TempTTL. A record
// that is there but cannot be trusted is not visible either, but List
// reports it as damaged ([uploader.Spooled] Damaged), so that no copy is
// stranded unseen.
//
// # Trust
//
// Anyone who can write into the backup could delete a copy or plant a
// record that a drain would send to the cloud. So the root, objects/ and
// every shard must be real directories (not symbolic links), owned by the
// running user and not writable by group or others: [New] creates them
// 0700 and refuses existing ones that are not, naming the directory and the
// fix, and a shard that is not is never written to (List reports it as
// damaged). Records, data and lock files are opened without following
// symbolic links (O_NOFOLLOW), and records and data files owned by another
// user are not trusted.
//
// Data files are never rewritten: a new copy of a key gets a new ID and a
// new file. A reader holding the old copy open keeps reading it, and a drain
// that uploaded copy ID removes it only if the record still names that ID.
//
// # Concurrency
//
// A Backend is safe for concurrent use by goroutines, and several processes
// may share a root: commits and removals take an exclusive flock(2) on the
// shard's lock file (on systems without flock, only goroutines of one
// process are serialized), and the writing itself takes no lock.
//
// # Errors
//
// A full disk (ENOSPC) or exhausted quota (EDQUOT) gives Kind Unavailable:
// the target cannot take the object now, through no fault of the object,
// and may again once space is freed, so the failure is retried later and
// counted against the target like a 5xx. Permission errors and a read-only
// file system give AccessDenied. A body shorter than Object.Size, or whose
// MD5 differs from Object.MD5, gives Integrity; a body that cannot be read
// gives Invalid; a canceled context gives Canceled. In every case the
// temporary files are removed and the previous copy under the key, if any,
// is untouched.
package local

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// Provider is the provider name of the local backend, in Results and errors.
const Provider = "local"

// DefaultDir is the root directory used when Options.Dir is empty.
const DefaultDir = "uploads"

// chunkSize is how many bytes Put copies between two checks of the context.
const chunkSize = 1 << 20

// Options configures a Backend. The zero value works.
type Options struct {
	// Dir is the root directory. It is created if missing. Empty means
	// [DefaultDir] ("uploads") in the working directory. It is made absolute
	// when the Backend is created.
	Dir string
	// Name is the target name in Results and errors. Empty means "local".
	Name string
	// NoCreate makes New neither create the directory nor sweep it, for a
	// caller that must write nothing (a dry run). A path that exists and
	// is not a directory is still refused; a missing one is not an error,
	// and a Put then fails as it would on a directory removed meanwhile.
	NoCreate bool
	// FileMode is the permission of the data and record files written (set
	// with chmod, so the umask does not narrow it). Zero means 0o600: a
	// backup holds other people's data and nobody else needs to read it.
	FileMode os.FileMode
	// DirMode is the permission of the directories created. Zero means
	// 0o700. Write permission for group and others is always left out: a
	// directory others can write to is refused (see [New]).
	DirMode os.FileMode
	// TempTTL is the age after which [New] removes temporary files left by a
	// crashed writer. Zero means 24 hours; a negative value disables the sweep.
	TempTTL time.Duration
	// Now returns the current time, for records and the sweep. Nil means
	// [time.Now].
	Now func() time.Time
	// Rand is the source of the random part of copy IDs. Nil means
	// [crypto/rand.Reader].
	Rand io.Reader

	// owner returns the user ID owning a file; nil means the file system's
	// answer. Tests, which run as root, replace it.
	owner func(os.FileInfo) (uid int, known bool)
}

// Backend is a local directory holding objects. Create one with [New].
type Backend struct {
	root     string // absolute
	objects  string // root/objects
	name     string
	fileMode os.FileMode
	dirMode  os.FileMode
	now      func() time.Time
	randMu   sync.Mutex
	rand     io.Reader
	closed   atomic.Bool
	shardMu  [256]sync.Mutex
	// uid is the running user; owner tells who owns a file.
	uid   int
	owner func(os.FileInfo) (int, bool)

	// createTemp creates a temporary file; tests replace it to inject
	// write, sync and close failures.
	createTemp func(dir, pattern string) (tempFile, error)
}

// tempFile is what Put needs of a file being written.
type tempFile interface {
	io.Writer
	Sync() error
	Close() error
	Name() string
}

var (
	_ uploader.Backend   = (*Backend)(nil)
	_ uploader.Spool     = (*Backend)(nil)
	_ uploader.Stater    = (*Backend)(nil)
	_ uploader.Getter    = (*Backend)(nil)
	_ uploader.Deleter   = (*Backend)(nil)
	_ uploader.Describer = (*Backend)(nil)
)

// New returns a Backend over opts.Dir, creating the directory (mode 0700)
// if needed and sweeping stale temporary files. A directory that cannot be
// created gives an *uploader.Error (AccessDenied, Unavailable or Unknown,
// see the package documentation). An existing root or objects directory
// that is a symbolic link, is owned by another user or is writable by group
// or others is refused with Kind AccessDenied and a message that names it
// and the fix: whoever can write there could delete copies or plant
// records that a drain would send to the cloud.
func New(opts Options) (*Backend, error) {
	b := &Backend{
		name:     opts.Name,
		fileMode: opts.FileMode,
		dirMode:  opts.DirMode &^ 0o022,
		now:      opts.Now,
		rand:     opts.Rand,
		uid:      os.Geteuid(),
		owner:    opts.owner,
	}
	if b.owner == nil {
		b.owner = fileOwner
	}
	if b.name == "" {
		b.name = "local"
	}
	if b.fileMode == 0 {
		b.fileMode = 0o600
	}
	if b.dirMode == 0 {
		b.dirMode = 0o700
	}
	if b.now == nil {
		b.now = time.Now
	}
	if b.rand == nil {
		b.rand = rand.Reader
	}
	b.createTemp = func(dir, pattern string) (tempFile, error) {
		f, err := os.CreateTemp(dir, pattern)
		if err == nil && b.fileMode != 0o600 {
			if err = f.Chmod(b.fileMode); err != nil {
				f.Close()
				os.Remove(f.Name())
				return nil, err
			}
		}
		return f, err
	}
	dir := opts.Dir
	if dir == "" {
		dir = DefaultDir
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, b.fsError("open", "", dir, err)
	}
	b.root = root
	b.objects = filepath.Join(root, "objects")
	if opts.NoCreate {
		if fi, err := os.Stat(root); err == nil && !fi.IsDir() {
			return nil, b.errorf(uploader.Invalid, "open", "", nil, "%s is not a directory", root)
		} else if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, b.fsError("open", "", root, err)
		}
		return b, nil
	}
	for _, d := range []string{root, b.objects} {
		if err := os.MkdirAll(d, b.dirMode); err != nil {
			return nil, b.fsError("open", "", d, err)
		}
		if err := b.checkDir(d); err != nil {
			return nil, b.fsError("open", "", d, err)
		}
	}
	ttl := opts.TempTTL
	if ttl == 0 {
		ttl = 24 * time.Hour
	}
	if ttl > 0 {
		b.sweep(b.now().Add(-ttl))
	}
	return b, nil
}

// Name returns the target's name (Options.Name, default "local").
func (b *Backend) Name() string { return b.name }

// Dir returns the absolute root directory.
func (b *Backend) Dir() string { return b.root }

// Describe reports the provider "local", the root as a file:// Endpoint and
// the root directory as Bucket.
func (b *Backend) Describe() uploader.Description {
	return uploader.Description{Name: b.name, Provider: Provider, Endpoint: fileURL(b.root), Bucket: b.root}
}

// Close marks the Backend closed; later calls fail with Kind Invalid. It
// holds no open files between calls, so Close releases nothing else.
func (b *Backend) Close() error {
	b.closed.Store(true)
	return nil
}

// closedErr returns the error of a call after Close, nil before.
func (b *Backend) closedErr(op, key string) *uploader.Error {
	if !b.closed.Load() {
		return nil
	}
	return b.errorf(uploader.Invalid, op, key, nil, "the local backend %s is closed", b.root)
}

// Put stores obj under obj.Key, replacing any previous copy, as the package
// documentation describes. The Result carries the file:// URL of the data
// file, the MD5 (also as ETag) and BackedUp set: an object here is only on
// this machine, and a drain will move it.
func (b *Backend) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	return b.store(ctx, obj, nil)
}

// Backup stores obj as Put does and records failed, the attempts that sent
// it here, for the drain. The copy gets a new ID (see [uploader.Spooled]).
func (b *Backend) Backup(ctx context.Context, obj uploader.Object, failed []uploader.Attempt) (uploader.Result, error) {
	return b.store(ctx, obj, failed)
}

// ErrorKind classifies an error from this package or from the file system:
// an *uploader.Error keeps its Kind; context errors are Canceled; ENOSPC and
// EDQUOT are Unavailable; permission errors and EROFS are AccessDenied;
// anything else is Unknown.
func (b *Backend) ErrorKind(err error) uploader.Kind {
	if err == nil {
		return uploader.OK
	}
	if e := uploader.AsError(err); e != nil {
		return e.Kind
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return uploader.Canceled
	}
	k, _ := errnoKind(err)
	return k
}

// newID returns a new copy ID: the time in nanoseconds, then 8 random bytes,
// in hex, so IDs sort by creation time and never repeat.
func (b *Backend) newID() (string, error) {
	var r [8]byte
	b.randMu.Lock()
	_, err := io.ReadFull(b.rand, r[:])
	b.randMu.Unlock()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%016x%x", uint64(b.now().UnixNano()), r), nil
}

func fileURL(path string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}

// errorf returns an *uploader.Error of kind k for op on key, naming this
// target.
func (b *Backend) errorf(k uploader.Kind, op, key string, cause error, format string, args ...any) *uploader.Error {
	return &uploader.Error{Kind: k, Target: b.name, Provider: Provider, Op: op, Key: key,
		Message: fmt.Sprintf(format, args...), Err: cause}
}

// fsError classifies a file-system error on path, with a message that says
// what to do about it.
func (b *Backend) fsError(op, key, path string, err error) *uploader.Error {
	if e := uploader.AsError(err); e != nil {
		c := *e
		if c.Target == "" {
			c.Target, c.Provider = b.name, Provider
		}
		return &c
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return b.errorf(uploader.Canceled, op, key, err, "%v", err)
	}
	k, why := errnoKind(err)
	switch {
	case why == "":
		return b.errorf(k, op, key, err, "%v", err)
	case k == uploader.Unavailable:
		return b.errorf(k, op, key, err, "%s: %s in %s; the backup can take no more until space is freed", why, path, b.root)
	default:
		return b.errorf(k, op, key, err, "%s: %s (check the permissions of %s)", why, path, b.root)
	}
}

// notFound returns the error for a key or copy that is not held.
func (b *Backend) notFound(op, key, what string) *uploader.Error {
	e := b.errorf(uploader.Invalid, op, key, nil, "%s", what)
	e.Status, e.Code = 404, "NoSuchKey"
	return e
}
