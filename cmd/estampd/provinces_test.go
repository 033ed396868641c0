package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/trust"
)

// Bounds of the waits of TestThreeProvincesTrustEachOther.
const (
	// provinceWait bounds what a daemon does by itself at once: taking
	// a list after SIGHUP, fetching another province's revocations.
	provinceWait = 30 * time.Second
	// relayWait bounds a receipt's trip from the shop's province to the
	// stamp's issuer after SIGHUP.
	relayWait = 20 * time.Second
	// rehup is how often a poll sends SIGHUP again, in case the first
	// arrived while the daemon was busy with an earlier one.
	rehup = 5 * time.Second
)

// TestThreeProvincesTrustEachOther runs three provinces' estampd on
// loopback — Hà Nội (01), Thanh Hóa (38) and Nghệ An (40) — that learn of
// each other only through a national trust list an operator signs with
// `estamp admin trust-list sign` and publishes as a file, each reading it
// on SIGHUP. Then: a shop of Hà Nội takes in stamps of the two others and
// Hà Nội verifies them by the list's keys; Nghệ An recalls a lot and Hà
// Nội's intake sees it after its next fetch; a stamp taken in at a Hà Nội
// shop and then at a Thanh Hóa one is a suspected copy at Thanh Hóa (Hà
// Nội reports its receipts); with Thanh Hóa down, Hà Nội still takes its
// stamps in and reports them once it is back; and bad lists — altered,
// replayed, expired — are refused while the last good one stays.
func TestThreeProvincesTrustEachOther(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs three estampd binaries and the estamp CLI")
	}
	started := time.Now()
	t.Cleanup(func() { t.Logf("took %s", time.Since(started).Round(time.Millisecond)) })
	bin, cliBin := buildDaemon(t), buildCLI(t)
	work := t.TempDir()

	// The national operator's anchor: a key made for this run. (The test
	// anchor of internal/trust/testdata is never to be loaded into a
	// running estampd, says its README.)
	anchorKey, anchorPub := writeAnchor(t, work)
	trustFile := filepath.Join(work, "published", "trust-list.json")
	if err := os.MkdirAll(filepath.Dir(trustFile), 0o700); err != nil {
		t.Fatal(err)
	}

	a := newProvince(t, work, "01", "Thành phố Hà Nội")
	b := newProvince(t, work, "38", "Tỉnh Thanh Hóa")
	c := newProvince(t, work, "40", "Tỉnh Nghệ An")
	all := []*province{a, b, c}
	checkDistinctPorts(t, all)

	// 1. Start with no list published yet: each estampd serves anyway,
	// having refused the list it could not read.
	for _, p := range all {
		p.start(t, bin, trustFile, anchorPub)
	}
	for _, p := range all {
		p.waitLogLine(t, `msg="trust list refused; keeping the one held"`, "reason=fetch")
		if v, _ := p.metric(t, "estamp_trust_list_version"); v != 0 {
			t.Fatalf("%s holds trust list version %v before one was published", p, v)
		}
	}
	issuersFile := filepath.Join(work, "issuers.json")
	writeIssuers(t, issuersFile, all)
	v1 := signCLI(t, cliBin, issuersFile, anchorKey, 1, filepath.Join(work, "trust-list-v1.json"))
	publish(t, trustFile, v1)
	for _, p := range all {
		p.hup(t)
	}
	for _, p := range all {
		p.waitVersion(t, 1)
	}

	// 2. Thanh Hóa and Nghệ An issue; a shop of Hà Nội takes in their
	// stamps.
	_, bStamps := b.d.issue(t, &estampv1.IssueStampsRequest{
		ProductId: "NEM-CHUA-TH-5S", Lot: "TH-01", ProductionDate: "2026-01-15", Quantity: 6, RequestId: "provinces-b"})
	cBatch, cStamps := c.d.issue(t, &estampv1.IssueStampsRequest{
		ProductId: "CHE-LAM-PHU-QUANG", Lot: "NA-01", ProductionDate: "2026-01-15", Quantity: 4, RequestId: "provinces-c1"})
	_, cOther := c.d.issue(t, &estampv1.IssueStampsRequest{
		ProductId: "CHE-LAM-PHU-QUANG", Lot: "NA-02", ProductionDate: "2026-01-15", Quantity: 1, RequestId: "provinces-c2"})
	shopA := createShop(t, a, "CH-HN-HOAN-KIEM", "Cửa hàng OCOP Hoàn Kiếm", "Hà Nội", "Phường Hoàn Kiếm")
	shopB := createShop(t, b, "CH-TH-NGA-SON", "Cửa hàng OCOP Nga Sơn", "Thanh Hóa", "Xã Nga Sơn")
	// A foreign code verifies at A by the list's keys.
	foreignGenuine := func(t *testing.T) *estampv1.VerifyResponse {
		t.Helper()
		v, err := a.d.Verification.Verify(callCtx(t), &estampv1.VerifyRequest{Code: bStamps[5].Code})
		if err != nil {
			t.Fatalf("Verify at %s of a stamp of %s: %v", a, b, err)
		}
		if v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
			t.Fatalf("Verify at %s of a stamp of %s: %v (%s)", a, b, v.Verdict, v.MessageEn)
		}
		return v
	}

	t.Run("1_list_taken", func(t *testing.T) {
		for _, p := range all {
			for _, q := range all {
				if p == q {
					continue
				}
				// Each holds the others' revocation lists (fetched after
				// the list, on the same SIGHUP).
				p.waitLogLine(t, `msg="revocation list of another province taken"`, "issuer="+q.id)
			}
		}
	})

	t.Run("2_intake_of_other_provinces", func(t *testing.T) {
		codes := []string{bStamps[0].Code, bStamps[1].Code, bStamps[2].Code, cStamps[0].Code, cStamps[1].Code, cStamps[2].Code}
		items := intake(t, a, shopA.Id, codes...)
		for i, it := range items {
			want := b
			if i >= 3 {
				want = c
			}
			if it.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED {
				t.Errorf("intake at %s of stamp %d of %s: %v (%s), want ACCEPTED", a, i%3, want, it.Verdict, it.MessageEn)
			}
			if it.IssuerId != want.id || it.IssuerName != want.name {
				t.Errorf("intake at %s of stamp %d of %s names issuer %q %q, want %q %q (IntakeItem.issuer_id/issuer_name)",
					a, i%3, want, it.IssuerId, it.IssuerName, want.id, want.name)
			}
		}
		v := foreignGenuine(t)
		if v.IssuerId != b.id || v.IssuerName != b.name {
			t.Errorf("Verify at %s of a stamp of %s names issuer %q %q, want %q %q", a, b, v.IssuerId, v.IssuerName, b.id, b.name)
		}
		if v.ForeignStatusTime == nil {
			t.Errorf("Verify at %s of a stamp of %s gives no foreign_status_time: %s's revocation list not fetched", a, b, b)
		}
	})

	t.Run("3_recall_reaches_other_province", func(t *testing.T) {
		const reason = "Thu hồi lô NA-01: bao bì lỗi"
		if _, err := c.d.Issuance.RevokeStamps(callCtx(t), &estampv1.RevokeStampsRequest{
			Target: &estampv1.RevokeStampsRequest_BatchId{BatchId: cBatch.Id}, Reason: reason}); err != nil {
			t.Fatalf("RevokeStamps at %s: %v", c, err)
		}
		a.hup(t)
		// A's verification takes C's new revocations from its fetch.
		var revoked *estampv1.VerifyResponse
		a.pollHUP(t, provinceWait, "a stamp of the recalled lot of "+c.String()+" to verify REVOKED at "+a.String(), func() (bool, string) {
			v, err := a.d.Verification.Verify(callCtx(t), &estampv1.VerifyRequest{Code: cStamps[0].Code})
			if err != nil {
				return false, err.Error()
			}
			revoked = v
			return v.Verdict == estampv1.Verdict_VERDICT_REVOKED, v.Verdict.String()
		}, t.Fatalf)
		if revoked.IssuerId != c.id || revoked.ForeignStatusTime == nil {
			t.Errorf("Verify at %s of a recalled stamp of %s: issuer %q, status time %v; want %q and the time of the fetch", a, c, revoked.IssuerId, revoked.ForeignStatusTime, c.id)
		}
		// So does its intake: a shop asking about a stamp it holds, and a
		// delivery with a stamp of that lot not yet received.
		describe := func(code string) (*estampv1.DescribeCodeResponse, error) {
			return a.d.Custody.DescribeCode(callCtx(t), &estampv1.DescribeCodeRequest{RetailerId: shopA.Id, Code: code})
		}
		if d, err := describe(cStamps[0].Code); err != nil || d.Verdict != estampv1.Verdict_VERDICT_REVOKED {
			t.Errorf("DescribeCode at %s of a stamp of %s's recalled lot: %v %v, want REVOKED", a, c, d.GetVerdict(), err)
		}
		if it := intake(t, a, shopA.Id, cStamps[3].Code)[0]; it.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_REVOKED {
			t.Errorf("intake at %s of a stamp of %s's recalled lot: %v (%s), want REVOKED", a, c, it.Verdict, it.MessageEn)
		}
		// Another lot of C is not touched.
		if v, err := a.d.Verification.Verify(callCtx(t), &estampv1.VerifyRequest{Code: cOther[0].Code}); err != nil || v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
			t.Errorf("Verify at %s of a stamp of another lot of %s: %v %v, want GENUINE", a, c, v.GetVerdict(), err)
		}
		if d, err := describe(cOther[0].Code); err != nil || d.Verdict != estampv1.Verdict_VERDICT_GENUINE {
			t.Errorf("DescribeCode at %s of a stamp of another lot of %s: %v %v, want GENUINE", a, c, d.GetVerdict(), err)
		}
	})

	t.Run("4_copy_across_provinces", func(t *testing.T) {
		code, serial := bStamps[3].Code, bStamps[3].Serial
		if it := intake(t, a, shopA.Id, code)[0]; it.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED {
			t.Fatalf("intake at %s of a stamp of %s: %v (%s)", a, b, it.Verdict, it.MessageEn)
		}
		a.hup(t)
		receiptID := a.id + ":" + shopA.Id
		a.pollHUP(t, relayWait, fmt.Sprintf("%s's history of stamp %d to list the receipt by %s", b, serial, receiptID),
			receivedAt(t, b, serial, receiptID), t.Errorf)
		it := intake(t, b, shopB.Id, code)[0]
		if it.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY {
			t.Errorf("intake at %s of its stamp received at %s before: %v (%s), want SUSPECTED_COPY", b, a, it.Verdict, it.MessageEn)
		}
		if it.OtherRetailerName != shopA.Name || it.OtherIssuerId != a.id {
			t.Errorf("intake at %s of a copy names the other shop %q of province %q (retailer id %q), want %q of %q",
				b, it.OtherRetailerName, it.OtherIssuerId, it.OtherRetailerId, shopA.Name, a.id)
		}
	})

	// 5. B stops; A's shop takes B's stamp in by its signature, and A
	// reports the receipt once B is back on the same ports and data.
	var pendingTaken bool
	code5, serial5 := bStamps[4].Code, bStamps[4].Serial
	t.Run("5_issuer_down", func(t *testing.T) {
		b.stop(t)
		it := intake(t, a, shopA.Id, code5)[0]
		pendingTaken = it.Verdict == estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED
		if !pendingTaken {
			t.Errorf("intake at %s of a stamp of %s while %s is down: %v (%s), want ACCEPTED by its signature", a, b, b, it.Verdict, it.MessageEn)
		}
		if it.IssuerId != b.id || it.IssuerName != b.name {
			t.Errorf("intake at %s while %s is down names issuer %q %q, want %q %q", a, b, it.IssuerId, it.IssuerName, b.id, b.name)
		}
		if !it.ReportPending {
			t.Errorf("intake at %s while %s is down: report_pending false, want true", a, b)
		}
	})
	// Started by the test itself, not a subtest, so that it runs on
	// after the subtest.
	b.start(t, bin, trustFile, anchorPub)
	b.waitVersion(t, 1)
	t.Run("5_reported_once_back", func(t *testing.T) {
		if !pendingTaken {
			t.Fatalf("%s is back; no receipt to wait for: %s did not take its stamp in", b, a)
		}
		a.hup(t)
		receiptID := a.id + ":" + shopA.Id
		a.pollHUP(t, relayWait, fmt.Sprintf("%s, back, to list the receipt by %s of stamp %d made while it was down", b, receiptID, serial5),
			receivedAt(t, b, serial5, receiptID), t.Errorf)
	})

	t.Run("6_bad_lists_refused", func(t *testing.T) {
		v2 := signCLI(t, cliBin, issuersFile, anchorKey, 2, filepath.Join(work, "trust-list-v2.json"))

		// A list with one byte changed: a character of the signature.
		flipped := flipSignature(t, v2)
		refusal(t, a, trustFile, flipped, "invalid", "bad signature")
		a.mustHoldVersion(t, 1)
		foreignGenuine(t)

		// The good v2 is taken; v1 replayed is not newer.
		publish(t, trustFile, v2)
		a.hup(t)
		a.waitVersion(t, 2)
		refusal(t, a, trustFile, v1, "not newer", "version 1 is not newer than version 2")
		a.mustHoldVersion(t, 2)
		foreignGenuine(t)

		// An expired list, newer by its version: the CLI signs no list
		// that expires before it is issued, so the anchor's key signs
		// it directly.
		expired := signExpired(t, anchorKey, issuersFile, 3)
		refusal(t, a, trustFile, expired, "invalid", "the list expired at")
		a.mustHoldVersion(t, 2)
		foreignGenuine(t)
	})
}

