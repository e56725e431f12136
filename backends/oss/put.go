package oss

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// Put stores obj: one PUT with Content-MD5 up to the multipart threshold,
// else a parallel multipart upload (aborted on a failure, or
// kept to resume when obj.Resume is set: see [uploader.Resumer]). It makes one
// attempt, plus one retry signed with the corrected time after a clock-skew
// refusal, and reports them in Result.Attempts. See [uploader.Backend].
func (b *Backend) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	res := uploader.Result{Key: obj.Key, Provider: Provider}
	if err := b.closer.Err(b.name, Provider, "put", obj.Key); err != nil {
		return res, err
	}
	if err := obj.Validate(); err != nil {
		return res, b.wrapErr(err, "validate", obj.Key)
	}
	if err := vendor.Check(obj); err != nil {
		return res, b.wrapErr(err, "validate", obj.Key)
	}
	_, body, err := obj.Reader()
	if err != nil {
		return res, b.wrapErr(err, "open", obj.Key)
	}
	defer body.Close()
	if obj.Size <= b.sizes.MultipartThreshold {
		return b.putSingle(ctx, obj, body, res)
	}
	return b.putMultipart(ctx, obj, body, res)
}

// objectOptions are the options that describe obj: its content type and
// user metadata (x-oss-meta-*).
func objectOptions(obj uploader.Object) []oss.Option {
	var opts []oss.Option
	if obj.ContentType != "" {
		opts = append(opts, oss.ContentType(obj.ContentType))
	}
	for k, v := range obj.Metadata {
		opts = append(opts, oss.Meta(k, v))
	}
	opts = append(opts, attributeOptions(obj)...)
	return opts
}

// progressRun counts the bytes one run sends, so that a retry can report
// them as rewound.
type progressRun struct {
	fn   func(int64)
	sent atomic.Int64
}

func newProgressRun(ctx context.Context) *progressRun { return &progressRun{fn: xfer.Progress(ctx)} }

// reader returns a fresh reader of the n bytes of r from off, counting what
// is read; it first reports the previous run's bytes as rewound. Each run
// gets its own reader, so a body that net/http still reads after a refusal
// never races with the retry.
func (p *progressRun) reader(r io.ReaderAt, off, n int64) io.ReadSeeker {
	sr := io.NewSectionReader(r, off, n)
	if p.fn == nil {
		return sr
	}
	if prev := p.sent.Swap(0); prev != 0 {
		p.fn(-prev)
	}
	return xfer.Counting(sr, func(d int64) { p.sent.Add(d); p.fn(d) })
}

func (b *Backend) putSingle(ctx context.Context, obj uploader.Object, body io.ReaderAt, res uploader.Result) (uploader.Result, error) {
	sum := obj.MD5
	if sum == nil {
		var err error
		if sum, err = xfer.MD5(body, 0, obj.Size); err != nil {
			return res, &uploader.Error{Kind: uploader.Invalid, Target: b.name, Provider: Provider, Op: "read", Key: obj.Key,
				Message: "reading the body: " + err.Error(), Err: err}
		}
	}
	extra := append(objectOptions(obj), oss.ContentMD5(xfer.Base64(sum)))
	prog := newProgressRun(ctx)
	var h http.Header
	var status int
	attempts, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		var err error
		h, err = b.call(ctx, "put", obj.Key, signAt, func(opts []oss.Option) error {
			req := &oss.PutObjectRequest{ObjectKey: obj.Key}
			// An empty object gets no body at all: net/http sends a non-nil
			// body of length 0 chunked, and OSS (like S3) answers 411.
			if obj.Size > 0 {
				req.Reader = prog.reader(body, 0, obj.Size)
			}
			resp, err := b.bucket.DoPutObject(req, opts)
			if resp != nil && resp.Body != nil {
				resp.Body.Close()
			}
			if err == nil && resp != nil {
				status = resp.StatusCode
			}
			return err
		}, extra...)
		return err
	})
	res.Attempts = attempts
	if err != nil {
		if uploader.KindOf(err) == uploader.Integrity && isStoredCRCMismatch(err) {
			xfer.Discard(ctx, b.Delete, obj.Key, uploader.AsError(err))
		}
		return res, err
	}
	etag := xfer.UnquoteETag(h.Get(oss.HTTPHeaderEtag))
	// Under KMS encryption (x-oss-server-side-encryption: KMS) the ETag is
	// not the MD5; the server checked Content-MD5 and the SDK the CRC64.
	if xfer.ETagIsMD5(h) && xfer.ETagDiffers(etag, sum) {
		err := xfer.Discard(ctx, b.Delete, obj.Key, &uploader.Error{Kind: uploader.Integrity, Target: b.name, Provider: Provider, Op: "put", Key: obj.Key,
			RequestID: h.Get(oss.HTTPHeaderOssRequestID),
			Message:   fmt.Sprintf("the server's ETag %s is not the MD5 %s of the bytes sent", etag, xfer.Hex(sum))})
		res.Attempts = xfer.FailLast(b.name, Provider, res.Attempts, err)
		return res, err
	}
	res.Target, res.URL, res.ETag, res.MD5 = b.name, b.ObjectURL(obj.Key), etag, xfer.Hex(sum)
	res.Size, res.VersionID = obj.Size, oss.GetVersionId(h)
	xfer.RecordReply(res.Attempts, status, h.Get(oss.HTTPHeaderOssRequestID))
	return res, nil
}

