package failover

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"hash"
	"hash/crc64"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// statTimeoutCap bounds a Stat made after an ambiguous timeout.
const statTimeoutCap = time.Minute

// landed reports whether the object of an attempt that failed ambiguously
// is stored whole on t: Stat finds an object whose content is proved to be
// the object's (see [match]). An object that cannot be proved to be it
// (another object of the same size, written before or since, or one whose
// ETag is no digest on a server that sends no CRC-64) is not taken for it,
// so the upload is retried; one nothing proves either way makes t the run's
// unsure target (see [run.honest]).
func (r *run) landed(t *target) (uploader.Result, bool) {
	u := r.u
	timeout := min(u.opts.AttemptTimeout, statTimeoutCap)
	if timeout <= 0 {
		timeout = statTimeoutCap
	}
	sctx, cancel := withTimeout(r.ctx, u.clock, timeout)
	defer cancel()
	info, err := t.stater.Stat(sctx, r.obj.Key)
	if err != nil {
		if !uploader.IsNotFound(err) {
			r.unsure = t
		}
		return uploader.Result{}, false
	}
	m, sum := match(sctx, t.b, r.obj, info)
	if m != matchSame {
		if m == matchUnproved {
			r.unsure = t
		}
		return uploader.Result{}, false
	}
	return uploader.Result{Provider: t.provider, ETag: info.ETag, MD5: sum, Size: info.Size}, true
}

// matchResult is what a stored object's info proves about an object.
type matchResult int

const (
	matchUnproved matchResult = iota // nothing the server reported tells
	matchSame                        // the stored bytes are the object's
	matchDiffers                     // the stored object is not the object
)

// match compares what a Stat reported of a stored object with obj's bytes,
// by content, never by time. The size must be obj's; then the first of
// these that the reply allows decides:
//
//   - a CRC-64 the server reports (TOS, OSS, COS) must be that of the body
//     (it covers every byte, whatever the ETag is made of);
//   - an ETag of 32 hex digits (a single-request upload) must be the body's
//     MD5 (obj.MD5 if the caller gave it, which the server checked);
//   - a multipart ETag ("hex-N") must be the MD5 of the MD5s of the parts
//     that b, an [uploader.PartSizer], cuts obj into, with the same N; a
//     backend that is no PartSizer cannot prove one.
//
// With none of them, or when the body cannot be read within ctx, the
// result is matchUnproved. The body is read once at most. sum is the hex
// MD5 of the body when it was known or read, else "".
func match(ctx context.Context, b uploader.Backend, obj uploader.Object, info uploader.ObjectInfo) (m matchResult, sum string) {
	if obj.MD5 != nil {
		sum = hex.EncodeToString(obj.MD5)
	}
	if info.Size != obj.Size {
		return matchDiffers, sum
	}
	var (
		crcWant   uint64
		haveCRC   bool
		plain     = uploader.PlainMD5(info.ETag)
		composite string
		partSize  int64
	)
	if info.CRC64 != "" {
		v, err := strconv.ParseUint(strings.TrimSpace(info.CRC64), 10, 64)
		haveCRC = err == nil
		crcWant = v
	}
	if haveCRC {
		plain = "" // the CRC decides
	} else if etag, parts, ok := multipartETag(info.ETag); ok {
		if ps, isPS := b.(uploader.PartSizer); isPS {
			partSize = ps.PartSize(obj.Size)
			if partSize <= 0 || (obj.Size+partSize-1)/partSize != parts {
				// This backend would not upload obj in that many parts:
				// the object is not this upload's.
				return matchDiffers, sum
			}
			composite = etag
		}
	}
	if !haveCRC && plain == "" && composite == "" {
		return matchUnproved, sum
	}
	if plain != "" && sum != "" {
		if plain == sum {
			return matchSame, sum
		}
		return matchDiffers, sum
	}
	d, err := digest(ctx, obj, haveCRC, partSize)
	if err != nil {
		return matchUnproved, sum
	}
	if sum == "" {
		sum = d.md5
	}
	var same bool
	switch {
	case haveCRC:
		same = d.crc == crcWant
	case plain != "":
		same = plain == sum
	default:
		same = composite == d.composite
	}
	if same {
		return matchSame, sum
	}
	return matchDiffers, sum
}

// multipartETag splits an ETag of the form "hex-N" (32 hex digits, N >= 1),
// unquoted, into its lower-cased digest and N.
func multipartETag(etag string) (sum string, parts int64, ok bool) {
	etag = strings.ToLower(strings.Trim(etag, `"`))
	h, n, found := strings.Cut(etag, "-")
	if !found || uploader.PlainMD5(h) == "" {
		return "", 0, false
	}
	parts, err := strconv.ParseInt(n, 10, 64)
	if err != nil || parts < 1 {
		return "", 0, false
	}
	return h, parts, true
}

// digests are what one read of a body gives.
type digests struct {
	md5       string // hex
	crc       uint64 // CRC-64/ECMA, if asked for
	composite string // hex MD5 of the parts' MD5s, if a part size was given
}

var crcTable = crc64.MakeTable(crc64.ECMA)

// digest reads obj's body once, to its end, within ctx, and returns its
// MD5, its CRC-64 if withCRC, and with partSize > 0 the MD5 of the MD5s of
// the partSize-byte parts.
func digest(ctx context.Context, obj uploader.Object, withCRC bool, partSize int64) (digests, error) {
	sr, body, err := obj.Reader()
	if err != nil {
		return digests{}, err
	}
	defer body.Close()
	whole := md5.New()
	ws := []io.Writer{whole}
	var crc hash.Hash64
	if withCRC {
		crc = crc64.New(crcTable)
		ws = append(ws, crc)
	}
	var parts *partHasher
	if partSize > 0 {
		parts = &partHasher{size: partSize, h: md5.New(), all: md5.New()}
		ws = append(ws, parts)
	}
	n, err := io.Copy(io.MultiWriter(ws...), ctxReader{ctx, sr})
	if err != nil {
		return digests{}, err
	}
	if n != obj.Size {
		return digests{}, io.ErrUnexpectedEOF
	}
	d := digests{md5: hex.EncodeToString(whole.Sum(nil))}
	if crc != nil {
		d.crc = crc.Sum64()
	}
	if parts != nil {
		d.composite = parts.sum()
	}
	return d, nil
}

// partHasher hashes what is written to it in parts of size bytes, and the
// parts' MD5s in turn.
type partHasher struct {
	size int64
	n    int64 // bytes in the current part
	h    hash.Hash
	all  hash.Hash
}

func (p *partHasher) Write(b []byte) (int, error) {
	total := len(b)
	for len(b) > 0 {
		k := min(int64(len(b)), p.size-p.n)
		p.h.Write(b[:k])
		p.n += k
		b = b[k:]
		if p.n == p.size {
			p.all.Write(p.h.Sum(nil))
			p.h.Reset()
			p.n = 0
		}
	}
	return total, nil
}

func (p *partHasher) sum() string {
	if p.n > 0 {
		p.all.Write(p.h.Sum(nil))
		p.h.Reset()
		p.n = 0
	}
	return hex.EncodeToString(p.all.Sum(nil))
}
