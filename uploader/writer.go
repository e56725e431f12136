package uploader

import (
	"context"
	"crypto/md5"
	"errors"
	"hash"
	"io"
	"os"
	"sync"
)

// spool keeps the bytes written to it, in memory up to a limit and then in
// a temporary file, so that every attempt of an upload can read them again.
// It computes their MD5 on the way.
type spool struct {
	key  string
	max  int64
	dir  string
	buf  []byte
	f    *os.File
	n    int64
	sum  hash.Hash
	once sync.Once
	rerr error
}

func newSpool(key string, opts SpoolOptions) *spool {
	max := opts.MaxMemory
	switch {
	case max == 0:
		max = 8 << 20
	case max < 0:
		max = -1 // always a file
	}
	return &spool{key: key, max: max, dir: opts.Dir, sum: md5.New()}
}

// Write keeps p.
func (s *spool) Write(p []byte) (int, error) {
	if s.f == nil && s.max >= 0 && s.n+int64(len(p)) <= s.max {
		if need := len(s.buf) + len(p); need > cap(s.buf) {
			// Grow by doubling, but never past the limit: memory stays
			// within MaxMemory.
			c := int64(max(2*cap(s.buf), need, 4096))
			nb := make([]byte, len(s.buf), min(c, s.max))
			copy(nb, s.buf)
			s.buf = nb
		}
		s.buf = append(s.buf, p...)
		s.n += int64(len(p))
		s.sum.Write(p)
		return len(p), nil
	}
	if s.f == nil {
		f, err := os.CreateTemp(s.dir, "upload-spool-*")
		if err != nil {
			return 0, &Error{Kind: Invalid, Op: "spool", Key: s.key, Message: "creating a spool file: " + err.Error(), Err: err}
		}
		s.f = f
		if _, err := f.Write(s.buf); err != nil {
			return 0, s.writeErr(err)
		}
		s.buf = nil
	}
	n, err := s.f.Write(p)
	s.n += int64(n)
	s.sum.Write(p[:n])
	if err != nil {
		return n, s.writeErr(err)
	}
	return n, nil
}

func (s *spool) writeErr(err error) error {
	return &Error{Kind: Invalid, Op: "spool", Key: s.key, Message: "writing the spool file: " + err.Error(), Err: err}
}

// object returns an Object over the bytes kept, with their MD5.
func (s *spool) object() Object {
	var obj Object
	if s.f == nil {
		obj = BytesObject(s.key, s.buf)
	} else {
		f := s.f
		obj = Object{Key: s.key, Size: s.n, Open: func() (Body, error) { return nopCloser{f}, nil }}
	}
	obj.MD5 = s.sum.Sum(nil)
	return obj
}

// release removes the spool file; only the first call does anything.
func (s *spool) release() error {
	s.once.Do(func() {
		s.buf = nil
		if s.f == nil {
			return
		}
		cerr := s.f.Close()
		s.rerr = os.Remove(s.f.Name())
		if s.rerr == nil && cerr != nil && !errors.Is(cerr, os.ErrClosed) {
			s.rerr = cerr
		}
	})
	return s.rerr
}

// ctxReader ends a read loop when ctx is done, between two reads.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// WriterOptions describe the object a [Writer] stores and where it keeps
// the bytes written until Close.
type WriterOptions struct {
	// ContentType and Metadata are the object's, as in [Object].
	ContentType string
	Metadata    map[string]string
	// Attributes are the object's headers, storage class, ACL,
	// encryption and tags.
	Attributes
	// Progress, if set, is told the bytes sent during Close (see
	// [Object].Progress).
	Progress func(n int64)
	// Spool sets how much is held in memory (MaxMemory, 8 MiB by default)
	// before the bytes go to a temporary file in Dir.
	Spool SpoolOptions
}

