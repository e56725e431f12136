package gateway

import (
	"net/http"
	"regexp"
)

// KMS encryption: a bucket whose default encryption is a KMS key answers
// every write with the vendor's server-side-encryption header, and with
// ETags that are not the MD5 of the bytes. [Gateway.SetKMSEncryption]
// makes the gateway answer so: the encryption header on the replies to
// PUT, upload part, initiate, complete, HEAD and GET, and every ETag it
// passes (the Etag header, and the ETag of a complete result) with its 32
// hex digits changed (each digit XOR 8, so an ETag stays 32 hex digits,
// or "<hex>-<n>" for a multipart object, but is never the MD5); an object
// listing's ETags are changed the same way. The part
// ETags a client sends back in a complete request are changed back before
// MinIO sees them.

// sseHeader returns the encryption header and value of a KMS-encrypted
// object in the dialect; OBS's depends on the signature (native OBS
// requests get x-obs-, AWS-signed ones x-amz-).
func (g *Gateway) sseHeader(x *exchange) (string, string) {
	switch g.opts.Dialect {
	case TOS:
		return "X-Tos-Server-Side-Encryption", "kms"
	case OSS:
		return "X-Oss-Server-Side-Encryption", "KMS"
	case COS:
		return "X-Cos-Server-Side-Encryption", "cos/kms"
	}
	if x.auth.scheme == "OBS" {
		return "X-Obs-Server-Side-Encryption", "kms"
	}
	return "X-Amz-Server-Side-Encryption", "aws:kms"
}

// SetKMSEncryption turns KMS-encryption answers on or off (initially
// Options.KMSEncryption) for every later request.
func (g *Gateway) SetKMSEncryption(on bool) { g.kms.Store(on) }

// encryptedOps are the operations whose replies name the encryption.
var encryptedOps = map[Op]bool{OpPut: true, OpUploadPart: true, OpInitiate: true, OpComplete: true, OpHead: true, OpGet: true}

// encryptReply adds the encryption header to a successful reply's headers
// h and disguises its ETag, when KMS answers are on.
func (g *Gateway) encryptReply(h http.Header, x *exchange) {
	if !g.kms.Load() || !encryptedOps[x.ri.op] {
		return
	}
	name, value := g.sseHeader(x)
	h.Set(name, value)
	if e := h.Get("Etag"); e != "" {
		h.Set("Etag", string(maskHex([]byte(e))))
	}
}

var hex32 = regexp.MustCompile(`[0-9a-fA-F]{32}`)

// maskHex changes every run of 32 hex digits in b: each digit XOR 8. It is
// its own inverse and keeps the length.
func maskHex(b []byte) []byte {
	return hex32.ReplaceAllFunc(b, func(m []byte) []byte {
		out := make([]byte, len(m))
		for i, c := range m {
			var v byte
			switch {
			case c >= '0' && c <= '9':
				v = c - '0'
			case c >= 'a' && c <= 'f':
				v = c - 'a' + 10
			default:
				v = c - 'A' + 10
			}
			out[i] = "0123456789abcdef"[v^8]
		}
		return out
	})
}

var etagElement = regexp.MustCompile(`(?s)<ETag>.*?</ETag>`)

// maskETagElements changes the hex digits of every <ETag> element of an
// XML body (a complete request or result) with maskHex.
func maskETagElements(b []byte) []byte {
	return etagElement.ReplaceAllFunc(b, maskHex)
}

// maskCompleteRequest changes back the part ETags of a complete request
// body (XML, TOS's already translated) when KMS answers are on.
func (g *Gateway) maskCompleteRequest(raw []byte) []byte {
	if !g.kms.Load() {
		return raw
	}
	return maskETagElements(raw)
}

// maskCompleteResult disguises the ETags of a complete result or a listing
// page (XML, or TOS's JSON) when KMS answers are on.
func (g *Gateway) maskCompleteResult(body []byte) []byte {
	if !g.kms.Load() {
		return body
	}
	if g.opts.Dialect == TOS {
		return tosETag.ReplaceAllFunc(body, maskHex)
	}
	return maskETagElements(body)
}

// tosETag is an "ETag" member of TOS JSON; its value holds escaped quotes
// (\"hex\").
var tosETag = regexp.MustCompile(`"ETag"\s*:\s*"(?:[^"\\]|\\.)*"`)
