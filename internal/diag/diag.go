// Package diag knows the configuration mistakes behind most signature
// failures on TOS, OSS, OBS and COS (the vendors' signature troubleshooting guides): an
// endpoint of the wrong form, a region that contradicts the endpoint, an
// access key of another vendor, a secret with whitespace or already
// decoded, a drifting clock. Backends use it to refuse a bad configuration
// at construction and to add hints to a SignatureMismatch; `upload doctor`
// prints its findings.
//
// Nothing here ever prints a secret: only its length and the first four
// characters of the access key ID are shown.
package diag

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// Config is a target's configuration as far as diagnosis needs it.
type Config struct {
	Provider    string // tos, oss, obs, cos, s3
	Endpoint    string
	Region      string
	Bucket      string
	AccessKeyID string
	Secret      string
	// CustomDomain says the endpoint is a domain bound to the bucket
	// (CNAME, `cname: true`), not the vendor's endpoint.
	CustomDomain bool
}

// Finding is one diagnosis: what was checked, whether it passed, and if not
// what to change. It is both what the backends check at construction (a
// Fatal finding refuses the configuration) and a row of upload doctor's
// report, whose JSON it is.
type Finding struct {
	// Check names the check: endpoint, region, bucket, access_key, secret,
	// clock (and, in doctor, the checks that need the network).
	Check string `json:"check"`
	// Status says whether the check passed (ok), found something to look at
	// (warn), or found what cannot work (fail).
	Status Status `json:"status"`
	// Message says what was found, Remedy what to do.
	Message string `json:"message"`
	Remedy  string `json:"remedy"`
}

// Status is a Finding's verdict.
type Status string

// The verdicts.
const (
	StatusOK   Status = "ok"
	StatusWarn Status = "warn"
	StatusFail Status = "fail"
)

// OK reports that nothing is wrong.
func (f Finding) OK() bool { return f.Status == StatusOK }

// Fatal reports that the configuration cannot work as it is; backends
// refuse it at construction.
func (f Finding) Fatal() bool { return f.Status == StatusFail }

func (f Finding) String() string {
	if f.OK() {
		return f.Check + ": " + f.Message
	}
	if f.Remedy == "" {
		return f.Check + ": " + f.Message
	}
	return f.Check + ": " + f.Message + " — " + f.Remedy
}

// Host returns the host of an endpoint given with or without a scheme,
// lower-cased and without the port.
func Host(endpoint string) string {
	e := strings.TrimSpace(endpoint)
	if !strings.Contains(e, "://") {
		e = "https://" + e
	}
	u, err := url.Parse(e)
	if err != nil {
		return strings.ToLower(endpoint)
	}
	return strings.ToLower(u.Hostname())
}

// IsLocal reports whether the endpoint's host is an IP literal or localhost:
// a test gateway or a private S3, to which vendor domain rules do not apply.
func IsLocal(endpoint string) bool {
	h := Host(endpoint)
	return h == "localhost" || net.ParseIP(h) != nil || strings.HasSuffix(h, ".localhost")
}

// cosBucketName is COS's bucket name: the name, "-", the APPID.
var cosBucketName = regexp.MustCompile(`^[a-z0-9-]+-[0-9]{5,}$`)

// EndpointRegion returns the region an endpoint names, if it is one of the
// vendor's endpoint forms that name one (public, internal, S3-compatible,
// or a bucket domain under one of them; see [ParseEndpoint]). An
// acceleration endpoint names none: the region is never derived from it.
func EndpointRegion(provider, endpoint string) (string, bool) {
	if r := ParseEndpoint(provider, endpoint).Region; r != "" {
		return r, true
	}
	return "", false
}

