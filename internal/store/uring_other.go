//go:build !linux

package store

import (
	"errors"
	"os"
)

// uringSyncer is Linux's (uring_linux.go); elsewhere the journal calls
// fdatasync itself.
type uringSyncer struct{}

func syncerFor(*os.File) *uringSyncer { return nil }

func newURingSyncer() (*uringSyncer, error) { return nil, errors.New("io_uring: Linux only") }

func (*uringSyncer) fdatasync(f *os.File) error { return fdatasync(f) }

func (*uringSyncer) close() {}
