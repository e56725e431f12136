package cos

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// Put stores obj: one PUT with Content-MD5 up to the multipart threshold, a
// parallel multipart upload above it. See [uploader.Backend].
func (b *Backend) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	res := uploader.Result{Key: obj.Key, Provider: Provider}
	if err := b.closer.Err(b.name, Provider, "put", obj.Key); err != nil {
		return res, err
	}
	if err := obj.Validate(); err != nil {
		return res, b.own(err)
	}
	if err := vendor.Check(obj); err != nil {
		return res, b.own(err)
	}
	if obj.Size > b.sizes.MultipartThreshold {
		return b.putMultipart(ctx, obj, res)
	}
	return b.putSingle(ctx, obj, res)
}

func (b *Backend) putSingle(ctx context.Context, obj uploader.Object, res uploader.Result) (uploader.Result, error) {
	sec, body, err := obj.Reader()
	if err != nil {
		return res, b.own(err)
	}
	defer body.Close()
	sum := obj.MD5
	if sum == nil {
		if sum, err = xfer.MD5(body, 0, obj.Size); err != nil {
			return res, b.readErr("put", obj.Key, err)
		}
	}
	opt := &cossdk.ObjectPutOptions{ObjectPutHeaderOptions: &cossdk.ObjectPutHeaderOptions{
		ContentType:   obj.ContentType,
		ContentMD5:    xfer.Base64(sum),
		ContentLength: obj.Size,
		XCosMetaXXX:   metaHeader(obj.Metadata),
	}}
	opt.ACLHeaderOptions = setAttributes(opt.ObjectPutHeaderOptions, obj)
	// The progress reader lives across both attempts: rewinding it for the
	// corrected one reports the bytes of the first as negative progress.
	counted := xfer.Counting(sec, xfer.Progress(ctx))
	var etag, version, requestID string
	var status int
	attempts, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		sctx := b.signed(ctx, signAt)
		if _, err := counted.Seek(0, io.SeekStart); err != nil {
			return b.readErr("put", obj.Key, err)
		}
		var r io.Reader = counted
		if obj.Size == 0 {
			// A sized empty reader makes the SDK send no body instead of
			// an empty chunked one.
			r = strings.NewReader("")
		}
		resp, err := b.client.Object.Put(sctx, obj.Key, r, opt)
		if err != nil {
			return b.classify(sctx, "put", obj.Key, err)
		}
		etag, version = xfer.UnquoteETag(resp.Header.Get("ETag")), resp.Header.Get("X-Cos-Version-Id")
		status, requestID = resp.StatusCode, resp.Header.Get("X-Cos-Request-Id")
		if xfer.ETagIsMD5(resp.Header) && xfer.ETagDiffers(etag, sum) {
			return b.integrity("put", obj.Key, resp.Header, "the server's ETag %s is not the MD5 %s of the bytes sent", etag, xfer.Hex(sum))
		}
		return nil
	})
	res.Attempts = attempts
	if e := uploader.AsError(err); e != nil && e.Kind == uploader.Integrity && e.Status < 300 {
		// Stored, but not what was sent (or not verified): remove it. A
		// refusal (400 BadDigest) stored nothing, and a previous object
		// under the key stays.
		xfer.Discard(ctx, b.Delete, obj.Key, e)
	}
	if err != nil {
		return res, err
	}
	res.Target, res.URL, res.ETag, res.MD5, res.Size, res.VersionID = b.name, b.objectURLOf(obj.Key), etag, xfer.Hex(sum), obj.Size, version
	xfer.RecordReply(res.Attempts, status, requestID)
	return res, nil
}

