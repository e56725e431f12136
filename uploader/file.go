package uploader

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"sync"
	"time"
)

// File is a regular file to upload, and what was read of it. Its [Object]
// re-opens the file for every attempt and hands out the bytes of one version
// of the file only: the version [NewFile] saw, identified by its size,
// modification time, status-change time (ctime), device and inode.
//
//   - Open fails if the file is no longer that version.
//   - Every read of the body re-checks the open file after reading (one
//     fstat); a read after a change fails, with Kind Invalid and a message
//     naming the file, and hands out no byte of it. The backend then fails
//     the attempt, so a single PUT never completes and a multipart upload is
//     aborted instead of assembling parts of two versions.
//   - When a body has been read to its last byte, the path is checked too:
//     a file replaced by another (a rename over it) fails the same way.
//
// The body also computes digests of the file's bytes as they are read, in
// order: the CRC-32C always, and the MD5 unless [FileOptions.SkipMD5] says
// not to. When reads come out of order (the parts of a multipart upload in
// parallel), it hashes ahead of them from the same open file, under the
// same checks. [File.CRC32C] and [File.MD5] return them: the digests of the
// bytes read for the upload, not of the file as it is afterwards.
//
// The MD5 costs about a CPU second per GiB (it cannot be computed in
// parallel), the CRC-32C, done by the processor's instructions, a tenth of
// that or less. The MD5 is worth it where it can be compared with what the
// server stored (the ETag of an object sent in one request); the ETag of a
// multipart upload is no MD5, and its parts carry their own checksums.
//
// The checks rest on the file system's timestamps. File cannot see a
// rewrite that keeps the size and lands within the timestamp granularity of
// the previous write (file systems with coarse timestamps), nor a single
// write in progress while the file is opened, read and checked, unless two
// complete reads of it disagree ([File.Check] reports that). Replacing a
// file by renaming a new one over it is always seen.
type File struct {
	key, path string
	id        fileID

	skipMD5 bool

	mu       sync.Mutex
	sum      []byte // MD5 of the last body read to its end
	crc      uint32 // CRC-32C of the last body read to its end
	crcOK    bool   // crc is set
	disagree bool   // two bodies read to their end gave different digests
}

// FileOptions sets what a [File] computes of the bytes it reads.
type FileOptions struct {
	// SkipMD5 leaves the MD5 out: [File.MD5] is nil, and only the CRC-32C
	// is computed. Set it for a file that every backend sends in parts
	// (its size above their multipart threshold): the ETag of such an
	// object is no MD5, so there is nothing to compare the MD5 with.
	SkipMD5 bool
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// fileID identifies one version of a file.
type fileID struct {
	size  int64
	mtime time.Time
	sys   sysID
}

func idOf(fi os.FileInfo) fileID {
	return fileID{size: fi.Size(), mtime: fi.ModTime(), sys: sysIDOf(fi)}
}

// differs describes how now differs from id, or returns "".
func (id fileID) differs(now fileID) string {
	switch {
	case now.size != id.size:
		return fmt.Sprintf("size %d -> %d", id.size, now.size)
	case !now.mtime.Equal(id.mtime):
		return fmt.Sprintf("modified %s -> %s", id.mtime.Format(time.RFC3339Nano), now.mtime.Format(time.RFC3339Nano))
	case now.sys.inode() != id.sys.inode():
		return "replaced by another file"
	case now.sys != id.sys:
		return "its status changed (ctime)"
	}
	return ""
}

// NewFile returns the File at path, stored under key, which computes both
// digests ([NewFileOptions] with nil options). A path that is missing,
// unreadable, a directory or not a regular file gives an *Error of Kind
// Invalid that names the path.
func NewFile(key, path string) (*File, error) {
	return NewFileOptions(key, path, nil)
}

// NewFileOptions is [NewFile] with options; nil means the zero FileOptions.
func NewFileOptions(key, path string, opts *FileOptions) (*File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fileError(key, path, err)
	}
	if !fi.Mode().IsRegular() {
		what := "not a regular file"
		if fi.IsDir() {
			what = "a directory"
		}
		return nil, &Error{Kind: Invalid, Op: "open", Key: key,
			Message: fmt.Sprintf("%s is %s", path, what)}
	}
	f := &File{key: key, path: path, id: idOf(fi)}
	if opts != nil {
		f.skipMD5 = opts.SkipMD5
	}
	return f, nil
}

// Path returns the file's path.
func (f *File) Path() string { return f.path }

// Size returns the file's size when NewFile saw it.
func (f *File) Size() int64 { return f.id.size }

// ModTime returns the file's modification time when NewFile saw it.
func (f *File) ModTime() time.Time { return f.id.mtime }

// Object returns the Object over the file; see [File].
func (f *File) Object() Object {
	return Object{Key: f.key, Size: f.id.size, Open: f.open}
}

// MD5 returns the MD5 of the bytes of the last body read to its end, or nil
// if no body was or the File computes no MD5 ([FileOptions.SkipMD5]).
func (f *File) MD5() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sum
}

// CRC32C returns the CRC-32C (Castagnoli) of the bytes of the last body
// read to its end, and whether a body was.
func (f *File) CRC32C() (uint32, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.crc, f.crcOK
}

