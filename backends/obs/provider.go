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
			return provider.Ret(New(Options{Common: s.Common,
				Signature: Signature(s.Signature), PathStyle: s.PathStyle, SkipETagCheck: s.SkipETagCheck,
				CustomDomain: s.CustomDomain}))
		},
	}
}
