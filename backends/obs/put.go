package obs

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	hwobs "github.com/huaweicloud/huaweicloud-sdk-go-obs/obs"

	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// isoBasic is the x-amz-date layout of AWS V4.
const isoBasic = "20060102T150405Z"

// dateHeader returns the header that carries the signing time for the
// backend's signature, and its value for t: x-amz-date in ISO 8601 for V4
// (the SDK also derives Date from it), Date in RFC 1123 otherwise.
func (b *Backend) dateHeader(t time.Time) (name, value string) {
	if b.sig == SignatureV4 {
		return "x-amz-date", t.UTC().Format(isoBasic)
	}
	return "Date", t.UTC().Format(http.TimeFormat)
}

// sdkCall is one SDK operation, made with a client whose requests run under
// the call's context, signed at the time in the header (name, value). It
// returns the body it sent, if any, for the classification of a failure.
type sdkCall func(cl *hwobs.ObsClient, name, value string) (*xfer.Source, error)

// do runs fn through the skew clock: once, and once more with the corrected
// signing time after a clock-skew refusal. rewind, if set, runs before each
// run (it rewinds the body). It returns the attempts and the classified
// error.
func (b *Backend) do(ctx context.Context, op, key string, rewind func() error, fn sdkCall) ([]uploader.Attempt, error) {
	return b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		if rewind != nil {
			if err := rewind(); err != nil {
				return b.readError(op, key, err)
			}
		}
		// The correction this request is signed with (Clock.Do signs at
		// local time plus it), for classifying a refusal.
		correction := signAt.Sub(b.clock.LocalNow()).Round(time.Second)
		cctx, c := transport.WithCapture(ctx)
		client, err := b.newClient(cctx)
		if err != nil {
			return b.classify(ctx, op, key, err, nil)
		}
		name, value := b.dateHeader(signAt)
		src, err := fn(client, name, value)
		if err != nil {
			return b.classify(ctx, op, key, err, &call{capture: c, src: src, correction: correction})
		}
		return nil
	})
}

// Put stores obj in one attempt (see [uploader.Backend]), plus one retry
// with a corrected signing time after a clock-skew refusal: a single PUT
// with Content-MD5 up to the multipart threshold, else a parallel multipart
// upload with a Content-MD5 per part, aborted on any failure (resumed
// instead when obj.Resume is set: see [uploader.Resumer]). A single PUT
// is verified by the server's Content-MD5 check and its ETag (unless the
// reply says the object is encrypted: then the ETag is not the MD5); a
// multipart upload by its composite ETag (the MD5 of the parts' MD5s, "-",
// the count) and the stored size (HEAD). A HEAD refused with 403 (a key
// that may write but not read) leaves the upload "not verified by reading"
// (Result.Unverified), never failed. An object that fails verification is
// removed.
func (b *Backend) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	start := b.clock.LocalNow()
	fail := func(attempts []uploader.Attempt, err *uploader.Error) (uploader.Result, error) {
		return uploader.Result{Key: obj.Key, Provider: Provider, Attempts: xfer.FinishAttempts(b.name, Provider, attempts, start, b.clock.LocalNow(), err)}, err
	}
	if b.closer.Closed() {
		return fail(nil, b.closedErr("put", obj.Key))
	}
	if err := obj.Validate(); err != nil {
		return fail(nil, b.classify(ctx, "validate", obj.Key, err, nil))
	}
	if err := vendor.Check(obj); err != nil {
		return fail(nil, b.classify(ctx, "validate", obj.Key, err, nil))
	}
	_, body, err := obj.Reader()
	if err != nil {
		return fail(nil, b.classify(ctx, "open", obj.Key, err, nil))
	}
	defer body.Close()
	prog := xfer.NewTally(xfer.Progress(ctx))
	var res uploader.Result
	var perr *uploader.Error
	if obj.Size > b.sizes.MultipartThreshold {
		res, perr = b.putMultipart(ctx, obj, body, prog)
	} else {
		res, perr = b.putSingle(ctx, obj, body, prog)
	}
	if perr != nil {
		prog.Rewind()
		return fail(res.Attempts, perr)
	}
	res.Attempts = xfer.FinishAttempts(b.name, Provider, res.Attempts, start, b.clock.LocalNow(), nil)
	return res, nil
}

