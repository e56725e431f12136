package xfer

import (
	"context"
	"crypto/md5"
	"errors"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// PartLister is what a backend provides to resume a multipart upload that
// an earlier attempt started: its SDK's ListParts and abort, for the key of
// the object being put.
type PartLister interface {
	// ListParts returns every part the server holds for uploadID (all
	// pages), with Number, Size and ETag set. An upload that no longer
	// exists fails with an *uploader.Error whose Code is "NoSuchUpload"
	// or whose Status is 404.
	ListParts(ctx context.Context, uploadID string) ([]Part, error)
	// AbortUpload aborts uploadID; one already gone is not an error.
	AbortUpload(ctx context.Context, uploadID string) error
}

var crcTable = crc64.MakeTable(crc64.ECMA)

// Resume finds the upload of obj on target that obj.Resume recorded, and
// what of it may be kept. It returns the upload ID to continue and its
// parts that match the body (to pass as [Options].Resumed), or "" when a
// new upload must be started: there is no Resumer or no recorded upload,
// the upload is gone, or a part the server lists does not match the bytes
// of body now (size, or ETag against the MD5 of the part read again) — then
// the old upload is aborted. partSize is the one given to [Upload].
//
// It fails only when listing the parts failed in a way that may pass (Kind
// Transient or Canceled): the attempt fails and the upload stays for the
// next one. Any other failure to list abandons the old upload (aborted,
// best effort) and starts anew.
//
// Long: the resume decision is one list of cases (no ID, gone, listing
// failed, a part differs, all kept), clearer together than apart.
func Resume(ctx context.Context, obj uploader.Object, body io.ReaderAt, target string, partSize int64, l PartLister) (string, []Part, error) {
	if obj.Resume == nil {
		return "", nil, nil
	}
	id := obj.Resume.UploadID(target)
	if id == "" {
		return "", nil, nil
	}
	listed, err := l.ListParts(ctx, id)
	if err != nil {
		if NoSuchUpload(err) {
			obj.Resume.Ended(target, id)
			return "", nil, nil
		}
		if k := uploader.KindOf(err); k == uploader.Canceled || (k.Transient() && k != uploader.Integrity) || ctx.Err() != nil {
			return "", nil, err
		}
		drop(ctx, obj, target, id, l)
		return "", nil, nil
	}
	parts := plan(obj.Size, PartSize(obj.Size, partSize))
	keep := make([]Part, len(listed))
	for k, lp := range listed {
		i := lp.Number - 1
		if i < 0 || i >= len(parts) || lp.Size != parts[i].Size {
			drop(ctx, obj, target, id, l)
			return "", nil, nil
		}
		keep[k] = parts[i]
		keep[k].ETag = UnquoteETag(lp.ETag)
	}
	// Hash the parts again, DefaultConcurrency at a time.
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		readErr error
		differs bool
	)
	next := make(chan *Part)
	for range min(DefaultConcurrency, len(keep)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				d, err := digest(body, p.Offset, p.Size)
				mu.Lock()
				switch {
				case err != nil:
					readErr = err
				case !strings.EqualFold(p.ETag, Hex(d.md5)):
					differs = true
				default:
					p.MD5, p.CRC64, p.Resumed = d.md5, d.crc64, true
					p.CRC32C, p.HasCRC32C = d.crc32c, true
				}
				mu.Unlock()
			}
		}()
	}
	for k := range keep {
		mu.Lock()
		stop := readErr != nil || differs || ctx.Err() != nil
		mu.Unlock()
		if stop {
			break
		}
		next <- &keep[k]
	}
	close(next)
	wg.Wait()
	switch {
	case ctx.Err() != nil:
		return "", nil, ctx.Err()
	case readErr != nil:
		// The body cannot be read: the attempt fails as it would reading
		// the part to send it, and the upload is left.
		return "", nil, &uploader.Error{Kind: uploader.Invalid, Op: "read", Key: obj.Key,
			Message: "reading a part to check it against the stored one: " + readErr.Error(), Err: readErr}
	case differs:
		drop(ctx, obj, target, id, l)
		return "", nil, nil
	}
	return id, keep, nil
}

