package gateway

import (
	"crypto/hmac"
	"encoding/hex"
	"strings"
	"time"
)

const tosEmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// verifyTOS checks "TOS4-HMAC-SHA256 Credential=AK/DAY/REGION/tos/request,
// SignedHeaders=a;b,Signature=hex" against X-Tos-Date.
//
// Canonical request (what ve-tos-golang-sdk signs): method, the decoded path
// uri-encoded with '/' kept, the query (all but X-Tos-Signature, sorted,
// uri-encoded), "name:value\n" for each signed header (spaces collapsed,
// values joined by ','), an empty line, the signed header list, and
// X-Tos-Content-Sha256 or the SHA-256 of an empty body. String to sign:
// algorithm, X-Tos-Date, the credential scope, hex SHA-256 of the canonical
// request; key: HMAC-SHA256 chain secret → day → region → service →
// "request".
func (g *Gateway) verifyTOS(x *exchange, auth string) *apiError {
	rest, ok := strings.CutPrefix(auth, "TOS4-HMAC-SHA256 ")
	if !ok {
		return malformed("unsupported TOS authorization scheme")
	}
	kv := parseKV(rest, ",")
	cred := strings.Split(kv["Credential"], "/")
	if len(cred) != 5 || kv["SignedHeaders"] == "" || kv["Signature"] == "" {
		return malformed("malformed TOS4 Authorization header")
	}
	x.auth = authDetails{scheme: "TOS4", accessKey: cred[0], signature: kv["Signature"]}
	secret, e := g.secretFor(cred[0])
	if e != nil {
		return e
	}
	rawDate := x.r.Header.Get("X-Tos-Date")
	t, err := time.Parse(isoBasic, rawDate)
	if err != nil {
		return newAPIError(403, "AccessDenied", "X-Tos-Date is missing or not in ISO 8601 basic format")
	}
	if e := g.checkSkew(x, t, rawDate); e != nil {
		return e
	}
	signed := strings.Split(kv["SignedHeaders"], ";")
	payload := x.r.Header.Get("X-Tos-Content-Sha256")
	if payload == "" {
		payload = tosEmptySHA256
	}
	canonical := strings.Join([]string{
		x.r.Method,
		tosPath(x.r.URL.Path),
		canonicalQueryV4(x.r, "X-Tos-Signature"),
		canonicalHeadersV4(x.r, signed),
		kv["SignedHeaders"],
		payload,
	}, "\n")
	scope := strings.Join(cred[1:], "/")
	sts := "TOS4-HMAC-SHA256\n" + rawDate + "\n" + scope + "\n" + sha256Hex(canonical)
	key := hmacSHA256([]byte(secret), []byte(cred[1]))
	key = hmacSHA256(key, []byte(cred[2]))
	key = hmacSHA256(key, []byte(cred[3]))
	key = hmacSHA256(key, []byte(cred[4]))
	want := hex.EncodeToString(hmacSHA256(key, []byte(sts)))
	x.auth.stringToSign, x.auth.canonical = sts, canonical
	if !hmac.Equal([]byte(want), []byte(kv["Signature"])) {
		return mismatch(x.auth)
	}
	return nil
}

func tosPath(p string) string {
	if p == "" {
		return "/"
	}
	return uriEncode(p, false)
}