func (b *Backend) putSingle(ctx context.Context, obj uploader.Object, body uploader.Body, prog *xfer.Tally) (uploader.Result, *uploader.Error) {
	sum := obj.MD5
	if sum == nil {
		s, err := xfer.MD5(body, 0, obj.Size)
		if err != nil {
			return uploader.Result{}, b.readError("put", obj.Key, err)
		}
		sum = s
	}
	counted := xfer.Counting(io.NewSectionReader(body, 0, obj.Size), prog.Func())
	rewind := func() error { _, err := counted.Seek(0, io.SeekStart); return err }
	var etag, version, requestID string
	var status int
	var encrypted bool
	attempts, err := b.do(ctx, "put", obj.Key, rewind, func(cl *hwobs.ObsClient, name, value string) (*xfer.Source, error) {
		in := &hwobs.PutObjectInput{}
		in.Bucket, in.Key = b.opts.Bucket, obj.Key
		in.ContentLength, in.ContentMD5 = obj.Size, xfer.Base64(sum)
		in.ContentType, in.Metadata = obj.ContentType, obj.Metadata
		setAttributes(&in.ObjectOperationInput, &in.HttpHeader, obj)
		var src *xfer.Source
		if obj.Size > 0 {
			// A zero-length body must be nil, or net/http sends it chunked.
			src = xfer.NewSource(counted)
			in.Body = src
		}
		out, err := cl.PutObject(in, hwobs.WithCustomHeader(name, value), hwobs.WithCustomHeader(b.tagHeader(obj, name, value)))
		if err != nil {
			return src, err
		}
		etag, version = xfer.UnquoteETag(out.ETag), out.VersionId
		encrypted = out.SseHeader != nil
		status, requestID = out.StatusCode, out.RequestId
		return src, nil
	})
	res := uploader.Result{Key: obj.Key, Provider: Provider, Attempts: attempts}
	if err != nil {
		return res, uploader.AsError(err)
	}
	if !b.opts.SkipETagCheck && !encrypted && xfer.ETagDiffers(etag, sum) {
		return res, xfer.Discard(ctx, b.Delete, obj.Key, &uploader.Error{Kind: uploader.Integrity, Target: b.name, Provider: Provider, Op: "verify", Key: obj.Key,
			Message: fmt.Sprintf("the server's ETag %s is not the MD5 %s of the bytes sent (if the bucket encrypts with KMS, set SkipETagCheck)", etag, xfer.Hex(sum))})
	}
	res.Target, res.URL, res.ETag, res.MD5 = b.name, b.objectURL(obj.Key), etag, xfer.Hex(sum)
	res.Size, res.VersionID = obj.Size, version
	xfer.RecordReply(res.Attempts, status, requestID)
	return res, nil
}

func (b *Backend) putMultipart(ctx context.Context, obj uploader.Object, body uploader.Body, prog *xfer.Tally) (uploader.Result, *uploader.Error) {
	if e := xfer.KnownMD5(body, obj, b.name, Provider); e != nil {
		return uploader.Result{}, e
	}
	id, kept, err := xfer.Resume(ctx, obj, body, b.name, b.sizes.PartSize, parts{b, obj.Key})
	if err != nil {
		return uploader.Result{Key: obj.Key, Provider: Provider}, b.classify(ctx, "list_parts", obj.Key, err, nil)
	}
	var attempts []uploader.Attempt
	if id == "" {
		initStart := time.Now()
		attempts, err = b.do(ctx, "initiate_multipart", obj.Key, nil, func(cl *hwobs.ObsClient, name, value string) (*xfer.Source, error) {
			in := &hwobs.InitiateMultipartUploadInput{}
			in.Bucket, in.Key = b.opts.Bucket, obj.Key
			in.ContentType, in.Metadata = obj.ContentType, obj.Metadata
			setAttributes(&in.ObjectOperationInput, &in.HttpHeader, obj)
			out, err := cl.InitiateMultipartUpload(in, hwobs.WithCustomHeader(name, value), hwobs.WithCustomHeader(b.tagHeader(obj, name, value)))
			if err != nil {
				return nil, err
			}
			id = out.UploadId
			return nil, nil
		})
		if err != nil {
			xfer.AbortCutInitiate(ctx, b, obj.Key, initStart, err)
		}
	}
	res := uploader.Result{Key: obj.Key, Provider: Provider, Attempts: attempts}
	if err != nil {
		return res, uploader.AsError(err)
	}
	s := &session{b: b, key: obj.Key, id: id, prog: prog}
	parts, err := xfer.Upload(ctx, body, obj.Size, s, xfer.Options{PartSize: b.sizes.PartSize, Concurrency: b.sizes.PartConcurrency, ContentMD5: true,
		Resume: obj.Resume, Target: b.name, UploadID: id, Resumed: kept})
	if err != nil {
		return res, xfer.WithAbortNote(b.classify(ctx, "put", obj.Key, err, nil), err)
	}
	s.reply.Record(res.Attempts)
	// The complete reply's ETag: the parts' composite, unless encrypted.
	checked := false
	if !b.opts.SkipETagCheck && !s.encrypted {
		var mismatch string
		if mismatch, checked = xfer.CheckCompositeETag(s.etag, parts); mismatch != "" {
			return res, xfer.Discard(ctx, b.Delete, obj.Key, &uploader.Error{Kind: uploader.Integrity, Target: b.name, Provider: Provider, Op: "verify", Key: obj.Key,
				Message: mismatch})
		}
	}
	st, serr := b.stat(ctx, "verify", obj.Key)
	if serr != nil && xfer.ReadRefused(serr) {
		res.Target, res.URL, res.ETag, res.Size, res.VersionID = b.name, b.objectURL(obj.Key), s.etag, obj.Size, s.version
		res.Unverified = xfer.Unverified(serr, checked)
		res.Parts = xfer.Parts(parts)
		if obj.MD5 != nil {
			res.MD5 = xfer.Hex(obj.MD5)
		}
		return res, nil
	}
	if serr != nil {
		return res, serr
	}
	if st.Size != obj.Size {
		return res, xfer.Discard(ctx, b.Delete, obj.Key, &uploader.Error{Kind: uploader.Integrity, Target: b.name, Provider: Provider, Op: "verify", Key: obj.Key,
			Message: fmt.Sprintf("the stored object has %d bytes, %d were sent", st.Size, obj.Size)})
	}
	res.Target, res.URL, res.ETag, res.Size, res.VersionID = b.name, b.objectURL(obj.Key), s.etag, obj.Size, s.version
	res.Parts = xfer.Parts(parts)
	if obj.MD5 != nil {
		res.MD5 = xfer.Hex(obj.MD5)
	}
	return res, nil
}

