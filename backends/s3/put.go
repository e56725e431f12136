package s3

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// Put stores obj in one attempt (see [uploader.Backend]): a single PUT with
// Content-MD5 up to the multipart threshold, else a parallel multipart
// upload with a CRC-32C per part (x-amz-checksum-crc32c, whose echo is
// compared; Content-MD5 when the store ignores it), aborted on any failure
// (resumed instead when obj.Resume is set: see [uploader.Resumer]). A
// single PUT is verified by the server's Content-MD5 check and by its ETag
// (unless SkipETagCheck, or the reply says the object is encrypted with
// SSE-KMS or SSE-C: then the ETag is not the MD5); a multipart upload by
// the server's check of each part's checksum, by its composite CRC-32C
// (the CRC-32C of the parts' CRC-32Cs, "-", the count), or when the reply
// has none, by its composite ETag (the MD5 of the parts' MD5s, "-", the
// count; not under SSE-KMS), and by the stored size (HEAD after
// complete). A HEAD refused with 403 (a key that may write but not read)
// leaves the upload "not verified by reading" (Result.Unverified), never
// failed. An object that fails verification is removed.
func (b *Backend) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	start := b.clock.LocalNow()
	fail := func(attempts []uploader.Attempt, err *uploader.Error) (uploader.Result, error) {
		return uploader.Result{Key: obj.Key, Provider: Provider, Attempts: xfer.FinishAttempts(b.name, Provider, attempts, start, b.clock.LocalNow(), err)}, err
	}
	if b.closer.Closed() {
		return fail(nil, b.closedErr("put", obj.Key))
	}
	if err := obj.Validate(); err != nil {
		return fail(nil, b.classify(ctx, "validate", obj.Key, err, nil, nil))
	}
	if err := vendor.Check(obj); err != nil {
		return fail(nil, b.classify(ctx, "validate", obj.Key, err, nil, nil))
	}
	_, body, err := obj.Reader()
	if err != nil {
		return fail(nil, b.classify(ctx, "open", obj.Key, err, nil, nil))
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

func (b *Backend) putOptions(obj uploader.Object) minio.PutObjectOptions {
	o := minio.PutObjectOptions{
		ContentType:  obj.ContentType,
		UserMetadata: obj.Metadata,
		// The signed Content-MD5 protects the body; hashing it with SHA-256
		// as well would only cost CPU.
		DisableContentSha256: true,
	}
	setAttributes(&o, obj)
	return o
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
	opts := b.putOptions(obj)
	var info minio.UploadInfo
	plainETag := true
	var reply *transport.Capture
	attempts, err := b.clock.Do(ctx, b.name, Provider, func(time.Time) error {
		if _, err := counted.Seek(0, io.SeekStart); err != nil {
			return b.readError("put", obj.Key, err)
		}
		cctx, c := transport.WithCapture(ctx)
		src := xfer.NewSource(counted)
		var err error
		info, err = b.core.PutObject(cctx, b.opts.Bucket, obj.Key, src, obj.Size, xfer.Base64(sum), "", opts)
		if err != nil {
			return b.classify(ctx, "put", obj.Key, err, c, src)
		}
		plainETag = xfer.ETagIsMD5(c.Header())
		reply = c
		return nil
	})
	res := uploader.Result{Key: obj.Key, Provider: Provider, Attempts: attempts}
	if err != nil {
		return res, uploader.AsError(err)
	}
	if n := len(res.Attempts); n > 0 && reply != nil && reply.Status() != 0 {
		res.Attempts[n-1].Status, res.Attempts[n-1].RequestID = reply.Status(), reply.Header().Get("X-Amz-Request-Id")
	}
	if !b.opts.SkipETagCheck && plainETag && xfer.ETagDiffers(info.ETag, sum) {
		e := &uploader.Error{Kind: uploader.Integrity, Target: b.name, Provider: Provider, Op: "verify", Key: obj.Key,
			Message: fmt.Sprintf("the server's ETag %s is not the MD5 %s of the bytes sent (if the bucket encrypts with SSE-KMS or SSE-C, set SkipETagCheck)", info.ETag, xfer.Hex(sum))}
		return res, xfer.Discard(ctx, b.Delete, obj.Key, e)
	}
	res.Target, res.URL, res.ETag, res.MD5 = b.name, b.objectURL(obj.Key), info.ETag, xfer.Hex(sum)
	res.Size, res.VersionID = obj.Size, info.VersionID
	return res, nil
}

// putMultipart sends obj in parts through a session (see session), resuming
// the upload obj.Resume recorded if it may be kept, then verifies the
// assembled object (session.verify) and its size (HEAD).
func (b *Backend) putMultipart(ctx context.Context, obj uploader.Object, body uploader.Body, prog *xfer.Tally) (uploader.Result, *uploader.Error) {
	if e := xfer.KnownMD5(body, obj, b.name, Provider); e != nil {
		return uploader.Result{}, e
	}
	lister := &parts{b: b, key: obj.Key}
	id, kept, err := xfer.Resume(ctx, obj, body, b.name, b.sizes.PartSize, lister)
	if err != nil {
		return uploader.Result{Key: obj.Key, Provider: Provider}, b.classify(ctx, "list_parts", obj.Key, err, nil, nil)
	}
	// A resumed upload keeps the checksum it was initiated with.
	useCRC := !b.noCRC.Load()
	if id != "" {
		useCRC = strings.EqualFold(lister.algorithm, crc32cAlgorithm)
	}
	var attempts []uploader.Attempt
	if id == "" {
		id, attempts, err = b.initiate(ctx, obj, useCRC)
	}
	res := uploader.Result{Key: obj.Key, Provider: Provider, Attempts: attempts}
	if err != nil {
		return res, uploader.AsError(err)
	}
	s := &session{b: b, key: obj.Key, id: id, prog: prog, body: body, initCRC: useCRC, sums: map[int]partSum{}}
	s.crc.Store(useCRC)
	parts, err := xfer.Upload(ctx, body, obj.Size, s, xfer.Options{PartSize: b.sizes.PartSize, Concurrency: b.sizes.PartConcurrency,
		Resume: obj.Resume, Target: b.name, UploadID: id, Resumed: kept})
	if err != nil {
		return res, xfer.WithAbortNote(b.classify(ctx, "put", obj.Key, err, nil, nil), err)
	}
	s.reply.Record(res.Attempts)
	checked, verr := s.verify(ctx, parts)
	if verr != nil {
		return res, verr
	}
	st, serr := b.stat(ctx, "verify", obj.Key)
	if serr != nil && xfer.ReadRefused(serr) {
		res.Unverified = xfer.Unverified(serr, checked)
		st, serr = uploader.ObjectInfo{Size: obj.Size}, nil
	}
	if serr != nil {
		return res, serr
	}
	if st.Size != obj.Size {
		return res, xfer.Discard(ctx, b.Delete, obj.Key, &uploader.Error{Kind: uploader.Integrity, Target: b.name, Provider: Provider, Op: "verify", Key: obj.Key,
			Message: fmt.Sprintf("the stored object has %d bytes, %d were sent", st.Size, obj.Size)})
	}
	res.Target, res.URL, res.ETag, res.Size, res.VersionID = b.name, b.objectURL(obj.Key), s.info.ETag, obj.Size, s.info.VersionID
	res.Parts = xfer.Parts(parts)
	if obj.MD5 != nil {
		res.MD5 = xfer.Hex(obj.MD5)
	}
	return res, nil
}

// initiate starts a multipart upload of obj, asking for CRC-32C part
// checksums (x-amz-checksum-algorithm: CRC32C) when useCRC.
func (b *Backend) initiate(ctx context.Context, obj uploader.Object, useCRC bool) (string, []uploader.Attempt, error) {
	initStart := time.Now()
	opts := b.putOptions(obj)
	if useCRC {
		meta := make(map[string]string, len(opts.UserMetadata)+1)
		for k, v := range opts.UserMetadata {
			meta[k] = v
		}
		// minio-go sends a user metadata key of the x-amz-checksum-
		// prefix as the header it is, as its own uploads do.
		meta[checksumAlgorithmHeader] = crc32cAlgorithm
		opts.UserMetadata = meta
	}
	var id string
	attempts, err := b.clock.Do(ctx, b.name, Provider, func(time.Time) error {
		cctx, c := transport.WithCapture(ctx)
		var err error
		id, err = b.core.NewMultipartUpload(cctx, b.opts.Bucket, obj.Key, opts)
		if err != nil {
			return b.classify(ctx, "initiate_multipart", obj.Key, err, c, nil)
		}
		return nil
	})
	if err != nil {
		xfer.AbortCutInitiate(ctx, b, obj.Key, initStart, err)
	}
	return id, attempts, err
}

func (s *session) Abort(ctx context.Context) error {
	cctx, c := transport.WithCapture(ctx)
	if err := s.b.core.AbortMultipartUpload(cctx, s.b.opts.Bucket, s.key, s.id); err != nil {
		return s.b.classify(ctx, "abort_multipart", s.key, err, c, nil)
	}
	return nil
}

func (b *Backend) readError(op, key string, err error) *uploader.Error {
	return &uploader.Error{Kind: uploader.Invalid, Target: b.name, Provider: Provider, Op: op, Key: key,
		Message: "reading the object's body: " + err.Error(), Err: err}
}
