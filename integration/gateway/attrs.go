package gateway

import (
	"net/http"
	"strconv"
	"strings"
)

// Object attributes: MinIO refuses most vendors' storage classes (it knows
// STANDARD and REDUCED_REDUNDANCY), encrypts only with a KMS configured,
// and has no use for another vendor's ACL or tagging headers. So that every
// attribute an SDK sends can be checked on a HEAD, the gateway keeps the
// vendor's storage-class, canned-ACL, server-side-encryption (and KMS key)
// and tagging headers of a request as reserved user metadata
// (x-amz-meta-gateway-*), which MinIO stores with the object, multipart
// uploads included (the initiate carries it). A HEAD or GET reply turns it
// back into the vendor's headers: storage-class, server-side-encryption,
// its KMS key header and tagging-count (the count of tags, as the vendors
// report it). The ACL is kept but not reported: a vendor's HEAD does not
// either. The reserved metadata never appears in a reply.

// attrNames are the request headers of one dialect's attributes, without
// the prefix, and the reserved metadata each is kept as.
type attrName struct{ header, meta string }

const attrMetaPrefix = "X-Amz-Meta-Gateway-"

// attrHeaders returns the attribute headers for prefix p ("x-oss-"):
// storage class, canned ACL, encryption, KMS key ID and tagging.
func attrHeaders(p string) []attrName {
	acl, key := p+"acl", p+"server-side-encryption-kms-key-id"
	switch p {
	case "x-oss-":
		acl, key = p+"object-acl", p+"server-side-encryption-key-id"
	case "x-cos-":
		key = p + "server-side-encryption-cos-kms-key-id"
	case "x-amz-":
		key = p + "server-side-encryption-aws-kms-key-id"
	}
	return []attrName{
		{p + "storage-class", "Storage-Class"}, {acl, "Acl"}, {p + "server-side-encryption", "Sse"},
		{key, "Sse-Key"}, {p + "tagging", "Tagging"},
	}
}

// attrPrefixes are the header prefixes a dialect's clients send
// attributes with: OBS's SDK uses x-obs- or, AWS-signed, x-amz-.
func attrPrefixes(d Dialect) []string {
	if d == OBS {
		return []string{"x-obs-", "x-amz-"}
	}
	return []string{vendorPrefix(d)}
}

// stashAttributes moves the attribute headers of the client's request r
// out of the upstream headers up, into reserved metadata.
func (g *Gateway) stashAttributes(r http.Header, up http.Header) {
	for _, p := range attrPrefixes(g.opts.Dialect) {
		for _, a := range attrHeaders(p) {
			if v := r.Get(a.header); v != "" {
				up.Del(a.header)
				up.Set(attrMetaPrefix+a.meta, v)
			}
		}
	}
}

// restoreAttributes turns the reserved metadata of MinIO's reply headers
// src into the vendor's headers in dst, the reply to x, and removes it
// from dst in every form copyResponseHeaders may have given it.
func (g *Gateway) restoreAttributes(dst, src http.Header, x *exchange) {
	p := vendorPrefix(g.opts.Dialect)
	if g.opts.Dialect == OBS && x.auth.scheme == "OBS" {
		p = "x-obs-"
	}
	for k := range dst {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-amz-meta-gateway-") || strings.HasPrefix(lk, vendorPrefix(g.opts.Dialect)+"meta-gateway-") {
			delete(dst, k)
		}
	}
	if op := x.ri.op; op != OpHead && op != OpGet {
		return
	}
	for _, a := range attrHeaders(p) {
		v := src.Get(attrMetaPrefix + a.meta)
		switch {
		case v == "" || a.meta == "Acl":
		case a.meta == "Tagging":
			dst.Set(p+"tagging-count", strconv.Itoa(len(strings.Split(v, "&"))))
		default:
			dst.Set(a.header, v)
		}
	}
}
