package xfer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// The rules every cloud backend applies the same way: its configuration
// errors, its sizes, its Close, its not-found error, the ETag witness and
// the removal of an object that failed verification.

// ConfigError returns err, a refused configuration, prefixed with the
// target it is about, in the one style of every backend:
//
//	<provider> target "<name>": <what is wrong and what to change>
//
// name is the target's name, or provider when it has none. A nil err gives
// nil.
func ConfigError(provider, name string, err error) error {
	if err == nil {
		return nil
	}
	if name == "" {
		name = provider
	}
	return fmt.Errorf("%s target %q: %w", provider, name, err)
}

// Sizes are the multipart settings every cloud backend's Options has, as
// set (0 means the default).
type Sizes struct {
	PartSize           int64
	PartConcurrency    int
	MultipartThreshold int64
}

// Check refuses Sizes no provider can honour, naming the setting and what
// to change: a negative value, a MultipartThreshold above [MaxSinglePut]
// and a PartSize above [MaxPartSize] (5 GiB each, the limits of every
// provider). The rule of every backend is to refuse a setting above a
// provider's limit, never to cap it silently: such a setting is a mistake
// in the configuration (often a unit), and what it asks for cannot be done.
// What the providers require of each object is applied per object instead:
// [PartSize] raises a PartSize below 5 MiB to 5 MiB, and, for a huge
// object, to what keeps it within 10000 parts.
func (s Sizes) Check() error {
	if s.PartSize < 0 || s.PartConcurrency < 0 || s.MultipartThreshold < 0 {
		return fmt.Errorf("PartSize (%d), PartConcurrency (%d) and MultipartThreshold (%d) must not be negative; 0 means the default",
			s.PartSize, s.PartConcurrency, s.MultipartThreshold)
	}
	if s.MultipartThreshold > MaxSinglePut {
		return fmt.Errorf("MultipartThreshold %d is above the single-PUT limit of 5 GiB; set it to at most %d (or 0 for the default, 64 MiB)",
			s.MultipartThreshold, int64(MaxSinglePut))
	}
	if s.PartSize > MaxPartSize {
		return fmt.Errorf("PartSize %d is above the part limit of 5 GiB; set it to at most %d (or 0 for the default, 16 MiB)",
			s.PartSize, int64(MaxPartSize))
	}
	return nil
}

// WithDefaults returns s with every zero field set to its default:
// [DefaultPartSize], [DefaultConcurrency], [DefaultThreshold]. Call it
// after [Sizes.Check].
func (s Sizes) WithDefaults() Sizes {
	if s.PartSize == 0 {
		s.PartSize = DefaultPartSize
	}
	if s.PartConcurrency == 0 {
		s.PartConcurrency = DefaultConcurrency
	}
	if s.MultipartThreshold == 0 {
		s.MultipartThreshold = DefaultThreshold
	}
	return s
}

// PartSizeFor returns the size of every part but the last of an object of
// size bytes, or 0 when it is sent in one PUT (size at most
// MultipartThreshold): [PartSize] of the configured PartSize, raised for a
// huge object. It is what every backend's PartSize method returns, which
// the failover package uses to check a multipart ETag against an object's
// bytes.
func (s Sizes) PartSizeFor(size int64) int64 {
	if size <= s.MultipartThreshold {
		return 0
	}
	return PartSize(size, s.PartSize)
}

// Closer is the Close of every cloud backend: Close marks the backend
// closed and closes the idle connections of its transport, so no
// connection or goroutine outlives it; every later call fails with Kind
// Invalid ([Closer.Err]). Requests already running finish. The zero value
// is open.
type Closer struct {
	closed atomic.Bool
}

