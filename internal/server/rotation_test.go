package server_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/server"
	"github.com/ocopvn/estamp/internal/web"
)

// keysFromDataDir makes the server load and create keys in its data
// directory, as estampd does, instead of using the test key.
func keysFromDataDir(c *server.Config) { c.Ring = nil }

// Stamps signed before and after a rotation both verify; after the old key
// is marked compromised its stamps do not, with the reason, everywhere a
// stamp is checked; and all of it survives a restart.
func TestKeyRotationAndCompromise(t *testing.T) {
	dir := t.TempDir()
	e := startAt(t, dir, "http://localhost:8080", 0, keysFromDataDir)
	e.seedRegistry(t)
	e.retailer(t, "CH-A")
	ctx := context.Background()
	before := e.issue(t, "NEM-CHUA", 3, "before")
	oldKey := before.Batch.KeyId

	e.clock.Set(e.clock.Now().Add(24 * time.Hour))
	rot, err := e.Admin.RotateKey(ctx, &estampv1.RotateKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	newKey := rot.Key.KeyId
	if newKey == oldKey || rot.Key.Status != estampv1.KeyStatus_KEY_STATUS_ACTIVE {
		t.Fatalf("rotation gave key %v", rot.Key)
	}
	after := e.issue(t, "NEM-CHUA", 3, "after")
	if after.Batch.KeyId != newKey {
		t.Fatalf("batch after rotation signed by %s, want %s", after.Batch.KeyId, newKey)
	}
	for _, s := range []*estampv1.Stamp{before.Stamps[0], after.Stamps[0]} {
		if v := e.verify(t, s.Code); v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
			t.Errorf("%s after rotation: %v", s.Code, v.Verdict)
		}
	}
	list, err := e.Verification.ListIssuerKeys(ctx, &estampv1.ListIssuerKeysRequest{})
	if err != nil || len(list.Keys) != 2 || list.Keys[0].KeyId != newKey || !list.Keys[0].Active ||
		list.Keys[1].Status != estampv1.KeyStatus_KEY_STATUS_RETIRED || list.Keys[1].NotAfterTime == nil {
		t.Fatalf("keys after rotation: %v, %v", list, err)
	}
	// The retired key still reproduces its codes for labels.
	if msgs, err := streamStamps(ctx, e.Issuance, &estampv1.StreamStampsRequest{BatchId: before.Batch.Id}); err != nil || len(msgs) == 0 || msgs[0].Stamps[0].Code != before.Stamps[0].Code {
		t.Errorf("codes of the retired key: %v, %v", msgs, err)
	}

	if _, err := e.Admin.MarkKeyCompromised(ctx, &estampv1.MarkKeyCompromisedRequest{KeyId: oldKey}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("compromise without reason: %v", err)
	}
	if _, err := e.Admin.MarkKeyCompromised(ctx, &estampv1.MarkKeyCompromisedRequest{KeyId: "00000000", Reason: "x"}); status.Code(err) != codes.NotFound {
		t.Errorf("compromise of an unknown key: %v", err)
	}
	reason := "Máy chủ cũ bị xâm nhập ngày 20/11"
	if _, err := e.Admin.MarkKeyCompromised(ctx, &estampv1.MarkKeyCompromisedRequest{KeyId: oldKey, Reason: reason}); err != nil {
		t.Fatal(err)
	}
	checkCompromised := func(e *env) {
		t.Helper()
		v := e.verify(t, before.Stamps[0].Code)
		if v.Verdict != estampv1.Verdict_VERDICT_KEY_COMPROMISED || !strings.Contains(v.Message, reason) || v.Origin != nil {
			t.Errorf("old stamp after compromise: %v %q", v.Verdict, v.Message)
		}
		if v := e.verify(t, after.Stamps[0].Code); v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
			t.Errorf("new stamp after compromise: %v", v.Verdict)
		}
		hs := httptest.NewServer(e.srv.HTTP)
		defer hs.Close()
		if p := get(t, hs.URL+"/V/"+before.Stamps[1].Code[strings.LastIndex(before.Stamps[1].Code, "/")+1:]); !strings.Contains(p.body, "bị lộ") {
			t.Errorf("page of a compromised stamp:\n%s", p.body)
		}
		if p := get(t, hs.URL+web.KeysPath); strings.Contains(p.body, oldKey) || !strings.Contains(p.body, newKey) {
			t.Errorf("JWK set after compromise:\n%s", p.body)
		}
		in := e.receive(t, "CH-A", before.Stamps[2].Code)
		if in.Items[0].Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_KEY_COMPROMISED {
			t.Errorf("intake of a compromised stamp: %v", in.Items[0])
		}
		// Its codes must not be printed again.
		msgs, err := streamStamps(ctx, e.Issuance, &estampv1.StreamStampsRequest{BatchId: before.Batch.Id})
		if status.Code(err) != codes.FailedPrecondition || len(msgs) != 0 {
			t.Errorf("codes of a compromised key: %v", err)
		}
		keys, _ := e.Verification.ListIssuerKeys(ctx, &estampv1.ListIssuerKeysRequest{})
		if k := keys.Keys[1]; k.Status != estampv1.KeyStatus_KEY_STATUS_COMPROMISED || k.CompromiseReason != reason {
			t.Errorf("listed compromised key: %v", k)
		}
	}
	checkCompromised(e)
	if _, err := e.Admin.RetireKey(ctx, &estampv1.RetireKeyRequest{KeyId: oldKey}); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("retiring a compromised key: %v", err)
	}

	// Restart on the same data directory: keys and states persist.
	e.srv.Close()
	e2 := startAt(t, dir, "http://localhost:8080", 0, keysFromDataDir)
	checkCompromised(e2)
	if v := e2.verify(t, after.Stamps[1].Code); v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
		t.Errorf("after restart the new key's stamp: %v", v.Verdict)
	}
	third := e2.issue(t, "NEM-CHUA", 1, "third")
	if third.Batch.KeyId != newKey {
		t.Errorf("after restart batches are signed by %s, want %s", third.Batch.KeyId, newKey)
	}

	// Retiring the active key stops issuance until the next rotation.
	if _, err := e2.Admin.RetireKey(ctx, &estampv1.RetireKeyRequest{KeyId: newKey}); err != nil {
		t.Fatal(err)
	}
	_, err = e2.Issuance.IssueStamps(ctx, &estampv1.IssueStampsRequest{ProductId: "NEM-CHUA", Lot: "L", ProductionDate: "2026-11-20", Quantity: 1, RequestId: "none"})
	if status.Code(err) != codes.FailedPrecondition {
		t.Errorf("issue with no active key: %v", err)
	}
	if v := e2.verify(t, third.Stamps[0].Code); v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
		t.Errorf("a retired key's stamp: %v", v.Verdict)
	}

	audit, err := e2.Admin.ListAuditEntries(ctx, &estampv1.ListAuditEntriesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range audit.Entries {
		if strings.HasPrefix(a.Action, "key.") {
			actions = append(actions, a.Action+" "+a.Target)
			if !strings.HasPrefix(a.Actor, "admin/") {
				t.Errorf("key change by %q", a.Actor)
			}
		}
	}
	want := "key.rotate " + newKey + ",key.compromise " + oldKey + ",key.retire " + newKey
	if strings.Join(actions, ",") != want {
		t.Errorf("key audit entries %v, want %s", actions, want)
	}
}