// putMultipart uploads obj in parts. Its Result.Attempts are those of the
// initiating request (where a skew refusal shows), the last one extended to
// the end of the upload and carrying its outcome.
//
// Long: resume or initiate, the parts, the complete and the check, in the
// order of the requests; every step is a call into xfer.
func (b *Backend) putMultipart(ctx context.Context, obj uploader.Object, res uploader.Result) (uploader.Result, error) {
	_, body, err := obj.Reader()
	if err != nil {
		return res, b.own(err)
	}
	defer body.Close()
	if e := xfer.KnownMD5(body, obj, b.name, Provider); e != nil {
		return res, e
	}
	uploadID, kept, err := xfer.Resume(ctx, obj, body, b.name, b.sizes.PartSize, parts{b, obj.Key})
	if err != nil {
		return res, b.final(ctx, "list_parts", obj.Key, err)
	}
	initOpt := &cossdk.InitiateMultipartUploadOptions{ObjectPutHeaderOptions: &cossdk.ObjectPutHeaderOptions{
		ContentType: obj.ContentType,
		XCosMetaXXX: metaHeader(obj.Metadata),
	}}
	initOpt.ACLHeaderOptions = setAttributes(initOpt.ObjectPutHeaderOptions, obj)
	initStart := time.Now()
	attempts, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		if uploadID != "" {
			return nil // resumed
		}
		sctx := b.signed(ctx, signAt)
		r, _, err := b.client.Object.InitiateMultipartUpload(sctx, obj.Key, initOpt)
		if err != nil {
			return b.classify(sctx, "initiate_multipart", obj.Key, err)
		}
		if r.UploadID == "" {
			return b.invalidReply("initiate_multipart", obj.Key, "the reply holds no UploadId")
		}
		uploadID = r.UploadID
		return nil
	})
	res.Attempts = attempts
	if err != nil {
		xfer.AbortCutInitiate(ctx, b, obj.Key, initStart, err)
		return res, err
	}
	s := &session{b: b, key: obj.Key, uploadID: uploadID, body: body, progress: xfer.Progress(ctx)}
	s.resumedCRCs(kept)
	// No Content-MD5 on the parts while COS returns their CRC-64: see
	// session.UploadPart.
	parts, err := xfer.Upload(ctx, body, obj.Size, s, xfer.Options{PartSize: b.sizes.PartSize, Concurrency: b.sizes.PartConcurrency,
		Resume: obj.Resume, Target: b.name, UploadID: uploadID, Resumed: kept})
	if err == nil {
		err = s.verifyCRC(parts)
		if err == nil {
			err = b.verifySize(ctx, obj.Key, obj.Size)
			if err != nil && xfer.ReadRefused(err) {
				res.Unverified = xfer.Unverified(err, s.crcChecked)
				err = nil
			}
		}
		if e := uploader.AsError(err); e != nil && e.Kind == uploader.Integrity {
			// The object is visible but wrong: remove it.
			err = xfer.Discard(ctx, b.Delete, obj.Key, e)
		}
	}
	if err != nil {
		err = b.final(ctx, "put", obj.Key, err)
		last := &res.Attempts[len(res.Attempts)-1]
		corrected := last.SkewCorrected
		*last = uploader.NewAttempt(b.name, Provider, last.Start, b.clock.LocalNow(), err)
		last.SkewCorrected = corrected
		return res, err
	}
	last := &res.Attempts[len(res.Attempts)-1]
	last.Elapsed = b.clock.LocalNow().Sub(last.Start)
	s.reply.Record(res.Attempts)
	res.Target, res.URL, res.ETag, res.Size, res.VersionID = b.name, b.objectURLOf(obj.Key), s.etag, obj.Size, s.version
	res.Parts = xfer.Parts(parts)
	if obj.MD5 != nil {
		// The body was checked against it before the parts were sent, so
		// a caller (drain) needs no read back to know the stored MD5.
		res.MD5 = xfer.Hex(obj.MD5)
	}
	return res, nil
}

