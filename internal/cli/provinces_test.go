package cli_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/cli"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/server"
	"github.com/ocopvn/estamp/internal/trust"
	"github.com/ocopvn/estamp/internal/web"
)

// nation is three provinces on one trust list: A (01, at addr, the
// server the CLI syncs from), B (38, which issued codes) and C (79, whose
// key the list marks compromised). B and C serve their revocation lists
// over HTTP, B's recording the since= of every list asked for.
type nation struct {
	addr    string
	a       *server.Server
	b       string // B's gRPC address
	codes   map[string]string
	anchor  string // the anchor's public key file
	expires time.Time
	asked   *askLog
}

// askLog records the since= of every first page a province's list was
// asked for.
type askLog struct {
	mu    sync.Mutex
	since []string
}

func (l *askLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.since
	l.since = nil
	return s
}

func provinceKey(t *testing.T, name string) *keys.Key {
	t.Helper()
	k, err := keys.ReadFile(filepath.Join("..", "stampcode", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// issueAt issues n stamps at a province's server and returns their codes.
func issueAt(t *testing.T, addr, product string, n string) []string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "codes.txt")
	if r := estamp(t, addr, "issue", "--product", product, "--lot", "L-"+product, "--quantity", n, "--out", out); r.err != nil {
		t.Fatalf("issue %s: %v\n%s", product, r.err, r.errOut)
	}
	data, _ := os.ReadFile(out)
	return strings.Fields(string(data))
}

func startNation(t *testing.T) *nation {
	t.Helper()
	keyA, keyB := provinceKey(t, "issuer-test-key.pem"), provinceKey(t, "other-test-key.pem")
	seed := make([]byte, ed25519.SeedSize)
	seed[0] = 0x79
	keyC := keys.FromPrivateKey(ed25519.NewKeyFromSeed(seed), time.Now())
	n := &nation{codes: map[string]string{}, anchor: filepath.Join("..", "trust", "testdata", "anchor-test-pub.pem"), asked: &askLog{}}

	b, srvB := startEstampd(t, t.TempDir(), "http://tem.thanhhoa.example:8080", func(c *server.Config) { c.Ring = keys.NewRing(keyB) })
	hb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page_token") == "" {
			n.asked.mu.Lock()
			n.asked.since = append(n.asked.since, r.URL.Query().Get("since"))
			n.asked.mu.Unlock()
		}
		srvB.HTTP.ServeHTTP(w, r)
	}))
	t.Cleanup(hb.Close)
	c, srvC := startEstampd(t, t.TempDir(), "http://tem.hcm.example:8080", func(c *server.Config) { c.Ring = keys.NewRing(keyC) })
	hc := httptest.NewServer(srvC.HTTP)
	t.Cleanup(hc.Close)
	n.b = b

	plain := issueAt(t, b, "CHE-LAM-PHU-QUANG", "4")
	recalled := issueAt(t, b, "NUOC-MAM-BA-LANG", "2")
	certRevoked := issueAt(t, b, "TUI-COI-NGA-SON", "1")
	leaked := issueAt(t, c, "CHE-LAM-PHU-QUANG", "1")
	for _, args := range [][]string{
		{"revoke", "--serial", serialOf(t, plain[1]), "--reason", "Tem bị mất"},
		{"batches", "revoke", "2", "--reason", "Thu hồi lô"},
		{"products", "revoke", "TUI-COI-NGA-SON", "--reason", "Không đạt"},
	} {
		if r := estamp(t, b, args...); r.err != nil {
			t.Fatalf("%v at B: %v\n%s", args, r.err, r.errOut)
		}
	}

	anchor, err := keys.ReadFile(filepath.Join("..", "trust", "testdata", "anchor-test-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	issued := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	n.expires = issued.Add(30 * 24 * time.Hour)
	list := &trust.List{Version: 1, Issued: issued, Expires: n.expires, Issuers: []trust.Issuer{
		{ID: "01", Name: "Thành phố Hà Nội", BaseURLs: []string{"HTTP://LOCALHOST:8080"},
			Keys:    []trust.Key{{ID: keyA.ID, Public: keyA.Public, Status: trust.Active}},
			KeysURL: "http://localhost:8080" + web.KeysPath, RevocationsURL: "http://localhost:8080" + web.RevocationsPath},
		{ID: "38", Name: "Tỉnh Thanh Hóa", BaseURLs: []string{"HTTP://TEM.THANHHOA.EXAMPLE:8080"},
			Keys:    []trust.Key{{ID: keyB.ID, Public: keyB.Public, Status: trust.Active}},
			KeysURL: hb.URL + web.KeysPath, RevocationsURL: hb.URL + web.RevocationsPath},
		{ID: "79", Name: "Thành phố Hồ Chí Minh", BaseURLs: []string{"HTTP://TEM.HCM.EXAMPLE:8080"},
			Keys:    []trust.Key{{ID: keyC.ID, Public: keyC.Public, Status: trust.Compromised}},
			KeysURL: hc.URL + web.KeysPath, RevocationsURL: hc.URL + web.RevocationsPath},
	}}
	doc, err := trust.Sign(list, anchor.Signer)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "trust-list.json")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(n.anchor)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := trust.ReadAnchor(pem)
	if err != nil {
		t.Fatal(err)
	}
	n.addr, n.a = startEstampd(t, t.TempDir(), "http://localhost:8080", func(c *server.Config) {
		c.Ring, c.TrustList, c.TrustAnchors = keys.NewRing(keyA), path, []ed25519.PublicKey{pub}
	})
	n.a.RefreshTrust(context.Background())
	own := issueAt(t, n.addr, "CHE-LAM-PHU-QUANG", "1")

	token := func(code string) string { return code[strings.LastIndex(code, "/")+1:] }
	tampered := plain[2][:len(plain[2])-10] + swap(plain[2][len(plain[2])-10]) + plain[2][len(plain[2])-9:]
	n.codes = map[string]string{
		"B, genuine":                         plain[0],
		"B, stamp revoked":                   plain[1],
		"B, batch recalled":                  recalled[0],
		"B, certificate revoked":             certRevoked[0],
		"B, tampered":                        tampered,
		"B, later revoked":                   plain[3],
		"B's code under an unlisted address": "HTTP://TEM.NOWHERE.EXAMPLE/V/" + token(plain[0]),
		"A's code under B's address":         "HTTP://TEM.THANHHOA.EXAMPLE:8080/V/" + token(own[0]),
		"C, key compromised":                 leaked[0],
		"A, genuine":                         own[0],
	}
	return n
}

