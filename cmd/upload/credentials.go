package main

import (
	"context"
	"fmt"
	"time"

	"github.com/resilient-upload/upload/credentials"
	"github.com/resilient-upload/upload/internal/diag"
	"github.com/resilient-upload/upload/uploader"
)

// doctorCredentials fetches the keys of a target whose credentials come
// from a provider, for the key checks: the keys (never printed) and the
// link that supplied them, or a failing finding naming the link.
func doctorCredentials(ctx context.Context, t *targetConfig, timeout time.Duration) (credentials.Value, *finding) {
	if t.CredProvider == nil {
		return credentials.Value{}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := t.CredProvider.Retrieve(ctx)
	if err != nil {
		link := credentials.LinkOf(err)
		if link == "" {
			link = t.CredSource
		}
		return v, &finding{Finding: diag.Finding{Check: "keys", Status: "fail", Message: "no credentials: " + oneLine(err), Remedy: fmt.Sprintf("fix %s (the link of the %s chain that failed)", link, t.Provider)}}
	}
	return v, nil
}

// refreshedPast reports whether attempt i is an expired-credentials
// refusal that the same target's next attempt, signed with refreshed
// credentials, got past: not trouble for the summary.
func refreshedPast(as []uploader.Attempt, i int) bool {
	a := as[i]
	return a.Kind == uploader.InvalidCredentials && i+1 < len(as) && as[i+1].Target == a.Target &&
		as[i+1].CredentialsRefreshed && as[i+1].Err == nil
}
