package obs

import (
	"github.com/resilient-upload/upload/credentials"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// Registration declares the OBS provider for a [provider.Registry]:
// obs://bucket/prefix destinations, the signature (v2, v4, obs),
// path_style, skip_etag_check and cname keys, and the OBS_* credential
// variables.
func Registration() provider.Provider {
	return provider.Provider{
		Name: Provider, Scheme: "obs",
		Keys:        []string{provider.KeySignature, provider.KeyPathStyle, provider.KeySkipETagCheck, provider.KeyCNAME},
		Signatures:  []string{string(SignatureV2), string(SignatureV4), string(SignatureOBS)},
		EndpointEnv: []string{"OBS_ENDPOINT"}, RegionEnv: []string{"OBS_REGION"},
		EndpointFor: func(region string) string { return "obs." + region + ".myhuaweicloud.com" },
		Env:         credentials.EnvFamilies[Provider],
		Open: func(s provider.Settings) (uploader.Backend, error) {
			return provider.Ret(New(Options{Name: s.Name, Endpoint: s.Endpoint, Region: s.Region, Bucket: s.Bucket,
				AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken, Credentials: s.Credentials,
				Signature: Signature(s.Signature), PathStyle: s.PathStyle, SkipETagCheck: s.SkipETagCheck,
				ConnectTimeout: s.ConnectTimeout, ResponseTimeout: s.ResponseTimeout,
				PartSize: s.PartSize, PartConcurrency: s.PartConcurrency, MultipartThreshold: s.MultipartThreshold,
				DisableSkewCorrection: s.DisableSkewCorrection, CustomDomain: s.CustomDomain}))
		},
	}
}
