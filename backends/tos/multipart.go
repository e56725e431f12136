package tos

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	tossdk "github.com/volcengine/ve-tos-golang-sdk/v2/tos"

	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// progress reports the body bytes of the current try of one request to the
// context's progress function. A new try first takes back what the previous
// one reported, so the sum is the bytes of the current try.
type progress struct {
	fn   func(int64)
	prev *atomic.Int64
}

func newProgress(ctx context.Context) *progress { return &progress{fn: xfer.Progress(ctx)} }

// run returns a fresh reader of the n bytes of body at off for one try. A
// fresh reader per try matters: the HTTP transport may still be reading the
// previous try's body when its reply has come.
func (p *progress) run(body io.ReaderAt, off, n int64) io.Reader {
	sr := io.NewSectionReader(body, off, n)
	if p.fn == nil {
		return sr
	}
	if p.prev != nil {
		p.fn(-p.prev.Swap(0))
	}
	sent := new(atomic.Int64)
	p.prev = sent
	return xfer.Counting(sr, func(k int64) { sent.Add(k); p.fn(k) })
}

// skewLog keeps, across the concurrent requests of one multipart upload,
// the first attempt refused for clock skew and whether any request was
// signed with a corrected time, to report them in Result.Attempts.
type skewLog struct {
	mu        sync.Mutex
	refused   *uploader.Attempt
	corrected bool
	refreshed bool // a request was signed with refreshed credentials
}

func (l *skewLog) add(as []uploader.Attempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range as {
		a := as[i]
		if a.Kind == uploader.ClockSkew && l.refused == nil {
			l.refused = &a
		}
		if a.SkewCorrected {
			l.corrected = true
		}
		l.refreshed = l.refreshed || a.CredentialsRefreshed
	}
}

// session is one multipart upload at TOS; it implements xfer.Session.
type session struct {
	b        *Backend
	key      string
	uploadID string
	body     io.ReaderAt
	log      *skewLog
	// crcs[i] is the CRC64 the server returned for part i+1 (the SDK has
	// checked it against the bytes sent), 0 if it sent none. Each part's
	// goroutine writes only its own slot; Complete reads them after all
	// parts are done.
	crcs []uint64
	// out is the reply to Complete, which xfer.Upload calls on its
	// caller's goroutine.
	out *tossdk.CompleteMultipartUploadV2Output
}

// UploadPart sends part p without Content-MD5: the SDK computes the CRC-64
// of the bytes as it sends them and compares it with the part's
// x-tos-hash-crc64ecma, so a part stored with other bytes fails with Kind
// Integrity (and the upload is aborted), at a fraction of the CPU of an MD5.
// A reply without that header comes from a store that computed no CRC-64
// and so verified nothing: the part is sent again with its Content-MD5, and
// so is every later part of the Backend (Backend.partMD5).
func (s *session) UploadPart(ctx context.Context, p xfer.Part, _ io.ReadSeeker) (string, error) {
	prog := newProgress(ctx)
	return xfer.SendVerified(s.body, s.key, p, &s.b.partMD5, func(p xfer.Part) (string, bool, error) { return s.sendPart(ctx, p, prog) })
}

// sendPart puts part p, with Content-MD5 when p.MD5 is set, and reports
// whether the reply carried the part's CRC-64 (which the SDK compared with
// the bytes sent).
func (s *session) sendPart(ctx context.Context, p xfer.Part, prog *progress) (etag string, echoed bool, err error) {
	var out *tossdk.UploadPartV2Output
	as, err := s.b.clock.Do(ctx, s.b.name, Provider, func(signAt time.Time) error {
		sg := s.b.signingAt(signAt)
		in := &tossdk.UploadPartV2Input{
			UploadPartBasicInput: tossdk.UploadPartBasicInput{
				Bucket: s.b.bucket, Key: s.key, UploadID: s.uploadID, PartNumber: p.Number,
			},
			Content:       prog.run(s.body, p.Offset, p.Size),
			ContentLength: p.Size,
			GenericInput:  tossdk.GenericInput{RequestDate: signAt.UTC()},
		}
		if p.MD5 != nil {
			in.ContentMD5 = xfer.Base64(p.MD5)
		}
		o, err := s.b.client.UploadPartV2(ctx, in)
		if err != nil {
			return s.b.classify(ctx, "upload_part", s.key, err, sg)
		}
		out = o
		return nil
	})
	s.log.add(as)
	if err != nil {
		return "", false, err
	}
	if p.MD5 != nil && out.ServerSideEncryption == "" && out.SSECAlgorithm == "" && xfer.ETagDiffers(out.ETag, p.MD5) {
		return "", false, &uploader.Error{Kind: uploader.Integrity, Target: s.b.name, Provider: Provider, Op: "upload_part", Key: s.key,
			RequestID: out.RequestID,
			Message:   fmt.Sprintf("part %d: the server's ETag %s is not the MD5 %s of the bytes sent", p.Number, xfer.UnquoteETag(out.ETag), xfer.Hex(p.MD5))}
	}
	echoed = out.Header.Get(tossdk.HeaderHashCrc64ecma) != ""
	if echoed {
		s.crcs[p.Number-1] = out.HashCrc64ecma
	}
	return out.ETag, echoed, nil
}

