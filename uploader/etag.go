package uploader

import "strings"

// PlainMD5 returns etag, without its quotes and in lower case, if it is a
// plain MD5: 32 hex digits, as the ETag of an object stored by one PUT
// without server-side encryption by KMS or a customer's key is at every
// provider. Otherwise, for a multipart ETag ("<md5>-<parts>") or any other
// form, it returns "". Whether an ETag of that form really is the MD5 of
// the bytes depends on the encryption too, which only the reply's headers
// say: a backend checks them before comparing.
func PlainMD5(etag string) string {
	etag = strings.Trim(etag, `"`)
	if len(etag) != 32 {
		return ""
	}
	for i := 0; i < len(etag); i++ {
		c := etag[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return ""
		}
	}
	return strings.ToLower(etag)
}
