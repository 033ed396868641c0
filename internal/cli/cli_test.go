package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/cli"
	"github.com/ocopvn/estamp/internal/demo"
	"github.com/ocopvn/estamp/internal/safefile"
	"github.com/ocopvn/estamp/internal/server"
	"github.com/ocopvn/estamp/internal/verdict"
)

// adminTokens holds the admin token of each test server, by address.
var adminTokens sync.Map

// startServer runs a demo estampd on a loopback port; estamp() calls it
// with its admin token.
func startServer(t *testing.T) string {
	t.Helper()
	addr, _ := startServerAt(t, t.TempDir())
	return addr
}

// startServerAt runs estampd on dir, seeding the demo registry when the
// database is empty; stop closes it.
func startServerAt(t *testing.T, dir string) (addr string, stop func()) {
	t.Helper()
	return startServerWith(t, dir, "http://localhost:8080")
}

// startServerWith runs estampd on dir under a base URL; options change its
// configuration.
func startServerWith(t *testing.T, dir, baseURL string, options ...func(*server.Config)) (addr string, stop func()) {
	t.Helper()
	addr, srv := startEstampd(t, dir, baseURL, options...)
	return addr, func() { srv.Close() }
}

// startEstampd is startServerWith, giving the server itself.
func startEstampd(t *testing.T, dir, baseURL string, options ...func(*server.Config)) (string, *server.Server) {
	t.Helper()
	cfg := server.Config{DataDir: dir, BaseURL: baseURL, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, o := range options {
		o(&cfg)
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	empty, err := srv.Store.Empty(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if empty {
		if err := demo.Seed(context.Background(), srv.Registry); err != nil {
			t.Fatal(err)
		}
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.GRPC.Serve(lis)
	t.Cleanup(func() { srv.Close() })
	token, err := os.ReadFile(server.AdminTokenPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	adminTokens.Store(lis.Addr().String(), strings.TrimSpace(string(token)))
	return lis.Addr().String(), srv
}

type result struct {
	out, errOut string
	err         error
}

// runner is cli.Run or one of its variants for tests (export_test.go).
type runner func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

// paged is cli.Run reading lists in pages of size.
func paged(size int32) runner {
	return func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
		return cli.RunWithPageSize(ctx, args, getenv, stdout, stderr, size)
	}
}

// committing is cli.Run putting output files in place with commit.
func committing(commit func(*safefile.File) error) runner {
	return func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
		return cli.RunWithCommit(ctx, args, getenv, stdout, stderr, commit)
	}
}

// runIn runs the CLI through run in an environment of vars alone.
func runIn(run runner, vars map[string]string, args ...string) result {
	var out, errOut strings.Builder
	err := run(context.Background(), args, func(k string) string { return vars[k] }, &out, &errOut)
	return result{out.String(), errOut.String(), err}
}

// adminToken is the admin token of the test server at addr.
func adminToken(addr string) string {
	token, _ := adminTokens.Load(addr)
	s, _ := token.(string)
	return s
}

// estamp runs the CLI against addr with the server's admin token.
func estamp(t *testing.T, addr string, args ...string) result {
	t.Helper()
	return estampAs(t, addr, adminToken(addr), args...)
}

// The README's tour, as a test.
func TestTour(t *testing.T) {
	addr := startServer(t)
	r := estamp(t, addr, "products", "list")
	if r.err != nil || !strings.Contains(r.out, "Chè lam Phủ Quảng") || !strings.Contains(r.out, "★★★★★") || !strings.Contains(r.out, "Đã thu hồi") {
		t.Fatalf("products list: %v\n%s", r.err, r.out)
	}
	codes := filepath.Join(t.TempDir(), "codes.txt")
	r = estamp(t, addr, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L2026-11", "--quantity", "10", "--expiry-date", "2027-05-01", "--out", codes)
	if r.err != nil || !strings.Contains(r.out, "Đã phát hành lô tem 1: 10 tem") {
		t.Fatalf("issue: %v\n%s%s", r.err, r.out, r.errOut)
	}
	data, err := os.ReadFile(codes)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(data))
	if len(lines) != 10 {
		t.Fatalf("%d codes written, want 10", len(lines))
	}
	r = estamp(t, addr, "verify", lines[0])
	if r.err != nil || cli.ExitCode(r.err) != 0 || !strings.Contains(r.out, "CHÍNH HÃNG") || !strings.Contains(r.out, "Xã Vĩnh Lộc, Thanh Hóa") {
		t.Fatalf("verify: %v\n%s", r.err, r.out)
	}
	tampered := lines[0][:len(lines[0])-10] + swap(lines[0][len(lines[0])-10]) + lines[0][len(lines[0])-9:]
	r = estamp(t, addr, "verify", tampered)
	if cli.ExitCode(r.err) != 3 || !strings.Contains(r.out, badSignature) {
		t.Fatalf("verify tampered: exit %d\n%s", cli.ExitCode(r.err), r.out)
	}
	r = estamp(t, addr, "--json", "verify", lines[1])
	var v struct {
		Verdict string `json:"verdict"`
		Origin  struct {
			Province string `json:"province"`
		} `json:"origin"`
	}
	if err := json.Unmarshal([]byte(r.out), &v); err != nil || v.Verdict != "VERDICT_GENUINE" || v.Origin.Province != "Thanh Hóa" {
		t.Fatalf("verify --json: %v %+v\n%s", err, v, r.out)
	}
	r = estamp(t, addr, "batches", "list", "--product", "CHE-LAM-PHU-QUANG")
	if r.err != nil || !strings.Contains(r.out, "L2026-11") {
		t.Fatalf("batches list: %v\n%s", r.err, r.out)
	}
	r = estamp(t, addr, "batches", "show", "1", "--codes")
	if r.err != nil || !strings.Contains(r.out, lines[9]) {
		t.Fatalf("batches show: %v\n%s", r.err, r.out)
	}
	r = estamp(t, addr, "keys", "list")
	if r.err != nil || !strings.Contains(r.out, "Ed25519") {
		t.Fatalf("keys list: %v\n%s", r.err, r.out)
	}
}

// badSignature is how the CLI labels an altered code.
var badSignature = verdict.Tell(estampv1.Verdict_VERDICT_BAD_SIGNATURE, nil).Label.VI

func swap(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func TestRegistryCommands(t *testing.T) {
	addr := startServer(t)
	r := estamp(t, addr, "producers", "add", "--id", "HTX-MAM-TEP", "--name", "Hợp tác xã Mắm tép Hà Yên", "--kind", "cooperative",
		"--province", "Thanh Hóa", "--commune", "Xã Hà Trung", "--legacy-district", "Huyện Hà Trung")
	if r.err != nil || !strings.Contains(r.out, "trước 2025: Huyện Hà Trung") {
		t.Fatalf("producers add: %v\n%s", r.err, r.out)
	}
	r = estamp(t, addr, "products", "add", "--id", "MAM-TEP", "--producer", "HTX-MAM-TEP", "--name", "Mắm tép", "--group", "food",
		"--stars", "3", "--decision", "77/QĐ-UBND", "--decision-date", "2025-10-01")
	if r.err != nil || !strings.Contains(r.out, "30/09/2028") || !strings.Contains(r.out, "UBND tỉnh") {
		t.Fatalf("products add: %v\n%s", r.err, r.out)
	}
	r = estamp(t, addr, "products", "revoke", "MAM-TEP", "--reason", "Vi phạm chất lượng")
	if r.err != nil || !strings.Contains(r.out, "Đã thu hồi") {
		t.Fatalf("products revoke: %v\n%s", r.err, r.out)
	}
	r = estamp(t, addr, "products", "renew", "MAM-TEP", "--stars", "4", "--decision", "88/QĐ-UBND", "--decision-date", "2026-06-01")
	if r.err != nil || !strings.Contains(r.out, "Còn hiệu lực") || !strings.Contains(r.out, "★★★★☆") {
		t.Fatalf("products renew: %v\n%s", r.err, r.out)
	}
	r = estamp(t, addr, "producers", "show", "HTX-MAM-TEP")
	if r.err != nil || !strings.Contains(r.out, "Hợp tác xã Mắm tép Hà Yên") {
		t.Fatalf("producers show: %v\n%s", r.err, r.out)
	}
}

func TestErrorsAndExitCodes(t *testing.T) {
	addr := startServer(t)
	tests := []struct {
		name    string
		args    []string
		exit    int
		mention string
	}{
		{"no command", nil, 2, ""},
		{"unknown command", []string{"fly"}, 2, "fly"},
		{"bad kind", []string{"producers", "add", "--kind", "club"}, 2, "--kind"},
		{"missing arg", []string{"verify"}, 2, "verify CODE"},
		{"empty code", []string{"verify", ""}, 2, "mã trống"},
		{"issue without a lot", []string{"issue", "--product", "CHE-LAM-PHU-QUANG", "--quantity", "2"}, 2, "--lot"},
		{"issue without a quantity", []string{"issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L1"}, 2, "--quantity"},
		{"issue without a product", []string{"issue", "--lot", "L1", "--quantity", "2"}, 2, "--product"},
		{"server refuses", []string{"issue", "--product", "BANH-GAI-TU-TRU", "--lot", "X", "--quantity", "1"}, 1, "FailedPrecondition"},
		{"not found", []string{"products", "show", "KHONG-CO"}, 1, "NotFound"},
		{"invalid", []string{"issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "X", "--quantity", "0"}, 1, "quantity"},
		{"not a stamp", []string{"verify", "https://example.com"}, 3, "MALFORMED"},
		{"unknown subcommand", []string{"producers", "fly"}, 2, `producers "fly": cần list, show hoặc add`},
		{"no subcommand", []string{"admin"}, 2, "admin: cần tokens, accounts, keys, audit, backup hoặc trust-list"},
		{"no sub-subcommand", []string{"admin", "tokens"}, 2, "admin tokens: cần create, list hoặc revoke"},
		{"unknown top-level flag", []string{"--fly", "keys", "list"}, 2, "-fly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := estamp(t, addr, tt.args...)
			if got := cli.ExitCode(r.err); got != tt.exit {
				t.Errorf("exit = %d, want %d (err %v)", got, tt.exit, r.err)
			}
			if r.err != nil && !strings.Contains(cli.Describe(r.err), tt.mention) {
				t.Errorf("message %q does not mention %q", cli.Describe(r.err), tt.mention)
			}
		})
	}
	if cli.ExitCode(errors.New("x")) != 1 {
		t.Error("plain error is not exit 1")
	}
}

func TestLabelsCommand(t *testing.T) {
	addr := startServer(t)
	if r := estamp(t, addr, "issue", "--product", "MAM-TEP-HA-YEN", "--lot", "MT-1", "--quantity", "30"); r.err != nil {
		t.Fatal(r.err)
	}
	dir := t.TempDir()
	// Each says how many labels, and on how many pages, it wrote: 30
	// labels are 30 roll labels, or 2 A4 sheets of 24.
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--out", filepath.Join(dir, "local.pdf"), "--layout", "roll-40x30"}, ": 30 nhãn trên 30 trang"},
		{[]string{"--out", filepath.Join(dir, "remote.pdf"), "--remote"}, ": 30 nhãn trên 2 trang"},
		{[]string{"--out", filepath.Join(dir, "png"), "--size", "300"}, ": 30 nhãn, mỗi nhãn một ảnh png"},
		{[]string{"--out", filepath.Join(dir, "svg.zip"), "--format", "svg", "--remote"}, ": 30 nhãn, mỗi nhãn một ảnh svg"},
	} {
		r := estamp(t, addr, append([]string{"labels", "--batch", "1"}, c.args...)...)
		if r.err != nil || !strings.Contains(r.out, "Đã ghi") || !strings.Contains(r.out, c.says) {
			t.Fatalf("labels %v: %v, want it to say %q\n%s", c.args, r.err, c.says, r.out)
		}
	}
	for _, pdf := range []string{"local.pdf", "remote.pdf"} {
		data, err := os.ReadFile(filepath.Join(dir, pdf))
		if err != nil || !bytes.HasPrefix(data, []byte("%PDF")) {
			t.Errorf("%s: %v", pdf, err)
		}
	}
	if pngs, _ := filepath.Glob(filepath.Join(dir, "png", "*.png")); len(pngs) != 30 {
		t.Errorf("%d PNG files, want 30", len(pngs))
	}
	if info, err := os.Stat(filepath.Join(dir, "svg.zip")); err != nil || info.Size() == 0 {
		t.Errorf("svg.zip: %v", err)
	}
	r := estamp(t, addr, "labels", "--layout", "list")
	if r.err != nil || !strings.Contains(r.out, "a4-5x13") || !strings.Contains(r.out, "roll-40x30") {
		t.Errorf("layout list: %v\n%s", r.err, r.out)
	}
	r = estamp(t, addr, "labels", "--batch", "1", "--out", filepath.Join(dir, "bad.pdf"), "--layout", "custom:210x297,10x30,20x9")
	if cli.ExitCode(r.err) != 2 || !strings.Contains(cli.Describe(r.err), "0.33 mm") {
		t.Errorf("tiny layout: exit %d, %v", cli.ExitCode(r.err), r.err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.pdf")); err == nil {
		t.Error("a refused render left a file")
	}
	r = estamp(t, addr, "labels", "--batch", "77", "--out", filepath.Join(dir, "none.pdf"))
	if cli.ExitCode(r.err) != 1 || !strings.Contains(cli.Describe(r.err), "NotFound") {
		t.Errorf("unknown batch: %v", r.err)
	}

	// The CLI and LabelService render one job with one renderer: a file
	// made here and one made with --remote are the same, byte for byte
	// (a zip's files but for the times each side's clock gives them).
	for n, job := range [][]string{
		{"--layout", "a4-5x13"},
		{"--layout", "custom:210x297,4x10,48x25,9x23.5,0x0"},
		{"--format", "png", "--dpi", "600", "--mm", "20"},
		{"--format", "SVG"},
	} {
		var files [2][]byte
		for i, where := range []string{"", "--remote"} {
			out := filepath.Join(dir, fmt.Sprintf("%d-%d.pdf", n, i))
			if job[0] == "--format" {
				out = strings.TrimSuffix(out, ".pdf") + ".zip"
			}
			args := append([]string{"labels", "--batch", "1", "--quiet", "--out", out}, job...)
			if where != "" {
				args = append(args, where)
			}
			if r := estamp(t, addr, args...); r.err != nil {
				t.Fatalf("%v: %v", args, r.err)
			}
			var err error
			if files[i], err = os.ReadFile(out); err != nil {
				t.Fatal(err)
			}
		}
		if !sameFile(t, files[0], files[1]) {
			t.Errorf("%v: %d bytes here, %d bytes from the server, not the same", job, len(files[0]), len(files[1]))
		}
	}
}

func TestIntakeRevokeHistoryAndOffline(t *testing.T) {
	addr := startServer(t)
	dir := t.TempDir()
	codesFile := filepath.Join(dir, "codes.txt")
	if r := estamp(t, addr, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "CL-9", "--quantity", "6", "--out", codesFile); r.err != nil {
		t.Fatal(r.err)
	}
	data, _ := os.ReadFile(codesFile)
	codes := strings.Fields(string(data))

	r := estamp(t, addr, "retailers", "list")
	if r.err != nil || !strings.Contains(r.out, "CH-OCOP-HAC-THANH") || !strings.Contains(r.out, "ST-SAM-SON") {
		t.Fatalf("demo retailers: %v\n%s", r.err, r.out)
	}
	if r := estamp(t, addr, "retailers", "add", "--id", "CH-3", "--name", "Cửa hàng 3", "--province", "Thanh Hóa", "--commune", "Xã Nga Sơn"); r.err != nil {
		t.Fatal(r.err)
	}
	if r := estamp(t, addr, "retailers", "show", "CH-3"); r.err != nil || !strings.Contains(r.out, "Xã Nga Sơn") {
		t.Fatalf("retailers show: %v", r.err)
	}

	// As a handheld scanner types them: lower case, stray spaces, CRLF.
	good := filepath.Join(dir, "good.txt")
	os.WriteFile(good, []byte(strings.ToLower(codes[0])+"\r\n  "+codes[1]+"  \r\n\r\n"+codes[2]+"\n"), 0o600)
	r = estamp(t, addr, "intake", "--retailer", "CH-OCOP-HAC-THANH", good)
	if r.err != nil || cli.ExitCode(r.err) != 0 || !strings.Contains(r.out, "Mọi mã đều chính hãng") {
		t.Fatalf("clean delivery: exit %d %v\n%s", cli.ExitCode(r.err), r.err, r.out)
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte(codes[0]+"\n"+codes[3]+"\nxin chào\n"), 0o600)
	r = estamp(t, addr, "intake", "--retailer", "ST-SAM-SON", bad)
	if cli.ExitCode(r.err) != 3 || !strings.Contains(r.out, "NGHI TEM SAO CHÉP") || !strings.Contains(r.out, "KHÔNG PHẢI MÃ TEM OCOP") {
		t.Fatalf("bad delivery: exit %d\n%s", cli.ExitCode(r.err), r.out)
	}

	// Offline: sync, then revoke while "offline", and see the cache's age.
	r = estamp(t, addr, "revoke", "--serial", "4", "--reason", "Tem bị mất")
	if r.err != nil || !strings.Contains(r.out, "1 tem") {
		t.Fatalf("revoke serial: %v\n%s", r.err, r.out)
	}
	r = estampEnv(t, addr, filepath.Join(dir, "cache.json"), "sync")
	if r.err != nil || !strings.Contains(r.out, "1 mục thu hồi") {
		t.Fatalf("sync: %v\n%s", r.err, r.out)
	}
	r = estampEnv(t, "127.0.0.1:1", filepath.Join(dir, "cache.json"), "verify", "--offline", codes[5])
	if r.err != nil || !strings.Contains(r.out, "CHÍNH HÃNG") || !strings.Contains(r.out, "NGOẠI TUYẾN") || !strings.Contains(r.out, "(vừa xong)") {
		t.Fatalf("offline genuine: %v\n%s", r.err, r.out)
	}
	r = estampEnv(t, "127.0.0.1:1", filepath.Join(dir, "cache.json"), "verify", "--offline", codes[3])
	if cli.ExitCode(r.err) != 3 || !strings.Contains(r.out, "Tem bị mất") {
		t.Fatalf("offline revoked: %v\n%s", r.err, r.out)
	}
	tampered := codes[5][:100] + map[bool]string{true: "B", false: "A"}[codes[5][100] == 'A'] + codes[5][101:]
	if r = estampEnv(t, "127.0.0.1:1", filepath.Join(dir, "cache.json"), "verify", "--offline", tampered); cli.ExitCode(r.err) != 3 || !strings.Contains(r.out, badSignature) {
		t.Fatalf("offline tampered: %v\n%s", r.err, r.out)
	}

	// Recall the lot; the next sync fetches only the change.
	if r := estamp(t, addr, "revoke", "--batch", "1", "--reason", "Thu hồi lô"); r.err != nil {
		t.Fatal(r.err)
	}
	r = estampEnv(t, addr, filepath.Join(dir, "cache.json"), "sync")
	if r.err != nil || !strings.Contains(r.out, "1 mục thu hồi tem và 0 thay đổi chứng nhận mới (phiên bản 3)") {
		t.Fatalf("second sync: %v\n%s", r.err, r.out)
	}
	r = estamp(t, addr, "history", "1")
	for _, want := range []string{"Phát hành", "Cửa hàng nhận", "CH-OCOP-HAC-THANH", "ST-SAM-SON", "Thu hồi cả lô"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("history lacks %q:\n%s", want, r.out)
		}
	}
	if r := estamp(t, addr, "revoke", "--reason", "x"); cli.ExitCode(r.err) != 2 {
		t.Errorf("revoke without target: %v", r.err)
	}
}

// revoke --batch recalls a batch and revoke --serial revokes serials of
// any batches; batches revoke ID does the same within one batch, and
// refuses a serial of another.
func TestRevokeCommands(t *testing.T) {
	addr := startServer(t)
	for _, n := range []string{"3", "2"} { // batch 1: serials 1-3; batch 2: 4-5
		if r := estamp(t, addr, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "R-"+n, "--quantity", n); r.err != nil {
			t.Fatal(r.err)
		}
	}
	tests := []struct {
		args []string
		exit int
		want string // in the output, or in the error
	}{
		{[]string{"batches", "revoke", "1", "--serial", "4", "--reason", "Tem bị mất"}, 1, "stamps.serials: sê-ri 4 (vị trí 0) không thuộc lô tem 1"},
		{[]string{"batches", "revoke", "1", "--serial", "9", "--reason", "Tem bị mất"}, 1, "stamps.serials: sê-ri 9 (vị trí 0) chưa từng được phát hành"},
		{[]string{"batches", "revoke", "1", "--serial", "2", "--reason", "Tem bị mất"}, 0, "Đã thu hồi 1 tem của lô 1."},
		{[]string{"batches", "show", "1"}, 0, "Sê-ri đã thu hồi:  2\n"},
		{[]string{"revoke", "--serial", "2", "--serial", "3", "--reason", "Tem bị mất"}, 0, "Đã thu hồi thêm 1 tem"},
		{[]string{"batches", "show", "1"}, 0, "Sê-ri đã thu hồi:  2 – 3\n"},
		{[]string{"--lang", "en", "batches", "show", "1"}, 0, "Revoked serials:  2 – 3\n"},
		{[]string{"revoke", "--serial", "4", "--serial", "2", "--reason", "Tem bị mất"}, 0, "Đã thu hồi thêm 1 tem"},
		{[]string{"batches", "revoke", "2", "--reason", "Thu hồi lô"}, 0, "tem của lô 2."},
		// Serials 2 and 3 of the 3 were revoked above: the recall adds
		// the other one, and a serial of the recalled batch adds none.
		{[]string{"revoke", "--batch", "1", "--reason", "Thu hồi lô"}, 0, "Đã thu hồi thêm 1 tem"},
		{[]string{"revoke", "--batch", "1", "--reason", "Thu hồi lô"}, 0, "Đã thu hồi thêm 0 tem"},
		{[]string{"revoke", "--serial", "1", "--reason", "Tem bị mất"}, 0, "Đã thu hồi thêm 0 tem"},
		{[]string{"revoke", "--batch", "1", "--serial", "3", "--reason", "x"}, 2, "revoke --batch MÃ"},
		{[]string{"revoke", "--batch", "0", "--reason", "x"}, 2, "revoke --batch MÃ"},
	}
	for _, tt := range tests {
		r := estamp(t, addr, tt.args...)
		got := r.out
		if r.err != nil {
			got += r.err.Error()
		}
		if cli.ExitCode(r.err) != tt.exit || !strings.Contains(got, tt.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", tt.args, cli.ExitCode(r.err), tt.exit, tt.want, got)
		}
	}
	r := estamp(t, addr, "history", "2")
	for _, want := range []string{"Thu hồi tem", "Thu hồi cả lô"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("history 2 lacks %q:\n%s", want, r.out)
		}
	}
}

// estampEnv runs the CLI without a token, with its offline cache in cache.
func estampEnv(t *testing.T, addr, cache string, args ...string) result {
	t.Helper()
	return runIn(cli.Run, map[string]string{"ESTAMP_SERVER": addr, "ESTAMP_CACHE": cache}, args...)
}

// TestIssueUsageNeedsNoServer: an issue command missing what it cannot
// do without is a usage error (exit 2) before anything is dialled: the
// server here does not exist, and a call would fail with exit 1.
func TestIssueUsageNeedsNoServer(t *testing.T) {
	for _, args := range [][]string{
		{"issue", "--product", "P", "--quantity", "2"},
		{"issue", "--product", "P", "--lot", "L"},
		{"issue", "--lot", "L", "--quantity", "2"},
	} {
		r := runIn(cli.Run, map[string]string{"ESTAMP_SERVER": "127.0.0.1:1", "ESTAMP_TOKEN": "estamp_0123456789abcdef_" + strings.Repeat("A", 43)}, args...)
		if cli.ExitCode(r.err) != 2 {
			t.Errorf("%v: exit %d, %v", args, cli.ExitCode(r.err), r.err)
		}
	}
}

// TestVerifyHelpShowsOfflineAsASwitch: --offline takes no value, and the
// help must not print one after it.
func TestVerifyHelpShowsOfflineAsASwitch(t *testing.T) {
	r := runIn(cli.Run, map[string]string{}, "verify", "--help")
	if !strings.Contains(r.errOut+r.out, "-offline\n") {
		t.Errorf("verify --help:\n%s%s", r.out, r.errOut)
	}
}