// CheckEndpoint checks the endpoint's form, and the region against it.
func CheckEndpoint(c Config) []Finding {
	var fs []Finding
	add := func(f Finding) { fs = append(fs, f) }
	if strings.TrimSpace(c.Endpoint) == "" {
		if c.Provider == "cos" && c.Region != "" {
			return nil // the COS backend builds the endpoint from bucket and region
		}
		add(Finding{Check: "endpoint", Status: StatusFail, Message: "no endpoint is set",
			Remedy: "set the endpoint, e.g. " + exampleEndpoint(c.Provider)})
		return fs
	}
	if c.Endpoint != strings.TrimSpace(c.Endpoint) {
		add(Finding{Check: "endpoint", Status: StatusFail, Message: "the endpoint has leading or trailing whitespace",
			Remedy: "remove the whitespace"})
	}
	if IsLocal(c.Endpoint) {
		add(Finding{Check: "endpoint", Status: StatusOK, Message: "local endpoint " + Host(c.Endpoint) + "; vendor endpoint rules not applied"})
		return fs
	}
	e := ParseEndpoint(c.Provider, c.Endpoint)
	h := e.Host
	if c.CustomDomain {
		if e.Form == FormOther {
			add(Finding{Check: "endpoint", Status: StatusOK, Message: h + " is a custom domain bound to the bucket (cname)"})
		} else {
			add(Finding{Check: "endpoint", Status: StatusFail,
				Message: fmt.Sprintf("cname is set but %s is %s's %s endpoint, not a domain bound to the bucket", h, strings.ToUpper(c.Provider), e.Form),
				Remedy:  "unset cname, or set the endpoint to the custom domain bound to the bucket"})
		}
		return fs
	}
	if e.Form == FormAccelerate && c.Region == "" {
		add(Finding{Check: "region", Status: StatusFail,
			Message: h + " is the global acceleration endpoint, which names no region",
			Remedy:  "set the region of the bucket (e.g. " + exampleRegion(c.Provider) + "); it is never derived from an acceleration endpoint"})
	}
	other := func(what string) {
		add(Finding{Check: "endpoint", Status: StatusWarn, Message: h + " is not " + what + " endpoint: " + endpointExamples[c.Provider],
			Remedy: "check the endpoint in the console (e.g. " + exampleEndpoint(c.Provider) + "); for a custom domain bound to the bucket, set cname: true"})
	}
	switch c.Provider {
	case "tos":
		switch {
		case e.Form == FormBucket:
			add(Finding{Check: "endpoint", Status: StatusFail,
				Message: h + " is a bucket domain, not an endpoint: the SDK adds the bucket itself and signs for the wrong host",
				Remedy:  "set the endpoint to " + strings.Replace(e.Base, "tos-s3-", "tos-", 1) + " and the bucket separately"})
		case e.Form == FormS3:
			add(Finding{Check: "endpoint", Status: StatusFail,
				Message: fmt.Sprintf("%s is TOS's S3-compatible endpoint; the TOS SDK signs with TOS4-HMAC-SHA256 and this endpoint expects AWS signatures", h),
				Remedy:  "use " + strings.Replace(h, "tos-s3-", "tos-", 1) + ", or configure this target with provider s3"})
		case e.Form == FormOther:
			other("a TOS")
		}
	case "oss":
		switch e.Form {
		case FormBucket:
			add(Finding{Check: "endpoint", Status: StatusFail,
				Message: h + " is a bucket domain, not an endpoint: the SDK adds the bucket itself and signs for the wrong host",
				Remedy:  "set the endpoint to " + e.Base + " and the bucket separately"})
		case FormOther:
			other("an OSS")
		}
	case "obs":
		switch e.Form {
		case FormBucket:
			add(Finding{Check: "endpoint", Status: StatusFail,
				Message: h + " is a bucket domain (bucketname.obs.<region>.myhuaweicloud.com), not an endpoint: OBS answers SignatureDoesNotMatch",
				Remedy:  "set the endpoint to " + e.Base + " and the bucket separately"})
		case FormOther:
			other("an OBS")
		}
	case "cos":
		switch {
		case e.Form == FormOther:
			other("a COS")
		case e.Form == FormBucket && c.Bucket != "" && e.Bucket != c.Bucket:
			add(Finding{Check: "endpoint", Status: StatusFail,
				Message: fmt.Sprintf("the endpoint names bucket %q but the bucket is %q", e.Bucket, c.Bucket),
				Remedy:  "set the endpoint to " + e.Base})
		}
	}
	if r, ok := EndpointRegion(c.Provider, c.Endpoint); ok && c.Region != "" && r != c.Region {
		add(Finding{Check: "region", Status: StatusFail,
			Message: fmt.Sprintf("region %q contradicts the endpoint %s, which is in %q; the signature's scope will not match", c.Region, h, r),
			Remedy:  fmt.Sprintf("set region to %q, or use the endpoint of %q", r, c.Region)})
	}
	if len(fs) == 0 {
		add(Finding{Check: "endpoint", Status: StatusOK, Message: h + " has the vendor's endpoint form"})
	}
	return fs
}

