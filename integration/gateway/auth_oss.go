package gateway

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// ossSubresources are the query parameters OSS V1 puts into the canonical
// resource (the list aliyun-oss-go-sdk signs).
var ossSubresources = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`acl uploads location cors logging website referer lifecycle
		delete append tagging objectMeta uploadId partNumber security-token position img style
		styleName replication replicationProgress replicationLocation cname bucketInfo comp qos live
		status vod startTime endTime symlink x-oss-process response-content-type x-oss-traffic-limit
		response-content-language response-expires response-cache-control response-content-disposition
		response-content-encoding udf udfName udfImage udfId udfImageDesc udfApplication
		udfApplicationLog restore callback callback-var qosInfo policy stat encryption versions
		versioning versionId requestPayment x-oss-request-payer sequential inventory inventoryId
		continuation-token asyncFetch worm wormId wormExtend withHashContext x-oss-enable-md5
		x-oss-enable-sha1 x-oss-enable-sha256 x-oss-hash-ctx x-oss-md5-ctx transferAcceleration
		regionList cloudboxes x-oss-ac-source-ip x-oss-ac-subnet-mask x-oss-ac-vpc-id
		x-oss-ac-forward-allow metaQuery resourceGroup rtc x-oss-async-process responseHeader`) {
		ossSubresources[k] = true
	}
}

// verifyOSS checks OSS V1 ("OSS ak:base64(hmac-sha1)") and V4
// ("OSS4-HMAC-SHA256 Credential=ak/day/region/oss/aliyun_v4_request,
// [AdditionalHeaders=a;b,]Signature=hex").
func (g *Gateway) verifyOSS(x *exchange, auth string) *apiError {
	if rest, ok := strings.CutPrefix(auth, "OSS4-HMAC-SHA256 "); ok {
		return g.verifyOSS4(x, rest)
	}
	if rest, ok := strings.CutPrefix(auth, "OSS "); ok {
		return g.verifyOSS1(x, rest)
	}
	if strings.HasPrefix(auth, "OSS2 ") {
		return newAPIError(http.StatusBadRequest, "InvalidArgument", "the test gateway verifies OSS V1 and V4 signatures only, not OSS2")
	}
	return malformed("unsupported OSS authorization scheme")
}

// verifyOSS1: string to sign (OSS signature troubleshooting guide) = VERB\nContent-MD5\nContent-Type\n
// Date\n + "x-oss-name:value\n" for each x-oss- header (sorted, first value)
// + canonical resource "/bucket/key[?sub]" with the signed subresources
// sorted ("k" or "k=v", raw values).
func (g *Gateway) verifyOSS1(x *exchange, rest string) *apiError {
	ak, sig, ok := strings.Cut(rest, ":")
	if !ok {
		return malformed("malformed OSS Authorization header")
	}
	x.auth = authDetails{scheme: "OSS", accessKey: ak, signature: sig}
	secret, e := g.secretFor(ak)
	if e != nil {
		return e
	}
	r := x.r
	rawDate := r.Header.Get("Date")
	t, err := http.ParseTime(rawDate)
	if err != nil {
		return newAPIError(http.StatusForbidden, "AccessDenied", "OSS authentication requires a valid Date.")
	}
	if e := g.checkSkew(x, t, rawDate); e != nil {
		return e
	}
	sts := r.Method + "\n" + r.Header.Get("Content-MD5") + "\n" + r.Header.Get("Content-Type") + "\n" +
		rawDate + "\n" + ossHeaders(r, nil) + ossResourceV1(x)
	want := base64.StdEncoding.EncodeToString(hmacSHA1([]byte(secret), []byte(sts)))
	x.auth.stringToSign = sts
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return mismatch(x.auth)
	}
	return nil
}