// Every kind of change lands in the audit log with the token that made it.
func TestAuditLogNamesWhoChangedWhat(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	ctx := context.Background()
	secret, id := e.token(t, estampv1.Role_ROLE_PRODUCER, "HTX-NEM-CHUA", "")
	producer := e.dial(t, secret)
	resp, err := producer.Issuance.IssueStamps(ctx, &estampv1.IssueStampsRequest{ProductId: "NEM-CHUA", Lot: "L-7", ProductionDate: "2026-11-20", Quantity: 5, RequestId: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := producer.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: someStamps(resp.Batch.FirstSerial), Reason: "rách", Actor: "Chị Lan"}); err != nil {
		t.Fatal(err)
	}
	audit, err := e.Admin.ListAuditEntries(ctx, &estampv1.ListAuditEntriesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	byAction := map[string]*estampv1.AuditEntry{}
	for i, a := range audit.Entries {
		byAction[a.Action] = a
		if a.Sequence != uint64(i+1) || (i > 0 && string(a.PreviousHash) != string(audit.Entries[i-1].Hash)) {
			t.Errorf("entry %d does not chain: %v", i+1, a)
		}
	}
	for _, want := range []struct{ action, actor, detail string }{
		{"token.create", "admin/", "producer HTX-NEM-CHUA"},
		{"producer.create", "admin/", "Nem chua"},
		{"product.create", "admin/", "HTX-NEM-CHUA"},
		{"certificate.revoke", "admin/", ""},
		{"stamps.issue", "producer HTX-NEM-CHUA/" + id, "5 stamps"},
		{"stamps.revoke", "producer HTX-NEM-CHUA/" + id + " (Chị Lan)", "rách"},
	} {
		a := byAction[want.action]
		if a == nil || !strings.HasPrefix(a.Actor, want.actor) || !strings.Contains(a.Detail, want.detail) {
			t.Errorf("%s: %v, want actor %q detail %q", want.action, a, want.actor, want.detail)
		}
	}
	v, err := e.Admin.VerifyAuditLog(ctx, &estampv1.VerifyAuditLogRequest{})
	if err != nil || !v.Intact || v.Checked != uint64(len(audit.Entries)) {
		t.Errorf("VerifyAuditLog = %v, %v", v, err)
	}
}