// province is one province's estampd: fixed ports and data directory, so
// that it can be stopped and started again as itself.
type province struct {
	id, name           string
	grpcAddr, httpAddr string
	base, dir          string
	logs               *lockedBuffer
	d                  *daemon
}

func newProvince(t *testing.T, work, id, name string) *province {
	t.Helper()
	p := &province{id: id, name: name, grpcAddr: freePort(t), httpAddr: freePort(t),
		dir: filepath.Join(work, "province-"+id), logs: &lockedBuffer{}}
	p.base = "http://" + p.httpAddr
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log of %s:\n%s", p, p.logs.String())
		}
	})
	return p
}

func (p *province) String() string { return p.id + " (" + p.name + ")" }

// checkDistinctPorts fails if two listen addresses chosen up front are
// the same (the kernel may hand a closed port out again).
func checkDistinctPorts(t *testing.T, ps []*province) {
	t.Helper()
	seen := map[string]bool{}
	for _, p := range ps {
		for _, addr := range []string{p.grpcAddr, p.httpAddr} {
			if seen[addr] {
				t.Fatalf("port %s chosen twice", addr)
			}
			seen[addr] = true
		}
	}
}

func (p *province) start(t *testing.T, bin, trustFile, anchorPub string) {
	t.Helper()
	fmt.Fprintf(p.logs, "--- estampd %s starting at %s ---\n", p, time.Now().Format(time.RFC3339Nano))
	p.d = startDaemonLogging(t, p.logs, bin, p.dir, "--grpc-addr", p.grpcAddr, "--http-addr", p.httpAddr,
		"--base-url", p.base, "--trust-list", trustFile, "--trust-anchor", anchorPub)
}

