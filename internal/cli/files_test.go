package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/cli"
	"github.com/ocopvn/estamp/internal/labels"
)

// batchCount is how many batches the product has.
func batchCount(t *testing.T, addr, product string) int {
	t.Helper()
	r := estamp(t, addr, "--json", "batches", "list", "--product", product)
	if r.err != nil {
		t.Fatalf("batches list: %v", r.err)
	}
	var list struct {
		Batches []json.RawMessage `json:"batches"`
	}
	if err := json.Unmarshal([]byte(r.out), &list); err != nil {
		t.Fatalf("batches list: %v\n%s", err, r.out)
	}
	return len(list.Batches)
}

// Every file the CLI writes where the user says: a symbolic link at the
// name is never followed (the file it points to stays as it was), and
// whatever is there — a file, a link, a dangling link — is replaced only
// with --force.
func TestWritersNeverFollowNorReplaceUnasked(t *testing.T) {
	addr := startServer(t)
	if r := estamp(t, addr, "issue", "--product", "MAM-TEP-HA-YEN", "--lot", "MT-1", "--quantity", "3"); r.err != nil {
		t.Fatal(r.err)
	}
	r := estamp(t, addr, "--json", "batches", "show", "1")
	var shown struct {
		Batch struct {
			FirstSerial string `json:"first_serial"`
		} `json:"batch"`
	}
	if err := json.Unmarshal([]byte(r.out), &shown); err != nil || shown.Batch.FirstSerial == "" {
		t.Fatalf("batches show: %v %v\n%s", r.err, err, r.out)
	}
	var first uint64
	for _, c := range shown.Batch.FirstSerial {
		first = first*10 + uint64(c-'0')
	}
	file := func(name string) func(dir string) (string, string) {
		return func(dir string) (string, string) { p := filepath.Join(dir, name); return p, p }
	}
	// In a directory, the file that is already taken is the first stamp's.
	inDir := func(format string) func(dir string) (string, string) {
		return func(dir string) (string, string) {
			out := filepath.Join(dir, "qr")
			if err := os.Mkdir(out, 0o755); err != nil {
				t.Fatal(err)
			}
			return out, filepath.Join(out, labels.ImageName(first, format))
		}
	}
	writers := []struct {
		name string
		// paths gives --out and the file that must not be written.
		paths func(dir string) (out, target string)
		args  []string
	}{
		{"labels PDF", file("tem.pdf"), []string{"labels", "--batch", "1", "--layout", "roll-40x30"}},
		{"labels PDF --remote", file("tem.pdf"), []string{"labels", "--batch", "1", "--remote"}},
		{"labels ZIP", file("qr.zip"), []string{"labels", "--batch", "1", "--size", "300"}},
		{"labels ZIP --remote", file("qr.zip"), []string{"labels", "--batch", "1", "--format", "svg", "--remote"}},
		{"labels DIR svg", inDir(labels.FormatSVG), []string{"labels", "--batch", "1", "--format", "svg"}},
		{"labels DIR png", inDir(labels.FormatPNG), []string{"labels", "--batch", "1", "--format", "png", "--size", "300"}},
		{"admin backup", file("estamp.db"), []string{"admin", "backup"}},
	}
	taken := []struct {
		name  string
		setup func(target, outside string) error
	}{
		{"symlink to a file outside", func(target, outside string) error { return os.Symlink(outside, target) }},
		{"existing file", func(target, _ string) error { return os.WriteFile(target, []byte("old"), 0o644) }},
		{"dangling symlink", func(target, outside string) error { return os.Symlink(outside+".missing", target) }},
	}
	for _, w := range writers {
		for _, tk := range taken {
			for _, force := range []bool{false, true} {
				name := w.name + "/" + tk.name
				if force {
					name += "/--force"
				}
				t.Run(name, func(t *testing.T) {
					root := t.TempDir()
					outside := filepath.Join(root, "precious.txt")
					if err := os.WriteFile(outside, []byte("precious"), 0o644); err != nil {
						t.Fatal(err)
					}
					dir := filepath.Join(root, "out")
					if err := os.Mkdir(dir, 0o755); err != nil {
						t.Fatal(err)
					}
					out, target := w.paths(dir)
					if err := tk.setup(target, outside); err != nil {
						t.Fatal(err)
					}
					args := append(append([]string{}, w.args...), "--out", out)
					if force {
						args = append(args, "--force")
					}
					before := batchCount(t, addr, "CHE-LAM-PHU-QUANG")
					r := estamp(t, addr, args...)

					if got, _ := os.ReadFile(outside); string(got) != "precious" {
						t.Errorf("the file the symlink points to now holds %.40q", got)
					}
					if _, err := os.Lstat(outside + ".missing"); err == nil {
						t.Error("the dangling symlink's target was created")
					}
					info, lerr := os.Lstat(target)
					if force {
						if r.err != nil || lerr != nil || !info.Mode().IsRegular() {
							t.Fatalf("--force: %v, %s is %v %v; want a new regular file\n%s", r.err, target, info.Mode(), lerr, r.errOut)
						}
						if got, _ := os.ReadFile(target); string(got) == "old" {
							t.Error("--force left the old content")
						}
						return
					}
					msg := cli.Describe(r.err)
					if cli.ExitCode(r.err) != 1 || !strings.Contains(msg, target+" đã tồn tại; thêm --force để ghi đè") || !strings.Contains(msg, "already exists; use --force to replace it") {
						t.Errorf("exit %d, error %q; want %s already exists; use --force", cli.ExitCode(r.err), msg, target)
					}
					if tk.name == "existing file" {
						if got, _ := os.ReadFile(target); string(got) != "old" {
							t.Errorf("the existing file now holds %.40q", got)
						}
					} else if lerr != nil || info.Mode()&os.ModeSymlink == 0 {
						t.Errorf("the symlink was replaced: %v %v", info.Mode(), lerr)
					}
					if after := batchCount(t, addr, "CHE-LAM-PHU-QUANG"); after != before {
						t.Errorf("a refused command issued a batch: %d batches, then %d", before, after)
					}
				})
			}
		}
	}
}
