// Package failover is the Uploader users hold.
package failover
