package s3

import (
	"github.com/resilient-upload/upload/credentials"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// Registration declares the S3 provider for a [provider.Registry]:
// s3://bucket/prefix destinations, the path_style, skip_etag_check and
// virtual_host keys, the AWS_* credential variables, and minio-go's
// instance role (web identity, the container endpoints, IMDSv2).
func Registration() provider.Provider {
	return provider.Provider{
		Name: "s3", Scheme: "s3",
		Keys:        []string{provider.KeyPathStyle, provider.KeySkipETagCheck, provider.KeyVirtualHost},
		EndpointEnv: []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}, RegionEnv: []string{"AWS_REGION", "AWS_DEFAULT_REGION"},
		EndpointFor:  func(region string) string { return "https://s3." + region + ".amazonaws.com" },
		Env:          credentials.EnvFamilies["s3"],
		InstanceRole: func(endpoint string) credentials.Provider { return InstanceRole(endpoint, nil) },
		Open: func(s provider.Settings) (uploader.Backend, error) {
			return provider.Ret(New(Options{Common: s.Common,
				PathStyle: s.PathStyle, SkipETagCheck: s.SkipETagCheck,
				VirtualHost: s.VirtualHost}))
		},
	}
}
