package uploader

import (
	"fmt"
	"strings"
)

// Attributes are the attributes of an [Object] beyond its type and
// metadata. Each backend maps them to its provider's headers, in a single
// PUT and in a multipart initiate alike, and refuses, before anything is
// sent, a value its provider does not define. The zero Attributes leave
// everything to the bucket's defaults.
type Attributes struct {
	// CacheControl, ContentDisposition and ContentEncoding are sent as the
	// standard HTTP headers of those names and returned with the object.
	CacheControl       string
	ContentDisposition string
	ContentEncoding    string
	// StorageClass is the portable storage class; empty means the
	// bucket's default.
	StorageClass StorageClass
	// ACL is the portable canned ACL; empty means the bucket's default.
	ACL ACL
	// SSE is the server-side encryption; the zero SSE leaves it to the
	// bucket.
	SSE SSE
	// Tags are the object's tags (at most [MaxTags]), sent with the upload
	// (x-amz-tagging and its vendor equivalents).
	Tags map[string]string
}

// StorageClass is a portable storage class. Each backend maps it to its
// provider's own name, and a Stat maps that name back:
//
//	portable    tos            oss           obs            cos            s3
//	STANDARD    STANDARD       Standard      STANDARD       STANDARD       STANDARD
//	INFREQUENT  IA             IA            WARM           STANDARD_IA    STANDARD_IA
//	ARCHIVE     ARCHIVE        Archive       COLD           ARCHIVE        GLACIER
//	COLD        COLD_ARCHIVE   ColdArchive   DEEP_ARCHIVE   DEEP_ARCHIVE   DEEP_ARCHIVE
//
// The empty class leaves the choice to the bucket's default. ARCHIVE and
// COLD objects must be restored before they can be read.
type StorageClass string

// The portable storage classes.
const (
	StorageStandard   StorageClass = "STANDARD"
	StorageInfrequent StorageClass = "INFREQUENT"
	StorageArchive    StorageClass = "ARCHIVE"
	StorageCold       StorageClass = "COLD"
)

// StorageClasses lists the portable storage classes, warmest first.
var StorageClasses = []StorageClass{StorageStandard, StorageInfrequent, StorageArchive, StorageCold}

// ACL is a portable canned ACL, sent as the provider's canned-ACL header
// (x-amz-acl, x-oss-object-acl, x-obs-acl, x-cos-acl, x-tos-acl). Not every
// provider has every one: a backend refuses, with an *Error of Kind
// Invalid and before anything is sent, one its provider does not define.
//
//	            tos  oss  obs  cos  s3
//	private      x    x    x    x    x
//	public-read  x    x    x    x    x
//	public-read-write
//	             x    x    x    -    x
//	authenticated-read
//	             x    -    -    -    x
//	bucket-owner-read
//	             x    -    -    x    x
//	bucket-owner-full-control
//	             x    -    x    x    x
//
// The empty ACL leaves the object to the bucket's default.
type ACL string

// The portable canned ACLs.
const (
	ACLPrivate                ACL = "private"
	ACLPublicRead             ACL = "public-read"
	ACLPublicReadWrite        ACL = "public-read-write"
	ACLAuthenticatedRead      ACL = "authenticated-read"
	ACLBucketOwnerRead        ACL = "bucket-owner-read"
	ACLBucketOwnerFullControl ACL = "bucket-owner-full-control"
)

// ACLs lists the portable canned ACLs.
var ACLs = []ACL{ACLPrivate, ACLPublicRead, ACLPublicReadWrite, ACLAuthenticatedRead, ACLBucketOwnerRead, ACLBucketOwnerFullControl}

// SSEMode is a server-side encryption mode with keys the provider holds.
type SSEMode string

// The server-side encryption modes.
const (
	// SSENone leaves encryption to the bucket's default.
	SSENone SSEMode = ""
	// SSEAES256 is encryption with keys the provider manages (SSE-S3,
	// SSE-OSS, SSE-OBS, SSE-COS, SSE-TOS).
	SSEAES256 SSEMode = "AES256"
	// SSEKMS is encryption with a key of the provider's KMS: the key
	// [SSE.KMSKeyID] names, or the account's default key.
	SSEKMS SSEMode = "KMS"
)

// SSE is the server-side encryption an object is stored with.
type SSE struct {
	// Mode is the encryption; SSENone leaves it to the bucket.
	Mode SSEMode
	// KMSKeyID is the KMS key for Mode SSEKMS; empty means the account's
	// default key. It must be empty for the other modes.
	KMSKeyID string
}

