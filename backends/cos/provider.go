package cos

import (
	"github.com/resilient-upload/upload/credentials"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// Registration declares the COS provider for a [provider.Registry]:
// cos://bucket/prefix destinations, the path_style, sign_expiry and cname
// keys, and the COS_* and TENCENTCLOUD_* credential variables.
func Registration() provider.Provider {
	return provider.Provider{
		Name: Provider, Scheme: "cos",
		Keys:        []string{provider.KeyPathStyle, provider.KeySignExpiry, provider.KeyCNAME},
		EndpointEnv: []string{"COS_ENDPOINT"}, RegionEnv: []string{"COS_REGION"},
		EndpointFor: func(region string) string { return "cos." + region + ".myqcloud.com" },
		Env:         credentials.EnvFamilies[Provider],
		Open: func(s provider.Settings) (uploader.Backend, error) {
			return provider.Ret(New(Options{Common: s.Common,
				PathStyle: s.PathStyle, SignExpiry: s.SignExpiry,
				CustomDomain: s.CustomDomain}))
		},
	}
}
