package s3

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

const (
	checksumAlgorithmHeader = "X-Amz-Checksum-Algorithm"
	crc32cHeader            = "X-Amz-Checksum-Crc32c"
	crc32cAlgorithm         = "CRC32C"
)

// session is one multipart upload, driven by xfer.Upload.
//
// Each part carries a checksum the server verifies before it stores the
// part: its CRC-32C (x-amz-checksum-crc32c, the upload initiated with
// x-amz-checksum-algorithm: CRC32C), which the server echoes, or, once a
// reply has not echoed it (a store without flexible checksums, which
// ignored it and verified nothing), its Content-MD5: that part is sent
// again with it, and so is every later part of the session (and of the
// backend's later uploads, Backend.noCRC). Both headers are signed, so
// either protects the unsigned payload. sums records which one each part
// was stored with, for the check of the assembled object (verify).
type session struct {
	b    *Backend
	key  string
	id   string
	prog *xfer.Tally
	body io.ReaderAt
	// initCRC: the upload was initiated (or, resumed, had been) with
	// x-amz-checksum-algorithm CRC32C; crc: parts are still sent with
	// their CRC-32C.
	initCRC bool
	crc     atomic.Bool
	mu      sync.Mutex
	sums    map[int]partSum // by part number
	info    minio.UploadInfo
	// plainETag: the complete reply named no SSE-KMS or SSE-C, so its ETag
	// is the parts' composite.
	plainETag bool
	reply     xfer.Reply
}

// partSum is the checksum a part was stored with: its CRC-32C, which the
// server echoed (hasCRC), or its MD5, sent as Content-MD5.
type partSum struct {
	crc    uint32
	hasCRC bool
	md5    []byte
}

// UploadPart sends part p with its CRC-32C while the session does, else
// (or when the reply did not echo it) with its Content-MD5.
func (s *session) UploadPart(ctx context.Context, p xfer.Part, body io.ReadSeeker) (string, error) {
	counted := xfer.Counting(body, s.prog.Func())
	if s.crc.Load() {
		crc, err := xfer.CRC32C(s.body, p.Offset, p.Size)
		if err != nil {
			return "", s.b.readError("upload_part", s.key, err)
		}
		want := xfer.CRC32CBase64(crc)
		h := http.Header{}
		h.Set(crc32cHeader, want)
		part, err := s.send(ctx, p, counted, minio.PutObjectPartOptions{CustomHeader: h, DisableContentSha256: true})
		if err != nil {
			return "", err
		}
		switch got := part.ChecksumCRC32C; {
		case got == want:
			s.record(p.Number, partSum{crc: crc, hasCRC: true})
			return part.ETag, nil
		case got != "":
			return "", &uploader.Error{Kind: uploader.Integrity, Target: s.b.name, Provider: Provider, Op: "upload_part", Key: s.key,
				Message: fmt.Sprintf("the server's CRC-32C %s of part %d is not %s, the one of the bytes sent", got, p.Number, want)}
		}
		// No echo: the store ignored the checksum, so it verified
		// nothing. Send the part again with Content-MD5, and every
		// later one.
		s.crc.Store(false)
		s.b.noCRC.Store(true)
	}
	sum, err := xfer.MD5(s.body, p.Offset, p.Size)
	if err != nil {
		return "", s.b.readError("upload_part", s.key, err)
	}
	part, err := s.send(ctx, p, counted, minio.PutObjectPartOptions{Md5Base64: xfer.Base64(sum), DisableContentSha256: true})
	if err != nil {
		return "", err
	}
	s.record(p.Number, partSum{md5: sum})
	return part.ETag, nil
}

