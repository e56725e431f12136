package xfer

import (
	"crypto/md5"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/resilient-upload/upload/uploader"
)

// CompositeETag returns the ETag S3 (and OBS, and MinIO) gives an object
// assembled from parts without server-side encryption by KMS: the hex MD5
// of the parts' binary MD5s in order, "-", and the part count. It reports
// false when a part's MD5 is unknown.
func CompositeETag(parts []Part) (string, bool) {
	if len(parts) == 0 {
		return "", false
	}
	h := md5.New()
	for _, p := range parts {
		if len(p.MD5) != md5.Size {
			return "", false
		}
		h.Write(p.MD5)
	}
	return Hex(h.Sum(nil)) + "-" + strconv.Itoa(len(parts)), true
}

// CheckCompositeETag compares etag, the reply to a multipart complete, with
// the [CompositeETag] of parts. It returns "" when they match, else why
// not; verified is false when nothing could be compared: an ETag not of the
// "<md5>-<n>" form (server-side encryption by KMS, another store's rule) or
// a part without its MD5.
func CheckCompositeETag(etag string, parts []Part) (mismatch string, verified bool) {
	etag = strings.Trim(etag, `"`)
	sum, n, ok := strings.Cut(etag, "-")
	if !ok || !IsMD5Hex(sum) {
		return "", false
	}
	want, ok := CompositeETag(parts)
	if !ok {
		return "", false
	}
	if !strings.EqualFold(etag, want) {
		if n != strconv.Itoa(len(parts)) {
			return fmt.Sprintf("the assembled object's ETag %s names %s parts, %d were sent", etag, n, len(parts)), true
		}
		return fmt.Sprintf("the assembled object's ETag %s is not %s, the one of the %d parts sent in order", etag, want, len(parts)), true
	}
	return "", true
}

// KMSEncrypted reports whether sse, the server-side encryption a reply
// names (x-amz-server-side-encryption: aws:kms or aws:kms:dsse;
// x-oss-server-side-encryption: KMS; x-cos-server-side-encryption:
// cos/kms; x-tos-server-side-encryption and OBS's: kms), is encryption with
// a KMS key. The ETag of such an object is not the MD5 of its bytes, so a
// backend must not compare them.
func KMSEncrypted(sse string) bool {
	return strings.Contains(strings.ToLower(sse), "kms")
}

// ETagIsMD5 reports whether the ETag of a reply whose headers are h may be
// compared with the MD5 of the bytes sent: not when h says the object is
// encrypted with a KMS key or with the customer's key (SSE-C), whichever
// vendor prefix (x-amz-, x-oss-, x-cos-, x-tos-, x-obs-) carries it.
func ETagIsMD5(h http.Header) bool {
	for _, p := range []string{"X-Amz-", "X-Oss-", "X-Cos-", "X-Tos-", "X-Obs-"} {
		if KMSEncrypted(h.Get(p + "Server-Side-Encryption")) {
			return false
		}
		if h.Get(p+"Server-Side-Encryption-Customer-Algorithm") != "" {
			return false
		}
	}
	return true
}

// ReadRefused reports whether err, the failure of the request that reads a
// stored object back to verify it (a HEAD), is a refusal to read: HTTP 403,
// as a key that may write but not read gets (a least-privilege upload
// policy). That is no failure of the upload, and never a reason to delete
// what was stored; see [Unverified].
func ReadRefused(err error) bool {
	e := uploader.AsError(err)
	return e != nil && e.Status == http.StatusForbidden && e.Kind != uploader.Canceled
}

// Unverified returns the text of [uploader.Result.Unverified] for a read
// back refused with err; writeChecked says whether the write's own replies
// verified the object (CRC-64, composite CRC-32C or composite ETag).
func Unverified(err error, writeChecked bool) string {
	what := "HEAD refused"
	if e := uploader.AsError(err); e != nil {
		code := e.Code
		if code == "" {
			code = "AccessDenied"
		}
		what = fmt.Sprintf("HEAD refused with %d %s", e.Status, code)
	}
	msg := "not verified by reading: " + what + " (the key may write but not read)"
	if writeChecked {
		return msg + "; verified by the write's replies"
	}
	return msg + "; the replies carried nothing to verify the assembled object with, only each part's checksum"
}
