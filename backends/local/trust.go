package local

import (
	"fmt"
	"io/fs"
	"os"

	"github.com/resilient-upload/upload/uploader"
)

// The backup is trusted only as far as nobody else can write into it: the
// root, objects/ and every shard must be real directories (not symbolic
// links), owned by the user running the process and not writable by group
// or others; records and data files must be regular files owned by that
// user, and are opened without following symbolic links.

// owns reports whether fi belongs to the running user. Where the file
// system has no owners, every file does.
func (b *Backend) owns(fi os.FileInfo) (uid int, ok bool) {
	uid, known := b.owner(fi)
	if !known || b.uid < 0 {
		return uid, true
	}
	return uid, uid == b.uid
}

// checkDir checks that the directory at path is one the backup may trust,
// and returns an *uploader.Error of Kind AccessDenied that names it and the
// fix if not.
func (b *Backend) checkDir(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	refuse := func(format string, args ...any) error {
		return b.errorf(uploader.AccessDenied, "open", "", nil, "%s", fmt.Sprintf(format, args...))
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		dest, _ := os.Readlink(path)
		return refuse("the backup directory %s is a symbolic link (to %s): the backup writes only into real directories, so that whoever can change a link cannot redirect the copies; remove the link, or set the backup's path to the real directory", path, dest)
	case !fi.IsDir():
		return refuse("%s is not a directory; the backup needs a directory there (move the file away)", path)
	}
	if uid, ok := b.owns(fi); !ok {
		return refuse("the backup directory %s is owned by uid %d, not by you (uid %d): its owner could delete copies or plant records; chown it to yourself (chown -R %d %s), or choose another directory", path, uid, b.uid, b.uid, path)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return refuse("the backup directory %s is writable by group or others (mode %04o): they could delete copies or plant records; chmod 700 %s", path, perm, path)
	}
	return nil
}

// checkFile checks that fi, the file at path (from Lstat or an open file's
// Stat), is a regular file owned by the running user, and returns a damage
// that says why not.
func (b *Backend) checkFile(path string, fi os.FileInfo) *damage {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return &damage{path: path, why: "it is a symbolic link, not a file the backup wrote"}
	case !fi.Mode().IsRegular():
		return &damage{path: path, why: "it is not a regular file"}
	}
	if uid, ok := b.owns(fi); !ok {
		return &damage{path: path, why: fmt.Sprintf("it is owned by uid %d, not by you (uid %d), so it is not trusted", uid, b.uid)}
	}
	return nil
}

// openFile opens path for reading without following a symbolic link, and
// checks the file it opened (see checkFile).
func (b *Backend) openFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|oNoFollow, 0)
	if err != nil {
		if isLoop(err) {
			return nil, &damage{path: path, why: "it is a symbolic link, not a file the backup wrote"}
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if d := b.checkFile(path, fi); d != nil {
		f.Close()
		return nil, d
	}
	return f, nil
}

// damage is what is wrong with a copy in the backup: a file that is there
// but cannot be trusted or does not match its record.
type damage struct {
	path string // the file at fault
	key  string // the key, if the record could be read
	id   string // the copy ID, if the record could be read
	size int64
	why  string
}

func (d *damage) Error() string { return fmt.Sprintf("%s: %s", d.path, d.why) }

// spooled returns the damaged copy as List reports it.
func (d *damage) spooled(b *Backend) uploader.Spooled {
	e := b.errorf(uploader.Integrity, "list", d.key, nil,
		"the backup copy %s is damaged: %s; it was left in place (look at it, then delete it or restore it)", d.path, d.why)
	s := uploader.Spooled{Key: d.key, Size: d.size, URL: fileURL(d.path), Damaged: e}
	if isID(d.id) {
		s.ID = d.id
	}
	return s
}

// shardDamage reports a shard directory that is not trusted.
func (b *Backend) shardDamage(dir string, err error) uploader.Spooled {
	e := b.errorf(uploader.Integrity, "list", "", err, "%s", oneLineMsg(err))
	return uploader.Spooled{URL: fileURL(dir), Damaged: e}
}

func oneLineMsg(err error) string {
	if e := uploader.AsError(err); e != nil && e.Message != "" {
		return e.Message
	}
	return err.Error()
}
