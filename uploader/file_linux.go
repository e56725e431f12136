package uploader

import (
	"os"
	"syscall"
)

// sysID is the part of a file's identity that the file system keeps beyond
// size and modification time: device, inode and status-change time.
type sysID struct {
	dev, ino uint64
	ctime    int64 // ns
}

func (s sysID) inode() [2]uint64 { return [2]uint64{s.dev, s.ino} }

func sysIDOf(fi os.FileInfo) sysID {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return sysID{}
	}
	return sysID{dev: uint64(st.Dev), ino: st.Ino, ctime: st.Ctim.Nano()}
}