// stop sends SIGTERM and waits for a clean exit.
func (p *province) stop(t *testing.T) {
	t.Helper()
	if err := p.d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- p.d.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("%s exit after SIGTERM: %v", p, err)
		}
	case <-time.After(provinceWait):
		t.Fatalf("%s did not exit within %s of SIGTERM", p, provinceWait)
	}
}

// hup asks the daemon to fetch the trust list and the other provinces'
// lists, and send its waiting receipts, now.
func (p *province) hup(t *testing.T) {
	t.Helper()
	if err := p.d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatalf("SIGHUP %s: %v", p, err)
	}
}

// metrics is the daemon's /metrics page.
func (p *province) metrics() (string, error) {
	r, err := http.Get("http://" + p.httpAddr + "/metrics")
	if err != nil {
		return "", err
	}
	if r.StatusCode != http.StatusOK {
		r.Body.Close()
		return "", fmt.Errorf("/metrics: %s", r.Status)
	}
	return readAll(r.Body), nil
}

// metric is the value of one series of /metrics (name with its labels as
// Prometheus writes them), 0 when absent (a counter never incremented).
func (p *province) metric(t *testing.T, series string) (float64, string) {
	t.Helper()
	body, err := p.metrics()
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	for _, line := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatalf("%s: %q", p, line)
			}
			return v, line
		}
	}
	return 0, "no " + series
}