// session is one multipart upload, driven by xfer.Upload.
type session struct {
	b             *Backend
	key, id       string
	prog          *xfer.Tally
	etag, version string
	encrypted     bool // the complete reply names a server-side encryption
	reply         xfer.Reply
}

func (s *session) UploadPart(ctx context.Context, p xfer.Part, body io.ReadSeeker) (string, error) {
	counted := xfer.Counting(body, s.prog.Func())
	rewind := func() error { _, err := counted.Seek(0, io.SeekStart); return err }
	var etag string
	_, err := s.b.do(ctx, "upload_part", s.key, rewind, func(cl *hwobs.ObsClient, name, value string) (*xfer.Source, error) {
		src := xfer.NewSource(counted)
		in := &hwobs.UploadPartInput{Bucket: s.b.opts.Bucket, Key: s.key, UploadId: s.id, PartNumber: p.Number,
			ContentMD5: xfer.Base64(p.MD5), Body: src, PartSize: p.Size}
		out, err := cl.UploadPart(in, hwobs.WithCustomHeader(name, value))
		if err != nil {
			return src, err
		}
		etag = out.ETag
		return src, nil
	})
	return etag, err
}

func (s *session) Complete(ctx context.Context, parts []xfer.Part) error {
	ps := make([]hwobs.Part, len(parts))
	for i, p := range parts {
		ps[i] = hwobs.Part{PartNumber: p.Number, ETag: p.ETag}
	}
	_, err := s.b.do(ctx, "complete_multipart", s.key, nil, func(cl *hwobs.ObsClient, name, value string) (*xfer.Source, error) {
		in := &hwobs.CompleteMultipartUploadInput{Bucket: s.b.opts.Bucket, Key: s.key, UploadId: s.id, Parts: ps}
		out, err := cl.CompleteMultipartUpload(in, hwobs.WithCustomHeader(name, value))
		if err != nil {
			return nil, err
		}
		s.etag, s.version = xfer.UnquoteETag(out.ETag), out.VersionId
		s.encrypted = out.SseHeader != nil
		s.reply = xfer.Reply{Status: out.StatusCode, RequestID: out.RequestId}
		return nil, nil
	})
	return err
}

func (s *session) Abort(ctx context.Context) error {
	_, err := s.b.do(ctx, "abort_multipart", s.key, nil, func(cl *hwobs.ObsClient, name, value string) (*xfer.Source, error) {
		_, err := cl.AbortMultipartUpload(&hwobs.AbortMultipartUploadInput{Bucket: s.b.opts.Bucket, Key: s.key, UploadId: s.id},
			hwobs.WithCustomHeader(name, value))
		return nil, err
	})
	return err
}

func (b *Backend) readError(op, key string, err error) *uploader.Error {
	return &uploader.Error{Kind: uploader.Invalid, Target: b.name, Provider: Provider, Op: op, Key: key,
		Message: "reading the object's body: " + err.Error(), Err: err}
}
