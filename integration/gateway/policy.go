package gateway

import (
	"net/http"
	"sync"
)

// Policy is what the gateway's key may do, as a vendor's bucket or
// RAM/CAM/IAM policy grants it. The zero Policy allows everything.
type Policy struct {
	// Deny lists the operations refused with the vendor's 403
	// AccessDenied (its code, message and request-ID header; a HEAD reply
	// has no body, and OSS's carries the error in x-oss-err). The request
	// is authenticated first: a bad signature is still
	// SignatureDoesNotMatch.
	Deny []Op
}

// WriteOnly is the least-privilege policy of a key that may upload but
// not read: PUT, multipart upload (initiate, parts, complete, list parts,
// abort) and DELETE pass; HEAD and GET of an object are refused with 403
// AccessDenied. COS's sample upload-only policy grants exactly the writes.
func WriteOnly() Policy { return Policy{Deny: []Op{OpHead, OpGet}} }

// policyState is the gateway's current policy.
type policyState struct {
	mu   sync.Mutex
	deny map[Op]bool
}

func (p *policyState) set(pol Policy) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deny = map[Op]bool{}
	for _, op := range pol.Deny {
		p.deny[op] = true
	}
}

func (p *policyState) denies(op Op) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.deny[op]
}

// SetPolicy replaces the policy (initially Options.Policy) for every later
// request.
func (g *Gateway) SetPolicy(p Policy) { g.policy.set(p) }

// accessDeniedMessage is each vendor's wording of a policy refusal.
var accessDeniedMessage = map[Dialect]string{
	TOS: "Access Denied",
	OSS: "You have no right to access this object because of bucket acl.",
	OBS: "Access Denied",
	COS: "Access Denied.",
}

// denied returns the refusal of a request the policy forbids, or nil.
func (g *Gateway) denied(x *exchange) *apiError {
	if !g.policy.denies(x.ri.op) {
		return nil
	}
	return newAPIError(http.StatusForbidden, "AccessDenied", accessDeniedMessage[g.opts.Dialect])
}
