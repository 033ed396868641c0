package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/cli"
)

// A roll printed ahead: its labels are NOT_ACTIVATED, online and offline
// after a sync, until packing scans the first and the last label of a
// run; then those are genuine with the lot, and the rest of the roll is
// still not activated. Activating again is a no-op; another lot for the
// same labels is refused.
func TestActivateARollAtPacking(t *testing.T) {
	addr, _ := startServerAt(t, t.TempDir())
	cache := filepath.Join(t.TempDir(), "offline.json")
	out := filepath.Join(t.TempDir(), "roll.txt")
	if r := estamp(t, addr, "issue", "--product", "CHE-LAM-PHU-QUANG", "--inactive", "--quantity", "60", "--out", out); r.err != nil {
		t.Fatalf("issue --inactive: %v\n%s", r.err, r.errOut)
	}
	data, _ := os.ReadFile(out)
	codes := strings.Fields(string(data))
	if len(codes) != 60 {
		t.Fatalf("%d codes", len(codes))
	}
	verdictOf := func(args ...string) string {
		t.Helper()
		var v struct {
			Verdict string `json:"verdict"`
			Batch   struct {
				Lot string `json:"lot"`
			} `json:"batch"`
		}
		r := estampEnv(t, addr, cache, append([]string{"--json", "verify"}, args...)...)
		if err := json.Unmarshal([]byte(r.out), &v); err != nil {
			t.Fatalf("verify %v: %q %v", args, r.out, r.err)
		}
		return v.Verdict + " " + v.Batch.Lot
	}
	sync := func() {
		t.Helper()
		if r := estampEnv(t, addr, cache, "sync"); r.err != nil {
			t.Fatalf("sync: %v\n%s", r.err, r.errOut)
		}
	}
	sync()
	for _, args := range [][]string{{codes[0]}, {"--offline", codes[0]}} {
		if got := verdictOf(args...); got != "VERDICT_NOT_ACTIVATED " {
			t.Errorf("verify %v before activation: %s", args[:len(args)-1], got)
		}
	}
	r := estamp(t, addr, "verify", codes[0])
	if cli.ExitCode(r.err) != 3 || !strings.Contains(r.out+r.errOut, "TEM CHƯA ĐƯỢC KÍCH HOẠT") {
		t.Errorf("verify before activation: exit %d\n%s%s", cli.ExitCode(r.err), r.out, r.errOut)
	}

	// Packing scans the last label first: the order does not matter.
	r = estamp(t, addr, "activate", "--from", codes[49], "--to", codes[0], "--lot", "L2026-12", "--production-date", "2026-11-20", "--expiry-date", "2027-06-01")
	if r.err != nil || !strings.Contains(r.out, "Đã kích hoạt 50 tem của lô tem 1 (sê-ri 1 – 50) cho số lô L2026-12.") {
		t.Fatalf("activate: %v\n%s%s", r.err, r.out, r.errOut)
	}
	sync()
	for _, tt := range []struct {
		code, want string
	}{
		{codes[0], "VERDICT_GENUINE L2026-12"},
		{codes[49], "VERDICT_GENUINE L2026-12"},
		{codes[50], "VERDICT_NOT_ACTIVATED "},
		{codes[59], "VERDICT_NOT_ACTIVATED "},
	} {
		if got := verdictOf(tt.code); got != tt.want {
			t.Errorf("online %s: %s, want %s", tt.code[len(tt.code)-6:], got, tt.want)
		}
		offline, _, _ := strings.Cut(tt.want, " ")
		if got, _, _ := strings.Cut(verdictOf("--offline", tt.code), " "); got != offline {
			t.Errorf("offline %s: %s, want %s", tt.code[len(tt.code)-6:], got, offline)
		}
	}

	for _, tt := range []struct {
		args []string
		exit int
		want string
	}{
		{[]string{"activate", "--from", codes[0], "--to", codes[49], "--lot", "L2026-12", "--production-date", "2026-11-20", "--expiry-date", "2027-06-01"}, 0, "Đã kích hoạt 0 tem"},
		{[]string{"activate", "--from", codes[40], "--to", codes[55], "--lot", "KHAC"}, 1, "đã được kích hoạt với số lô L2026-12"},
		{[]string{"activate", "--batch", "1", "--first", "51", "--last", "55", "--lot", "L2026-12", "--production-date", "2026-11-20", "--expiry-date", "2027-06-01"}, 0, "Đã kích hoạt 5 tem của lô tem 1 (sê-ri 51 – 55)"},
		{[]string{"activate", "--from", codes[0], "--lot", "X"}, 2, "--from và --to đi cùng nhau"},
		{[]string{"activate", "--from", "not a code", "--to", codes[1], "--lot", "X"}, 2, "--from không phải mã tem OCOP"},
		{[]string{"activate", "--from", codes[0], "--to", codes[1]}, 2, "activate cần --lot"},
		{[]string{"issue", "--product", "CHE-LAM-PHU-QUANG", "--inactive", "--lot", "X", "--quantity", "1"}, 2, "không dùng cùng --lot"},
	} {
		r := estamp(t, addr, tt.args...)
		got := r.out + r.errOut
		if r.err != nil {
			got += r.err.Error()
		}
		if cli.ExitCode(r.err) != tt.exit || !strings.Contains(got, tt.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", tt.args, cli.ExitCode(r.err), tt.exit, tt.want, got)
		}
	}
	if r := estamp(t, addr, "batches", "list", "--product", "CHE-LAM-PHU-QUANG"); !strings.Contains(r.out, "(in sẵn)") {
		t.Errorf("batches list does not name the roll printed ahead:\n%s", r.out)
	}
	if r := estamp(t, addr, "batches", "show", "1"); !strings.Contains(r.out, "1 – 50: số lô L2026-12, sản xuất 20/11/2026, hạn 01/06/2027") || !strings.Contains(r.out, "51 – 55: số lô L2026-12") || !strings.Contains(r.out, "nhãn in sẵn") {
		t.Errorf("batches show does not list the activations:\n%s", r.out)
	}
}
