package store_test

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/store"
)

// backup returns a whole backup of a small database and its page size, as
// `estamp admin backup` writes it: exactly the pages in use.
func backup(t *testing.T) ([]byte, int) {
	t.Helper()
	s, _ := newStore(t)
	seed(t, s, "HTX-NGA-SON", "CHIEU-COI")
	var buf bytes.Buffer
	if _, err := s.WriteTo(ctx, &buf, func(int64) error { return nil }); err != nil {
		t.Fatal(err)
	}
	// The page size is the meta's third u32, after the 16-byte page header.
	return buf.Bytes(), int(binary.NativeEndian.Uint32(buf.Bytes()[16+8:]))
}

func TestCheckFile(t *testing.T) {
	whole, pageSize := backup(t)
	flip := func(b []byte, off int) []byte {
		b = bytes.Clone(b)
		b[off] ^= 0xff
		return b
	}
	// bump rewrites the meta of the page at off as n transactions later,
	// each of which used one more page, with a valid checksum. (A backup's
	// meta 1 is one transaction behind its meta 0.)
	bump := func(b []byte, off int, n uint64) []byte {
		b = bytes.Clone(b)
		m := b[off+16 : off+16+64]
		ne := binary.NativeEndian
		ne.PutUint64(m[40:], ne.Uint64(m[40:])+n) // pgid
		ne.PutUint64(m[48:], ne.Uint64(m[48:])+n) // txid
		h := fnv.New64a()
		h.Write(m[:56])
		ne.PutUint64(m[56:], h.Sum64())
		return b
	}
	random := make([]byte, 64<<10)
	rand.Read(random)
	tests := []struct {
		name string
		data []byte // nil: no file
		want string // "" when accepted
	}{
		{"no file", nil, ""},
		{"empty file", []byte{}, ""},
		{"whole backup", whole, ""},
		{"whole backup with room to grow", append(bytes.Clone(whole), make([]byte, 16*pageSize)...), ""},
		// bbolt falls back to the other meta page, and so does CheckFile.
		{"meta page 0 damaged", flip(whole, 16+8), ""},
		{"meta page 1 damaged", flip(whole, pageSize+16+8), ""},
		// bbolt uses the meta with the higher transaction id, meta 0 on a tie.
		{"newer meta 0 counts a page the file lacks", bump(whole, 0, 1), "is truncated: " + strconv.Itoa(len(whole)) + " bytes, but its meta page says it holds " + strconv.Itoa(len(whole)+pageSize)},
		{"newer meta 1 counts pages the file lacks", bump(whole, pageSize, 2), "says it holds " + strconv.Itoa(len(whole)+2*pageSize)},
		{"meta 1 as new as meta 0 counts a page the file lacks", bump(whole, pageSize, 1), ""},
		{"half a backup", whole[:len(whole)/2], "is truncated: " + strconv.Itoa(len(whole)/2) + " bytes, but its meta page says it holds " + strconv.Itoa(len(whole))},
		{"all but the last page", whole[:len(whole)-pageSize], "is truncated"},
		{"one page", whole[:pageSize], "less than the two meta pages"},
		{"a few bytes", whole[:40], "not an estamp database"},
		{"both meta pages damaged", flip(flip(whole, 16+8), pageSize+16+8), "not an estamp database"},
		{"zero-filled", make([]byte, 64<<10), "not an estamp database: no valid bbolt meta page"},
		{"random", random, "not an estamp database"},
		{"text", []byte(strings.Repeat("not a database\n", 5000)), "not an estamp database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "estamp.db")
			if tt.data != nil {
				if err := os.WriteFile(path, tt.data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			err := store.CheckFile(path)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckFile = %v, want nil", err)
				}
				// What CheckFile accepts, bbolt opens.
				s := open(t, path)
				if err := s.Check(ctx); err != nil {
					t.Errorf("bbolt check: %v", err)
				}
				s.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("CheckFile = %v, want an error naming %s and saying %q", err, path, tt.want)
			}
			if !errors.Is(err, store.ErrDamaged) {
				t.Errorf("CheckFile error %v does not wrap ErrDamaged", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("CheckFile error is not one line: %q", err)
			}
			// Open checks first: an error, not a SIGBUS.
			if _, err := store.Open(path, store.Options{}); !errors.Is(err, store.ErrDamaged) {
				t.Errorf("Open = %v, want ErrDamaged", err)
			}
		})
	}
}

// freeRoot returns a copy of a backup whose freelist also lists the root
// page, which is in use: a consistent-looking file that bbolt's check
// rejects, and on which a write transaction panics.
func freeRoot(t *testing.T, b []byte, pageSize int) []byte {
	t.Helper()
	b = bytes.Clone(b)
	ne := binary.NativeEndian
	m := b[16:] // meta 0 is the newer one in a backup
	root, freelist := ne.Uint64(m[16:]), int(ne.Uint64(m[32:]))
	p := b[freelist*pageSize:]
	if ne.Uint16(p[8:]) != 0x10 {
		t.Fatalf("page %d is not the freelist", freelist)
	}
	count := ne.Uint16(p[10:])
	if count == 0xffff {
		t.Fatal("freelist too long for this test")
	}
	// Page ids follow the 16-byte header; bbolt sorts them when it reads.
	ne.PutUint16(p[10:], count+1)
	ne.PutUint64(p[16+8*int(count):], root)
	return b
}

func TestOpenReadOnly(t *testing.T) {
	whole, pageSize := backup(t)
	tests := []struct {
		name string
		data []byte // nil: no file
		open string // error of OpenReadOnly
		chck string // error of Check
	}{
		{"whole backup", whole, "", ""},
		{"root page freed", freeRoot(t, whole, pageSize), "", "reachable freed"},
		{"half a backup", whole[:len(whole)/2], "is truncated", ""},
		{"no file", nil, "no such file", ""},
		{"empty file", []byte{}, "is empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "estamp.db")
			if tt.data != nil {
				if err := os.WriteFile(path, tt.data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			s, err := store.OpenReadOnly(path, store.Options{})
			if tt.open != "" {
				if err == nil || !strings.Contains(err.Error(), tt.open) {
					t.Fatalf("OpenReadOnly = %v, want an error saying %q", err, tt.open)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				err = s.Check(ctx)
				if tt.chck == "" && err != nil || tt.chck != "" && (err == nil || !strings.Contains(err.Error(), tt.chck)) {
					t.Errorf("Check = %v, want %q", err, tt.chck)
				}
				s.Close()
			}
			// The file is as it was, or still absent.
			got, err := os.ReadFile(path)
			if tt.data == nil {
				if !errors.Is(err, os.ErrNotExist) {
					t.Errorf("OpenReadOnly created %s", path)
				}
			} else if !bytes.Equal(got, tt.data) {
				t.Errorf("OpenReadOnly changed the file")
			}
		})
	}
}

// A file whose pages are all there but whose freelist frees a page in use
// passes CheckFile, and bbolt panics on its first write: Open says so in
// one error instead of crashing the server.
func TestOpenRefusesADamagedFreelist(t *testing.T) {
	whole, pageSize := backup(t)
	path := filepath.Join(t.TempDir(), "estamp.db")
	if err := os.WriteFile(path, freeRoot(t, whole, pageSize), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(path, store.Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a file whose freelist frees its root page")
	}
	if !errors.Is(err, store.ErrDamaged) || !strings.Contains(err.Error(), "--check-db") || strings.Contains(err.Error(), "\n") {
		t.Errorf("Open = %v, want one line wrapping ErrDamaged that names --check-db", err)
	}
}