// Writer stores the bytes written to it as one object, like gocloud's
// blob.Writer, with the retries and failover of the Uploader it was made
// with. It is not safe for concurrent use.
//
// The bytes written are kept in a spool (memory up to
// WriterOptions.Spool.MaxMemory, then a temporary file) and the upload runs
// on Close, so that every attempt, on every target, reads the same bytes
// from their start: failover works as for a file, and memory stays bounded
// whatever the size. The cost is that nothing is sent before Close, and
// that an object larger than MaxMemory is written to disk and read back
// once per attempt; the README gives figures.
type Writer struct {
	ctx  context.Context
	u    Uploader
	obj  Object
	sp   *spool
	done bool
	err  error
	res  Result
}

// NewWriter returns a Writer that stores key through u when closed. ctx
// bounds the whole write and upload: once it is done, Write fails and
// Close uploads nothing and returns an *Error of Kind Canceled. opts may be
// nil.
func NewWriter(ctx context.Context, u Uploader, key string, opts *WriterOptions) *Writer {
	if opts == nil {
		opts = &WriterOptions{}
	}
	w := &Writer{ctx: ctx, u: u, sp: newSpool(key, opts.Spool)}
	w.obj = Object{Key: key, ContentType: opts.ContentType, Metadata: opts.Metadata, Attributes: opts.Attributes, Progress: opts.Progress}
	return w
}

// Write keeps p for the upload. It fails after Close, once the context is
// done, or when the spool file cannot be written; the error is sticky.
func (w *Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, &Error{Kind: Invalid, Op: "write", Key: w.obj.Key, Message: "write after Close"}
	}
	if w.err != nil {
		return 0, w.err
	}
	if err := w.ctx.Err(); err != nil {
		w.err = &Error{Kind: Canceled, Op: "write", Key: w.obj.Key, Message: err.Error(), Err: err}
		return 0, w.err
	}
	n, err := w.sp.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

// Close uploads the bytes written, with their MD5 so that the server
// checks them, and removes the spool. It returns the upload's error, or
// the first Write error (then nothing is uploaded); [Writer.Result] holds
// the upload's Result. Close may be called more than once; later calls
// return the same error.
func (w *Writer) Close() error {
	if w.done {
		return w.err
	}
	w.done = true
	defer w.sp.release()
	if w.err == nil {
		if err := w.ctx.Err(); err != nil {
			w.err = &Error{Kind: Canceled, Op: "write", Key: w.obj.Key, Message: err.Error(), Err: err}
		}
	}
	if w.err != nil {
		return w.err
	}
	obj := w.sp.object()
	obj.ContentType, obj.Metadata, obj.Attributes, obj.Progress = w.obj.ContentType, w.obj.Metadata, w.obj.Attributes, w.obj.Progress
	res, err := w.u.Upload(w.ctx, obj)
	w.res = res
	if err != nil {
		w.err = err
	}
	return err
}

// Result returns the Result of the upload Close made; the zero Result
// before Close.
func (w *Writer) Result() Result { return w.res }

// ReaderObjectContext is [ReaderObject] under ctx: once ctx is done the
// spooling stops, at the next read, with an *Error of Kind Canceled, and
// the temporary file is removed. A Read that blocks is not interrupted.
func ReaderObjectContext(ctx context.Context, key string, r io.Reader, opts SpoolOptions) (Object, func() error, error) {
	noop := func() error { return nil }
	s := newSpool(key, opts)
	var err error
	if s.max < 0 {
		_, err = s.Write(nil) // the file, even for an empty body
	}
	if err == nil {
		_, err = io.Copy(s, ctxReader{ctx, r})
	}
	if err != nil {
		s.release()
		switch {
		case ctx.Err() != nil && errors.Is(err, ctx.Err()):
			return Object{}, noop, &Error{Kind: Canceled, Op: "read", Key: key, Message: "reading the body: " + err.Error(), Err: err}
		case AsError(err) != nil:
			return Object{}, noop, err
		}
		return Object{}, noop, &Error{Kind: Invalid, Op: "read", Key: key, Message: "reading the body: " + err.Error(), Err: err}
	}
	obj := s.object()
	if s.f == nil {
		return obj, noop, nil
	}
	return obj, s.release, nil
}