func exampleRegion(provider string) string {
	switch provider {
	case "tos":
		return "cn-beijing"
	case "oss":
		return "cn-hangzhou"
	case "obs":
		return "cn-north-4"
	case "cos":
		return "ap-guangzhou"
	}
	return "us-east-1"
}

func exampleEndpoint(provider string) string {
	switch provider {
	case "tos":
		return "tos-cn-beijing.volces.com"
	case "oss":
		return "oss-cn-hangzhou.aliyuncs.com"
	case "obs":
		return "obs.cn-north-4.myhuaweicloud.com"
	case "cos":
		return "cos.ap-guangzhou.myqcloud.com"
	}
	return "https://s3.example.com"
}

// CheckBucket checks the bucket name's vendor-specific form.
func CheckBucket(c Config) []Finding {
	if c.Bucket == "" {
		return []Finding{{Check: "bucket", Status: StatusFail, Message: "no bucket is set", Remedy: "set the bucket"}}
	}
	if c.Provider == "cos" && !cosBucketName.MatchString(c.Bucket) {
		return []Finding{{Check: "bucket", Status: StatusFail,
			Message: fmt.Sprintf("COS bucket %q has no -APPID suffix", c.Bucket),
			Remedy:  "use the full bucket name shown in the COS console, e.g. " + c.Bucket + "-1250000000"}}
	}
	return []Finding{{Check: "bucket", Status: StatusOK, Message: fmt.Sprintf("bucket %q", c.Bucket)}}
}

// keyRules are the access key ID forms of each vendor.
var keyRules = map[string]struct {
	prefix   string
	min, max int
	name     string
}{
	"tos": {"AKLT", 40, 64, "Volcengine access keys"},
	"oss": {"LTAI", 16, 32, "Aliyun AccessKey IDs"},
	"cos": {"AKID", 32, 40, "Tencent Cloud SecretIds"},
}

// temporaryKeyPrefixes are the access key ID prefixes of temporary keys
// (STS, instance roles) where they differ from long-term keys: Aliyun
// "STS.", Volcengine "AKTP".
var temporaryKeyPrefixes = map[string]string{"oss": "STS.", "tos": "AKTP"}

// Redact returns the access key ID with all but its first four characters
// hidden, and its length.
func Redact(id string) string {
	if len(id) <= 4 {
		return fmt.Sprintf("%q (%d characters)", strings.Repeat("*", len(id)), len(id))
	}
	return fmt.Sprintf("%s%s (%d characters)", id[:4], strings.Repeat("*", 4), len(id))
}

