package store

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The ring syncs one file after another, many times (each completion
// also counts on the eventfd, read or not), reports a sync that fails as
// fdatasync would, and works on after it.
func TestURingSyncer(t *testing.T) {
	u, err := newURingSyncer()
	if err != nil {
		t.Skipf("io_uring is not available here (%v): the journal calls fdatasync", err)
	}
	defer u.close()
	dir := t.TempDir()
	a, err := os.Create(filepath.Join(dir, "a"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := os.Create(filepath.Join(dir, "b"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for i := range 50 {
		f := a
		if i%3 == 0 {
			f = b
		}
		if _, err := f.Write([]byte("scan\n")); err != nil {
			t.Fatal(err)
		}
		if err := u.fdatasync(f); err != nil {
			t.Fatalf("sync %d: %v", i, err)
		}
	}
	// A pipe cannot be synced: fdatasync says EINVAL, and so must the ring.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if err := u.fdatasync(w); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("syncing a pipe: %v, want %v", err, syscall.EINVAL)
	}
	if err := u.fdatasync(a); err != nil {
		t.Errorf("the sync after a failed one: %v", err)
	}
	if syncerFor(w) != nil {
		t.Error("syncerFor kept a ring that could not sync its file")
	}
}
