package store

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// gate is a backup's destination that takes the first bytes, then waits
// until released: a backup to a slow disk or network, held open.
type gate struct {
	once    sync.Once
	started chan struct{}
	release chan struct{}
}

func (g *gate) Write(p []byte) (int, error) {
	g.once.Do(func() {
		close(g.started)
		<-g.release
	})
	return len(p), nil
}

// A backup is one read transaction, which holds bbolt's memory map: a
// writer that must grow the map waits until the backup ends. With a map
// the file outgrows during the backup, writes stall for the rest of it
// (the bound, shown here); with the headroom estampd maps (MmapSize), the
// file must double during one backup for that, and writes go on.
func TestBackupWhileTheFileGrows(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mmap   int
		stalls bool
	}{
		{"a map the file outgrows", 64 << 10, true},
		{"estampd's headroom", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(filepath.Join(t.TempDir(), "estamp.db"), Options{MmapSize: tc.mmap, NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			g := &gate{started: make(chan struct{}), release: make(chan struct{})}
			backup := make(chan error, 1)
			go func() {
				_, err := s.WriteTo(ctx, g, func(int64) error { return nil })
				backup <- err
			}()
			<-g.started
			// A megabyte of photos: sixteen times the small map.
			wrote := make(chan error, 1)
			go func() {
				wrote <- s.update(ctx, func(tx *bolt.Tx) error {
					b := tx.Bucket(bucketPhotos)
					for i := range 64 {
						if err := b.Put(u64(uint64(i)), make([]byte, 16<<10)); err != nil {
							return err
						}
					}
					return nil
				})
			}()
			if tc.stalls {
				select {
				case err := <-wrote:
					t.Fatalf("the write that outgrew the map finished during the backup (%v): bbolt no longer waits for readers to remap; revisit MmapSize", err)
				case <-time.After(time.Second):
				}
			} else {
				select {
				case err := <-wrote:
					if err != nil {
						t.Fatal(err)
					}
				case <-time.After(30 * time.Second):
					t.Fatal("a write waited for the backup")
				}
			}
			close(g.release)
			if err := <-backup; err != nil {
				t.Fatal(err)
			}
			if tc.stalls {
				if err := <-wrote; err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestMmapSize(t *testing.T) {
	for _, tc := range []struct {
		file int64
		want int
	}{{0, 1 << 30}, {400 << 20, 1 << 30}, {600 << 20, 1200 << 20}, {3 << 30, 6 << 30}} {
		if got := MmapSize(tc.file); got != tc.want {
			t.Errorf("MmapSize(%d) = %d, want %d", tc.file, got, tc.want)
		}
	}
}