// CheckKeys checks the access key ID's vendor prefix and length, and the
// secret for whitespace and for signs that it was decoded or truncated.
func CheckKeys(c Config) []Finding {
	var fs []Finding
	id, secret := c.AccessKeyID, c.Secret
	if id == "" && secret == "" {
		return []Finding{{Check: "access_key", Status: StatusOK, Message: "no credentials: requests are anonymous"}}
	}
	if id == "" || secret == "" {
		missing := "access key ID"
		if secret == "" {
			missing = "secret"
		}
		return []Finding{{Check: "access_key", Status: StatusFail, Message: "the " + missing + " is empty",
			Remedy: "set both the access key ID and the secret (check that the ${ENV} variables are exported)"}}
	}
	if strings.TrimSpace(id) != id || strings.ContainsAny(id, " \t\r\n") {
		fs = append(fs, Finding{Check: "access_key", Status: StatusFail, Message: "the access key ID " + Redact(strings.TrimSpace(id)) + " holds whitespace",
			Remedy: "remove the spaces or newline (often from copying, or from `echo` into a file)"})
	}
	if rule, ok := keyRules[c.Provider]; ok {
		tid := strings.TrimSpace(id)
		switch {
		case strings.HasPrefix(tid, temporaryKeyPrefixes[c.Provider]) && temporaryKeyPrefixes[c.Provider] != "":
			// Temporary keys from the vendor's STS or an instance role.
		case !strings.HasPrefix(tid, rule.prefix):
			other := ""
			for p, r := range keyRules {
				if p != c.Provider && strings.HasPrefix(tid, r.prefix) {
					other = fmt.Sprintf(" It looks like an access key of %s (%s…).", strings.ToUpper(p), r.prefix)
				}
			}
			fs = append(fs, Finding{Check: "access_key", Status: StatusWarn,
				Message: fmt.Sprintf("the access key ID %s does not start with %s, as %s do.%s", Redact(tid), rule.prefix, rule.name, other),
				Remedy:  "use this provider's access key"})
		case len(tid) < rule.min || len(tid) > rule.max:
			fs = append(fs, Finding{Check: "access_key", Status: StatusWarn,
				Message: fmt.Sprintf("the access key ID %s has an unusual length for %s (%d to %d)", Redact(tid), rule.name, rule.min, rule.max),
				Remedy:  "check that it was copied whole"})
		}
	}
	if strings.TrimSpace(secret) != secret || strings.ContainsAny(secret, " \t\r\n") {
		fs = append(fs, Finding{Check: "secret", Status: StatusFail, Message: fmt.Sprintf("the secret (%d characters) holds whitespace", len(secret)),
			Remedy: "remove the spaces or trailing newline"})
	}
	printable := true
	for _, r := range secret {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) && !unicode.IsSpace(r) {
			printable = false
			break
		}
	}
	if !printable {
		fs = append(fs, Finding{Check: "secret", Status: StatusFail,
			Message: "the secret holds non-printable or non-ASCII bytes: it looks already base64-decoded",
			Remedy:  "use the secret exactly as the console shows it; the SDK signs with the text, not its decoding"})
	} else if _, defined := keyRules[c.Provider]; defined && len(strings.TrimSpace(secret)) < 16 {
		// Only a vendor that defines its keys' format gets a length check:
		// S3-compatible servers (MinIO) accept short secrets.
		fs = append(fs, Finding{Check: "secret", Status: StatusWarn, Message: fmt.Sprintf("the secret is only %d characters long", len(strings.TrimSpace(secret))),
			Remedy: "check that it was copied whole"})
	}
	if len(fs) == 0 {
		fs = append(fs, Finding{Check: "access_key", Status: StatusOK, Message: "access key " + Redact(id) + " and secret have the vendor's form"})
	}
	return fs
}

