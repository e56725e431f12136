package credentials

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// EnvFamily is one set of environment variables that hold keys: the
// access key ID, the secret, and the security token ("" if the family has
// none).
type EnvFamily struct {
	AccessKeyID, Secret, Token string
}

// EnvFamilies lists, per provider ("tos", "oss", "obs", "cos", "s3"), the
// environment variables its SDK and CLI read, in their order of
// preference.
var EnvFamilies = map[string][]EnvFamily{
	"tos": {{"TOS_ACCESS_KEY", "TOS_SECRET_KEY", "TOS_SECURITY_TOKEN"}, {"VOLC_ACCESSKEY", "VOLC_SECRETKEY", "VOLC_SESSIONTOKEN"}},
	"oss": {{"OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_SESSION_TOKEN"},
		{"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN"}},
	"obs": {{"OBS_ACCESS_KEY_ID", "OBS_SECRET_ACCESS_KEY", "OBS_SECURITY_TOKEN"}},
	"cos": {{"COS_SECRETID", "COS_SECRETKEY", "COS_SESSIONTOKEN"},
		{"TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SECURITY_TOKEN"}},
	"s3": {{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}},
}

// Env returns a Provider that reads the first family whose access key ID
// or secret is set. A family with only one of the two set is an error
// naming the missing variable; no family set is [ErrNotFound]. getenv nil
// means os.LookupEnv. The variables are read on every Retrieve, so a
// rotated token is picked up when the keys are refreshed.
func Env(getenv func(string) (string, bool), families ...EnvFamily) Provider {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	return ProviderFunc(func(context.Context) (Value, error) {
		for _, f := range families {
			id, idSet := getenv(f.AccessKeyID)
			secret, secretSet := getenv(f.Secret)
			id, secret = strings.TrimSpace(id), strings.TrimSpace(secret)
			idSet, secretSet = idSet && id != "", secretSet && secret != ""
			link := "env (" + f.AccessKeyID + ")"
			if !idSet && !secretSet {
				continue
			}
			if !idSet || !secretSet {
				set, missing := f.AccessKeyID, f.Secret
				if !idSet {
					set, missing = f.Secret, f.AccessKeyID
				}
				return Value{}, &Error{Link: link, Err: fmt.Errorf("%s is set but %s is not", set, missing)}
			}
			v := Value{AccessKeyID: id, SecretAccessKey: secret, Source: link}
			if f.Token != "" {
				if tok, ok := getenv(f.Token); ok {
					v.SessionToken = strings.TrimSpace(tok)
				}
			}
			return v, nil
		}
		var names []string
		for _, f := range families {
			names = append(names, f.AccessKeyID)
		}
		return Value{}, &Error{Link: "env", Err: fmt.Errorf("%w: none of %s is set", ErrNotFound, strings.Join(names, ", "))}
	})
}
