package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/cli"
)

// trustData is a file of internal/trust's test data: the test anchor and
// the issuers of the golden vector.
func trustData(name string) string { return filepath.Join("..", "trust", "testdata", name) }

// The national operator signs a list offline and reads it back, in each
// language; the signed file is what a reader checks, so show refuses it
// against another anchor, after its expiry, and once altered.
func TestTrustListSignAndShow(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "trust-list.json")
	signedAt := time.Date(2026, 11, 28, 3, 4, 5, 0, time.UTC)
	sign := []string{"admin", "trust-list", "sign", "--issuers", trustData("issuers.json"), "--anchor-key", trustData("anchor-test-key.pem"),
		"--version", "7", "--expires", "2026-12-31", "--out", out}
	r := runIn(cli.RunAt(signedAt), nil, sign...)
	if r.err != nil {
		t.Fatalf("sign: %v\n%s", cli.Describe(r.err), r.errOut)
	}
	if !strings.Contains(r.out, "phiên bản 7: 2 đơn vị cấp tem, 3 khóa") || !strings.Contains(r.out, "24f6ed6a") {
		t.Errorf("sign said:\n%s", r.out)
	}
	// Signing again neither replaces the list without --force nor fails
	// with it.
	if r := runIn(cli.RunAt(signedAt), nil, sign...); cli.ExitCode(r.err) == 0 || !strings.Contains(cli.Describe(r.err), "--force") {
		t.Errorf("sign over an existing file: %v", r.err)
	}
	if r := runIn(cli.RunAt(signedAt), nil, append(sign, "--force")...); r.err != nil {
		t.Errorf("sign --force: %v", r.err)
	}
	signed, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// Signed by the test anchor (its expiry, the next midnight in Vietnam
	// after --expires, is checked by show --json below).
	if !strings.Contains(string(signed), `"key_id":"24f6ed6a"`) {
		t.Errorf("signed file: %s", signed)
	}

	show := []string{"admin", "trust-list", "show", out, "--anchor", trustData("anchor-test-pub.pem")}
	later := signedAt.Add(24 * time.Hour)
	for _, tt := range []struct {
		name string
		args []string
		want []string
	}{
		{"Vietnamese", nil, []string{
			"Danh sách tin cậy phiên bản 7, chữ ký hợp lệ của khóa gốc 24f6ed6a",
			"hiệu lực đến 00:00, 01/01/2027",
			"MÃ TỈNH", "38       Tỉnh Thanh Hóa", "HTTPS://TEM.HANOI.EXAMPLE HTTPS://OCOP.HANOI.EXAMPLE/TEM",
			"519cae93  ngừng ký, vẫn xác thực  00:00, 01/01/2032",
			"https://tem.thanhhoa.example/.well-known/estamp-revocations.json"}},
		{"English", []string{"--lang", "en"}, []string{
			"Trust list version 7, validly signed by anchor 24f6ed6a",
			"valid until 1 Jan 2027, 00:00 (UTC+7)", "ID  ISSUER", "68894d58  signing"}},
		{"JSON", []string{"--json"}, []string{`"version":7`, `"expires":"2026-12-31T17:00:00Z"`, `"issued":"2026-11-28T03:04:05Z"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runIn(cli.RunAt(later), nil, append(show, tt.args...)...)
			if r.err != nil {
				t.Fatalf("show: %v", cli.Describe(r.err))
			}
			for _, w := range tt.want {
				if !strings.Contains(r.out, w) {
					t.Errorf("show does not say %q:\n%s", w, r.out)
				}
			}
		})
	}

	altered := filepath.Join(dir, "altered.json")
	flipped := []byte(strings.Replace(string(signed), `"payload":"ey`, `"payload":"ez`, 1))
	if err := os.WriteFile(altered, flipped, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		now  time.Time
		args []string
		want string
	}{
		{"other anchor", later, []string{"show", out, "--anchor", trustData("other-anchor-test-pub.pem")}, "không phải khóa gốc tin cậy đã cấu hình"},
		{"expired", time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC), []string{"show", out, "--anchor", trustData("anchor-test-pub.pem")}, "đã hết hạn"},
		{"altered", later, []string{"show", altered, "--anchor", trustData("anchor-test-pub.pem")}, "chữ ký sai"},
		{"altered, in English", later, []string{"show", altered, "--anchor", trustData("anchor-test-pub.pem"), "--lang", "en"}, "trust list " + altered + " refused: signature: bad signature"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runIn(cli.RunAt(tt.now), nil, append([]string{"admin", "trust-list"}, tt.args...)...)
			if cli.ExitCode(r.err) != 1 || !strings.Contains(cli.Describe(r.err), tt.want) {
				t.Fatalf("exit %d, %q; want 1 and %q", cli.ExitCode(r.err), cli.Describe(r.err), tt.want)
			}
		})
	}
}

func TestTrustListSignRefuses(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(trustData("issuers.json"))
	if err != nil {
		t.Fatal(err)
	}
	badIssuers := filepath.Join(dir, "dup.json")
	if err := os.WriteFile(badIssuers, []byte(strings.Replace(string(good), `"id": "01"`, `"id": "38"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 28, 3, 4, 5, 0, time.UTC)
	base := func(issuers, expires string) []string {
		return []string{"admin", "trust-list", "sign", "--issuers", issuers, "--anchor-key", trustData("anchor-test-key.pem"),
			"--version", "1", "--expires", expires, "--out", filepath.Join(dir, "out.json")}
	}
	for _, tt := range []struct {
		name string
		args []string
		exit int
		want string
	}{
		{"expires today is fine, yesterday is not", base(trustData("issuers.json"), "2026-11-27"), 2, "--expires \"2026-11-27\""},
		{"not a date", base(trustData("issuers.json"), "31/12/2026"), 2, "--expires"},
		{"no version", []string{"admin", "trust-list", "sign", "--issuers", "x", "--anchor-key", "y", "--expires", "2027-01-01", "--out", "z"}, 2, "cần --version"},
		{"no anchor key", []string{"admin", "trust-list", "sign", "--issuers", "x", "--version", "1", "--expires", "2027-01-01", "--out", "z"}, 2, "cần --anchor-key"},
		{"duplicate issuer", base(badIssuers, "2027-01-01"), 1, `issuers[1].id: mã "38" xuất hiện hai lần`},
		{"show without --anchor", []string{"admin", "trust-list", "show", "x"}, 2, "cần --anchor"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runIn(cli.RunAt(now), nil, tt.args...)
			if cli.ExitCode(r.err) != tt.exit || !strings.Contains(cli.Describe(r.err), tt.want) {
				t.Fatalf("exit %d, %q; want %d and %q", cli.ExitCode(r.err), cli.Describe(r.err), tt.exit, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "out.json")); err == nil {
		t.Error("a refused list was written")
	}
	if r := runIn(cli.RunAt(now), nil, base(trustData("issuers.json"), "2026-11-28")...); r.err != nil {
		t.Errorf("expires today: %v", cli.Describe(r.err))
	}
}