// waitVersion waits until the daemon holds the trust list of version v.
func (p *province) waitVersion(t *testing.T, v float64) {
	t.Helper()
	poll(t, provinceWait, fmt.Sprintf("%s to hold trust list version %v", p, v), func() (bool, string) {
		got, line := p.metric(t, "estamp_trust_list_version")
		return got == v, line
	}, t.Fatalf)
}

func (p *province) mustHoldVersion(t *testing.T, v float64) {
	t.Helper()
	if got, line := p.metric(t, "estamp_trust_list_version"); got != v {
		t.Errorf("%s: %s, want version %v kept", p, line, v)
	}
}

// pollHUP polls, sending SIGHUP again every rehup.
func (p *province) pollHUP(t *testing.T, within time.Duration, what string, done func() (bool, string), fail func(string, ...any)) bool {
	t.Helper()
	last := time.Now()
	return poll(t, within, what, func() (bool, string) {
		if time.Since(last) >= rehup {
			p.hup(t)
			last = time.Now()
		}
		return done()
	}, fail)
}

// poll calls done every 100 ms until it reports true or within has
// passed; then it calls fail (t.Fatalf or t.Errorf) with what done last
// said, and returns false.
func poll(t *testing.T, within time.Duration, what string, done func() (bool, string), fail func(string, ...any)) bool {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, seen := done()
		if ok {
			return true
		}
		if time.Now().After(deadline) {
			fail("waited %s for %s; last seen: %s", within, what, seen)
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitLogLine waits for a log line holding every one of parts (log lines are
// written out within 100 ms).
func (p *province) waitLogLine(t *testing.T, parts ...string) string {
	t.Helper()
	var found string
	poll(t, provinceWait, fmt.Sprintf("a log line of %s with %q", p, parts), func() (bool, string) {
	lines:
		for _, line := range strings.Split(p.logs.String(), "\n") {
			for _, part := range parts {
				if !strings.Contains(line, part) {
					continue lines
				}
			}
			found = line
			return true, line
		}
		return false, "no such line"
	}, t.Fatalf)
	return found
}

// refusal publishes a list, sends SIGHUP and waits until the daemon has
// refused it for reason, counted and logged with why.
func refusal(t *testing.T, p *province, trustFile string, list []byte, reason, why string) {
	t.Helper()
	series := `estamp_trust_list_refusals_total{reason="` + reason + `"}`
	before, _ := p.metric(t, series)
	publish(t, trustFile, list)
	p.hup(t)
	poll(t, provinceWait, fmt.Sprintf("%s to count a refusal %q", p, reason), func() (bool, string) {
		n, line := p.metric(t, series)
		return n > before, fmt.Sprintf("%s (%v before)", line, before)
	}, t.Fatalf)
	p.waitLogLine(t, `msg="trust list refused; keeping the one held"`, why)
}

// receivedAt polls p's history of its stamp serial for a receipt by
// retailer (a foreign one is "<province>:<retailer id>").
func receivedAt(t *testing.T, p *province, serial uint64, retailer string) func() (bool, string) {
	return func() (bool, string) {
		h, err := p.d.Custody.GetStampHistory(callCtx(t), &estampv1.GetStampHistoryRequest{Serial: serial})
		if err != nil {
			return false, err.Error()
		}
		var seen []string
		for _, e := range h.Events {
			if e.Kind == estampv1.StampEventKind_STAMP_EVENT_KIND_RECEIVED && e.RetailerId == retailer {
				return true, ""
			}
			seen = append(seen, strings.TrimPrefix(e.Kind.String(), "STAMP_EVENT_KIND_")+" "+e.RetailerId)
		}
		return false, fmt.Sprintf("events %q", seen)
	}
}

// callCtx bounds one call.
func callCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), provinceWait)
	t.Cleanup(cancel)
	return ctx
}