// ossHeaders renders "name:value\n" for every x-oss- header (and every
// additional header), sorted by name, first value; V4 also includes
// Content-MD5 and Content-Type and trims values.
func ossHeaders(r *http.Request, additional map[string]bool) string {
	m := map[string]string{}
	for k, vv := range r.Header {
		lk := strings.ToLower(k)
		switch {
		case strings.HasPrefix(lk, "x-oss-"):
		case additional != nil && (lk == "content-md5" || lk == "content-type" || additional[lk]):
		default:
			continue
		}
		v := vv[0]
		if additional != nil {
			v = strings.Trim(v, " ")
		}
		m[lk] = v
	}
	if additional != nil && additional["host"] {
		m["host"] = r.Host
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + ":" + m[k] + "\n")
	}
	return b.String()
}

func ossResourceV1(x *exchange) string {
	res := "/"
	if x.ri.bucket != "" {
		res = "/" + x.ri.bucket + "/" + x.ri.key
	}
	var keys []string
	for k := range x.ri.query {
		if ossSubresources[k] {
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

// verifyOSS4: canonical request = VERB\n resource ("/bucket/" + key
// query-escaped with %20 for space and '/' kept) \n sorted, escaped query
// \n headers (content-md5, content-type, x-oss-*, additional; trimmed) \n
// additional list \n x-oss-content-sha256 (or UNSIGNED-PAYLOAD). String to
// sign: algorithm \n the signed date (x-oss-date, else Date) \n scope \n hex
// SHA-256 of the canonical request. Key: HMAC-SHA256 chain "aliyun_v4"+
// secret → day → region → product → "aliyun_v4_request".
func (g *Gateway) verifyOSS4(x *exchange, rest string) *apiError {
	kv := parseKV(rest, ",")
	cred := strings.Split(kv["Credential"], "/")
	if len(cred) != 5 || kv["Signature"] == "" {
		return malformed("malformed OSS4-HMAC-SHA256 Authorization header")
	}
	x.auth = authDetails{scheme: "OSS4", accessKey: cred[0], signature: kv["Signature"]}
	secret, e := g.secretFor(cred[0])
	if e != nil {
		return e
	}
	r := x.r
	rawDate := r.Header.Get("X-Oss-Date")
	var t time.Time
	var err error
	if rawDate != "" {
		t, err = time.Parse(isoBasic, rawDate)
	} else {
		rawDate = r.Header.Get("Date")
		t, err = http.ParseTime(rawDate)
	}
	if err != nil {
		return newAPIError(http.StatusForbidden, "AccessDenied", "OSS authentication requires a valid Date or x-oss-date.")
	}
	if e := g.checkSkew(x, t, rawDate); e != nil {
		return e
	}
	additional := map[string]bool{}
	var addList []string
	if a := kv["AdditionalHeaders"]; a != "" {
		for _, h := range strings.Split(a, ";") {
			h = strings.ToLower(strings.TrimSpace(h))
			additional[h] = true
			addList = append(addList, h)
		}
	}
	payload := r.Header.Get("X-Oss-Content-Sha256")
	if payload == "" {
		payload = "UNSIGNED-PAYLOAD"
	}
	canonical := r.Method + "\n" + ossResourceV4(x) + "\n" + ossQueryV4(x.ri.query) + "\n" +
		ossHeaders(r, additional) + "\n" + strings.Join(addList, ";") + "\n" + payload
	scope := strings.Join(cred[1:], "/")
	sts := "OSS4-HMAC-SHA256\n" + rawDate + "\n" + scope + "\n" + sha256Hex(canonical)
	key := hmacSHA256([]byte("aliyun_v4"+secret), []byte(cred[1]))
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

func ossEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

func ossResourceV4(x *exchange) string {
	if x.ri.bucket == "" {
		return "/"
	}
	return "/" + x.ri.bucket + "/" + strings.ReplaceAll(ossEscape(x.ri.key), "%2F", "/")
}

func ossQueryV4(q url.Values) string {
	type kv struct{ k, v string }
	var all []kv
	for k, vv := range q {
		v := ""
		if len(vv) > 0 {
			v = vv[0]
		}
		all = append(all, kv{url.QueryEscape(k), v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].k < all[j].k })
	parts := make([]string, len(all))
	for i, p := range all {
		parts[i] = p.k
		if p.v != "" {
			parts[i] += "=" + ossEscape(p.v)
		}
	}
	return strings.Join(parts, "&")
}