// ParseSSE parses "AES256", "kms" or "kms:KEYID" (the mode's case does not
// matter); the empty string is no encryption.
func ParseSSE(s string) (SSE, error) {
	mode, id, hasID := strings.Cut(s, ":")
	switch {
	case s == "":
		return SSE{}, nil
	case strings.EqualFold(mode, "AES256") && !hasID:
		return SSE{Mode: SSEAES256}, nil
	case strings.EqualFold(mode, "kms") && (!hasID || id != ""):
		return SSE{Mode: SSEKMS, KMSKeyID: id}, nil
	}
	return SSE{}, fmt.Errorf("server-side encryption %q: want AES256, kms or kms:KEYID", s)
}

// String returns the form [ParseSSE] reads: "AES256", "kms" or "kms:KEYID".
func (s SSE) String() string {
	switch {
	case s.Mode == SSEKMS && s.KMSKeyID != "":
		return "kms:" + s.KMSKeyID
	case s.Mode == SSEKMS:
		return "kms"
	}
	return string(s.Mode)
}

// MaxTags is the most tags an object may carry: the limit of S3 and of the
// other providers here.
const MaxTags = 10

// ParseStorageClass returns the portable class named s, in any case; the
// empty string is the bucket's default.
func ParseStorageClass(s string) (StorageClass, error) {
	for _, c := range StorageClasses {
		if strings.EqualFold(s, string(c)) {
			return c, nil
		}
	}
	if s == "" {
		return "", nil
	}
	return "", fmt.Errorf("storage class %q: want one of %s", s, joinNames(StorageClasses))
}

// ParseACL returns the portable canned ACL named s, in any case; the empty
// string is the bucket's default.
func ParseACL(s string) (ACL, error) {
	for _, a := range ACLs {
		if strings.EqualFold(s, string(a)) {
			return a, nil
		}
	}
	if s == "" {
		return "", nil
	}
	return "", fmt.Errorf("ACL %q: want one of %s", s, joinNames(ACLs))
}

func joinNames[T ~string](names []T) string {
	s := make([]string, len(names))
	for i, n := range names {
		s[i] = string(n)
	}
	return strings.Join(s, ", ")
}

// validateAttributes checks the attributes every provider needs in the same
// form: known portable names, header values of printable ASCII, and at most
// [MaxTags] tags whose keys (1 to 128 bytes) and values (at most 256 bytes)
// are valid UTF-8 without control characters.
func (o Object) validateAttributes() error {
	bad := func(format string, a ...any) error {
		return &Error{Kind: Invalid, Op: "validate", Key: o.Key, Message: fmt.Sprintf(format, a...)}
	}
	for _, h := range []struct{ name, v string }{
		{"Cache-Control", o.CacheControl}, {"Content-Disposition", o.ContentDisposition},
		{"Content-Encoding", o.ContentEncoding}, {"the KMS key ID", o.SSE.KMSKeyID},
	} {
		if strings.ContainsFunc(h.v, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
			return bad("%s %q: printable ASCII only (it is sent as an HTTP header)", h.name, h.v)
		}
	}
	if o.StorageClass != "" {
		if c, err := ParseStorageClass(string(o.StorageClass)); err != nil || c != o.StorageClass {
			return bad("storage class %q: want one of %s", o.StorageClass, joinNames(StorageClasses))
		}
	}
	if o.ACL != "" {
		if a, err := ParseACL(string(o.ACL)); err != nil || a != o.ACL {
			return bad("ACL %q: want one of %s", o.ACL, joinNames(ACLs))
		}
	}
	switch o.SSE.Mode {
	case SSENone, SSEAES256:
		if o.SSE.KMSKeyID != "" {
			return bad("a KMS key ID needs SSE mode KMS, not %q", o.SSE.Mode)
		}
	case SSEKMS:
	default:
		return bad("SSE mode %q: want AES256 or KMS", o.SSE.Mode)
	}
	if len(o.Tags) > MaxTags {
		return bad("%d tags; the limit is %d", len(o.Tags), MaxTags)
	}
	for k, v := range o.Tags {
		if k == "" || len(k) > 128 || len(v) > 256 {
			return bad("tag %q=%q: keys are 1 to 128 bytes, values at most 256", k, v)
		}
		if strings.ContainsFunc(k+v, func(r rune) bool { return r < 0x20 || r == 0x7f || r == 0xfffd }) {
			return bad("tag %q=%q: control characters or invalid UTF-8", k, v)
		}
	}
	return nil
}

// UnsupportedAttribute returns the *Error of Kind Invalid with which a
// backend refuses, before sending anything, an attribute value its provider
// does not define (what is "storage class" or "ACL").
func UnsupportedAttribute(provider, key, what, value string) *Error {
	return &Error{Kind: Invalid, Provider: provider, Op: "validate", Key: key,
		Message: fmt.Sprintf("%s %q is not supported by %s", what, value, provider)}
}