func createShop(t *testing.T, p *province, id, name, prov, commune string) *estampv1.Retailer {
	t.Helper()
	resp, err := p.d.Registry.CreateRetailer(callCtx(t), &estampv1.CreateRetailerRequest{Retailer: &estampv1.Retailer{
		Id: id, Name: name, Address: &estampv1.Address{Province: prov, Commune: commune}}})
	if err != nil {
		t.Fatalf("CreateRetailer at %s: %v", p, err)
	}
	return resp.Retailer
}

// intake is a delivery's intake at a shop of p: one item per code.
func intake(t *testing.T, p *province, retailer string, codes ...string) []*estampv1.IntakeItem {
	t.Helper()
	resp, err := p.d.Custody.ReceiveDelivery(callCtx(t), &estampv1.ReceiveDeliveryRequest{RetailerId: retailer, Codes: codes})
	if err != nil {
		t.Fatalf("ReceiveDelivery at %s: %v", p, err)
	}
	if len(resp.Items) != len(codes) {
		t.Fatalf("ReceiveDelivery at %s: %d items for %d codes", p, len(resp.Items), len(codes))
	}
	return resp.Items
}

// buildCLI compiles the estamp command, which the national operator signs
// lists with.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "estamp")
	if out, err := exec.Command("go", "build", "-o", bin, "../estamp").CombinedOutput(); err != nil {
		t.Fatalf("go build estamp: %v\n%s", err, out)
	}
	return bin
}

