package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/ocopvn/estamp/internal/cli"
	"github.com/ocopvn/estamp/internal/labels"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/safefile"
	"github.com/ocopvn/estamp/internal/server"
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
		{"issue --out", file("codes.txt"), []string{"issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L-SAFE", "--quantity", "2"}},
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

// `issue --out` checks that it can write before it issues: a second run
// after a failed write would issue a second batch.
func TestIssueOutChecksBeforeIssuing(t *testing.T) {
	addr := startServer(t)
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, out string
		mention   []string
	}{
		{"missing directory", filepath.Join(root, "nonexistent", "dir", "codes.txt"),
			[]string{"--out", filepath.Join(root, "nonexistent", "dir") + " không tồn tại", "create it first"}},
		{"a directory", filepath.Join(root, "adir"), []string{"--out", filepath.Join(root, "adir") + " là một thư mục", "is a directory"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := estamp(t, addr, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L1", "--quantity", "2", "--out", tt.out)
			if cli.ExitCode(r.err) != 1 {
				t.Errorf("exit %d (%v), want 1", cli.ExitCode(r.err), r.err)
			}
			for _, m := range tt.mention {
				if !strings.Contains(cli.Describe(r.err), m) {
					t.Errorf("error %q does not say %q", cli.Describe(r.err), m)
				}
			}
			if n := batchCount(t, addr, "CHE-LAM-PHU-QUANG"); n != 0 {
				t.Errorf("%d batches issued, want none", n)
			}
		})
	}
}

// A write that fails after the batch was issued names the batch, the
// request id and how to get the codes; re-running with the request id
// returns the same batch.
func TestIssueWriteFailureNamesTheBatch(t *testing.T) {
	addr := startServer(t)
	for i, tt := range []struct {
		name   string
		commit func(f *safefile.File) error
		reason string
	}{
		{"disk full", func(*safefile.File) error { return syscall.ENOSPC }, "no space left on device"},
		{"file appeared meanwhile", func(f *safefile.File) error {
			if err := os.WriteFile(f.Name(), []byte("someone else's"), 0o644); err != nil {
				return err
			}
			return f.Commit()
		}, "đã tồn tại; thêm --force"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "codes.txt")
			r := runIn(committing(tt.commit), map[string]string{"ESTAMP_SERVER": addr, "ESTAMP_TOKEN": adminToken(addr)},
				"issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L1", "--quantity", "2", "--out", out)
			err, stderr := r.err, r.errOut
			id := itoa(uint64(i + 1))
			if cli.ExitCode(err) != 1 || !strings.Contains(cli.Describe(err), "lô tem "+id) || !strings.Contains(cli.Describe(err), tt.reason) {
				t.Errorf("exit %d, error %q; want 1 naming batch %s and %q", cli.ExitCode(err), cli.Describe(err), id, tt.reason)
			}
			reqID := regexp.MustCompile(`mã yêu cầu (cli-[0-9a-f]+)`).FindStringSubmatch(stderr)
			for _, want := range []string{"Lô tem " + id + " ĐÃ ĐƯỢC PHÁT HÀNH", "estamp batches show " + id + " --codes", "--request-id ", tt.reason} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			if reqID == nil {
				t.Fatalf("stderr names no request id:\n%s", stderr)
			}
			// The advice works: the same request id returns the same batch.
			again := filepath.Join(t.TempDir(), "codes.txt")
			r = estamp(t, addr, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L1", "--quantity", "2", "--request-id", reqID[1], "--out", again)
			if r.err != nil || !strings.Contains(r.out, "Đã phát hành lô tem "+id+":") {
				t.Errorf("re-run with --request-id: %v\n%s", r.err, r.out)
			}
			if n := batchCount(t, addr, "CHE-LAM-PHU-QUANG"); n != i+1 {
				t.Errorf("%d batches, want %d", n, i+1)
			}
		})
	}
}

// With --out, issue prints a short summary (batch, serials as the label
// shows them, product, lot), where the codes went and the next step, not
// every code; without it the batch and how to get the codes, never the
// codes (a batch can hold 100,000); --json prints the batch.
func TestIssueOutPrintsASummary(t *testing.T) {
	addr := startServer(t)
	out := filepath.Join(t.TempDir(), "codes.txt")
	r := estamp(t, addr, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L1", "--quantity", "3", "--out", out)
	data, err := os.ReadFile(out)
	codes := strings.Fields(string(data))
	if r.err != nil || err != nil || len(codes) != 3 {
		t.Fatalf("issue --out: %v %v, %d codes", r.err, err, len(codes))
	}
	for _, want := range []string{"Đã phát hành lô tem 1: 3 tem, sê-ri 1 – 3, sản phẩm Chè lam Phủ Quảng (CHE-LAM-PHU-QUANG), số lô L1.", "Đã ghi mã vào " + out + ".", "estamp labels --batch 1 --out tem.pdf"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.out)
		}
	}
	if lines := strings.Count(r.out, "\n"); lines > 4 {
		t.Errorf("the summary is %d lines:\n%s", lines, r.out)
	}
	for _, c := range codes {
		if strings.Contains(r.out, c) {
			t.Errorf("summary prints code %s", c)
		}
	}
	if info, err := os.Stat(out); err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("%s: %v %v, want mode 0644", out, info.Mode(), err)
	}

	r = estamp(t, addr, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L2", "--quantity", "2")
	if r.err != nil || strings.Contains(r.out, "HTTP://") || !strings.Contains(r.out, "Lô tem:") || !strings.Contains(r.out, "estamp batches show 2 --codes") {
		t.Errorf("issue without --out: %v\n%s", r.err, r.out)
	}
	out3 := filepath.Join(t.TempDir(), "c.txt")
	r = estamp(t, addr, "--json", "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L3", "--quantity", "2", "--out", out3)
	var resp struct {
		Batch struct {
			Id       string `json:"id"`
			Quantity int    `json:"quantity"`
		} `json:"batch"`
	}
	data, _ = os.ReadFile(out3)
	if err := json.Unmarshal([]byte(r.out), &resp); r.err != nil || err != nil || resp.Batch.Id != "3" || resp.Batch.Quantity != 2 || len(strings.Fields(string(data))) != 2 {
		t.Errorf("--json issue --out: %v %v\n%s", r.err, err, r.out)
	}
}

