package uploader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxKeyLen is the longest key, in bytes, that [ValidateKey] accepts: the
// limit of S3 and of every provider here.
const MaxKeyLen = 1024

// Body is an open object body. ReadAt must be safe for concurrent use, as it
// is for [*os.File] and [*bytes.Reader]: a backend reads the parts of a
// multipart upload in parallel through [io.SectionReader]s.
type Body interface {
	io.ReaderAt
	io.Closer
}

// Object is what an [Uploader] stores: a key, a size and a body that can be
// read again for every attempt.
//
// A consumed reader is never re-sent: every attempt, on every target, calls
// Open and reads the body from its start. That is how other uploaders came to
// store empty objects after a retry; it cannot happen here.
type Object struct {
	// Key is the object key; see [ValidateKey] for the rules.
	Key string
	// Size is the exact length of the body in bytes.
	Size int64
	// ContentType is the MIME type; empty means the provider's default.
	ContentType string
	// Metadata is user metadata stored with the object. Keys are
	// case-insensitive ASCII; providers prefix them (x-amz-meta-, x-oss-meta-).
	Metadata map[string]string
	// MD5 is the expected MD5 of the body, if the caller knows it. A backend
	// that can send it (Content-MD5) does, so the server rejects a body that
	// differs; the failure has Kind Integrity.
	MD5 []byte
	// Attributes are the object's headers, storage class, ACL, encryption
	// and tags; each backend maps them to its provider's names.
	Attributes
	// Progress, if set, is told the body bytes sent, as a function given to
	// [WithProgress] is (a rewind for a retry is a negative number); both
	// are called when both are set. The Uploaders of this module honour it
	// ([ProgressContext]).
	Progress func(n int64)
	// Open returns a new Body for one attempt. The caller of Open closes it.
	// Open, and the Body's reads, may fail with an *Error of Kind Invalid,
	// for instance when the file behind the body changed (see [File]).
	Open func() (Body, error)
	// Resume, if not nil, makes a multipart upload of the object
	// resumable after a failure: see [Resumer].
	Resume Resumer
}

// Reader opens the body for one attempt and returns a reader of exactly Size
// bytes from its start, and the Body to close when done.
func (o Object) Reader() (*io.SectionReader, Body, error) {
	if o.Open == nil {
		return nil, nil, &Error{Kind: Invalid, Op: "open", Key: o.Key, Message: "object has no body (Open is nil)"}
	}
	b, err := o.Open()
	if err != nil {
		if AsError(err) == nil {
			err = &Error{Kind: Invalid, Op: "open", Key: o.Key, Message: err.Error(), Err: err}
		}
		return nil, nil, err
	}
	return io.NewSectionReader(b, 0, o.Size), b, nil
}

// Validate checks the key, the size and the attributes; it returns an *Error of Kind Invalid
// that names the key.
func (o Object) Validate() error {
	if err := ValidateKey(o.Key); err != nil {
		return err
	}
	if o.Size < 0 {
		return &Error{Kind: Invalid, Op: "validate", Key: o.Key, Message: fmt.Sprintf("negative size %d", o.Size)}
	}
	if o.Open == nil {
		return &Error{Kind: Invalid, Op: "validate", Key: o.Key, Message: "object has no body (Open is nil)"}
	}
	if o.MD5 != nil && len(o.MD5) != 16 {
		return &Error{Kind: Invalid, Op: "validate", Key: o.Key, Message: fmt.Sprintf("MD5 has %d bytes, want 16", len(o.MD5))}
	}
	return o.validateAttributes()
}

// ValidateKey reports whether key is acceptable to every provider and safe
// to map onto a file system. It refuses, with an *Error of Kind Invalid whose
// message names the key: the empty key, a leading "/", a "." or ".." path
// segment, NUL and the other control characters (C0, DEL and the C1 range
// U+0080 to U+009F, which terminals obey as escape sequences), invalid
// UTF-8, and keys longer than [MaxKeyLen] bytes.
func ValidateKey(key string) error {
	bad := func(why string) error {
		shown := key
		if len(shown) > 80 {
			shown = shown[:80] + "..."
		}
		return &Error{Kind: Invalid, Op: "validate", Key: key,
			Message: fmt.Sprintf("key %s %s", strconv.QuoteToASCII(shown), why)}
	}
	switch {
	case key == "":
		return &Error{Kind: Invalid, Op: "validate", Message: "empty key"}
	case len(key) > MaxKeyLen:
		return bad(fmt.Sprintf("is %d bytes long; the limit is %d", len(key), MaxKeyLen))
	case !utf8.ValidString(key):
		return bad("is not valid UTF-8")
	case strings.HasPrefix(key, "/"):
		return bad(`starts with "/"`)
	}
	for _, r := range key {
		if r < 0x20 || 0x7f <= r && r <= 0x9f {
			return bad(fmt.Sprintf("holds the control character %U", r))
		}
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == ".." || seg == "." {
			return bad(fmt.Sprintf("holds a %q path segment", seg))
		}
	}
	return nil
}

// FileObject returns an Object for the regular file at path, stored under
// key: [NewFile] then [File.Object]. Every attempt re-opens the file, and
// the body hands out the bytes of the version FileObject saw only: a file
// changed before or while it is read fails the read with Kind Invalid, so it
// is never stored half old, half new. Use NewFile to learn the MD5 of the
// bytes read and to check the file after the upload.
//
// A path that is missing, unreadable, a directory or not a regular file gives
// an *Error of Kind Invalid that names the path.
func FileObject(key, path string) (Object, error) {
	f, err := NewFile(key, path)
	if err != nil {
		return Object{}, err
	}
	return f.Object(), nil
}

func fileError(key, path string, err error) error {
	msg := err.Error()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		msg = path + ": no such file"
	case errors.Is(err, fs.ErrPermission):
		msg = path + ": permission denied"
	}
	return &Error{Kind: Invalid, Op: "open", Key: key, Message: msg, Err: err}
}

// BytesObject returns an Object whose body is data. data must not change
// while the Object is in use.
func BytesObject(key string, data []byte) Object {
	return Object{
		Key:  key,
		Size: int64(len(data)),
		Open: func() (Body, error) { return nopCloser{bytes.NewReader(data)}, nil },
	}
}

type nopCloser struct{ io.ReaderAt }

func (nopCloser) Close() error { return nil }

// SpoolOptions sets how [ReaderObject] keeps a one-shot reader's bytes.
type SpoolOptions struct {
	// MaxMemory is the most bytes kept in memory; a longer body goes to a
	// temporary file. Zero means 8 MiB; a negative value means always a file.
	MaxMemory int64
	// Dir is the directory for the temporary file; empty means [os.TempDir].
	Dir string
}

// ReaderObject reads r once, to its end, and returns an Object over the bytes read,
// so that every attempt can read them again, with their MD5 (the server
// checks it). At most opts.MaxMemory bytes are held in memory; a longer
// body is written to a temporary file. The caller must call release when
// the Object is no longer used; it removes the file.
//
// release may be called more than once; only the first call does anything.
//
// A read error gives an *Error of Kind Invalid: the body is incomplete and
// must not be stored. [ReaderObjectContext] stops when a context is done;
// [NewWriter] spools what is written to it and uploads it on Close.
func ReaderObject(key string, r io.Reader, opts SpoolOptions) (obj Object, release func() error, err error) {
	return ReaderObjectContext(context.Background(), key, r, opts)
}