// answer is a verdict as `estamp --json verify` gives it, online or
// offline.
type answer struct {
	Verdict           string `json:"verdict"`
	Message           string `json:"message"`
	MessageEn         string `json:"message_en"`
	IssuerID          string `json:"issuer_id"`
	IssuerName        string `json:"issuer_name"`
	ForeignStatusTime string `json:"foreign_status_time"`
}

func answerOf(t *testing.T, r result) answer {
	t.Helper()
	var v answer
	if err := json.Unmarshal([]byte(r.out), &v); err != nil || v.Verdict == "" {
		t.Fatalf("no verdict in %q (%v, %s)", r.out, r.err, r.errOut)
	}
	return v
}

// syncWith runs estamp sync against addr into cache with more arguments,
// in the environment vars besides.
func syncWith(t *testing.T, addr, cache string, vars map[string]string, args ...string) result {
	t.Helper()
	env := map[string]string{"ESTAMP_SERVER": addr, "ESTAMP_CACHE": cache}
	for k, v := range vars {
		env[k] = v
	}
	return runIn(cli.Run, env, append([]string{"sync"}, args...)...)
}

// The server and `verify --offline` after `sync --trust-anchor` give
// every code of another province the same verdict, in the same words,
// naming the same issuer: genuine, revoked by its province (a stamp, a
// batch, a certificate), tampered, of an address no province claims, of
// a key the list marks compromised, of a key that is not the province's.
// A revocation made later reaches both after a refresh and a sync, and the
// sync asks the province only for what changed.
func TestForeignCodesAgreeOnlineAndOffline(t *testing.T) {
	n := startNation(t)
	cache := filepath.Join(t.TempDir(), "offline.json")
	want := map[string]struct{ verdict, issuer string }{
		"B, genuine":                         {"VERDICT_GENUINE", "38"},
		"B, stamp revoked":                   {"VERDICT_REVOKED", "38"},
		"B, batch recalled":                  {"VERDICT_REVOKED", "38"},
		"B, certificate revoked":             {"VERDICT_CERTIFICATE_REVOKED", "38"},
		"B, tampered":                        {"VERDICT_BAD_SIGNATURE", "38"},
		"B, later revoked":                   {"VERDICT_GENUINE", "38"},
		"B's code under an unlisted address": {"VERDICT_UNKNOWN_ISSUER", ""},
		"A's code under B's address":         {"VERDICT_UNKNOWN_KEY", "38"},
		"C, key compromised":                 {"VERDICT_KEY_COMPROMISED", "79"},
		"A, genuine":                         {"VERDICT_GENUINE", ""},
	}
	compare := func(phase string) {
		t.Helper()
		for name, code := range n.codes {
			online := answerOf(t, estamp(t, n.addr, "--json", "verify", code))
			offline := answerOf(t, estampEnv(t, "127.0.0.1:1", cache, "--json", "verify", "--offline", code))
			w := want[name]
			if online.Verdict != w.verdict || offline.Verdict != w.verdict {
				t.Errorf("%s, %s: online %s, offline %s, want %s", phase, name, online.Verdict, offline.Verdict, w.verdict)
			}
			if online.IssuerID != w.issuer || offline.IssuerID != w.issuer || online.IssuerName != offline.IssuerName {
				t.Errorf("%s, %s: issuer online %s %q, offline %s %q, want %s", phase, name, online.IssuerID, online.IssuerName, offline.IssuerID, offline.IssuerName, w.issuer)
			}
			// The own genuine stamp is told online by its scans.
			if name != "A, genuine" && (online.Message != offline.Message || online.MessageEn != offline.MessageEn) {
				t.Errorf("%s, %s: online says %q / %q, offline %q / %q", phase, name, online.Message, online.MessageEn, offline.Message, offline.MessageEn)
			}
			// Both say as of when for a verdict B's list decided.
			if w.issuer == "38" && (online.Verdict == "VERDICT_GENUINE" || online.Verdict == "VERDICT_REVOKED") && (online.ForeignStatusTime == "") != (offline.ForeignStatusTime == "") {
				t.Errorf("%s, %s: status time online %q, offline %q", phase, name, online.ForeignStatusTime, offline.ForeignStatusTime)
			}
		}
	}

	n.asked.take()
	r := syncWith(t, n.addr, cache, nil, "--trust-anchor", n.anchor)
	if r.err != nil || !strings.Contains(r.out, "Danh sách tin cậy phiên bản 1") || !strings.Contains(r.out, "2 tỉnh khác, đã lưu danh sách thu hồi của 2 tỉnh") {
		t.Fatalf("sync --trust-anchor: %v\n%s%s", r.err, r.out, r.errOut)
	}
	if got := n.asked.take(); len(got) != 1 || got[0] != "0" {
		t.Errorf("the first sync asked B for since %v, want the whole list", got)
	}
	compare("after the first sync")

	// A text answer names the province and as of when.
	r = estampEnv(t, "127.0.0.1:1", cache, "verify", "--offline", n.codes["B, batch recalled"])
	if !strings.Contains(r.out, "Tem của Tỉnh Thanh Hóa, trạng thái theo danh sách thu hồi của tỉnh lúc") || cli.ExitCode(r.err) != 3 {
		t.Errorf("verify --offline of B's recalled stamp:\n%s", r.out)
	}
	r = estampEnv(t, "127.0.0.1:1", cache, "--lang", "en", "verify", "--offline", n.codes["C, key compromised"])
	if !strings.Contains(r.out, "A stamp of Thành phố Hồ Chí Minh.") {
		t.Errorf("verify --offline of C's stamp in English:\n%s", r.out)
	}

	// B revokes one more; A refreshes and the CLI syncs: only the change.
	var cached struct {
		Foreign map[string]struct {
			Version uint64 `json:"version"`
		} `json:"foreign"`
	}
	data, _ := os.ReadFile(cache)
	if err := json.Unmarshal(data, &cached); err != nil || cached.Foreign["38"].Version == 0 {
		t.Fatalf("B's list in the cache: %v %+v", err, cached.Foreign)
	}
	if r := estamp(t, n.b, "revoke", "--serial", serialOf(t, n.codes["B, later revoked"]), "--reason", "Tem bị mất sau"); r.err != nil {
		t.Fatal(r.err)
	}
	n.a.RefreshTrust(context.Background())
	n.asked.take()
	if r := syncWith(t, n.addr, cache, nil, "--trust-anchor", n.anchor); r.err != nil {
		t.Fatalf("second sync: %v\n%s", r.err, r.errOut)
	}
	if got, want := n.asked.take(), []string{fmt.Sprint(cached.Foreign["38"].Version)}; !slices.Equal(got, want) {
		t.Errorf("the second sync asked B for since %v, want %v", got, want)
	}
	want["B, later revoked"] = struct{ verdict, issuer string }{"VERDICT_REVOKED", "38"}
	compare("after B revoked one more")
}

