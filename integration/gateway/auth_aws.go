package gateway

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
	"time"
)

// verifyOBS checks the signatures the OBS SDK sends: AWS V2 ("AWS ak:sig"),
// native OBS ("OBS ak:sig", V2 with x-obs- headers) and AWS V4
// ("AWS4-HMAC-SHA256 Credential=...").
//
// The gateway verifies them itself (rather than letting MinIO do it) so that
// its own skewed clock decides, and a client that corrected its clock to the
// gateway's is accepted: MinIO would judge the time against the real clock.
func (g *Gateway) verifyOBS(x *exchange, auth string) *apiError {
	if rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 "); ok {
		return g.verifyAWS4(x, rest)
	}
	if rest, ok := strings.CutPrefix(auth, "AWS "); ok {
		return g.verifyAWS2(x, rest, "x-amz-")
	}
	if rest, ok := strings.CutPrefix(auth, "OBS "); ok {
		return g.verifyAWS2(x, rest, "x-obs-")
	}
	return malformed("unsupported OBS authorization scheme")
}

// v2Subresources are the query parameters of the V2 canonical resource
// (S3's list, as MinIO and the OBS SDK use it).
var v2Subresources = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`acl backtosource cors delete deletebucket lifecycle location
		logging metadata notification partNumber policy requestPayment response-cache-control
		response-content-disposition response-content-encoding response-content-language
		response-content-type response-expires restore storageClass storagePolicy tagging torrent
		uploadId uploads versionId versioning versions website append position quota storageinfo
		replication encryption object-lock retention legal-hold select select-type`) {
		v2Subresources[k] = true
	}
}

// verifyAWS2: string to sign = VERB\nContent-MD5\nContent-Type\nDate\n
// (Date empty when x-amz-date/x-obs-date is sent) + "name:v1,v2\n" for each
// prefixed header, sorted + the escaped path + sorted subresources.
func (g *Gateway) verifyAWS2(x *exchange, rest, prefix string) *apiError {
	ak, sig, ok := strings.Cut(rest, ":")
	if !ok {
		return malformed("malformed V2 Authorization header")
	}
	scheme := "AWS2"
	if prefix == "x-obs-" {
		scheme = "OBS"
	}
	x.auth = authDetails{scheme: scheme, accessKey: ak, signature: sig}
	secret, e := g.secretFor(ak)
	if e != nil {
		return e
	}
	r := x.r
	dateLine := r.Header.Get("Date")
	rawDate := r.Header.Get(prefix + "date")
	if rawDate != "" {
		dateLine = ""
	} else {
		rawDate = r.Header.Get("Date")
	}
	t, err := http.ParseTime(rawDate)
	if err != nil {
		return newAPIError(http.StatusForbidden, "AccessDenied", "AWS authentication requires a valid Date or "+prefix+"date header")
	}
	if e := g.checkSkew(x, t, rawDate); e != nil {
		return e
	}
	m := map[string][]string{}
	for k, vv := range r.Header {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, prefix) {
			for _, v := range vv {
				m[lk] = append(m[lk], strings.TrimSpace(v))
			}
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var hdrs strings.Builder
	for _, k := range keys {
		hdrs.WriteString(k + ":" + strings.Join(m[k], ",") + "\n")
	}
	sts := r.Method + "\n" + r.Header.Get("Content-MD5") + "\n" + r.Header.Get("Content-Type") + "\n" +
		dateLine + "\n" + hdrs.String() + v2Resource(x)
	want := base64.StdEncoding.EncodeToString(hmacSHA1([]byte(secret), []byte(sts)))
	x.auth.stringToSign = sts
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return mismatch(x.auth)
	}
	return nil
}

func v2Resource(x *exchange) string {
	res := x.ri.upstreamPath
	if x.ri.vhost {
		res = "/" + x.ri.bucket + strings.TrimPrefix(x.ri.upstreamPath, "/"+x.ri.bucket)
	}
	var keys []string
	for k := range x.ri.query {
		if v2Subresources[k] {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return res
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k
		if v := x.ri.query.Get(k); v != "" {
			parts[i] += "=" + v
		}
	}
	return res + "?" + strings.Join(parts, "&")
}

// verifyAWS4 checks AWS Signature V4 for service s3. The signed time is
// X-Amz-Date (ISO 8601 basic) or, as the OBS SDK also allows, Date
// (RFC 1123); the string to sign always carries it in ISO 8601 basic.
func (g *Gateway) verifyAWS4(x *exchange, rest string) *apiError {
	kv := parseKV(rest, ",")
	cred := strings.Split(kv["Credential"], "/")
	if len(cred) != 5 || kv["SignedHeaders"] == "" || kv["Signature"] == "" {
		return malformed("malformed AWS4-HMAC-SHA256 Authorization header")
	}
	x.auth = authDetails{scheme: "AWS4", accessKey: cred[0], signature: kv["Signature"]}
	secret, e := g.secretFor(cred[0])
	if e != nil {
		return e
	}
	r := x.r
	rawDate := r.Header.Get("X-Amz-Date")
	var t time.Time
	var err error
	if rawDate != "" {
		t, err = time.Parse(isoBasic, rawDate)
	} else {
		rawDate = r.Header.Get("Date")
		t, err = http.ParseTime(rawDate)
	}
	if err != nil {
		return newAPIError(http.StatusForbidden, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
	}
	if e := g.checkSkew(x, t, rawDate); e != nil {
		return e
	}
	signed := strings.Split(kv["SignedHeaders"], ";")
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		payload = "UNSIGNED-PAYLOAD"
	}
	uris := []string{uriEncode(r.URL.Path, false)}
	if raw := x.ri.upstreamPath; !x.ri.vhost && raw != uris[0] {
		uris = append(uris, raw)
	}
	scope := strings.Join(cred[1:], "/")
	key := hmacSHA256([]byte("AWS4"+secret), []byte(cred[1]))
	key = hmacSHA256(key, []byte(cred[2]))
	key = hmacSHA256(key, []byte(cred[3]))
	key = hmacSHA256(key, []byte(cred[4]))
	for _, uri := range uris {
		canonical := strings.Join([]string{
			r.Method, uri, canonicalQueryV4(r, "X-Amz-Signature"),
			canonicalHeadersV4(r, signed), kv["SignedHeaders"], payload,
		}, "\n")
		sts := "AWS4-HMAC-SHA256\n" + t.UTC().Format(isoBasic) + "\n" + scope + "\n" + sha256Hex(canonical)
		want := hex.EncodeToString(hmacSHA256(key, []byte(sts)))
		if x.auth.stringToSign == "" {
			x.auth.stringToSign, x.auth.canonical = sts, canonical
		}
		if hmac.Equal([]byte(want), []byte(kv["Signature"])) {
			return nil
		}
	}
	return mismatch(x.auth)
}