func (s *session) Complete(ctx context.Context, parts []xfer.Part) error {
	in := &tossdk.CompleteMultipartUploadV2Input{Bucket: s.b.bucket, Key: s.key, UploadID: s.uploadID}
	for _, p := range parts {
		in.Parts = append(in.Parts, tossdk.UploadedPartV2{PartNumber: p.Number, ETag: p.ETag})
	}
	as, err := s.b.clock.Do(ctx, s.b.name, Provider, func(signAt time.Time) error {
		sg := s.b.signingAt(signAt)
		in.GenericInput = tossdk.GenericInput{RequestDate: signAt.UTC()}
		o, err := s.b.client.CompleteMultipartUploadV2(ctx, in)
		if err != nil {
			return s.b.classify(ctx, "complete_multipart", s.key, err, sg)
		}
		s.out = o
		return nil
	})
	s.log.add(as)
	return err
}

func (s *session) Abort(ctx context.Context) error {
	as, err := s.b.clock.Do(ctx, s.b.name, Provider, func(signAt time.Time) error {
		sg := s.b.signingAt(signAt)
		_, err := s.b.client.AbortMultipartUpload(ctx, &tossdk.AbortMultipartUploadInput{
			Bucket: s.b.bucket, Key: s.key, UploadID: s.uploadID,
			GenericInput: tossdk.GenericInput{RequestDate: signAt.UTC()},
		})
		if err != nil {
			return s.b.classify(ctx, "abort_multipart", s.key, err, sg)
		}
		return nil
	})
	s.log.add(as)
	return err
}

// combinedCRC returns the CRC64 of the whole object from its parts' CRCs,
// and false if a part's CRC is unknown.
func (s *session) combinedCRC(parts []xfer.Part) (uint64, bool) {
	return xfer.CombinedCRC64(parts, func(p xfer.Part) (uint64, bool) {
		c := s.crcs[p.Number-1]
		return c, c != 0 || p.Size == 0
	})
}