// Without an anchor a sync keeps the own province only and says, in the
// run's language, how to add the others; with an anchor from the
// environment it keeps them all; with another anchor it refuses the
// server's list (exit 1) but keeps the own province; a cached list that
// has expired asks for a sync instead of calling another province's
// stamp a look-alike.
func TestSyncTrustAnchors(t *testing.T) {
	n := startNation(t)
	other := filepath.Join("..", "trust", "testdata", "other-anchor-test-pub.pem")
	b, own := n.codes["B, genuine"], n.codes["A, genuine"]
	for _, tt := range []struct {
		name    string
		vars    map[string]string
		args    []string
		exit    int
		says    string
		bOnline string // B's stamp offline after the sync, at now
	}{
		{"no anchor", nil, nil, 0, "để kiểm tra ngoại tuyến cả tem của các tỉnh khác, thêm --trust-anchor TỆP", "VERDICT_MALFORMED"},
		{"no anchor, in English", nil, []string{"--lang", "en"}, 0, "to verify other provinces' stamps offline too, add --trust-anchor FILE", "VERDICT_MALFORMED"},
		{"the anchor from the environment", map[string]string{"ESTAMP_TRUST_ANCHOR": n.anchor}, nil, 0, "Danh sách tin cậy phiên bản 1", "VERDICT_GENUINE"},
		{"another anchor", nil, []string{"--trust-anchor", other}, 1, "", "VERDICT_MALFORMED"},
		{"an anchor file that is not one", nil, []string{"--trust-anchor", "provinces_test.go"}, 1, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cache := filepath.Join(t.TempDir(), "offline.json")
			r := syncWith(t, n.addr, cache, tt.vars, tt.args...)
			if cli.ExitCode(r.err) != tt.exit || !strings.Contains(r.out, tt.says) {
				t.Fatalf("sync: exit %d, %v\n%s%s", cli.ExitCode(r.err), r.err, r.out, r.errOut)
			}
			if tt.bOnline == "" {
				if _, err := os.Stat(cache); err == nil {
					t.Error("a sync refused before it began wrote a cache")
				}
				return
			}
			if got := offlineVerdict(t, cache, b); got != tt.bOnline {
				t.Errorf("B's stamp offline: %s, want %s", got, tt.bOnline)
			}
			if got := offlineVerdict(t, cache, own); got != "VERDICT_GENUINE" {
				t.Errorf("A's stamp offline: %s", got)
			}
		})
	}

	cache := filepath.Join(t.TempDir(), "offline.json")
	if r := syncWith(t, n.addr, cache, nil, "--trust-anchor", n.anchor); r.err != nil {
		t.Fatal(r.err)
	}
	later := runIn(cli.RunAt(n.expires.Add(time.Minute)), map[string]string{"ESTAMP_SERVER": "127.0.0.1:1", "ESTAMP_CACHE": cache}, "verify", "--offline", b)
	if cli.ExitCode(later.err) != 1 || !strings.Contains(later.err.Error(), "đã hết hạn lúc") || !strings.Contains(later.err.Error(), "hãy chạy `estamp sync`") {
		t.Errorf("B's stamp offline after the cached list expired: exit %d, %v\n%s", cli.ExitCode(later.err), later.err, later.out)
	}
	if later := runIn(cli.RunAt(n.expires.Add(time.Minute)), map[string]string{"ESTAMP_CACHE": cache}, "verify", "--offline", own); later.err != nil {
		t.Errorf("A's own stamp offline after the cached list expired: %v\n%s", later.err, later.out)
	}
}

