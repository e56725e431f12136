// Package xfer holds what every cloud backend does the same way with an
// object's bytes: computing the Content-MD5 of a range, counting bytes for
// progress, choosing part sizes, and running a multipart upload in parallel
// with memory bounded by the part count in flight, aborting it on failure
// or, when the object has an [uploader.Resumer], keeping it for a later
// attempt that [Resume] continues: each backend provides only its SDK's
// ListParts and abort ([PartLister]) and reuses the upload ID it returns.
package xfer

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"
	"sync/atomic"
	"time"

	md5simd "github.com/minio/md5-simd"

	"github.com/resilient-upload/upload/uploader"
)

// Defaults shared by the cloud backends. Each backend's Options documents
// them.
const (
	DefaultPartSize    = 16 << 20
	DefaultConcurrency = 4
	DefaultThreshold   = 64 << 20
	MinPartSize        = 5 << 20
	MaxPartSize        = 5 << 30
	// MaxSinglePut is the largest object every provider takes in one PUT.
	MaxSinglePut = 5 << 30
	MaxParts     = 10000
)

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// md5Server hashes with SIMD instructions (AVX2, AVX-512) up to 16
// streams at once in one goroutine, started on first use and kept for the
// process: the parts hashed in parallel share it. Without AVX2 its hashes
// are crypto/md5's.
var md5Server = sync.OnceValue(md5simd.NewServer)

// simdMin is the smallest input hashed with [md5Server]; smaller ones
// (a file sent in one request) use crypto/md5. md5-simd's server keeps a
// closed hasher's registration until it schedules that hasher again,
// which it may never do: about 300 bytes per call, 300 MiB over a million
// small files. Parts (5 MiB at least) are few, and SIMD pays for them.
const simdMin = MinPartSize

// simdFree holds md5-simd hashers for reuse (Reset, not Close): a closed
// hasher's registration stays in the server (see simdMin), so a process
// that hashes parts for days makes new hashers only while more than
// cap(simdFree) parts are hashed at once. simdMade counts the hashers made.
var (
	simdFree = make(chan md5simd.Hasher, 64)
	simdMade atomic.Int64
)

func simdHasher() md5simd.Hasher {
	select {
	case h := <-simdFree:
		return h
	default:
		simdMade.Add(1)
		return md5Server().NewHash()
	}
}

func releaseSIMD(h md5simd.Hasher) {
	h.Reset()
	select {
	case simdFree <- h:
	default:
		h.Close()
	}
}

// MD5 returns the MD5 of the n bytes of r from off, computed with
// [md5Server] from simdMin bytes, else crypto/md5.
func MD5(r io.ReaderAt, off, n int64) ([]byte, error) {
	var h hash.Hash = md5.New()
	if n >= simdMin {
		sh := simdHasher()
		defer releaseSIMD(sh)
		h = sh
	}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	got, err := io.CopyBuffer(h, io.NewSectionReader(r, off, n), *bp)
	if err != nil {
		return nil, err
	}
	if got != n {
		return nil, io.ErrUnexpectedEOF
	}
	return h.Sum(nil), nil
}

// Base64 returns the Content-MD5 header value of sum.
func Base64(sum []byte) string { return base64.StdEncoding.EncodeToString(sum) }

// Hex returns the hex form of sum, as an S3 ETag holds it.
func Hex(sum []byte) string { return hex.EncodeToString(sum) }

// PartSize returns the part size to use for an object of size bytes: want
// (or DefaultPartSize if want <= 0), raised to MinPartSize and, for very
// large objects, to the size that keeps the part count within MaxParts.
func PartSize(size, want int64) int64 {
	if want <= 0 {
		want = DefaultPartSize
	}
	if want < MinPartSize {
		want = MinPartSize
	}
	if want > MaxPartSize {
		want = MaxPartSize
	}
	if need := (size + MaxParts - 1) / MaxParts; need > want {
		const mib = 1 << 20
		want = (need + mib - 1) / mib * mib
	}
	return want
}

// Part is one uploaded part.
type Part struct {
	// Number is 1-based.
	Number int
	Offset int64
	Size   int64
	// ETag is what the server returned for the part.
	ETag string
	// MD5 is the part's MD5, if it was computed.
	MD5 []byte
	// Elapsed is how long UploadPart took.
	Elapsed time.Duration
	// Resumed: an earlier attempt stored the part ([Resume] checked it
	// against the body), so it was not sent again. CRC64 is then the
	// CRC-64/ECMA of its bytes, computed locally, for a backend that
	// combines the parts' CRCs to check the assembled object.
	Resumed bool
	CRC64   uint64
	// CRC32C is the part's CRC-32C (Castagnoli), computed locally from
	// its bytes, when HasCRC32C: for a backend that sends it as the part's
	// checksum and checks the assembled object by [CompositeCRC32C].
	CRC32C    uint32
	HasCRC32C bool
}

// Session is one multipart upload in progress at a provider. UploadPart is
// called concurrently.
type Session interface {
	// UploadPart sends part p, whose bytes body yields (a fresh reader of
	// exactly p.Size bytes, seekable to its start for a signing-time retry),
	// and returns the part's ETag.
	UploadPart(ctx context.Context, p Part, body io.ReadSeeker) (etag string, err error)
	// Complete assembles the parts, in order.
	Complete(ctx context.Context, parts []Part) error
	// Abort discards the upload and its parts.
	Abort(ctx context.Context) error
}