// `batches show --codes` streams every code of the batch: as a table, and
// with --json as one document {"batch": …, "stamps": […]}; both hold the
// codes issue --out wrote, in order.
func TestBatchesShowCodesStreams(t *testing.T) {
	addr := startServer(t)
	out := filepath.Join(t.TempDir(), "codes.txt")
	// 30,000 codes are 5.2 MB: more than the CLI's receive limit (gRPC's
	// default, 4 MiB) in one message.
	if r := estamp(t, addr, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L1", "--quantity", "30000", "--out", out); r.err != nil {
		t.Fatal(r.err)
	}
	data, _ := os.ReadFile(out)
	codes := strings.Fields(string(data))

	r := estamp(t, addr, "batches", "show", "1", "--codes")
	// Serials as the label shows them: 30 000.
	rows := regexp.MustCompile(`(?m)^(\d{1,3}(?: \d{3})*) +(HTTP://\S+)$`).FindAllStringSubmatch(r.out, -1)
	if r.err != nil || !strings.Contains(r.out, "Số lượng:       30000") || len(rows) != len(codes) {
		t.Fatalf("batches show --codes: %v, %d rows, want %d", r.err, len(rows), len(codes))
	}
	if last := rows[len(rows)-1]; last[1] != "30 000" || last[2] != codes[len(codes)-1] {
		t.Errorf("the last row is %q %q", last[1], last[2])
	}
	for i, row := range rows {
		if row[1] != ocop.ShowSerial(uint64(i+1)) || row[2] != codes[i] {
			t.Fatalf("row %d: %q, want serial %d and %s", i, row[0], i+1, codes[i])
		}
	}

	r = estamp(t, addr, "--json", "batches", "show", "1", "--codes")
	var doc struct {
		Batch struct {
			Quantity int `json:"quantity"`
		} `json:"batch"`
		Stamps []struct {
			Serial string `json:"serial"`
			Code   string `json:"code"`
		} `json:"stamps"`
	}
	if err := json.Unmarshal([]byte(r.out), &doc); r.err != nil || err != nil || doc.Batch.Quantity != 30000 || len(doc.Stamps) != len(codes) {
		t.Fatalf("--json batches show --codes: %v %v, %d stamps", r.err, err, len(doc.Stamps))
	}
	for i, s := range doc.Stamps {
		if s.Serial != itoa(uint64(i+1)) || s.Code != codes[i] {
			t.Fatalf("stamp %d: %+v, want serial %d and %s", i, s, i+1, codes[i])
		}
	}

	r = estamp(t, addr, "batches", "show", "77", "--codes")
	if cli.ExitCode(r.err) != 1 || !strings.Contains(cli.Describe(r.err), "NotFound") {
		t.Errorf("unknown batch: %v", r.err)
	}
}

// When the server refuses the codes after issuing — the token's budget of
// codes is spent — issue --out writes nothing and names the batch and the
// request id, like any failure after the batch exists.
func TestIssueOutWhenTheCodesAreRefused(t *testing.T) {
	addr, _ := startServerWith(t, t.TempDir(), "http://localhost:8080", func(c *server.Config) { c.TokenCodeRate, c.TokenCodeBurst = 0.001, 150 })
	dir := t.TempDir()
	if r := estamp(t, addr, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L1", "--quantity", "100", "--out", filepath.Join(dir, "1.txt")); r.err != nil {
		t.Fatal(r.err)
	}
	out := filepath.Join(dir, "2.txt")
	r := estamp(t, addr, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L2", "--quantity", "100", "--out", out)
	if cli.ExitCode(r.err) != 1 || !strings.Contains(cli.Describe(r.err), "lô tem 2") || !strings.Contains(cli.Describe(r.err), "ResourceExhausted") {
		t.Errorf("exit %d, error %q; want 1 naming batch 2 and ResourceExhausted", cli.ExitCode(r.err), cli.Describe(r.err))
	}
	for _, want := range []string{"Lô tem 2 ĐÃ ĐƯỢC PHÁT HÀNH", "mã yêu cầu cli-", "estamp batches show 2 --codes", "thử lại sau"} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.errOut)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left in the directory: %v", entries)
	}
}