// Close marks c closed and closes the idle connections of rt (an
// *http.Transport, an *http.Client, or any RoundTripper with a
// CloseIdleConnections method; nil is allowed). It may be called more than
// once.
func (c *Closer) Close(rt any) {
	c.closed.Store(true)
	if ci, ok := rt.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// Closed reports whether Close was called.
func (c *Closer) Closed() bool { return c.closed.Load() }

// Err returns nil while c is open, else the error of a call made after
// Close: Kind Invalid, naming the target, the operation and the key.
func (c *Closer) Err(target, provider, op, key string) error {
	if !c.closed.Load() {
		return nil
	}
	return &uploader.Error{Kind: uploader.Invalid, Target: target, Provider: provider, Op: op, Key: key,
		Message: "the backend is closed; create a new one to use the target again"}
}

// NotFound turns err, the failure of a request about one object (HEAD,
// GET), into the not-found error of the contract when it is a 404 about the
// object: its *uploader.Error gets Status 404, Code "NoSuchKey" (so that
// [uploader.IsNotFound] holds), Kind Invalid (a missing object says nothing
// about the target's health) and no hints. A reply to a HEAD has no body,
// so a 404 with no code is taken for the key. A missing bucket
// (NoSuchBucket) keeps its Kind BucketNotFound, a canceled request its Kind
// Canceled, and any other error is returned as it is. It returns err.
func NotFound(err error) error {
	e := uploader.AsError(err)
	if e == nil || e.Status != http.StatusNotFound || e.Kind == uploader.Canceled {
		return err
	}
	switch e.Code {
	case "", "NoSuchKey", "NotFound", "ResourceNotFound":
	default:
		return err
	}
	if e.Code == "" || e.Message == "" {
		e.Message = "no such object"
	}
	e.Kind, e.Code, e.Hints = uploader.Invalid, "NoSuchKey", nil
	return err
}

// Missing reports whether err is the failure of a request about an object
// that is not there (see [NotFound]): what a Delete of a missing object
// ignores.
func Missing(err error) bool {
	e := uploader.AsError(NotFound(err))
	return e != nil && e.Code == "NoSuchKey"
}

// KnownMD5 checks, before a multipart upload sends anything, that the
// body's size bytes have obj.MD5 when it is set (a drain's copy, whose
// digest was recorded): a multipart ETag proves the bytes only after the
// parts are stored. It returns nil when obj.MD5 is unset or matches; a
// failed read as the body's own *uploader.Error (such as a file changed
// while read), else Kind Invalid; a different digest as Kind Integrity,
// saying nothing was sent. Both name target, provider and the key.
func KnownMD5(body io.ReaderAt, obj uploader.Object, target, provider string) *uploader.Error {
	if obj.MD5 == nil {
		return nil
	}
	sum, err := MD5(body, 0, obj.Size)
	if err != nil {
		if e := uploader.AsError(err); e != nil {
			c := *e
			c.Target, c.Provider = target, provider
			return &c
		}
		return &uploader.Error{Kind: uploader.Invalid, Target: target, Provider: provider, Op: "read", Key: obj.Key,
			Message: "reading the object's body: " + err.Error(), Err: err}
	}
	if !bytes.Equal(sum, obj.MD5) {
		return &uploader.Error{Kind: uploader.Integrity, Target: target, Provider: provider, Op: "verify", Key: obj.Key,
			Message: fmt.Sprintf("the body's MD5 %s differs from the expected %s; nothing was sent", Hex(sum), Hex(obj.MD5))}
	}
	return nil
}

// UnquoteETag returns etag, as a reply's ETag header or an SDK's field
// carries it, without its double quotes: the form of
// [uploader.ObjectInfo.ETag] and of every comparison.
func UnquoteETag(etag string) string { return strings.Trim(etag, `"`) }

// ETagDiffers reports whether etag, a write's reply, is a plain MD5 (see
// [uploader.PlainMD5]) other than sum, the MD5 of the bytes sent: the
// stored object is not what was sent. An ETag of another form says nothing
// and gives false. The caller first makes sure the reply names no
// encryption that changes the ETag ([ETagIsMD5]).
func ETagDiffers(etag string, sum []byte) bool {
	p := uploader.PlainMD5(etag)
	return p != "" && p != Hex(sum)
}

// DiscardTimeout bounds the delete of [Discard].
const DiscardTimeout = 30 * time.Second

// Discard deletes key, whose stored object failed verification as e says,
// so that nothing wrong stays visible, and says in e what became of it:
// its Message gains "; the object was deleted", or, when the delete failed
// too, that the object is still there and why, with a hint to delete it by
// hand. The delete runs even when ctx was canceled, for at most
// [DiscardTimeout]. It returns e.
func Discard(ctx context.Context, del func(ctx context.Context, key string) error, key string, e *uploader.Error) *uploader.Error {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DiscardTimeout)
	defer cancel()
	if err := del(dctx, key); err != nil {
		e.Message += "; deleting the object also failed, so it is still there: " + err.Error()
		e.Hints = append(e.Hints, fmt.Sprintf("delete %q by hand: its bytes are not the ones sent", key))
		return e
	}
	e.Message += "; the object was deleted"
	return e
}