// Check reports whether the file is still the version NewFile saw and every
// body read to its end read the same bytes. Call it after an upload: a
// non-nil error (Kind Invalid, naming the file, saying it changed while being
// uploaded) means the upload must be made again from a new File.
func (f *File) Check() error {
	f.mu.Lock()
	disagree := f.disagree
	f.mu.Unlock()
	if disagree {
		return f.changed("two reads of it gave different bytes")
	}
	fi, err := os.Stat(f.path)
	if err != nil {
		return f.changed(plainErrText(err))
	}
	if why := f.id.differs(idOf(fi)); why != "" {
		return f.changed(why)
	}
	return nil
}

// CodeFileChanged is the Code of the *Error that says a file changed while
// it was being uploaded (Kind Invalid).
const CodeFileChanged = "FileChanged"

func (f *File) changed(why string) *Error {
	return &Error{Kind: Invalid, Op: "read", Key: f.key, Code: CodeFileChanged,
		Message: fmt.Sprintf("%s changed while being uploaded (%s)", f.path, why)}
}

func plainErrText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func (f *File) open() (Body, error) {
	fd, err := os.Open(f.path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, f.changed("removed")
		}
		return nil, fileError(f.key, f.path, err)
	}
	fi, err := fd.Stat()
	if err != nil {
		fd.Close()
		return nil, fileError(f.key, f.path, err)
	}
	if why := f.id.differs(idOf(fi)); why != "" {
		fd.Close()
		return nil, f.changed(why)
	}
	b := &fileBody{f: f, fd: fd, d: digests{crc: crc32.New(castagnoli)}}
	if !f.skipMD5 {
		b.d.md5 = md5.New()
	}
	if f.id.size == 0 {
		// Nothing will be read: the body is complete as opened.
		if err := b.hash(nil, 0); err != nil {
			fd.Close()
			return nil, err
		}
	}
	return b, nil
}

// fileBody is one open of a File: reads checked against its version, and
// the digests of the bytes in order.
type fileBody struct {
	f  *File
	fd *os.File

	mu   sync.Mutex
	d    digests
	pos  int64 // bytes hashed, from 0
	done bool  // pos reached the size and the path was checked
	err  error // the first change seen; every later read fails with it
}

// ReadAt reads from the open file, then checks that the file is still the
// version the File stands for.
func (b *fileBody) ReadAt(p []byte, off int64) (int, error) {
	if err := b.failed(); err != nil {
		return 0, err
	}
	n, rerr := b.fd.ReadAt(p, off)
	if err := b.verify(); err != nil {
		return 0, err
	}
	if err := b.hash(p[:n], off); err != nil {
		return 0, err
	}
	return n, rerr
}

func (b *fileBody) failed() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

func (b *fileBody) fail(err error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
		b.err = err
	}
	return b.err
}

// verify compares the open file with the File's version.
func (b *fileBody) verify() error {
	fi, err := b.fd.Stat()
	if err != nil {
		return b.fail(b.f.changed(plainErrText(err)))
	}
	if why := b.f.id.differs(idOf(fi)); why != "" {
		return b.fail(b.f.changed(why))
	}
	return nil
}

// hash adds p, read at off, to the digest: in order, hashing ahead from the
// file when p starts past what was hashed. When the digest reaches the end,
// it checks the path and records the digest in the File.
func (b *fileBody) hash(p []byte, off int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done || b.err != nil {
		return b.err
	}
	size := b.f.id.size
	if off > b.pos {
		if _, err := io.CopyN(&b.d, io.NewSectionReader(b.fd, b.pos, off-b.pos), off-b.pos); err != nil {
			b.err = &Error{Kind: Invalid, Op: "read", Key: b.f.key, Message: fmt.Sprintf("reading %s: %v", b.f.path, err), Err: err}
			return b.err
		}
		b.pos = off
	}
	if end := off + int64(len(p)); end > b.pos {
		b.d.Write(p[b.pos-off:])
		b.pos = end
	}
	if b.pos < size {
		return nil
	}
	// The last byte is read: the bytes hashed are one version if the open
	// file is unchanged now and the path still names it.
	fi, err := b.fd.Stat()
	if err == nil {
		if why := b.f.id.differs(idOf(fi)); why != "" {
			b.err = b.f.changed(why)
			return b.err
		}
		pfi, perr := os.Stat(b.f.path)
		if perr != nil {
			b.err = b.f.changed(plainErrText(perr))
			return b.err
		}
		if why := b.f.id.differs(idOf(pfi)); why != "" {
			b.err = b.f.changed(why)
			return b.err
		}
	} else {
		b.err = b.f.changed(plainErrText(err))
		return b.err
	}
	b.done = true
	var sum []byte
	if b.d.md5 != nil {
		sum = b.d.md5.Sum(nil)
	}
	crc := b.d.crc.Sum32()
	b.f.mu.Lock()
	if b.f.crcOK && b.f.crc != crc || b.f.sum != nil && !bytes.Equal(b.f.sum, sum) {
		b.f.disagree = true
	}
	b.f.sum, b.f.crc, b.f.crcOK = sum, crc, true
	b.f.mu.Unlock()
	return nil
}

// digests are the hashes a body computes: the CRC-32C, and the MD5 unless
// it is nil.
type digests struct {
	md5 hash.Hash
	crc hash.Hash32
}

func (d *digests) Write(p []byte) (int, error) {
	d.crc.Write(p)
	if d.md5 != nil {
		d.md5.Write(p)
	}
	return len(p), nil
}

func (b *fileBody) Close() error { return b.fd.Close() }
