package diag

import (
	"regexp"
	"strings"
)

// Form is the kind of endpoint a host is, for one vendor.
type Form string

// The endpoint forms.
const (
	// FormLocal is an IP literal or localhost: a test gateway or a
	// private store, to which no vendor rule applies.
	FormLocal Form = "local"
	// FormPublic is a region's public endpoint: tos-<region>.volces.com,
	// oss-<region>.aliyuncs.com, obs.<region>.myhuaweicloud.com (also what
	// OBS serves inside a VPC), cos.<region>.myqcloud.com or
	// cos.<region>.tencentcos.cn (also resolved to the intranet from a
	// Tencent Cloud VPC).
	FormPublic Form = "public"
	// FormInternal is a region's internal (intranet, VPC) endpoint:
	// tos-<region>.ivolces.com, oss-<region>-internal.aliyuncs.com,
	// cos-internal.<region>.tencentcos.cn (or .myqcloud.com).
	FormInternal Form = "internal"
	// FormAccelerate is a global acceleration endpoint, which names no
	// region: tos-accelerate.volces.com, oss-accelerate.aliyuncs.com,
	// oss-accelerate-overseas.aliyuncs.com, cos.accelerate.myqcloud.com
	// (or .tencentcos.cn). The region must be set: it is never derived.
	FormAccelerate Form = "accelerate"
	// FormS3 is TOS's S3-compatible endpoint, tos-s3-<region>.volces.com
	// (or .ivolces.com): AWS signatures only.
	FormS3 Form = "s3"
	// FormBucket is a bucket domain, <bucket>.<endpoint>: Endpoint.Bucket
	// names the bucket and Endpoint.Base the endpoint under it.
	FormBucket Form = "bucket"
	// FormOther is any other host: a custom domain bound to a bucket
	// (CNAME), or another store.
	FormOther Form = "other"
)

// Endpoint is what an endpoint's host says, for one vendor.
type Endpoint struct {
	// Host is the host, lower-cased, without scheme or port.
	Host string
	// Form is the kind of endpoint.
	Form Form
	// Region is the region the host names; empty for an acceleration
	// endpoint, a local one and any other host.
	Region string
	// Bucket and Base, for a bucket domain: the bucket it names and the
	// endpoint under it, whose form is BaseForm. For other forms Base is
	// Host and BaseForm is Form.
	Bucket   string
	Base     string
	BaseForm Form
}

var (
	tosAccelHost = regexp.MustCompile(`^tos-accelerate\.volces\.com$`)
	tosS3Form    = regexp.MustCompile(`^tos-s3-([a-z0-9-]+?)\.(i?)volces\.com$`)
	tosForm      = regexp.MustCompile(`^tos-([a-z0-9-]+?)\.(i?)volces\.com$`)
	ossAccelHost = regexp.MustCompile(`^oss-accelerate(-overseas)?\.aliyuncs\.com$`)
	ossForm      = regexp.MustCompile(`^oss-([a-z0-9-]+?)(-internal)?\.aliyuncs\.com$`)
	obsForm      = regexp.MustCompile(`^obs\.([a-z0-9-]+)\.(myhuaweicloud\.com|myhuaweicloud\.eu)$`)
	cosForm      = regexp.MustCompile(`^(cos|cos-internal)\.([a-z0-9-]+)\.(myqcloud\.com|tencentcos\.cn)$`)
)

// ParseEndpoint returns what endpoint (a host, host:port or URL) is for
// provider (tos, oss, obs, cos; s3 reads the S3-compatible endpoints of the
// four vendors, see [S3Compatible]).
func ParseEndpoint(provider, endpoint string) Endpoint {
	h := Host(endpoint)
	if IsLocal(endpoint) {
		return Endpoint{Host: h, Form: FormLocal, Base: h, BaseForm: FormLocal}
	}
	e := parseHost(provider, h)
	if e.Form != FormOther {
		return e
	}
	// <bucket>.<endpoint>: the shortest prefix whose rest is an endpoint.
	for i := 0; i < len(h); i++ {
		if h[i] != '.' {
			continue
		}
		if base := parseHost(provider, h[i+1:]); base.Form != FormOther {
			return Endpoint{Host: h, Form: FormBucket, Region: base.Region, Bucket: h[:i], Base: base.Host, BaseForm: base.Form}
		}
	}
	return e
}

func parseHost(provider, h string) Endpoint {
	e := Endpoint{Host: h, Form: FormOther, Base: h}
	switch provider {
	case "tos":
		switch m := tosS3Form.FindStringSubmatch(h); {
		case tosAccelHost.MatchString(h):
			e.Form = FormAccelerate
		case m != nil:
			e.Form, e.Region = FormS3, m[1]
		default:
			if m := tosForm.FindStringSubmatch(h); m != nil {
				e.Form, e.Region = FormPublic, m[1]
				if m[2] == "i" {
					e.Form = FormInternal
				}
			}
		}
	case "oss":
		if ossAccelHost.MatchString(h) {
			e.Form = FormAccelerate
		} else if m := ossForm.FindStringSubmatch(h); m != nil {
			e.Form, e.Region = FormPublic, m[1]
			if m[2] != "" {
				e.Form = FormInternal
			}
		}
	case "obs":
		if m := obsForm.FindStringSubmatch(h); m != nil {
			e.Form, e.Region = FormPublic, m[1]
		}
	case "cos":
		if m := cosForm.FindStringSubmatch(h); m != nil {
			switch {
			case m[2] == "accelerate" && m[1] == "cos":
				e.Form = FormAccelerate
			case m[2] == "accelerate":
			case m[1] == "cos-internal":
				e.Form, e.Region = FormInternal, m[2]
			default:
				e.Form, e.Region = FormPublic, m[2]
			}
		}
	case "s3":
		if _, r, ok := S3Compatible(h); ok {
			e.Form, e.Region = FormPublic, r
		}
	}
	e.BaseForm = e.Form
	return e
}

// S3Compatible reports whether host is the S3-compatible endpoint of one of
// the four vendors, which vendor and the region it names: TOS
// (tos-s3-<region>.volces.com), OSS (oss-<region>.aliyuncs.com), OBS
// (obs.<region>.myhuaweicloud.com) or COS (cos.<region>.myqcloud.com). Each
// serves buckets at virtual hosts only (COS refuses path-style requests
// to buckets made since 2024-01-01; OSS and TOS's S3 endpoint never took
// them).
func S3Compatible(host string) (vendor, region string, ok bool) {
	h := strings.ToLower(host)
	if m := tosS3Form.FindStringSubmatch(h); m != nil {
		return "tos", m[1], true
	}
	for _, v := range []string{"oss", "obs", "cos"} {
		if e := parseHost(v, h); e.Form == FormPublic || e.Form == FormInternal {
			return v, e.Region, true
		}
	}
	return "", "", false
}

// endpointExamples are the forms each vendor's endpoint may take, for
// messages.
var endpointExamples = map[string]string{
	"tos": "tos-<region>.volces.com, tos-<region>.ivolces.com (internal) or tos-accelerate.volces.com with the region set",
	"oss": "oss-<region>.aliyuncs.com, oss-<region>-internal.aliyuncs.com (internal) or oss-accelerate(-overseas).aliyuncs.com with the region set",
	"obs": "obs.<region>.myhuaweicloud.com (the same name inside a VPC)",
	"cos": "cos.<region>.myqcloud.com, cos.<region>.tencentcos.cn, cos-internal.<region>.tencentcos.cn (internal) or cos.accelerate.myqcloud.com with the region set",
}