// Options configures Upload.
type Options struct {
	// PartSize is the size of every part but the last; see [PartSize].
	PartSize int64
	// Concurrency is the number of parts in flight; <= 0 means
	// DefaultConcurrency.
	Concurrency int
	// ContentMD5 computes each part's MD5 before sending it, so the server
	// can verify it (Part.MD5).
	ContentMD5 bool
	// AbortTimeout bounds the abort after a failure, which runs even if ctx
	// was canceled. Zero means 30 s.
	AbortTimeout time.Duration
	// Resume, when not nil, makes the upload resumable (see
	// [uploader.Resumer]): it is told UploadID on Target before any part
	// is sent and each part as it is stored, and a failure that may pass
	// leaves the upload for the next attempt instead of aborting it.
	// Resumed lists the parts [Resume] found stored and checked; they are
	// not sent again.
	Resume   uploader.Resumer
	Target   string
	UploadID string
	Resumed  []Part
}

// Upload sends the size bytes of body through s in parts, at most
// o.Concurrency at a time, each read straight from body through an
// [io.SectionReader] (no part is held in memory). On success it completes the
// upload and returns the parts. On any failure it aborts the upload, so no
// parts are left behind, and returns the first error; an abort failure is
// joined to it.
//
// With o.Resume set, the parts in o.Resumed are not sent, o.Resume hears of
// the upload and of every part, and a failure while the parts are sent
// aborts the upload only if its Kind is Invalid or Integrity (see
// [Keep]); a failure to complete aborts it as without o.Resume.
//
// Long: the part workers, their error collection and the complete share
// the same state; splitting them would pass it all around.
func Upload(ctx context.Context, body io.ReaderAt, size int64, s Session, o Options) ([]Part, error) {
	ps := PartSize(size, o.PartSize)
	parts := plan(size, ps)
	n := len(parts)
	for _, r := range o.Resumed {
		if i := r.Number - 1; 0 <= i && i < n && parts[i].Offset == r.Offset && parts[i].Size == r.Size {
			parts[i] = r
			parts[i].Resumed = true
		}
	}
	if o.Resume != nil {
		o.Resume.Started(o.Target, o.UploadID, ps)
	}
	conc := o.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	conc = min(conc, n)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	fail := func(err error) {
		errOnce.Do(func() { first = err; cancel(err) })
	}
	next := make(chan int)
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if ctx.Err() != nil {
					continue
				}
				p := &parts[i]
				if p.Resumed {
					continue
				}
				if o.ContentMD5 {
					sum, err := MD5(body, p.Offset, p.Size)
					if err != nil {
						fail(&uploader.Error{Kind: uploader.Invalid, Op: "read", Message: fmt.Sprintf("reading part %d: %v", p.Number, err), Err: err})
						continue
					}
					p.MD5 = sum
				}
				start := time.Now()
				etag, err := s.UploadPart(ctx, *p, io.NewSectionReader(body, p.Offset, p.Size))
				if err != nil {
					fail(err)
					continue
				}
				p.ETag, p.Elapsed = etag, time.Since(start)
				if o.Resume != nil {
					o.Resume.PartDone(o.Target, o.UploadID, p.Public())
				}
			}
		}()
	}
feed:
	for i := range parts {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = context.Cause(ctx)
	}
	if first == nil {
		first = s.Complete(ctx, parts)
		if first == nil {
			if o.Resume != nil {
				o.Resume.Ended(o.Target, o.UploadID)
			}
			return parts, nil
		}
	} else if o.Resume != nil && Keep(first) {
		return nil, first
	}
	err := abort(ctx, s, o.AbortTimeout, first)
	if o.Resume != nil {
		o.Resume.Ended(o.Target, o.UploadID)
	}
	return nil, err
}

// plan returns the parts of an object of size bytes in parts of ps bytes
// (one empty part for an empty object).
func plan(size, ps int64) []Part {
	n := int((size + ps - 1) / ps)
	if n == 0 {
		n = 1
	}
	parts := make([]Part, n)
	for i := range parts {
		off := int64(i) * ps
		parts[i] = Part{Number: i + 1, Offset: off, Size: min(ps, size-off)}
	}
	return parts
}

func abort(ctx context.Context, s Session, timeout time.Duration, cause error) error {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := s.Abort(actx); err != nil {
		return errors.Join(cause, fmt.Errorf("aborting the multipart upload also failed (parts may remain until a lifecycle rule removes them): %w", err))
	}
	return cause
}

// Progress returns the progress function carried by ctx (see
// [uploader.WithProgress]) or nil.
func Progress(ctx context.Context) func(int64) {
	return uploader.ProgressFunc(ctx)
}

// Counting wraps r so that every byte read is reported to fn (if fn is not
// nil). It keeps r's Seek, so a rewind for a retry is seen as negative
// progress.
func Counting(r io.ReadSeeker, fn func(int64)) io.ReadSeeker {
	if fn == nil {
		return r
	}
	return &counting{r: r, fn: fn}
}

type counting struct {
	r   io.ReadSeeker
	fn  func(int64)
	pos int64
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.pos += int64(n)
		c.fn(int64(n))
	}
	return n, err
}

func (c *counting) Seek(off int64, whence int) (int64, error) {
	p, err := c.r.Seek(off, whence)
	if err == nil && p != c.pos {
		c.fn(p - c.pos)
		c.pos = p
	}
	return p, err
}

// Len reports the bytes left, for SDKs that size bodies by a Len method.
func (c *counting) Len() int {
	cur, err := c.r.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0
	}
	end, err := c.r.Seek(0, io.SeekEnd)
	if err != nil {
		return 0
	}
	c.r.Seek(cur, io.SeekStart)
	return int(end - cur)
}
