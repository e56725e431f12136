package gateway

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// authDetails are what a verifier learned, for error bodies.
type authDetails struct {
	scheme    string // "TOS4", "OSS", "OSS4", "COS", "AWS2", "OBS", "AWS4"
	accessKey string
	signature string
	// stringToSign and canonical are the gateway's, for mismatch bodies.
	stringToSign, canonical string
}

// Time layouts of signed dates.
const (
	isoBasic = "20060102T150405Z"
	dayBasic = "20060102"
)

// queryAuthKeys mark query-string (presigned URL) authentication, which the
// gateway does not verify and therefore refuses rather than forwarding
// unchecked.
var queryAuthKeys = []string{
	"X-Tos-Signature", "Signature", "x-oss-signature", "q-signature", "X-Amz-Signature", "AWSAccessKeyId", "AccessKeyId",
}

// verify checks the request's signature and signed time with the dialect's
// algorithm. Unsigned requests pass (the upstream bucket policy decides).
// The order is: malformed header (400/403), unknown key (403
// InvalidAccessKeyId), signed time outside the window (403
// RequestTimeTooSkewed, or for COS an expired q-sign-time: 403 AccessDenied
// "Request has expired"), signature (403 SignatureDoesNotMatch).
func (g *Gateway) verify(x *exchange) *apiError {
	r := x.r
	auth := r.Header.Get("Authorization")
	if auth == "" {
		for _, k := range queryAuthKeys {
			if r.URL.Query().Has(k) {
				return newAPIError(http.StatusForbidden, "AccessDenied",
					"the test gateway does not support query-string (presigned) authentication")
			}
		}
		x.anonymous = true
		return nil
	}
	var e *apiError
	switch g.opts.Dialect {
	case TOS:
		e = g.verifyTOS(x, auth)
	case OSS:
		e = g.verifyOSS(x, auth)
	case COS:
		e = g.verifyCOS(x, auth)
	default:
		e = g.verifyOBS(x, auth)
	}
	if e == nil {
		e = g.checkToken(x)
	}
	return e
}

// secretFor returns the secret of ak, or an InvalidAccessKeyId error.
func (g *Gateway) secretFor(ak string) (string, *apiError) {
	if ak != "" && hmac.Equal([]byte(ak), []byte(g.opts.AccessKey)) {
		return g.opts.SecretKey, nil
	}
	if c, ok := g.temporary(ak); ok {
		return c.SecretKey, nil
	}
	return "", newAPIError(http.StatusForbidden, "InvalidAccessKeyId", "")
}

// checkSkew compares a signed time with the gateway's clock.
func (g *Gateway) checkSkew(x *exchange, signed time.Time, raw string) *apiError {
	d := x.now.Sub(signed)
	if d <= g.opts.SkewWindow && d >= -g.opts.SkewWindow {
		return nil
	}
	e := newAPIError(http.StatusForbidden, "RequestTimeTooSkewed", "")
	if g.opts.Dialect == OBS {
		// OBS words the two directions differently (OBS error docs,
		// RequestTimeTooSkewed).
		if d < 0 {
			e.Message = "Request is not yet valid."
		} else {
			e.Message = "Request is no longer valid."
		}
	}
	if g.opts.Dialect != TOS {
		e.RequestTime = raw
		e.ServerTime = x.now.UTC().Format(time.RFC3339)
		e.MaxSkew = g.opts.SkewWindow
	}
	return e
}

func malformed(msg string) *apiError {
	return newAPIError(http.StatusBadRequest, "AuthorizationHeaderMalformed", msg)
}

func mismatch(d authDetails) *apiError {
	e := newAPIError(http.StatusForbidden, "SignatureDoesNotMatch", "")
	e.AccessKeyID, e.SignatureProvided = d.accessKey, d.signature
	e.StringToSign, e.CanonicalRequest = d.stringToSign, d.canonical
	return e
}

// parseKV splits "A=1, B=2,C=3" (after the scheme) into a map.
func parseKV(s, sep string) map[string]string {
	m := map[string]string{}
	for _, part := range strings.Split(s, sep) {
		part = strings.TrimSpace(part)
		if k, v, ok := strings.Cut(part, "="); ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

// headerValues returns the values of a signed header as the client saw
// them: Host and Content-Length live outside r.Header on a server.
func headerValues(r *http.Request, name string) []string {
	switch strings.ToLower(name) {
	case "host":
		return []string{r.Host}
	case "content-length":
		if v := r.Header.Values("Content-Length"); len(v) > 0 {
			return v
		}
		if r.ContentLength >= 0 && (r.ContentLength > 0 || r.Method == http.MethodPut || r.Method == http.MethodPost) {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
		return nil
	case "transfer-encoding":
		return r.TransferEncoding
	}
	return r.Header.Values(name)
}

func hmacSHA256(key, data []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(data)
	return h.Sum(nil)
}

func hmacSHA1(key, data []byte) []byte {
	h := hmac.New(sha1.New, key)
	h.Write(data)
	return h.Sum(nil)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// uriEncode percent-encodes everything but A-Z a-z 0-9 - _ . ~ (and '/'
// unless encodeSlash), upper-case hex: the encoding of AWS V4 and TOS4.
func uriEncode(s string, encodeSlash bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		case c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte("0123456789ABCDEF"[c>>4])
			b.WriteByte("0123456789ABCDEF"[c&15])
		}
	}
	return b.String()
}

// canonicalQueryV4 renders the query of TOS4 and AWS V4: every parameter
// but the signature, keys sorted, each "k=v" uri-encoded.
func canonicalQueryV4(r *http.Request, skip string) string {
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		if strings.EqualFold(k, skip) {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range q[k] {
			parts = append(parts, uriEncode(k, true)+"="+uriEncode(v, true))
		}
	}
	return strings.Join(parts, "&")
}

// canonicalHeadersV4 renders the signed headers of TOS4 and AWS V4:
// "name:v1,v2\n" per name, values with runs of spaces collapsed.
func canonicalHeadersV4(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		vals := headerValues(r, name)
		norm := make([]string, len(vals))
		for i, v := range vals {
			norm[i] = strings.Join(strings.Fields(v), " ")
		}
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(strings.Join(norm, ","))
		b.WriteByte('\n')
	}
	return b.String()
}