// A shop's intake names another province's stamps by their province: its
// product is that province's record. Taken in by a second shop here, such
// a stamp is a suspected copy like an own one.
func TestIntakeNamesTheProvince(t *testing.T) {
	n := startNation(t)
	for _, id := range []string{"CH-1", "CH-2"} {
		if r := estamp(t, n.addr, "retailers", "add", "--id", id, "--name", "Cửa hàng "+id, "--province", "Hà Nội", "--commune", "Phường Hoàn Kiếm"); r.err != nil {
			t.Fatalf("retailers add %s: %v\n%s", id, r.err, r.errOut)
		}
	}
	codes := filepath.Join(t.TempDir(), "codes.txt")
	if err := os.WriteFile(codes, []byte(n.codes["B, genuine"]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := estamp(t, n.addr, "intake", "--retailer", "CH-1", codes); r.err != nil {
		t.Fatalf("first shop: %v\n%s%s", r.err, r.out, r.errOut)
	}
	r := estamp(t, n.addr, "intake", "--retailer", "CH-2", codes)
	for _, want := range []string{"Tem của Tỉnh Thanh Hóa", "Cửa hàng CH-1"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("the second shop's intake lacks %q:\n%s", want, r.out)
		}
	}
	if r.err == nil {
		t.Error("a suspected copy exits 0")
	}
}
