package main

import (
	"fmt"
	"strings"

	"github.com/resilient-upload/upload/uploader"
)

// attributesHelp is the part of the help about object attributes.
const attributesHelp = `Object attributes:
  --content-type, --metadata, --cache-control, --content-disposition,
  --content-encoding, --storage-class, --acl, --sse and --tags apply to every
  file; a target's defaults: (in the configuration) fill what they leave empty
  on that target (tags are merged). --storage-class is portable: STANDARD,
  INFREQUENT, ARCHIVE or COLD, mapped to each provider's class (tos IA,
  ARCHIVE, COLD_ARCHIVE; oss IA, Archive, ColdArchive; obs WARM, COLD,
  DEEP_ARCHIVE; cos STANDARD_IA, ARCHIVE, DEEP_ARCHIVE; s3 STANDARD_IA,
  GLACIER, DEEP_ARCHIVE). --acl is a canned ACL: private, public-read,
  public-read-write (not cos), authenticated-read (tos, s3),
  bucket-owner-read (tos, cos, s3), bucket-owner-full-control (not oss).
  --sse is AES256 (keys the provider manages) or kms[:KEYID] (the provider's
  KMS, the account's default key without KEYID). --tags k=v,k2=v2 (at most
  10). A value a target's provider does not define is a configuration error
  (exit 2) before anything is sent.`

// parseAttributeFlags checks --cache-control ... --tags; a mistake is a
// usage error naming the flag.
func parseAttributeFlags(f attrFlags) (uploader.Attributes, error) {
	bad := func(flag, value string, err error) error {
		msg := err.Error()
		if e := uploader.AsError(err); e != nil {
			msg = e.Message
		}
		return &usageError{fmt.Sprintf("%s %q: %s", flag, value, msg)}
	}
	a := uploader.Attributes{CacheControl: f.cacheControl, ContentDisposition: f.contentDisposition, ContentEncoding: f.contentEncoding}
	for _, h := range []struct{ flag, v string }{
		{"--cache-control", f.cacheControl}, {"--content-disposition", f.contentDisposition}, {"--content-encoding", f.contentEncoding},
	} {
		if strings.ContainsFunc(h.v, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
			return a, &usageError{fmt.Sprintf("%s %q: printable ASCII only (it is sent as an HTTP header)", h.flag, h.v)}
		}
	}
	var err error
	if a.StorageClass, err = uploader.ParseStorageClass(f.storageClass); err != nil {
		return a, &usageError{"--storage-class: " + err.Error()}
	}
	if a.ACL, err = uploader.ParseACL(f.acl); err != nil {
		return a, &usageError{"--acl: " + err.Error()}
	}
	if a.SSE, err = uploader.ParseSSE(f.sse); err != nil {
		return a, &usageError{"--sse: " + err.Error()}
	}
	for _, list := range f.tags {
		tags, err := parseTags(list)
		if err != nil {
			return a, &usageError{fmt.Sprintf("--tags %q: %v", list, err)}
		}
		for k, v := range tags {
			if a.Tags == nil {
				a.Tags = map[string]string{}
			}
			if _, dup := a.Tags[k]; dup {
				return a, &usageError{fmt.Sprintf("--tags %q: tag %q is given twice", list, k)}
			}
			a.Tags[k] = v
		}
	}
	if err := (uploader.Attributes{Tags: a.Tags}).Validate(); err != nil {
		return a, bad("--tags", strings.Join(f.tags, ","), err)
	}
	return a, nil
}

// parseTags parses "k=v,k2=v2".
func parseTags(list string) (map[string]string, error) {
	tags := map[string]string{}
	for _, kv := range strings.Split(list, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q: want KEY=VALUE[,KEY=VALUE...]", kv)
		}
		if _, dup := tags[k]; dup {
			return nil, fmt.Errorf("tag %q is given twice", k)
		}
		tags[k] = v
	}
	return tags, nil
}

// checkTargetAttributes refuses, before anything is sent, attributes a
// target's provider cannot store: the flags' attributes with the target's
// defaults (which buildTargets checked alone). The message names the target
// and the flag.
func checkTargetAttributes(s *targetSet, a *attrs) error {
	var flags uploader.Attributes
	if a != nil {
		flags = a.attributes
	}
	var errs []string
	for i, b := range s.backends {
		ck, ok := b.(uploader.AttributeChecker)
		if !ok || i >= len(s.targets) {
			continue
		}
		t := s.targets[i]
		err := ck.CheckAttributes(flags.With(t.Defaults))
		if err == nil {
			continue
		}
		// buildTargets refused defaults a provider lacks: the flags are at
		// fault.
		from := "--acl"
		if strings.Contains(err.Error(), "storage class") {
			from = "--storage-class"
		}
		msg := err.Error()
		if e := uploader.AsError(err); e != nil {
			msg = e.Message
		}
		errs = append(errs, fmt.Sprintf("target %q (%s): %s (from %s)", t.Name, t.Provider, msg, from))
	}
	if len(errs) > 0 {
		return &configError{errs}
	}
	return nil
}

// defaultsError returns the message refusing a target's defaults: that its
// provider cannot store, or "".
func defaultsError(t *targetConfig, b uploader.Backend) string {
	ck, ok := b.(uploader.AttributeChecker)
	if !ok {
		return ""
	}
	err := ck.CheckAttributes(t.Defaults)
	if err == nil {
		return ""
	}
	msg := err.Error()
	if e := uploader.AsError(err); e != nil {
		msg = e.Message
	}
	return fmt.Sprintf("%s: %s", t.DefaultsAt, msg)
}
