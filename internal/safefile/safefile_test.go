package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// What may be at the target before the write, and how to make it.
var targets = []struct {
	name  string
	setup func(t *testing.T, path, outside string)
}{
	{"nothing", func(*testing.T, string, string) {}},
	{"file", func(t *testing.T, path, _ string) { must(t, os.WriteFile(path, []byte("old"), 0o644)) }},
	{"symlink to a file outside", func(t *testing.T, path, outside string) { must(t, os.Symlink(outside, path)) }},
	{"dangling symlink", func(t *testing.T, path, outside string) { must(t, os.Symlink(outside+".missing", path)) }},
	{"directory", func(t *testing.T, path, _ string) { must(t, os.Mkdir(path, 0o755)) }},
	{"symlink to a directory", func(t *testing.T, path, outside string) {
		must(t, os.Mkdir(outside+".dir", 0o755))
		must(t, os.Symlink(outside+".dir", path))
	}},
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestNeverFollowsNorReplacesUnasked writes over every kind of target, with
// and without replace, with the target there before Create (the early
// check) or appearing between Create and Commit (another program racing),
// on a file system with and without hard links: a symbolic link is never
// followed, and nothing is replaced unasked.
func TestNeverFollowsNorReplacesUnasked(t *testing.T) {
	for _, noLinks := range []bool{false, true} {
		for _, tg := range targets {
			for _, replace := range []bool{false, true} {
				for _, late := range []bool{false, true} {
					name := fmt.Sprintf("%s/replace=%v/appears-after-create=%v/no-hard-links=%v", tg.name, replace, late, noLinks)
					t.Run(name, func(t *testing.T) { checkWrite(t, tg.name, tg.setup, replace, late, noLinks) })
				}
			}
		}
	}
}

func checkWrite(t *testing.T, target string, setup func(t *testing.T, path, outside string), replace, late, noLinks bool) {
	if noLinks {
		link = func(string, string) error { return &os.LinkError{Op: "link", Err: syscall.EPERM} }
		t.Cleanup(func() { link = os.Link })
	}
	root := t.TempDir()
	dir := filepath.Join(root, "out")
	must(t, os.Mkdir(dir, 0o755))
	outside := filepath.Join(root, "precious")
	must(t, os.WriteFile(outside, []byte("precious"), 0o644))
	path := filepath.Join(dir, "target")
	if !late {
		setup(t, path, outside)
	}
	err := func() error {
		f, err := Create(path, 0o640, replace)
		if err != nil {
			return err
		}
		defer f.Abort()
		if late {
			setup(t, path, outside)
		}
		if _, err := io.WriteString(f, "new"); err != nil {
			return err
		}
		return f.Commit()
	}()

	if got, _ := os.ReadFile(outside); string(got) != "precious" {
		t.Errorf("the file the link points to was changed: %q", got)
	}
	if _, err := os.Lstat(outside + ".missing"); err == nil {
		t.Error("the dangling link's target was created")
	}
	info, lerr := os.Lstat(path)
	// A directory that appears after the early check is "already there"
	// for the link, like anything else.
	isDir := target == "directory" && (!late || replace)
	wantWritten := target == "nothing" || (replace && target != "directory")
	switch {
	case wantWritten:
		if err != nil {
			t.Fatalf("error %v", err)
		}
		got, _ := os.ReadFile(path)
		if lerr != nil || !info.Mode().IsRegular() || string(got) != "new" {
			t.Errorf("target is %v (%v) with %q, want a regular file with the new content", info.Mode(), lerr, got)
		}
		if info.Mode().Perm() != 0o640 {
			t.Errorf("mode %v, want 0640", info.Mode().Perm())
		}
	case isDir:
		if err == nil || !strings.Contains(err.Error(), "is a directory") || !strings.Contains(err.Error(), path) {
			t.Errorf("error %v, want one naming %s as a directory", err, path)
		}
	default:
		var ee *ExistsError
		if !errors.As(err, &ee) || !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), path+" đã tồn tại; thêm --force") || !strings.Contains(err.Error(), "use --force to replace it") {
			t.Errorf("error %v, want %s already exists; use --force", err, path)
		}
		switch got, _ := os.ReadFile(path); {
		case target == "file" && string(got) != "old":
			t.Errorf("existing file now holds %q", got)
		case target == "directory" && (lerr != nil || !info.IsDir()):
			t.Errorf("the directory at the target was replaced: %v %v", info.Mode(), lerr)
		case strings.Contains(target, "symlink") && (lerr != nil || info.Mode()&fs.ModeSymlink == 0):
			t.Errorf("the symlink at the target was replaced: %v %v", info.Mode(), lerr)
		}
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"target"}) {
		t.Errorf("directory holds %v, want only target (no temporary file left)", names)
	}
}

func TestNothingLeftOnFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "codes.txt")
	boom := errors.New("boom")
	if err := Write(path, 0o644, false, func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	}); !errors.Is(err, boom) {
		t.Errorf("error %v, want the fill's", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left %v", entries)
	}
	f, err := Create(path, 0o644, false)
	must(t, err)
	f.Abort()
	f.Abort()
	if err := f.Commit(); err == nil {
		t.Error("Commit after Abort worked")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left %v", entries)
	}
}

func TestMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "no", "such")
	_, err := Create(filepath.Join(dir, "codes.txt"), 0o644, false)
	if err == nil || !strings.Contains(err.Error(), "thư mục "+dir+" không tồn tại") || !strings.Contains(err.Error(), "create it first") {
		t.Errorf("error %v, want one naming the missing directory", err)
	}
}
