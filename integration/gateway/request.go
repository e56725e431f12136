package gateway

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Op is the S3-style operation of a request, as the gateway classifies it
// from its method, path and query; faults and counters are keyed by it.
type Op string

// The operations. OpAny matches every operation in [Gateway.Count].
const (
	OpAny          Op = ""
	OpPut          Op = "put"          // PUT object
	OpCopy         Op = "copy"         // PUT object with a copy source
	OpUploadPart   Op = "upload_part"  // PUT ?partNumber&uploadId
	OpInitiate     Op = "initiate"     // POST ?uploads
	OpComplete     Op = "complete"     // POST ?uploadId
	OpAbort        Op = "abort"        // DELETE ?uploadId
	OpListParts    Op = "list_parts"   // GET ?uploadId
	OpGet          Op = "get"          // GET object
	OpHead         Op = "head"         // HEAD object
	OpDelete       Op = "delete"       // DELETE object
	OpList         Op = "list"         // GET bucket (list objects)
	OpListUploads  Op = "list_uploads" // GET bucket?uploads
	OpDeleteMulti  Op = "delete_multi" // POST bucket?delete
	OpCreateBucket Op = "create_bucket"
	OpHeadBucket   Op = "head_bucket"
	OpDeleteBucket Op = "delete_bucket"
	OpBucket       Op = "bucket"  // any other bucket-level request (?location, ?acl...)
	OpService      Op = "service" // GET / (list buckets)
	OpOther        Op = "other"   // any other object-level request (?acl, ?tagging, append...)
)

// reqInfo is what the gateway learns from a request's method, host, path and
// query.
type reqInfo struct {
	op     Op
	bucket string // "" for service-level requests
	key    string // decoded object key, "" for bucket-level requests
	// upstreamPath is the escaped path to send upstream: path-style
	// "/bucket/key", with the key's escaping as the client sent it.
	upstreamPath string
	// signedPathAlt is the decoded path without the bucket, for COS clients
	// that sign "/key" and then prefix the bucket (path-style RoundTripper).
	signedPathAlt string
	vhost         bool
	query         url.Values
	uploadID      string
	partNumber    int
}

// bucketSubresources are query keys that make a bucket-level GET, PUT or
// DELETE something other than list, create or delete.
var bucketSubresources = map[string]bool{
	"acl": true, "location": true, "policy": true, "versioning": true, "lifecycle": true,
	"cors": true, "website": true, "logging": true, "tagging": true, "encryption": true,
	"notification": true, "replication": true, "object-lock": true, "versions": true,
	"requestPayment": true, "referer": true, "bucketInfo": true, "stat": true, "inventory": true,
	"accelerate": true, "policyStatus": true, "ownershipControls": true, "publicAccessBlock": true,
}

// objectSubresources make an object-level request "other".
var objectSubresources = map[string]bool{
	"acl": true, "tagging": true, "retention": true, "legal-hold": true, "restore": true,
	"append": true, "symlink": true, "objectMeta": true, "select": true, "torrent": true,
	"attributes": true, "rename": true, "fetch": true,
}

func (g *Gateway) parseRequest(r *http.Request) reqInfo {
	ri := reqInfo{query: r.URL.Query()}
	rawPath := r.URL.EscapedPath()
	if i := strings.IndexByte(r.RequestURI, '?'); i >= 0 && strings.HasPrefix(r.RequestURI, "/") {
		rawPath = r.RequestURI[:i]
	} else if strings.HasPrefix(r.RequestURI, "/") {
		rawPath = r.RequestURI
	}
	path := r.URL.Path

	if b, ok := g.vhostBucket(r.Host); ok {
		ri.vhost = true
		ri.bucket = b
		ri.key = strings.TrimPrefix(path, "/")
		ri.upstreamPath = "/" + b + ensureSlash(rawPath)
	} else {
		p := strings.TrimPrefix(path, "/")
		if i := strings.IndexByte(p, '/'); i >= 0 {
			ri.bucket, ri.key = p[:i], p[i+1:]
			ri.signedPathAlt = p[i:]
		} else {
			ri.bucket = p
			ri.signedPathAlt = "/"
		}
		ri.upstreamPath = ensureSlash(rawPath)
	}
	ri.uploadID = ri.query.Get("uploadId")
	ri.partNumber, _ = strconv.Atoi(ri.query.Get("partNumber"))
	ri.op = classify(r, &ri)
	return ri
}

func ensureSlash(p string) string {
	if !strings.HasPrefix(p, "/") {
		return "/" + p
	}
	return p
}

func (g *Gateway) vhostBucket(host string) (string, bool) {
	if g.opts.Domain == "" {
		return "", false
	}
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	suffix := "." + strings.ToLower(g.opts.Domain)
	h = strings.ToLower(h)
	if strings.HasSuffix(h, suffix) && len(h) > len(suffix) {
		return h[:len(h)-len(suffix)], true
	}
	return "", false
}

func classify(r *http.Request, ri *reqInfo) Op {
	q := ri.query
	has := func(k string) bool { _, ok := q[k]; return ok }
	anyOf := func(set map[string]bool) bool {
		for k := range q {
			if set[k] {
				return true
			}
		}
		return false
	}
	copySource := false
	for k := range r.Header {
		if strings.HasSuffix(strings.ToLower(k), "-copy-source") {
			copySource = true
		}
	}
	switch {
	case ri.bucket == "":
		return OpService
	case ri.key == "":
		switch r.Method {
		case http.MethodPut:
			if anyOf(bucketSubresources) {
				return OpBucket
			}
			return OpCreateBucket
		case http.MethodHead:
			return OpHeadBucket
		case http.MethodDelete:
			if anyOf(bucketSubresources) {
				return OpBucket
			}
			return OpDeleteBucket
		case http.MethodGet:
			if has("uploads") {
				return OpListUploads
			}
			if anyOf(bucketSubresources) {
				return OpBucket
			}
			return OpList
		case http.MethodPost:
			if has("delete") {
				return OpDeleteMulti
			}
		}
		return OpBucket
	}
	switch r.Method {
	case http.MethodPut:
		if has("uploadId") && has("partNumber") {
			return OpUploadPart
		}
		if anyOf(objectSubresources) {
			return OpOther
		}
		if copySource {
			return OpCopy
		}
		return OpPut
	case http.MethodPost:
		if has("uploads") {
			return OpInitiate
		}
		if has("uploadId") {
			return OpComplete
		}
	case http.MethodGet:
		if has("uploadId") {
			return OpListParts
		}
		if anyOf(objectSubresources) {
			return OpOther
		}
		return OpGet
	case http.MethodHead:
		return OpHead
	case http.MethodDelete:
		if has("uploadId") {
			return OpAbort
		}
		if anyOf(objectSubresources) {
			return OpOther
		}
		return OpDelete
	}
	return OpOther
}
