// Package credentials supplies the keys the cloud backends sign with:
// static keys, the vendors' standard environment variables, the vendor
// CLIs' profile files, and instance roles, tried in the order each vendor's
// own CLI and SDK use, cached until shortly before they expire and
// refreshed by one caller while the others wait.
//
// A [Provider] returns a [Value]: an access key ID, a secret, a security
// token for temporary keys, and when they expire. Each backend's Options
// accepts a Provider (field Credentials); static keys are [Static]. The
// backend wraps it in a [Cache] (unless it is one already), signs with the
// cached value, and after the server refuses an expired temporary key asks
// the cache for new keys once and retries the request once.
//
// [ForProvider] builds the chain of one vendor: explicit keys, then the
// environment, then the CLI's profile file, then the instance role (see
// each vendor's links in [Chain]'s documentation and in the README). A
// link that has nothing to offer returns an error wrapping [ErrNotFound]
// and the chain goes on; any other error stops it, naming the link.
//
// Secrets never leave a Value through its String or GoString methods, and
// no error of this package contains a key, secret, token or the body of a
// metadata reply.
//
// This package uses the standard library only, so that every backend and
// application can import it.
package credentials

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Value is one set of keys.
type Value struct {
	// AccessKeyID and SecretAccessKey are the key pair.
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is the security token of temporary keys ("" for
	// long-term keys). Vendors call it the security token, session token
	// or STS token.
	SessionToken string
	// Expires is when temporary keys stop working; zero means never.
	Expires time.Time
	// Source names the link that supplied the keys, e.g. "env
	// (OSS_ACCESS_KEY_ID)", "profile ~/.aws/credentials [prod]", "instance
	// role app-role (http://100.100.100.200)". It never holds a secret.
	Source string
}

// Temporary reports whether v has a security token or an expiry.
func (v Value) Temporary() bool { return v.SessionToken != "" || !v.Expires.IsZero() }

// Anonymous reports whether v holds no key: requests go unsigned.
func (v Value) Anonymous() bool { return v.AccessKeyID == "" && v.SecretAccessKey == "" }

// String describes v without its secret or token.
func (v Value) String() string {
	s := "credentials from " + v.Source
	if v.Source == "" {
		s = "credentials"
	}
	if v.SessionToken != "" {
		s += " (temporary"
		if !v.Expires.IsZero() {
			s += ", expires " + v.Expires.UTC().Format(time.RFC3339)
		}
		s += ")"
	}
	return s
}

// GoString is String, so that %#v does not print the secret either.
func (v Value) GoString() string { return v.String() }

// Format prints String for every verb, so that no format shows a secret.
func (v Value) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(v.String())) }

// Provider returns credentials. Retrieve may block on the network (an
// instance metadata service) and must respect ctx. Implementations must be
// safe for concurrent use.
type Provider interface {
	Retrieve(ctx context.Context) (Value, error)
}

// ProviderFunc adapts a function to [Provider].
type ProviderFunc func(ctx context.Context) (Value, error)

// Retrieve calls f.
func (f ProviderFunc) Retrieve(ctx context.Context) (Value, error) { return f(ctx) }

// ErrNotFound is wrapped by the error of a link that has no credentials to
// offer (variables unset, no profile file, no instance role); a [Chain]
// then tries the next link.
var ErrNotFound = errors.New("no credentials")

// Error is the failure of one link: its name and why, never a secret.
type Error struct {
	// Link names the link, as in Value.Source.
	Link string
	// Err is the cause.
	Err error
}

func (e *Error) Error() string { return e.Link + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// LinkOf returns the name of the link that failed in err, or "".
func LinkOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Link
	}
	return ""
}

// Static returns a Provider of fixed keys; token may be empty. Its Source
// is "static".
func Static(accessKeyID, secretAccessKey, token string) Provider {
	v := Value{AccessKeyID: accessKeyID, SecretAccessKey: secretAccessKey, SessionToken: token, Source: "static"}
	return ProviderFunc(func(context.Context) (Value, error) { return v, nil })
}

// Named returns p with every Value's Source set to name, and its errors
// naming it.
func Named(name string, p Provider) Provider {
	return ProviderFunc(func(ctx context.Context) (Value, error) {
		v, err := p.Retrieve(ctx)
		if err != nil {
			if LinkOf(err) == "" {
				err = &Error{Link: name, Err: err}
			}
			return Value{}, err
		}
		v.Source = name
		return v, nil
	})
}
