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

// validateAttributes checks o's attributes (see [Attributes.Validate]); the
// error names o's key.
func (o Object) validateAttributes() error {
	err := o.Attributes.Validate()
	if e := AsError(err); e != nil {
		e.Key = o.Key
	}
	return err
}

// Validate checks the attributes every provider needs in the same form:
// known portable names, header values of printable ASCII, and at most
// [MaxTags] tags whose keys (1 to 128 bytes) and values (at most 256 bytes)
// hold no control characters. It returns an *Error of Kind Invalid that
// says which attribute is wrong.
func (a Attributes) Validate() error {
	bad := func(format string, args ...any) error {
		return &Error{Kind: Invalid, Op: "validate", Message: fmt.Sprintf(format, args...)}
	}
	for _, h := range []struct{ name, v string }{
		{"Cache-Control", a.CacheControl}, {"Content-Disposition", a.ContentDisposition},
		{"Content-Encoding", a.ContentEncoding}, {"the KMS key ID", a.SSE.KMSKeyID},
	} {
		if strings.ContainsFunc(h.v, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
			return bad("%s %q: printable ASCII only (it is sent as an HTTP header)", h.name, h.v)
		}
	}
	if a.StorageClass != "" {
		if c, err := ParseStorageClass(string(a.StorageClass)); err != nil || c != a.StorageClass {
			return bad("storage class %q: want one of %s", a.StorageClass, joinNames(StorageClasses))
		}
	}
	if a.ACL != "" {
		if acl, err := ParseACL(string(a.ACL)); err != nil || acl != a.ACL {
			return bad("ACL %q: want one of %s", a.ACL, joinNames(ACLs))
		}
	}
	switch a.SSE.Mode {
	case SSENone, SSEAES256:
		if a.SSE.KMSKeyID != "" {
			return bad("a KMS key ID needs SSE mode KMS, not %q", a.SSE.Mode)
		}
	case SSEKMS:
	default:
		return bad("SSE mode %q: want AES256 or KMS", a.SSE.Mode)
	}
	if len(a.Tags) > MaxTags {
		return bad("%d tags; the limit is %d", len(a.Tags), MaxTags)
	}
	for k, v := range a.Tags {
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

// With returns a with every attribute it leaves empty taken from defaults;
// tags are merged, a's value winning for a key both have.
func (a Attributes) With(defaults Attributes) Attributes {
	pick := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	a.CacheControl = pick(a.CacheControl, defaults.CacheControl)
	a.ContentDisposition = pick(a.ContentDisposition, defaults.ContentDisposition)
	a.ContentEncoding = pick(a.ContentEncoding, defaults.ContentEncoding)
	a.StorageClass = StorageClass(pick(string(a.StorageClass), string(defaults.StorageClass)))
	a.ACL = ACL(pick(string(a.ACL), string(defaults.ACL)))
	if a.SSE.Mode == SSENone {
		a.SSE = defaults.SSE
	}
	if len(defaults.Tags) > 0 {
		tags := make(map[string]string, len(a.Tags)+len(defaults.Tags))
		for k, v := range defaults.Tags {
			tags[k] = v
		}
		for k, v := range a.Tags {
			tags[k] = v
		}
		a.Tags = tags
	}
	return a
}

// AttributeChecker is implemented by backends that can tell, without
// sending anything, whether their provider can store attributes: a
// command can refuse, before the first upload, a storage class or ACL a
// target's provider does not define.
type AttributeChecker interface {
	// CheckAttributes returns nil, or an *Error of Kind Invalid naming the
	// first attribute the provider cannot store.
	CheckAttributes(a Attributes) error
}