// drop aborts the old upload id, best effort, and tells obj.Resume it ended.
func drop(ctx context.Context, obj uploader.Object, target, id string, l PartLister) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	if l.AbortUpload(actx, id) == nil {
		obj.Resume.Ended(target, id)
	}
}

const abortTimeout = 30 * time.Second

// digests are the sums of one part's bytes.
type digests struct {
	md5    []byte
	crc64  uint64
	crc32c uint32
}

// digest returns the MD5, the CRC-64/ECMA and the CRC-32C of the n bytes
// of r from off.
func digest(r io.ReaderAt, off, n int64) (digests, error) {
	h, c, c32 := md5.New(), crc64.New(crcTable), crc32.New(castagnoli)
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	got, err := io.CopyBuffer(io.MultiWriter(h, c, c32), io.NewSectionReader(r, off, n), *bp)
	if err != nil {
		return digests{}, err
	}
	if got != n {
		return digests{}, io.ErrUnexpectedEOF
	}
	return digests{md5: h.Sum(nil), crc64: c.Sum64(), crc32c: c32.Sum32()}, nil
}

// NoSuchUpload reports whether err says that a multipart upload does not
// exist (completed, aborted, or expired): code NoSuchUpload, or a 404.
func NoSuchUpload(err error) bool {
	e := uploader.AsError(err)
	return e != nil && (e.Code == "NoSuchUpload" || e.Status == http.StatusNotFound)
}

// Keep reports whether a multipart upload that failed with err, while its
// parts were sent, is kept for a later attempt to resume: not when the
// body or the request is wrong (Kind Invalid or Integrity).
func Keep(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	k := uploader.KindOf(err)
	return k != uploader.Invalid && k != uploader.Integrity
}

// Public returns p as package uploader shows it.
func (p Part) Public() uploader.Part {
	return uploader.Part{Number: p.Number, Offset: p.Offset, Size: p.Size, ETag: p.ETag, Elapsed: p.Elapsed, Resumed: p.Resumed}
}

// Parts returns parts as [uploader.Result].Parts lists them.
func Parts(parts []Part) []uploader.Part {
	if len(parts) == 0 {
		return nil
	}
	out := make([]uploader.Part, len(parts))
	for i, p := range parts {
		out[i] = p.Public()
	}
	return out
}

// AbortCutInitiate aborts what an initiate of a multipart upload of key
// may have left when it failed with err after the request went out: a
// reply cut or lost (no HTTP status, or a success status whose body could
// not be read) leaves an upload the caller has no ID of, billed until
// aborted. It lists the incomplete uploads of key (b's
// [uploader.MultipartLister]) started since since (the server's clock
// may differ: a minute earlier than the request counts) and aborts them,
// best effort, with a bounded context of its own. A refusal (a 3xx, 4xx
// or 5xx reply) created nothing and is left alone. An upload of the same
// key that another process started in that minute is aborted too; its
// next attempt starts anew.
func AbortCutInitiate(ctx context.Context, b uploader.Backend, key string, since time.Time, err error) {
	if e := uploader.AsError(err); err == nil || (e != nil && e.Status >= 300) {
		return
	}
	l, ok := b.(uploader.MultipartLister)
	a, ok2 := b.(uploader.MultipartAborter)
	if !ok || !ok2 {
		return
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	ups, lerr := l.ListIncomplete(actx, key)
	if lerr != nil {
		return
	}
	for _, u := range ups {
		if u.Key == key && (u.Initiated.IsZero() || !u.Initiated.Before(since.Add(-time.Minute))) {
			_ = a.AbortIncomplete(actx, key, u.UploadID)
		}
	}
}

// PartsPage is one reply of ListParts: the parts it lists, the marker of
// the next page and whether there is one.
type PartsPage struct {
	Parts     []Part
	Next      int
	Truncated bool
}

// ListAllParts returns every part of a multipart upload, asking page for
// each page from marker 0 on (the ListParts of every backend's resumption).
// It stops at the last page, and at a page whose next marker does not move
// forward rather than asking for the same page again.
func ListAllParts(ctx context.Context, page func(ctx context.Context, marker int) (PartsPage, error)) ([]Part, error) {
	var out []Part
	marker := 0
	for {
		p, err := page(ctx, marker)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Parts...)
		if !p.Truncated || p.Next <= marker {
			return out, nil
		}
		marker = p.Next
	}
}
