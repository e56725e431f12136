package failover

import "github.com/resilient-upload/upload/uploader"

// withDefaults returns obj with the target's default attributes filled in
// where obj leaves them empty.
func withDefaults(obj uploader.Object, d uploader.Attributes) uploader.Object {
	obj.Attributes = obj.Attributes.With(d)
	return obj
}
