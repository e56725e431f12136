package gateway

import (
	"crypto/hmac"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// verifyCOS checks "q-sign-algorithm=sha1&q-ak=AK&q-sign-time=S;E&
// q-key-time=S;E&q-header-list=a;b&q-url-param-list=x;y&q-signature=hex".
//
// Format string (what cos-go-sdk-v5 signs): lower-case method \n decoded
// path \n the listed parameters \n the listed headers \n, each list
// "k=v&..." with keys lower-cased and both sides percent-encoded, sorted.
// String to sign: "sha1\n" + key time + "\n" + hex SHA-1 of the format
// string + "\n"; key: hex HMAC-SHA1(secret, key time); signature: hex
// HMAC-SHA1(key, string to sign).
//
// Time: a q-sign-time that has ended gets 403 AccessDenied "Request has
// expired"; one whose start is more than the skew window away from the
// gateway's clock gets 403 RequestTimeTooSkewed. COS documents both answers
// for a wrong local clock (COS "403 Error for COS Access": "COS will return
// RequestTimeTooSkewed or Request has expired").
//
// The path is checked as received and, failing that, without its first
// segment: a client that signs "/key" and then prefixes the bucket
// (path-style RoundTripper below the signer) is accepted too.
func (g *Gateway) verifyCOS(x *exchange, auth string) *apiError {
	kv := parseKV(auth, "&")
	ak, sig := kv["q-ak"], kv["q-signature"]
	if kv["q-sign-algorithm"] != "sha1" || ak == "" || sig == "" || kv["q-sign-time"] == "" {
		return malformed("malformed COS Authorization header")
	}
	x.auth = authDetails{scheme: "COS", accessKey: ak, signature: sig}
	secret, e := g.secretFor(ak)
	if e != nil {
		return e
	}
	start, end, ok := parseCOSTime(kv["q-sign-time"])
	if !ok {
		return malformed("malformed q-sign-time")
	}
	if x.now.After(end) {
		e := newAPIError(http.StatusForbidden, "AccessDenied", "Request has expired")
		e.RequestTime, e.ServerTime = kv["q-sign-time"], strconv.FormatInt(x.now.Unix(), 10)
		return e
	}
	if e := g.checkSkew(x, start, kv["q-sign-time"]); e != nil {
		e.ServerTime = strconv.FormatInt(x.now.Unix(), 10)
		e.MaxSkew = 0
		return e
	}
	keyTime := kv["q-key-time"]
	if keyTime == "" {
		keyTime = kv["q-sign-time"]
	}
	params := cosFormat(listSet(kv["q-url-param-list"]), func(add func(k, v string)) {
		for k, vv := range x.r.URL.Query() {
			for _, v := range vv {
				add(k, v)
			}
		}
	})
	headers := cosFormat(listSet(kv["q-header-list"]), func(add func(k, v string)) {
		for k := range x.r.Header {
			for _, v := range headerValues(x.r, k) {
				add(k, v)
			}
		}
		add("host", x.r.Host)
		if x.r.Header.Get("Content-Length") == "" {
			for _, v := range headerValues(x.r, "content-length") {
				add("content-length", v)
			}
		}
	})
	signKey := hex.EncodeToString(hmacSHA1([]byte(secret), []byte(keyTime)))
	paths := []string{x.r.URL.Path}
	if x.ri.signedPathAlt != "" && !x.ri.vhost {
		paths = append(paths, x.ri.signedPathAlt)
	}
	for _, p := range paths {
		format := fmt.Sprintf("%s\n%s\n%s\n%s\n", strings.ToLower(x.r.Method), p, params, headers)
		sts := "sha1\n" + keyTime + "\n" + sha1Hex(format) + "\n"
		want := hex.EncodeToString(hmacSHA1([]byte(signKey), []byte(sts)))
		if x.auth.stringToSign == "" {
			x.auth.stringToSign, x.auth.canonical = sts, format
		}
		if hmac.Equal([]byte(want), []byte(sig)) {
			return nil
		}
	}
	return mismatch(x.auth)
}

func parseCOSTime(s string) (start, end time.Time, ok bool) {
	a, b, found := strings.Cut(s, ";")
	if !found {
		return start, end, false
	}
	sa, err1 := strconv.ParseInt(a, 10, 64)
	sb, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil {
		return start, end, false
	}
	return time.Unix(sa, 0), time.Unix(sb, 0), true
}

func listSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, k := range strings.Split(s, ";") {
		if k != "" {
			m[k] = true
		}
	}
	return m
}

// cosFormat renders the listed pairs that each() produces: key
// lower(encode(k)), "k=encode(v)", sorted by key, values sorted.
func cosFormat(list map[string]bool, each func(add func(k, v string))) string {
	m := map[string][]string{}
	each(func(k, v string) {
		lk := strings.ToLower(cosEncode(k))
		if list[lk] {
			m[lk] = append(m[lk], v)
		}
	})
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		vals := m[k]
		sort.Strings(vals)
		for _, v := range vals {
			pairs = append(pairs, k+"="+cosEncode(v))
		}
	}
	return strings.Join(pairs, "&")
}

// cosEncode percent-encodes all but A-Z a-z 0-9 - _ . ~ (upper-case hex).
func cosEncode(s string) string { return uriEncode(s, true) }