// send puts part p from counted (rewound first) with opts.
func (s *session) send(ctx context.Context, p xfer.Part, counted io.ReadSeeker, opts minio.PutObjectPartOptions) (minio.ObjectPart, error) {
	var part minio.ObjectPart
	_, err := s.b.clock.Do(ctx, s.b.name, Provider, func(time.Time) error {
		if _, err := counted.Seek(0, io.SeekStart); err != nil {
			return s.b.readError("upload_part", s.key, err)
		}
		cctx, c := transport.WithCapture(ctx)
		src := xfer.NewSource(counted)
		var err error
		part, err = s.b.core.PutObjectPart(cctx, s.b.opts.Bucket, s.key, s.id, p.Number, src, p.Size, opts)
		if err != nil {
			return s.b.classify(ctx, "upload_part", s.key, err, c, src)
		}
		return nil
	})
	return part, err
}

func (s *session) record(n int, sum partSum) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sums[n] = sum
}

// merge sets on parts the checksums their parts were stored with (the
// resumed ones have theirs from xfer.Resume).
func (s *session) merge(parts []xfer.Part) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range parts {
		if sum, ok := s.sums[parts[i].Number]; ok {
			parts[i].MD5, parts[i].CRC32C, parts[i].HasCRC32C = sum.md5, sum.crc, sum.hasCRC
		}
	}
}

func (s *session) Complete(ctx context.Context, parts []xfer.Part) error {
	s.merge(parts)
	cps := make([]minio.CompletePart, len(parts))
	for i, p := range parts {
		cps[i] = minio.CompletePart{PartNumber: p.Number, ETag: p.ETag}
		if s.initCRC && p.HasCRC32C {
			cps[i].ChecksumCRC32C = xfer.CRC32CBase64(p.CRC32C)
		}
	}
	_, err := s.b.clock.Do(ctx, s.b.name, Provider, func(time.Time) error {
		cctx, c := transport.WithCapture(ctx)
		info, err := s.b.core.CompleteMultipartUpload(cctx, s.b.opts.Bucket, s.key, s.id, cps, minio.PutObjectOptions{})
		if err != nil {
			return s.b.classify(ctx, "complete_multipart", s.key, err, c, nil)
		}
		s.info, s.plainETag = info, xfer.ETagIsMD5(c.Header())
		s.reply = xfer.Reply{Status: c.Status(), RequestID: c.Header().Get("X-Amz-Request-Id")}
		return nil
	})
	return err
}

// verify checks the assembled object against the parts sent: by the
// composite CRC-32C of the complete reply when every part has a CRC-32C
// and the reply one (of type COMPOSITE, or untyped); else, unless SkipETagCheck or the reply names SSE-KMS
// or SSE-C, by the composite ETag, hashing first the parts stored without
// an MD5 (only when the reply carried no composite CRC-32C). It returns
// whether anything was compared, or, on a mismatch, the Integrity error
// (the object removed).
func (s *session) verify(ctx context.Context, parts []xfer.Part) (bool, *uploader.Error) {
	s.merge(parts)
	got := s.info.ChecksumCRC32C
	if t := s.info.ChecksumMode; t != "" && !strings.EqualFold(t, "COMPOSITE") {
		got = "" // a FULL_OBJECT checksum is not the composite of the parts'
	}
	mismatch, checked := xfer.CheckCompositeCRC32C(got, parts)
	if !checked && !s.b.opts.SkipETagCheck && s.plainETag && compositeETag(s.info.ETag) {
		for i := range parts {
			if parts[i].MD5 != nil {
				continue
			}
			sum, err := xfer.MD5(s.body, parts[i].Offset, parts[i].Size)
			if err != nil {
				return false, s.b.readError("verify", s.key, err)
			}
			parts[i].MD5 = sum
		}
		mismatch, checked = xfer.CheckCompositeETag(s.info.ETag, parts)
	}
	if mismatch != "" {
		return checked, xfer.Discard(ctx, s.b.Delete, s.key, &uploader.Error{Kind: uploader.Integrity, Target: s.b.name, Provider: Provider, Op: "verify", Key: s.key,
			Message: mismatch})
	}
	return checked, nil
}

// compositeETag reports whether etag has the form of a composite ETag,
// "<md5 hex>-<n>".
func compositeETag(etag string) bool {
	sum, _, ok := strings.Cut(xfer.UnquoteETag(etag), "-")
	return ok && xfer.IsMD5Hex(sum)
}