// Validate returns an error naming every fatal finding of the endpoint,
// bucket and key checks, or nil: what a backend refuses at construction.
func Validate(c Config) error {
	var msgs []string
	for _, group := range [][]Finding{CheckEndpoint(c), CheckBucket(c), CheckKeys(c)} {
		for _, f := range group {
			if f.Fatal() {
				msgs = append(msgs, f.String())
			}
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(msgs, "; "))
}

// Tolerance is how far a request's signed time may be from the server's on
// every provider here before it is refused.
const Tolerance = 15 * time.Minute

// CheckClock judges a measured clock offset (server minus local).
func CheckClock(offset time.Duration, known bool) Finding {
	if !known {
		return Finding{Check: "clock", Status: StatusWarn, Message: "the server's clock could not be read (no Date header)", Remedy: "check NTP on this machine"}
	}
	a := offset
	if a < 0 {
		a = -a
	}
	dir := "behind"
	if offset < 0 {
		dir = "ahead of"
	}
	desc := fmt.Sprintf("this machine's clock is %s %s the server's", a.Round(time.Second), dir)
	switch {
	case a >= Tolerance:
		return Finding{Check: "clock", Status: StatusWarn, Message: desc + fmt.Sprintf(", beyond the vendor's ±%s window: every signed request is refused (RequestTimeTooSkewed)", Tolerance),
			Remedy: "sync the clock (chronyc makestep, or ntpdate/sntp); upload corrects for it meanwhile unless skew correction is off"}
	case a >= 5*time.Minute:
		return Finding{Check: "clock", Status: StatusWarn, Message: desc + fmt.Sprintf(", close to the vendor's ±%s window", Tolerance),
			Remedy: "sync the clock (chronyc makestep, or ntpdate/sntp)"}
	}
	return Finding{Check: "clock", Status: StatusOK, Message: desc}
}

// SignatureHints returns the likely causes of a SignatureDoesNotMatch on a
// target configured as c, most likely first, given the measured clock
// offset. It never includes the secret.
func SignatureHints(c Config, offset time.Duration, offsetKnown bool) []string {
	var hs []string
	for _, group := range [][]Finding{CheckEndpoint(c), CheckKeys(c)} {
		for _, f := range group {
			if !f.OK() {
				hs = append(hs, f.String())
			}
		}
	}
	if f := CheckClock(offset, offsetKnown); !f.OK() && offsetKnown {
		hs = append(hs, f.String())
	}
	hs = append(hs, fmt.Sprintf("check that the secret belongs to access key %s (a rotated key keeps working only until the old secret is disabled)", Redact(c.AccessKeyID)))
	switch c.Provider {
	case "oss", "obs":
		hs = append(hs, "compare the server's StringToSign below with what the client signed: a difference in Content-Type, Content-MD5, Date or the resource names the culprit")
	case "tos":
		hs = append(hs, "check that the region ("+orNone(c.Region)+") matches the endpoint: TOS4-HMAC-SHA256 signs with the region in its scope")
	case "cos":
		hs = append(hs, "check that the SecretKey is the one paired with this SecretId in the CAM console")
	}
	hs = append(hs, "a proxy that rewrites headers or the path also breaks signatures; try without it")
	return hs
}

func orNone(s string) string {
	if s == "" {
		return "none set"
	}
	return s
}

// ClockSkewHints returns the hints for a clock-skew refusal.
func ClockSkewHints(offset time.Duration, known bool, correctionOn bool) []string {
	f := CheckClock(offset, known)
	hs := []string{f.String()}
	if correctionOn {
		hs = append(hs, "skew correction is on, yet the corrected request was refused too: the offset may be changing fast (a VM resumed from suspend?)")
	} else {
		hs = append(hs, "skew correction is off for this target; turn it on (skew: correct: true) to sign with the server's time")
	}
	return hs
}

// CredentialHints returns the hints for an unknown or disabled access key.
func CredentialHints(c Config) []string {
	hs := []string{fmt.Sprintf("the access key %s is unknown to %s, or disabled: check it in the console, and that it belongs to this account and region", Redact(c.AccessKeyID), strings.ToUpper(c.Provider))}
	for _, f := range CheckKeys(c) {
		if !f.OK() {
			hs = append(hs, f.String())
		}
	}
	return hs
}