// writeAnchor makes a trust anchor: its private key as estamp writes keys
// and its public key as PEM PUBLIC KEY.
func writeAnchor(t *testing.T, dir string) (keyFile, pubFile string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := keys.Encode(priv, time.Now(), rand.Reader, nil)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	keyFile, pubFile = filepath.Join(dir, "anchor-key.pem"), filepath.Join(dir, "anchor-pub.pem")
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return keyFile, pubFile
}

// writeIssuers writes the operator's issuers file: each province with the
// key its JWK set publishes.
func writeIssuers(t *testing.T, file string, ps []*province) {
	t.Helper()
	type key struct {
		Public string `json:"public"`
		Status string `json:"status"`
	}
	type issuer struct {
		ID             string   `json:"id"`
		Name           string   `json:"name"`
		BaseURLs       []string `json:"base_urls"`
		GRPCURL        string   `json:"grpc_url"`
		Keys           []key    `json:"keys"`
		KeysURL        string   `json:"keys_url"`
		RevocationsURL string   `json:"revocations_url"`
	}
	var in struct {
		Issuers []issuer `json:"issuers"`
	}
	for _, p := range ps {
		keysURL := p.base + "/.well-known/estamp-keys.json"
		var set struct {
			Keys []struct {
				Kty, Crv, X, Kid string
			} `json:"keys"`
		}
		if err := json.Unmarshal([]byte(httpGet(t, keysURL)), &set); err != nil {
			t.Fatalf("%s: %v", keysURL, err)
		}
		if len(set.Keys) != 1 || set.Keys[0].Crv != "Ed25519" {
			t.Fatalf("%s: %+v, want the one Ed25519 key made at first start", keysURL, set.Keys)
		}
		in.Issuers = append(in.Issuers, issuer{
			ID: p.id, Name: p.name, BaseURLs: []string{p.base}, GRPCURL: "http://" + p.grpcAddr,
			Keys: []key{{Public: set.Keys[0].X, Status: "active"}}, KeysURL: keysURL,
			RevocationsURL: p.base + "/.well-known/estamp-revocations.json",
		})
	}
	data, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// signCLI signs the issuers file as version, valid for a year, with
// `estamp admin trust-list sign`, and returns the signed list.
func signCLI(t *testing.T, cli, issuersFile, anchorKey string, version int, out string) []byte {
	t.Helper()
	expires := time.Now().AddDate(1, 0, 0).Format(time.DateOnly)
	cmd := exec.Command(cli, "admin", "trust-list", "sign", "--lang", "en", "--issuers", issuersFile, "--anchor-key", anchorKey,
		"--version", strconv.Itoa(version), "--expires", expires, "--out", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("estamp admin trust-list sign: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// signExpired signs the issuers file as version with the anchor's key,
// issued two days ago and expired yesterday.
func signExpired(t *testing.T, anchorKey, issuersFile string, version uint64) []byte {
	t.Helper()
	key, err := keys.ReadFile(anchorKey)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(issuersFile)
	if err != nil {
		t.Fatal(err)
	}
	issuers, err := trust.ReadIssuers(data)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	signed, err := trust.Sign(&trust.List{Version: version, Issued: now.Add(-48 * time.Hour), Expires: now.Add(-24 * time.Hour), Issuers: issuers}, key.Signer)
	if err != nil {
		t.Fatal(err)
	}
	return append(signed, '\n')
}

// flipSignature changes one character in the middle of a list's
// signature to another base64url character.
func flipSignature(t *testing.T, list []byte) []byte {
	t.Helper()
	const member = `"signature":"`
	i := bytes.Index(list, []byte(member))
	if i < 0 {
		t.Fatalf("no signature in %s", list)
	}
	out := bytes.Clone(list)
	at := i + len(member) + 40
	if out[at] == 'A' {
		out[at] = 'B'
	} else {
		out[at] = 'A'
	}
	return out
}

// publish replaces the published list at once: a daemon reading it never
// sees half a file.
func publish(t *testing.T, file string, data []byte) {
	t.Helper()
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, file); err != nil {
		t.Fatal(err)
	}
}