// isStoredCRCMismatch reports whether err is a CRC64 mismatch on a
// successful reply: the object was stored with other bytes than sent.
func isStoredCRCMismatch(err error) bool {
	e := uploader.AsError(err)
	return e != nil && e.Code == "CRCCheckFailed"
}

func (b *Backend) putMultipart(ctx context.Context, obj uploader.Object, body io.ReaderAt, res uploader.Result) (uploader.Result, error) {
	if e := xfer.KnownMD5(body, obj, b.name, Provider); e != nil {
		return res, e
	}
	id, kept, err := xfer.Resume(ctx, obj, body, b.name, b.sizes.PartSize, parts{b, obj.Key})
	if err != nil {
		err = b.wrapErr(err, "list_parts", obj.Key)
		res.Attempts = xfer.FailLast(b.name, Provider, res.Attempts, uploader.AsError(err))
		return res, err
	}
	imur := oss.InitiateMultipartUploadResult{UploadID: id}
	if id == "" {
		initStart := time.Now()
		_, attempts, err := b.do(ctx, "initiate_multipart", obj.Key, func(opts []oss.Option) error {
			var err error
			imur, err = b.bucket.InitiateMultipartUpload(obj.Key, opts...)
			return err
		}, objectOptions(obj)...)
		res.Attempts = attempts
		if err != nil {
			xfer.AbortCutInitiate(ctx, b, obj.Key, initStart, err)
			return res, err
		}
	}
	// Address the parts with the key and bucket sent, whatever the reply's
	// XML spelled.
	imur.Key, imur.Bucket = obj.Key, b.bucketNm
	s := &session{b: b, key: obj.Key, imur: imur, body: body, prog: xfer.Progress(ctx), crcs: map[int]uint64{}}
	for _, p := range kept {
		// Checked against the body by xfer.Resume: the CRC-64 of the
		// assembled object is checked as after an upload from scratch.
		s.crcs[p.Number] = p.CRC64
	}
	sent, err := xfer.Upload(ctx, body, obj.Size, s, xfer.Options{
		PartSize: b.sizes.PartSize, Concurrency: b.sizes.PartConcurrency,
		Resume: obj.Resume, Target: b.name, UploadID: imur.UploadID, Resumed: kept,
	})
	// The upload counts as one attempt (or two after a corrected initiate):
	// the last one spans it to its end.
	if n := len(res.Attempts); n > 0 {
		res.Attempts[n-1].Elapsed = b.clock.LocalNow().Sub(res.Attempts[n-1].Start)
	}
	if err != nil {
		err = b.wrapErr(err, "multipart", obj.Key)
		res.Attempts = xfer.FailLast(b.name, Provider, res.Attempts, uploader.AsError(err))
		return res, err
	}
	s.reply.Record(res.Attempts)
	res.Target, res.URL, res.ETag = b.name, b.ObjectURL(obj.Key), s.etag
	res.Size, res.VersionID, res.Unverified = obj.Size, s.versionID, s.unverified
	res.Parts = xfer.Parts(sent)
	if obj.MD5 != nil {
		// The body was checked against it before the parts were sent, so
		// a caller (drain) needs no read back to know the stored MD5.
		res.MD5 = xfer.Hex(obj.MD5)
	}
	return res, nil
}

// session is one multipart upload, driven by xfer.Upload.
type session struct {
	b    *Backend
	key  string
	imur oss.InitiateMultipartUploadResult
	body io.ReaderAt
	prog func(int64)

	mu        sync.Mutex
	crcs      map[int]uint64 // part number -> the part's CRC64, as the server confirmed it
	noCRC     bool           // some part's reply had no CRC64
	etag      string
	versionID string
	reply     xfer.Reply
	completed atomic.Bool // the upload was completed: nothing is left to abort
	// unverified is Result.Unverified: the HEAD that was to check the
	// size was refused (403).
	unverified string
}

// UploadPart sends part p. It reads the part from the session's body (not
// from the reader xfer passes), so that a skew-corrected retry gets a fresh
// reader of its own.
//
// The part goes without Content-MD5: the SDK computes the CRC-64 of the
// bytes as it sends them and compares it with the x-oss-hash-crc64ecma
// OSS returns for the part, so a part stored with other bytes fails with
// Kind Integrity (and the upload is aborted). A reply without that header
// comes from a store that computed no CRC-64 and so verified nothing: the
// part is sent again with its Content-MD5, and so is every later part of
// the backend (Backend.partMD5).
func (s *session) UploadPart(ctx context.Context, p xfer.Part, _ io.ReadSeeker) (string, error) {
	prog := &progressRun{fn: s.prog}
	return xfer.SendVerified(s.body, s.key, p, &s.b.partMD5, func(p xfer.Part) (string, bool, error) { return s.sendPart(ctx, p, prog) })
}