func (b *Backend) putMultipart(ctx context.Context, obj uploader.Object, body io.ReaderAt, res *uploader.Result) error {
	start := b.clock.LocalNow()
	log := &skewLog{}
	// finish builds Result.Attempts: the first clock-skew refusal, if
	// any request met one, then the upload as one attempt.
	var s *session // the multipart upload, once initiated
	finish := func(err error) error {
		var as []uploader.Attempt
		from := start
		if log.refused != nil {
			as = append(as, *log.refused)
			from = log.refused.Start.Add(log.refused.Elapsed)
		}
		a := uploader.NewAttempt(b.name, Provider, from, b.clock.LocalNow(), err)
		a.SkewCorrected, a.CredentialsRefreshed = log.corrected, log.refreshed
		if off, ok := b.clock.Offset(); ok && a.Skew == 0 && (log.corrected || log.refused != nil) {
			a.Skew = off
		}
		res.Attempts = append(as, a)
		if s != nil && s.out != nil {
			xfer.Reply{Status: s.out.StatusCode, RequestID: s.out.RequestID}.Record(res.Attempts)
		}
		return err
	}
	if e := xfer.KnownMD5(body, obj, b.name, Provider); e != nil {
		return finish(e)
	}

	ps := xfer.PartSize(obj.Size, b.sizes.PartSize)
	uploadID, kept, err := xfer.Resume(ctx, obj, body, b.name, ps, parts{b, obj.Key, log})
	if err != nil {
		return finish(b.own(err))
	}
	if uploadID == "" {
		initStart := time.Now()
		var as []uploader.Attempt
		as, err = b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
			sg := b.signingAt(signAt)
			o, err := b.client.CreateMultipartUploadV2(ctx, withInitAttributes(&tossdk.CreateMultipartUploadV2Input{
				Bucket: b.bucket, Key: obj.Key, ContentType: obj.ContentType, Meta: obj.Metadata,
				GenericInput: tossdk.GenericInput{RequestDate: signAt.UTC()},
			}, obj))
			if err != nil {
				return b.classify(ctx, "initiate_multipart", obj.Key, err, sg)
			}
			uploadID = o.UploadID
			return nil
		})
		log.add(as)
		if err != nil {
			xfer.AbortCutInitiate(ctx, b, obj.Key, initStart, err)
		}
	}
	if err == nil && uploadID == "" {
		err = &uploader.Error{Kind: uploader.Unknown, Target: b.name, Provider: Provider, Op: "initiate_multipart", Key: obj.Key,
			Message: "the server returned no upload ID"}
	}
	if err != nil {
		return finish(err)
	}

	s = &session{b: b, key: obj.Key, uploadID: uploadID, body: body, log: log,
		crcs: make([]uint64, (obj.Size+ps-1)/ps)}
	for _, p := range kept {
		// Checked against the body by xfer.Resume: the CRC-64 of the
		// assembled object is checked as after an upload from scratch.
		s.crcs[p.Number-1] = p.CRC64
	}
	parts, err := xfer.Upload(ctx, body, obj.Size, s, xfer.Options{PartSize: ps, Concurrency: b.sizes.PartConcurrency,
		Resume: obj.Resume, Target: b.name, UploadID: uploadID, Resumed: kept})
	if err != nil {
		if uploader.AsError(err) == nil {
			// The context's cause, when it ended before any part failed.
			return finish(b.classify(ctx, "upload_part", obj.Key, err, signing{}))
		}
		return finish(b.own(err))
	}

	// Verify what was assembled: the combined CRC64 where the server sent
	// one, and the size with a HEAD. A key that may write but not read gets
	// 403 to the HEAD: that is no failure, the upload is "not verified by
	// reading" (Result.Unverified), and nothing is deleted.
	out := s.out
	res.ETag, res.VersionID = out.ETag, out.VersionID
	res.Parts = xfer.Parts(parts)
	if obj.MD5 != nil {
		res.MD5 = xfer.Hex(obj.MD5)
	}
	want, known := s.combinedCRC(parts)
	if known && out.HashCrc64ecma != 0 && out.HashCrc64ecma != want {
		e := &uploader.Error{Kind: uploader.Integrity, Target: b.name, Provider: Provider, Op: "complete_multipart", Key: obj.Key,
			RequestID: out.RequestID,
			Message:   fmt.Sprintf("the assembled object's CRC64 is %d, the parts' combined CRC64 is %d", out.HashCrc64ecma, want)}
		xfer.Discard(ctx, b.Delete, obj.Key, e)
		return finish(e)
	}
	info, err := b.stat(ctx, obj.Key, log)
	if err != nil && xfer.ReadRefused(err) {
		res.Unverified = xfer.Unverified(err, known && out.HashCrc64ecma != 0)
		return finish(nil)
	}
	if err != nil {
		e := uploader.AsError(err)
		e.Op = "verify"
		if uploader.IsNotFound(e) {
			e.Kind, e.Message = uploader.Integrity, "the completed object is not there"
		}
		return finish(e)
	}
	if info.Size != obj.Size {
		e := &uploader.Error{Kind: uploader.Integrity, Target: b.name, Provider: Provider, Op: "verify", Key: obj.Key,
			Message: fmt.Sprintf("the assembled object has %d bytes, %d were sent", info.Size, obj.Size)}
		xfer.Discard(ctx, b.Delete, obj.Key, e)
		return finish(e)
	}
	return finish(nil)
}
