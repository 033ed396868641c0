package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ocopvn/estamp/internal/server"
)

// runBinary runs estampd to completion and returns its exit status and
// what it wrote on stderr.
func runBinary(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, append([]string{"--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, args...)...)
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stderr.String()
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return exit.ExitCode(), stderr.String()
	default:
		t.Fatalf("estampd %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		return 0, ""
	}
}

// demoDatabase runs the binary with --demo, stops it with SIGTERM and
// returns its estamp.db file and a backup of it (only the pages in use, as
// `estamp admin backup` writes).
func demoDatabase(t *testing.T, bin string) (file, backup []byte) {
	t.Helper()
	dataDir := filepath.Join(t.TempDir(), "data")
	d := startDaemon(t, bin, dataDir)
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Wait(); err != nil {
		t.Fatalf("estampd after SIGTERM: %v", err)
	}
	path := server.DBPath(dataDir)
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var buf bytes.Buffer
	if err := db.View(func(tx *bolt.Tx) error { _, err := tx.WriteTo(&buf); return err }); err != nil {
		t.Fatal(err)
	}
	return file, buf.Bytes()
}

// dataDirWith makes a data directory holding only estamp.db with data.
func dataDirWith(t *testing.T, data []byte) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(server.DBPath(dir), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// onlyDatabase fails unless dir holds estamp.db and nothing else: no keys,
// no admin token.
func onlyDatabase(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "estamp.db" {
			t.Errorf("%s was created in the data directory", e.Name())
		}
	}
}

// oneLine fails unless out is one line that mentions want and none of the
// marks of a crash.
func oneLine(t *testing.T, out, want string) {
	t.Helper()
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Errorf("stderr is not one line:\n%s", out)
	}
	if !strings.Contains(out, want) {
		t.Errorf("stderr does not say %q:\n%s", want, out)
	}
	for _, crash := range []string{"goroutine", "SIGBUS", "panic"} {
		if strings.Contains(out, crash) {
			t.Errorf("stderr shows a crash (%s):\n%s", crash, out)
		}
	}
}

// A damaged database file is refused with one line, by the server and by
// --check-db, instead of a SIGBUS and a goroutine dump; --check-db passes
// an intact one and creates nothing.
func TestRefusesADamagedDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the estampd binary")
	}
	bin := buildDaemon(t)
	file, backup := demoDatabase(t, bin)
	random := make([]byte, 64<<10)
	rand.Read(random)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"half a backup", backup[:len(backup)/2], "is truncated"},
		{"zero-filled", make([]byte, 64<<10), "is not an estamp database"},
		{"random", random, "is not an estamp database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, args := range [][]string{nil, {"--check-db"}} {
				dir := dataDirWith(t, tt.data)
				code, out := runBinary(t, bin, append([]string{"--data-dir", dir}, args...)...)
				if code != 1 {
					t.Errorf("estampd %v: exit status %d, want 1", args, code)
				}
				oneLine(t, out, tt.want)
				onlyDatabase(t, dir)
			}
		})
	}

	// A file whose pages are all there but whose freelist lists the root
	// page: only bbolt's check finds it. (The server itself would panic in
	// its first write transaction.)
	t.Run("root page freed", func(t *testing.T) {
		dir := dataDirWith(t, freeRoot(t, backup))
		code, out := runBinary(t, bin, "--data-dir", dir, "--check-db")
		if code != 1 {
			t.Errorf("--check-db: exit status %d, want 1", code)
		}
		oneLine(t, out, "bbolt check found 1 problem(s): page")
		onlyDatabase(t, dir)
	})

	t.Run("intact", func(t *testing.T) {
		for name, data := range map[string][]byte{"database": file, "backup": backup} {
			dir := dataDirWith(t, data)
			code, out := runBinary(t, bin, "--data-dir", dir, "--check-db")
			if code != 0 {
				t.Errorf("--check-db on an intact %s: exit status %d\n%s", name, code, out)
			}
			oneLine(t, out, "intact")
			onlyDatabase(t, dir)
		}
	})

	t.Run("missing", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "nope")
		code, out := runBinary(t, bin, "--data-dir", dir, "--check-db")
		if code != 1 {
			t.Errorf("--check-db without a database: exit status %d, want 1", code)
		}
		oneLine(t, out, "no database")
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("--check-db created the data directory: %v", err)
		}
	})
}

// freeRoot returns a copy of a backup whose freelist also lists the root
// page, which is in use. (The bbolt layout is in internal/store/checkfile.go.)
func freeRoot(t *testing.T, backup []byte) []byte {
	t.Helper()
	b := bytes.Clone(backup)
	ne := binary.NativeEndian
	m := b[16:] // meta 0 is the newer one in a backup
	pageSize, root, freelist := int(ne.Uint32(m[8:])), ne.Uint64(m[16:]), int(ne.Uint64(m[32:]))
	p := b[freelist*pageSize:]
	count := ne.Uint16(p[10:])
	if ne.Uint16(p[8:]) != 0x10 || count == 0xffff {
		t.Fatalf("page %d is not a short freelist", freelist)
	}
	ne.PutUint16(p[10:], count+1)
	ne.PutUint64(p[16+8*int(count):], root)
	return b
}

func TestProblemsOnOneLine(t *testing.T) {
	errs := func(n int) error {
		var list []error
		for i := range n {
			list = append(list, fmt.Errorf("page %d: unreachable unfreed", i))
		}
		return errors.Join(list...)
	}
	tests := []struct {
		err  error
		want string
	}{
		{errors.New("page 3: already freed"), "bbolt check found 1 problem(s): page 3: already freed"},
		{errs(2), "bbolt check found 2 problem(s): page 0: unreachable unfreed, page 1: unreachable unfreed"},
		{errs(5), "bbolt check found 5 problem(s): page 0: unreachable unfreed, page 1: unreachable unfreed, page 2: unreachable unfreed, page 3: unreachable unfreed, page 4: unreachable unfreed"},
		{errs(1000), "bbolt check found 1000 problem(s): page 0: unreachable unfreed, page 1: unreachable unfreed, page 2: unreachable unfreed, page 3: unreachable unfreed, page 4: unreachable unfreed, …"},
		{errors.New("two\nlines"), "bbolt check found 1 problem(s): two lines"},
	}
	for _, tt := range tests {
		if got := problems(tt.err); got != tt.want {
			t.Errorf("problems(%q) =\n%s\nwant\n%s", tt.err, got, tt.want)
		}
	}
}
