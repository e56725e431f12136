package uploader

import "testing"

func TestPlainMD5(t *testing.T) {
	for etag, want := range map[string]string{
		"d41d8cd98f00b204e9800998ecf8427e":         "d41d8cd98f00b204e9800998ecf8427e",
		`"D41D8CD98F00B204E9800998ECF8427E"`:       "d41d8cd98f00b204e9800998ecf8427e",
		"d41d8cd98f00b204e9800998ecf8427e-2":       "",
		"d41d8cd98f00b204e9800998ecf8427":          "",
		"g41d8cd98f00b204e9800998ecf8427e":         "",
		"":                                         "",
		`"d41d8cd98f00b204e9800998ecf8427e"-extra`: "",
	} {
		if got := PlainMD5(etag); got != want {
			t.Errorf("PlainMD5(%q) = %q, want %q", etag, got, want)
		}
	}
}
