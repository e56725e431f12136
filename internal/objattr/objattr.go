// Package objattr maps the portable object attributes of uploader.Object
// (storage class, canned ACL, server-side encryption, tags) to a provider's
// names and header values, and reads them back from a HEAD reply. Each
// backend describes its provider with one [Vendor].
package objattr

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/resilient-upload/upload/uploader"
)

// Vendor is one provider's names for the portable attributes.
type Vendor struct {
	// Provider names the provider in errors ("tos", "oss", ...).
	Provider string
	// Classes maps every portable storage class to the provider's name.
	Classes map[uploader.StorageClass]string
	// ACLs maps the portable canned ACLs the provider defines to its names;
	// the others are refused.
	ACLs map[uploader.ACL]string
	// AES256 and KMS are the values of the provider's server-side-encryption
	// header for the two modes.
	AES256, KMS string
	// Prefix is the provider's header prefix ("x-oss-").
	Prefix string
	// KMSKeyHeader is the reply header naming the KMS key.
	KMSKeyHeader string
}

// Class returns the provider's name of class c ("" for ""), or an *Error of
// Kind Invalid for a class the provider lacks.
func (v Vendor) Class(key string, c uploader.StorageClass) (string, error) {
	if c == "" {
		return "", nil
	}
	name, ok := v.Classes[c]
	if !ok {
		return "", uploader.UnsupportedAttribute(v.Provider, key, "storage class", string(c))
	}
	return name, nil
}

// ACL returns the provider's name of the canned ACL a ("" for ""), or an
// *Error of Kind Invalid for one the provider does not define.
func (v Vendor) ACL(key string, a uploader.ACL) (string, error) {
	if a == "" {
		return "", nil
	}
	name, ok := v.ACLs[a]
	if !ok {
		return "", uploader.UnsupportedAttribute(v.Provider, key, "canned ACL", string(a))
	}
	return name, nil
}

// SSE returns the value of the server-side-encryption header for s, and
// the KMS key ID ("" when none).
func (v Vendor) SSE(s uploader.SSE) (string, string) {
	switch s.Mode {
	case uploader.SSEAES256:
		return v.AES256, ""
	case uploader.SSEKMS:
		return v.KMS, s.KMSKeyID
	}
	return "", ""
}

// Check returns the first attribute of obj the provider cannot store, as an
// *Error of Kind Invalid, or nil.
func (v Vendor) Check(obj uploader.Object) error {
	if _, err := v.Class(obj.Key, obj.StorageClass); err != nil {
		return err
	}
	_, err := v.ACL(obj.Key, obj.ACL)
	return err
}

// Portable returns the portable class of the provider's class name, or the
// name itself when it has no portable equivalent; "" stays "".
func (v Vendor) Portable(name string) uploader.StorageClass {
	for c, n := range v.Classes {
		if strings.EqualFold(n, name) {
			return c
		}
	}
	return uploader.StorageClass(name)
}

// Read fills the attributes of info from the headers of a HEAD reply:
// Cache-Control, Content-Disposition, Content-Encoding, and the provider's
// storage-class, server-side-encryption, KMS key and tagging-count headers.
func (v Vendor) Read(info *uploader.ObjectInfo, h http.Header) {
	info.CacheControl = h.Get("Cache-Control")
	info.ContentDisposition = h.Get("Content-Disposition")
	info.ContentEncoding = h.Get("Content-Encoding")
	info.StorageClass = v.Portable(h.Get(v.Prefix + "storage-class"))
	info.SSE = v.ReadSSE(h.Get(v.Prefix+"server-side-encryption"), h.Get(v.KMSKeyHeader))
	if n, err := strconv.Atoi(h.Get(v.Prefix + "tagging-count")); err == nil {
		info.TagCount = n
	}
}

// ReadSSE returns the portable encryption of a server-side-encryption
// header value and a KMS key ID.
func (v Vendor) ReadSSE(value, keyID string) uploader.SSE {
	switch {
	case value == "":
		return uploader.SSE{}
	case strings.EqualFold(value, v.AES256):
		return uploader.SSE{Mode: uploader.SSEAES256}
	case strings.EqualFold(value, v.KMS), strings.Contains(strings.ToLower(value), "kms"):
		return uploader.SSE{Mode: uploader.SSEKMS, KMSKeyID: keyID}
	}
	return uploader.SSE{Mode: uploader.SSEMode(value)}
}

// Tagging encodes tags as the tagging header carries them: URL-query
// form, sorted by key ("a=1&b=2"); "" for no tags.
func Tagging(tags map[string]string) string {
	if len(tags) == 0 {
		return ""
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(tags[k]))
	}
	return b.String()
}

// AllACLs maps every portable canned ACL to its own name: the table of a
// provider that defines them all.
func AllACLs() map[uploader.ACL]string {
	m := make(map[uploader.ACL]string, len(uploader.ACLs))
	for _, a := range uploader.ACLs {
		m[a] = string(a)
	}
	return m
}