// verifySize checks with a HEAD that key holds size bytes.
func (b *Backend) verifySize(ctx context.Context, key string, size int64) error {
	var got int64 = -1
	var hdr http.Header
	_, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		sctx := b.signed(ctx, signAt)
		resp, err := b.client.Object.Head(sctx, key, nil)
		if err != nil {
			return b.classify(sctx, "verify", key, err)
		}
		hdr = resp.Header
		got, err = strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64)
		if err != nil {
			got = resp.ContentLength
		}
		return nil
	})
	if err != nil {
		return err
	}
	if got != size {
		return b.integrity("verify", key, hdr, "the stored object has %d bytes, %d were sent", got, size)
	}
	return nil
}

// session is one multipart upload, for xfer.Upload.
type session struct {
	b        *Backend
	key      string
	uploadID string
	body     io.ReaderAt // the object's, for a part's MD5 (session.UploadPart)
	progress func(int64)

	mu   sync.Mutex
	crcs map[int]uint64 // each part's x-cos-hash-crc64ecma, by number

	// Set by Complete.
	etag, version string
	crc           string // the whole object's x-cos-hash-crc64ecma
	// crcChecked: verifyCRC compared the object's CRC64 with the parts'.
	crcChecked bool
	reply      xfer.Reply
}

// verifyCRC compares the CRC-64 that COS returned for the whole object with
// the one combined from the parts' CRCs (each of which the SDK checked
// against the bytes sent). It passes when the server sent no CRC.
func (s *session) verifyCRC(parts []xfer.Part) error {
	if s.crc == "" {
		return nil
	}
	got, err := strconv.ParseUint(s.crc, 10, 64)
	if err != nil {
		return s.b.integrity("complete_multipart", s.key, nil, "the server's CRC64 %q of the object is not a number", s.crc)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	want, ok := xfer.CombinedCRC64(parts, func(p xfer.Part) (uint64, bool) { c, ok := s.crcs[p.Number]; return c, ok })
	if !ok {
		return nil // a part's CRC is unknown: nothing to compare
	}
	if got != want {
		return s.b.integrity("complete_multipart", s.key, nil, "the server's CRC64 %d of the assembled object differs from %d, that of the parts sent in order", got, want)
	}
	s.crcChecked = true
	return nil
}

// UploadPart sends part p. The part goes without Content-MD5: the SDK
// (EnableCRC) computes the CRC-64 of the bytes as it sends them and
// compares it with the x-cos-hash-crc64ecma COS returns for the part, so a
// part stored with other bytes fails with Kind Integrity (and the upload is
// aborted). A 2xx reply without that header comes from a store that
// computed no CRC-64 and so verified nothing: the part is sent again with
// its Content-MD5 (read from the body), and so is every later part of the
// backend (Backend.partMD5).
func (s *session) UploadPart(ctx context.Context, p xfer.Part, body io.ReadSeeker) (string, error) {
	counted := xfer.Counting(body, s.progress)
	return xfer.SendVerified(s.body, s.key, p, &s.b.partMD5, func(p xfer.Part) (string, bool, error) { return s.sendPart(ctx, p, counted) })
}

// sendPart puts part p from body (rewound for every attempt), with
// Content-MD5 when p.MD5 is set, and reports whether the reply carried the
// part's CRC-64, which the SDK compared with the bytes sent. A reply
// without one is no failure here (the SDK's verdict on it is dropped): the
// caller sends the part again with its MD5, which COS checks, and whose
// ETag is checked here.
func (s *session) sendPart(ctx context.Context, p xfer.Part, body io.ReadSeeker) (etag string, echoed bool, err error) {
	opt := &cossdk.ObjectUploadPartOptions{ContentLength: p.Size}
	if p.MD5 != nil {
		opt.ContentMD5 = xfer.Base64(p.MD5)
	}
	_, err = s.b.clock.Do(ctx, s.b.name, Provider, func(signAt time.Time) error {
		sctx := s.b.signed(ctx, signAt)
		if _, err := body.Seek(0, io.SeekStart); err != nil {
			return s.b.readErr("upload_part", s.key, err)
		}
		resp, err := s.b.client.Object.UploadPart(sctx, s.key, s.uploadID, p.Number, body, opt)
		if err != nil {
			e := s.b.classify(sctx, "upload_part", s.key, err)
			if !noCRC64(resp, e) {
				return e
			}
		}
		etag, echoed, err = s.partReply(p, resp.Header)
		return err
	})
	return etag, echoed, err
}

// noCRC64 reports whether e, from an UploadPart that got reply resp, is the
// SDK's CRC-64 check failing only because a 2xx reply carries no
// x-cos-hash-crc64ecma (the part was stored, and not verified).
func noCRC64(resp *cossdk.Response, e *uploader.Error) bool {
	return e.Kind == uploader.Integrity && resp != nil && resp.Response != nil &&
		resp.StatusCode/100 == 2 && resp.Header.Get("X-Cos-Hash-Crc64ecma") == ""
}

// partReply takes part p's ETag and CRC-64 (recorded for verifyCRC) from
// the reply's header h, reports whether the CRC-64 was there, and checks
// the ETag against p.MD5 when the part was sent with one.
func (s *session) partReply(p xfer.Part, h http.Header) (etag string, echoed bool, err error) {
	if c, err := strconv.ParseUint(h.Get("X-Cos-Hash-Crc64ecma"), 10, 64); err == nil {
		echoed = true
		s.mu.Lock()
		if s.crcs == nil {
			s.crcs = map[int]uint64{}
		}
		s.crcs[p.Number] = c
		s.mu.Unlock()
	}
	etag = xfer.UnquoteETag(h.Get("ETag"))
	if etag == "" {
		return "", echoed, s.b.invalidReply("upload_part", s.key, fmt.Sprintf("the reply to part %d holds no ETag", p.Number))
	}
	if p.MD5 != nil && xfer.ETagIsMD5(h) && xfer.ETagDiffers(etag, p.MD5) {
		return "", echoed, s.b.integrity("upload_part", s.key, h, "part %d: the server's ETag %s is not the MD5 %s of the bytes sent", p.Number, etag, xfer.Hex(p.MD5))
	}
	return etag, echoed, nil
}

func (s *session) Complete(ctx context.Context, parts []xfer.Part) error {
	opt := &cossdk.CompleteMultipartUploadOptions{Parts: make([]cossdk.Object, len(parts))}
	for i, p := range parts {
		opt.Parts[i] = cossdk.Object{PartNumber: p.Number, ETag: `"` + p.ETag + `"`}
	}
	_, err := s.b.clock.Do(ctx, s.b.name, Provider, func(signAt time.Time) error {
		sctx := s.b.signed(ctx, signAt)
		r, resp, err := s.b.client.Object.CompleteMultipartUpload(sctx, s.key, s.uploadID, opt)
		if err != nil {
			return s.b.classify(sctx, "complete_multipart", s.key, err)
		}
		s.etag = xfer.UnquoteETag(r.ETag)
		if resp != nil {
			s.version = resp.Header.Get("X-Cos-Version-Id")
			s.crc = resp.Header.Get("X-Cos-Hash-Crc64ecma")
			s.reply = xfer.Reply{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Cos-Request-Id")}
		}
		return nil
	})
	return err
}

func (s *session) Abort(ctx context.Context) error {
	_, err := s.b.clock.Do(ctx, s.b.name, Provider, func(signAt time.Time) error {
		sctx := s.b.signed(ctx, signAt)
		_, err := s.b.client.Object.AbortMultipartUpload(sctx, s.key, s.uploadID)
		if err != nil {
			e := s.b.classify(sctx, "abort_multipart", s.key, err)
			if e.Status == http.StatusNotFound {
				return nil // already gone
			}
			return e
		}
		return nil
	})
	return err
}

// metaHeader returns the x-cos-meta-* headers of md, or nil.
func metaHeader(md map[string]string) *http.Header {
	if len(md) == 0 {
		return nil
	}
	h := http.Header{}
	for k, v := range md {
		h.Set("x-cos-meta-"+strings.ToLower(k), v)
	}
	return &h
}
