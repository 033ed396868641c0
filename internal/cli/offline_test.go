package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/cli"
	"github.com/ocopvn/estamp/internal/stampcode"
)

// Offline verification says what the server says, for every state a sync
// knows: revoked stamps and batches, revoked, expired and renewed
// certificates, retired and compromised keys, addresses that are not the
// service's, tampered codes. Server and CLI reach the verdict through the
// same package, in the same steps.
func TestOfflineAgreesWithServer(t *testing.T) {
	dir := t.TempDir()
	cache := filepath.Join(t.TempDir(), "offline.json")
	addr, stop := startServerWith(t, dir, "http://localhost:8080")
	issue := func(product string, n string) []string {
		t.Helper()
		out := filepath.Join(t.TempDir(), "codes.txt")
		if r := estamp(t, addr, "issue", "--product", product, "--lot", "L-"+product, "--quantity", n, "--out", out); r.err != nil {
			t.Fatalf("issue %s: %v\n%s", product, r.err, r.errOut)
		}
		data, _ := os.ReadFile(out)
		return strings.Fields(string(data))
	}
	run := func(args ...string) {
		t.Helper()
		if r := estamp(t, addr, args...); r.err != nil {
			t.Fatalf("%v: %v\n%s%s", args, r.err, r.out, r.errOut)
		}
	}
	type answer struct {
		Verdict   string `json:"verdict"`
		Message   string `json:"message"`
		MessageEn string `json:"message_en"`
	}
	verdictOf := func(r result) answer {
		var v answer
		if err := json.Unmarshal([]byte(r.out), &v); err != nil || v.Verdict == "" {
			t.Fatalf("no verdict in %q (%v)", r.out, r.err)
		}
		return v
	}
	compare := func(phase string, codes map[string]string, want map[string]string) {
		t.Helper()
		if r := estampEnv(t, addr, cache, "sync"); r.err != nil {
			t.Fatalf("sync: %v\n%s", r.err, r.errOut)
		}
		for name, code := range codes {
			online := verdictOf(estamp(t, addr, "--json", "verify", code))
			offline := verdictOf(estampEnv(t, "127.0.0.1:1", cache, "--json", "verify", "--offline", code))
			if online.Verdict != offline.Verdict || online.Verdict != want[name] {
				t.Errorf("%s, %s: online %s, offline %s, want %s", phase, name, online.Verdict, offline.Verdict, want[name])
			}
			// In the same words too, reasons included; only a genuine
			// stamp is told online by its scans, which offline cannot know.
			if online.Verdict != "VERDICT_GENUINE" && (online.Message != offline.Message || online.MessageEn != offline.MessageEn) {
				t.Errorf("%s, %s: online says %q / %q, offline %q / %q", phase, name, online.Message, online.MessageEn, offline.Message, offline.MessageEn)
			}
		}
	}

	plain := issue("CHE-LAM-PHU-QUANG", "6")
	recalled := issue("CHIEU-COI-NGA-SON", "2")
	certRevoked := issue("TUI-COI-NGA-SON", "2")
	certExpired := issue("MAM-TEP-HA-YEN", "2")
	renewed := issue("RUOU-NEP-TU-TRU", "2")
	ranged := issue("CHE-LAM-PHU-QUANG", "5")
	run("revoke", "--serial", "2", "--reason", "Tem bị mất")
	// One call, one list entry: serials as the ranges a, a+1 and a+3.
	serial := func(code string) string {
		tok, err := stampcode.Parse(code)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(tok.Claims.Serial)
	}
	run("revoke", "--serial", serial(ranged[3]), "--serial", serial(ranged[0]), "--serial", serial(ranged[1]), "--reason", "Tem in lỗi")
	run("batches", "revoke", "2", "--reason", "Thu hồi lô")
	run("products", "revoke", "TUI-COI-NGA-SON", "--reason", "Không đạt")
	run("products", "renew", "MAM-TEP-HA-YEN", "--stars", "3", "--decision", "9/QĐ-UBND", "--decision-date", "2021-01-04", "--force")
	run("products", "renew", "RUOU-NEP-TU-TRU", "--stars", "3", "--decision", "8/QĐ-UBND", "--decision-date", "2021-01-04", "--force")
	run("products", "renew", "RUOU-NEP-TU-TRU", "--stars", "4", "--decision", "10/QĐ-UBND", "--decision-date", "2026-10-01")
	token := func(code string) string { return code[strings.LastIndex(code, "/")+1:] }
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	last := plain[5][len(plain[5])-1]
	nonCanonical := plain[5][:len(plain[5])-1] + string(alphabet[strings.IndexByte(alphabet, last)|1])
	tampered := plain[4][:100] + map[bool]string{true: "B", false: "A"}[plain[4][100] == 'A'] + plain[4][101:]
	codes := map[string]string{
		"genuine":                  plain[0],
		"lower case, bare token":   strings.ToLower(token(plain[2])),
		"stamp revoked":            plain[1],
		"batch revoked":            recalled[0],
		"certificate revoked":      certRevoked[0],
		"certificate expired":      certExpired[0],
		"certificate renewed":      renewed[0],
		"another host":             "HTTPS://EVIL.EXAMPLE/V/" + token(plain[3]),
		"another path":             "HTTP://LOCALHOST:8080/X/V/" + token(plain[3]),
		"tampered":                 tampered,
		"altered last character":   nonCanonical,
		"Unicode upper-case trick": strings.NewReplacer("S", "\u017f", "I", "\u0131").Replace(plain[3]),
		"first of a range":         ranged[0],
		"end of a range":           ranged[1],
		"between two ranges":       ranged[2],
		"range of one":             ranged[3],
		"after the last range":     ranged[4],
	}
	want := map[string]string{
		"genuine": "VERDICT_GENUINE", "lower case, bare token": "VERDICT_GENUINE", "stamp revoked": "VERDICT_REVOKED",
		"batch revoked": "VERDICT_REVOKED", "certificate revoked": "VERDICT_CERTIFICATE_REVOKED",
		"certificate expired": "VERDICT_CERTIFICATE_EXPIRED", "certificate renewed": "VERDICT_GENUINE",
		"another host": "VERDICT_MALFORMED", "another path": "VERDICT_MALFORMED", "tampered": "VERDICT_BAD_SIGNATURE",
		"altered last character": "VERDICT_BAD_SIGNATURE", "Unicode upper-case trick": "VERDICT_MALFORMED",
		"first of a range": "VERDICT_REVOKED", "end of a range": "VERDICT_REVOKED", "between two ranges": "VERDICT_GENUINE",
		"range of one": "VERDICT_REVOKED", "after the last range": "VERDICT_GENUINE",
	}
	compare("first address", codes, want)
	for _, empty := range []string{"", " \t\r\n"} {
		if r := estamp(t, addr, "verify", empty); cli.ExitCode(r.err) != 2 {
			t.Errorf("verify %q online: exit %d", empty, cli.ExitCode(r.err))
		}
		if r := estampEnv(t, "127.0.0.1:1", cache, "verify", "--offline", empty); cli.ExitCode(r.err) != 2 {
			t.Errorf("verify %q offline: exit %d", empty, cli.ExitCode(r.err))
		}
	}

	// The service moves to a new address and rotates its key: old labels
	// keep verifying under the address they were printed with, new ones
	// only under the new address.
	stop()
	addr, stop = startServerWith(t, dir, "https://tem.ocop.example.vn")
	defer stop()
	run("admin", "keys", "rotate")
	moved := issue("CHE-LAM-PHU-QUANG", "2")
	if !strings.HasPrefix(moved[0], "HTTPS://TEM.OCOP.EXAMPLE.VN/V/") {
		t.Fatalf("new code %s", moved[0])
	}
	codes = map[string]string{
		"old label, old address":         plain[0],
		"old label, new address":         "HTTPS://TEM.OCOP.EXAMPLE.VN/V/" + token(plain[0]),
		"new label, new address":         moved[0],
		"new label, old address":         "HTTP://LOCALHOST:8080/V/" + token(moved[0]),
		"old label, stamp revoked":       plain[1],
		"old label, retired key":         plain[2],
		"old label, certificate expired": certExpired[0],
	}
	want = map[string]string{
		"old label, old address": "VERDICT_GENUINE", "old label, new address": "VERDICT_GENUINE",
		"new label, new address": "VERDICT_GENUINE", "new label, old address": "VERDICT_MALFORMED",
		"old label, stamp revoked": "VERDICT_REVOKED", "old label, retired key": "VERDICT_GENUINE",
		"old label, certificate expired": "VERDICT_CERTIFICATE_EXPIRED",
	}
	compare("after moving", codes, want)

	// The old key leaks.
	r := estamp(t, addr, "--json", "keys", "list")
	var keys struct {
		Keys []struct {
			KeyID  string `json:"key_id"`
			Active bool   `json:"active"`
		} `json:"keys"`
	}
	if err := json.Unmarshal([]byte(r.out), &keys); err != nil || len(keys.Keys) != 2 {
		t.Fatalf("keys: %v\n%s", err, r.out)
	}
	old := keys.Keys[1].KeyID
	if keys.Keys[1].Active {
		old = keys.Keys[0].KeyID
	}
	run("admin", "keys", "compromised", old, "--reason", "Máy chủ cũ bị xâm nhập")
	codes["new label, old address"] = "HTTP://LOCALHOST:8080/V/" + token(moved[0])
	for _, name := range []string{"old label, old address", "old label, new address", "old label, stamp revoked", "old label, retired key", "old label, certificate expired"} {
		want[name] = "VERDICT_KEY_COMPROMISED"
	}
	compare("after the old key leaked", codes, want)
}