// sendPart puts part p, with Content-MD5 when p.MD5 is set, and reports
// whether the reply carried the part's CRC-64 (which the SDK compared with
// the bytes sent).
func (s *session) sendPart(ctx context.Context, p xfer.Part, prog *progressRun) (etag string, echoed bool, err error) {
	var up oss.UploadPart
	var h http.Header
	var extra []oss.Option
	if p.MD5 != nil {
		extra = append(extra, oss.ContentMD5(xfer.Base64(p.MD5)))
	}
	_, err = s.b.clock.Do(ctx, s.b.name, Provider, func(signAt time.Time) error {
		var err error
		h, err = s.b.call(ctx, "upload_part", s.key, signAt, func(opts []oss.Option) error {
			var err error
			up, err = s.b.bucket.UploadPart(s.imur, prog.reader(s.body, p.Offset, p.Size), p.Size, p.Number, opts...)
			return err
		}, extra...)
		return err
	})
	if err != nil {
		return "", false, err
	}
	v, perr := strconv.ParseUint(h.Get(oss.HTTPHeaderOssCRC64), 10, 64)
	echoed = perr == nil
	s.mu.Lock()
	if echoed {
		s.crcs[p.Number] = v
	} else if p.MD5 != nil {
		s.noCRC = true
	}
	s.mu.Unlock()
	if etag := xfer.UnquoteETag(up.ETag); p.MD5 != nil && xfer.ETagIsMD5(h) && xfer.ETagDiffers(etag, p.MD5) {
		return "", echoed, &uploader.Error{Kind: uploader.Integrity, Target: s.b.name, Provider: Provider, Op: "upload_part", Key: s.key,
			RequestID: h.Get(oss.HTTPHeaderOssRequestID),
			Message:   fmt.Sprintf("part %d: the server's ETag %s is not the MD5 %s of the bytes sent", p.Number, etag, xfer.Hex(p.MD5))}
	}
	return up.ETag, echoed, nil
}

// Complete assembles the parts, then verifies the object: its CRC64 against
// the parts' combined CRC64, or, when the server sent no CRC64, its size
// (HEAD). An object that fails is deleted. A HEAD refused with 403 (a key
// that may write but not read) is no failure and no reason to delete: the
// upload is "not verified by reading".
func (s *session) Complete(ctx context.Context, parts []xfer.Part) error {
	ups := make([]oss.UploadPart, len(parts))
	var size int64
	for i, p := range parts {
		ups[i] = oss.UploadPart{PartNumber: p.Number, ETag: p.ETag}
		size += p.Size
	}
	var out oss.CompleteMultipartUploadResult
	h, _, err := s.b.do(ctx, "complete_multipart", s.key, func(opts []oss.Option) error {
		var err error
		out, err = s.b.bucket.CompleteMultipartUpload(s.imur, ups, opts...)
		return err
	})
	if err != nil {
		return err
	}
	s.completed.Store(true)
	s.reply = xfer.Reply{Status: http.StatusOK, RequestID: h.Get(oss.HTTPHeaderOssRequestID)}
	s.etag, s.versionID = xfer.UnquoteETag(out.ETag), oss.GetVersionId(h)
	if s.etag == "" {
		s.etag = xfer.UnquoteETag(h.Get(oss.HTTPHeaderEtag))
	}
	s.mu.Lock()
	combined, haveAll := xfer.CombinedCRC64(parts, func(p xfer.Part) (uint64, bool) { c, ok := s.crcs[p.Number]; return c, ok })
	haveAll = haveAll && !s.noCRC
	s.mu.Unlock()
	if v, perr := strconv.ParseUint(h.Get(oss.HTTPHeaderOssCRC64), 10, 64); perr == nil && haveAll {
		if v != combined {
			return xfer.Discard(ctx, s.b.Delete, s.key, &uploader.Error{Kind: uploader.Integrity, Target: s.b.name, Provider: Provider, Op: "complete_multipart", Key: s.key,
				Code: "CRCCheckFailed", RequestID: h.Get(oss.HTTPHeaderOssRequestID),
				Message: fmt.Sprintf("the completed object's CRC64 %d is not the %d of its parts", v, combined)})
		}
		return nil
	}
	info, err := s.b.Stat(ctx, s.key)
	if err != nil && xfer.ReadRefused(err) {
		s.unverified = xfer.Unverified(err, false)
		return nil
	}
	if err != nil {
		return err
	}
	if info.Size != size {
		return xfer.Discard(ctx, s.b.Delete, s.key, &uploader.Error{Kind: uploader.Integrity, Target: s.b.name, Provider: Provider, Op: "complete_multipart", Key: s.key,
			Message: fmt.Sprintf("the completed object holds %d bytes, not the %d sent", info.Size, size)})
	}
	return nil
}

// Abort discards the upload and its parts. After a completion (whose
// object failed verification and was deleted) there is nothing to abort.
func (s *session) Abort(ctx context.Context) error {
	if s.completed.Load() {
		return nil
	}
	_, _, err := s.b.do(ctx, "abort_multipart", s.key, func(opts []oss.Option) error {
		return s.b.bucket.AbortMultipartUpload(s.imur, opts...)
	})
	return err
}
