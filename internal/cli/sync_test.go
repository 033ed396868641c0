package cli_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	"github.com/ocopvn/estamp/internal/cli"
	"github.com/ocopvn/estamp/internal/server"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/store"
)

// serialOf is the serial a code carries, as the CLI takes it.
func serialOf(t *testing.T, code string) string {
	t.Helper()
	tok, err := stampcode.Parse(code)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(tok.Claims.Serial)
}

// issueCodes issues n stamps of a product and returns their codes.
func issueCodes(t *testing.T, addr, product string, n int) []string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "codes.txt")
	if r := estamp(t, addr, "issue", "--product", product, "--lot", "L-SYNC", "--quantity", fmt.Sprint(n), "--out", out); r.err != nil {
		t.Fatalf("issue %s: %v\n%s", product, r.err, r.errOut)
	}
	data, _ := os.ReadFile(out)
	return strings.Fields(string(data))
}

// syncPaged runs `estamp sync` into cache, reading the revocation list in
// pages of size.
func syncPaged(t *testing.T, addr, cache string, size int32) string {
	t.Helper()
	r := runIn(paged(size), map[string]string{"ESTAMP_SERVER": addr, "ESTAMP_CACHE": cache}, "sync")
	if r.err != nil {
		t.Fatalf("sync in pages of %d: %v\n%s", size, r.err, r.errOut)
	}
	return r.out
}

// offlineVerdict verifies a code offline against cache, as --json gives it.
func offlineVerdict(t *testing.T, cache, code string) string {
	t.Helper()
	r := estampEnv(t, "127.0.0.1:1", cache, "--json", "verify", "--offline", code)
	var v struct {
		Verdict string `json:"verdict"`
	}
	if err := json.Unmarshal([]byte(r.out), &v); err != nil {
		t.Fatalf("verify --offline: %v %v\n%s%s", err, r.err, r.out, r.errOut)
	}
	return v.Verdict
}

// cacheList is the revocation list a cache holds.
func cacheList(t *testing.T, cache string) (version float64, entries []any) {
	t.Helper()
	data, err := os.ReadFile(cache)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	entries, _ = c["revocations"].([]any)
	version, _ = c["revocation_version"].(float64)
	return version, entries
}

// `estamp sync` reads the revocation list page by page and goes on from
// where it stopped: synced in pages of 2, then again after a change, the
// cache holds what one sync in one page does, and verifies the same.
func TestSyncPagesIncrementally(t *testing.T) {
	addr := startServer(t)
	codes := issueCodes(t, addr, "CHE-LAM-PHU-QUANG", 10)
	for _, code := range codes[:5] {
		if r := estamp(t, addr, "revoke", "--serial", serialOf(t, code), "--reason", "Tem bị mất"); r.err != nil {
			t.Fatal(r.err)
		}
	}
	paged, whole := filepath.Join(t.TempDir(), "paged.json"), filepath.Join(t.TempDir(), "whole.json")
	if out := syncPaged(t, addr, paged, 2); !strings.Contains(out, "5 mục thu hồi tem") {
		t.Errorf("first sync:\n%s", out)
	}
	if r := estamp(t, addr, "revoke", "--serial", serialOf(t, codes[6]), "--serial", serialOf(t, codes[9]), "--serial", serialOf(t, codes[7]), "--reason", "Tem in lỗi"); r.err != nil {
		t.Fatal(r.err)
	}
	if out := syncPaged(t, addr, paged, 2); !strings.Contains(out, "1 mục thu hồi tem và 0 thay đổi chứng nhận mới") {
		t.Errorf("second sync fetched more than the change:\n%s", out)
	}
	syncPaged(t, addr, whole, 1000)
	pv, pe := cacheList(t, paged)
	wv, we := cacheList(t, whole)
	if pv != wv || fmt.Sprint(pe) != fmt.Sprint(we) || len(pe) < 6 {
		t.Errorf("synced in pages: version %v, %d entries; in one page: version %v, %d entries", pv, len(pe), wv, len(we))
	}
	want := []string{"VERDICT_REVOKED", "VERDICT_REVOKED", "VERDICT_REVOKED", "VERDICT_REVOKED", "VERDICT_REVOKED",
		"VERDICT_GENUINE", "VERDICT_REVOKED", "VERDICT_REVOKED", "VERDICT_GENUINE", "VERDICT_REVOKED"}
	for i, code := range codes {
		if got := offlineVerdict(t, paged, code); got != want[i] {
			t.Errorf("stamp %d offline: %s, want %s", i, got, want[i])
		}
	}
}

// A cache written by an earlier estamp (a serial per entry) is not read
// as if revoked stamps were genuine: verify --offline asks for a sync, and
// the sync starts it over.
func TestOfflineCacheOfAnEarlierFormat(t *testing.T) {
	addr := startServer(t)
	codes := issueCodes(t, addr, "CHE-LAM-PHU-QUANG", 2)
	if r := estamp(t, addr, "revoke", "--serial", serialOf(t, codes[0]), "--reason", "Tem bị mất"); r.err != nil {
		t.Fatal(r.err)
	}
	cache := filepath.Join(t.TempDir(), "offline.json")
	old := fmt.Sprintf(`{"server": %q, "revocation_version": 99, "base_url": "HTTP://LOCALHOST:8080",
		"revocations": [{"version": "99", "key_id": "56475aa7", "batch_id": "1", "serial": %q, "reason": "Tem bị mất"}]}`, addr, serialOf(t, codes[0]))
	if err := os.WriteFile(cache, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	r := estampEnv(t, "127.0.0.1:1", cache, "verify", "--offline", codes[0])
	if r.err == nil || cli.ExitCode(r.err) == 3 || !strings.Contains(r.err.Error(), "do phiên bản cũ hơn ghi: hãy chạy `estamp sync`") {
		t.Errorf("verify with an old cache: exit %d, %v\n%s", cli.ExitCode(r.err), r.err, r.out)
	}
	if r := estampEnv(t, addr, cache, "sync"); r.err != nil || strings.Contains(r.out, "phiên bản 99") {
		t.Fatalf("sync over an old cache: %v\n%s", r.err, r.out)
	}
	if got := offlineVerdict(t, cache, codes[0]); got != "VERDICT_REVOKED" {
		t.Errorf("revoked stamp after the sync: %s", got)
	}
	if got := offlineVerdict(t, cache, codes[1]); got != "VERDICT_GENUINE" {
		t.Errorf("genuine stamp after the sync: %s", got)
	}
}

// downgradeToSchema4 rewrites a database as schema 4 stored what its
// requests wrote, when each revoked one serial or a whole batch: list
// entries as estamp.v1.RevocationEntry with the serial in field 4 and
// without the actor, and the reason, time and actor in the stamp's state;
// and, as schemas up to 5 did, producers, products, retailers and batches
// as the estamp.v1 messages.
func downgradeToSchema4(t *testing.T, path string) {
	t.Helper()
	registry := registryAsSchema5(t, path)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		for bucket, records := range registry {
			for key, m := range records {
				v, err := proto.Marshal(m)
				if err != nil {
					return err
				}
				if err := tx.Bucket([]byte(bucket)).Put([]byte(key), v); err != nil {
					return err
				}
			}
		}
		list, stamps := tx.Bucket([]byte("revocations")), tx.Bucket([]byte("stamps"))
		// Schema 4 kept every state in "stamps": none was recent.
		err := tx.Bucket([]byte("recent_stamps")).ForEach(func(k, v []byte) error {
			return stamps.Put(append([]byte(nil), k...), append([]byte(nil), v...))
		})
		if err != nil {
			return err
		}
		if err := tx.DeleteBucket([]byte("recent_stamps")); err != nil {
			return err
		}
		records := map[uint64]*storagev1.RevocationRecord{}
		err = list.ForEach(func(k, v []byte) error {
			rec := new(storagev1.RevocationRecord)
			if err := proto.Unmarshal(v, rec); err != nil {
				return err
			}
			records[binary.BigEndian.Uint64(k)] = rec
			return nil
		})
		if err != nil {
			return err
		}
		for version, rec := range records {
			e, serial := rec.Entry, uint64(0)
			switch rs := e.SerialRanges; {
			case len(rs) == 1 && rs[0].First == rs[0].Last:
				serial, e.SerialRanges = rs[0].First, nil
			case len(rs) > 0:
				return fmt.Errorf("entry %d revokes %d ranges: schema 4 had no such entry", version, len(rs))
			}
			v, err := proto.Marshal(e)
			if err != nil {
				return err
			}
			if serial != 0 {
				v = protowire.AppendVarint(protowire.AppendTag(v, 4, protowire.VarintType), serial)
			}
			if err := list.Put(binary.BigEndian.AppendUint64(nil, version), v); err != nil {
				return err
			}
		}
		var states [][2][]byte
		err = stamps.ForEach(func(k, v []byte) error {
			st := new(storagev1.StampState)
			if err := proto.Unmarshal(v, st); err != nil {
				return err
			}
			if r := st.Revocation; r.GetListVersion() != 0 {
				rec := records[r.ListVersion]
				st.Revocation = &storagev1.Revocation{TimeUnixNano: rec.Entry.RevokeTime.AsTime().UnixNano(), Reason: rec.Entry.Reason, Actor: rec.Actor}
				nv, err := proto.Marshal(st)
				if err != nil {
					return err
				}
				states = append(states, [2][]byte{append([]byte(nil), k...), nv})
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(states) == 0 {
			return errors.New("no revoked stamp's state to rewrite as schema 4 kept it")
		}
		for _, kv := range states {
			if err := stamps.Put(kv[0], kv[1]); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), binary.BigEndian.AppendUint64(nil, 4))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// registryAsSchema5 reads every producer, product, retailer and batch
// through the store, as estamp.v1 messages: as schemas up to 5 stored
// them, by bucket and key.
func registryAsSchema5(t *testing.T, path string) map[string]map[string]proto.Message {
	t.Helper()
	s, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	out := map[string]map[string]proto.Message{"producers": {}, "products": {}, "retailers": {}, "batches": {}}
	producers, _, err := s.Producers(ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range producers {
		out["producers"][p.Id] = p
	}
	retailers, _, err := s.Retailers(ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range retailers {
		out["retailers"][r.Id] = r
	}
	products, _, err := s.Products(ctx, "", "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range products {
		out["products"][p.Id] = p
		batches, _, err := s.Batches(ctx, p.Id, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range batches {
			out["batches"][string(binary.BigEndian.AppendUint64(nil, b.Id))] = b
		}
	}
	return out
}

// A database of schema 4 keeps syncing after the upgrade: its entries keep
// their versions, so a cache synced before goes on from where it was, a
// fresh one gets the whole list, and both verify as the server does.
func TestSyncAcrossTheUpgradeFromSchema4(t *testing.T) {
	dir := t.TempDir()
	addr, stop := startServerAt(t, dir)
	codes := issueCodes(t, addr, "CHE-LAM-PHU-QUANG", 4)
	recalled := issueCodes(t, addr, "NUOC-MAM-BA-LANG", 2)
	for _, code := range codes[:2] {
		if r := estamp(t, addr, "revoke", "--serial", serialOf(t, code), "--reason", "Tem bị mất "+serialOf(t, code)); r.err != nil {
			t.Fatal(r.err)
		}
	}
	if r := estamp(t, addr, "revoke", "--batch", "2", "--reason", "Thu hồi lô"); r.err != nil {
		t.Fatal(r.err)
	}
	before := filepath.Join(t.TempDir(), "before.json")
	syncPaged(t, addr, before, 2)
	version, _ := cacheList(t, before)
	stop()
	downgradeToSchema4(t, server.DBPath(dir))

	addr, stop = startServerAt(t, dir)
	defer stop()
	// The restarted server listens on another port: tell the cache it is
	// the same service, or the sync would rightly start over.
	data, err := os.ReadFile(before)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	c["server"] = addr
	data, _ = json.Marshal(c)
	if err := os.WriteFile(before, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if out := syncPaged(t, addr, before, 2); !strings.Contains(out, "0 mục thu hồi tem và 0 thay đổi chứng nhận mới") || !strings.Contains(out, fmt.Sprintf("phiên bản %v)", version)) {
		t.Errorf("sync after the upgrade from the cache before it:\n%s", out)
	}
	if r := estamp(t, addr, "revoke", "--serial", serialOf(t, codes[3]), "--reason", "Tem bị mất sau nâng cấp"); r.err != nil {
		t.Fatal(r.err)
	}
	if out := syncPaged(t, addr, before, 2); !strings.Contains(out, "1 mục thu hồi tem") || !strings.Contains(out, fmt.Sprintf("phiên bản %v)", version+1)) {
		t.Errorf("sync of a revocation after the upgrade:\n%s", out)
	}
	fresh := filepath.Join(t.TempDir(), "fresh.json")
	syncPaged(t, addr, fresh, 2)
	if v1, e1 := cacheList(t, before); true {
		if v2, e2 := cacheList(t, fresh); v1 != v2 || fmt.Sprint(e1) != fmt.Sprint(e2) {
			t.Errorf("cache synced across the upgrade: version %v, %d entries; fresh: version %v, %d entries", v1, len(e1), v2, len(e2))
		}
	}
	want := map[string]string{codes[0]: "VERDICT_REVOKED", codes[1]: "VERDICT_REVOKED", codes[2]: "VERDICT_GENUINE", codes[3]: "VERDICT_REVOKED", recalled[0]: "VERDICT_REVOKED"}
	for code, w := range want {
		var online struct {
			Verdict string `json:"verdict"`
			Reason  string `json:"stamp_revocation_reason"`
		}
		r := estamp(t, addr, "--json", "verify", code)
		json.Unmarshal([]byte(r.out), &online)
		for _, cache := range []string{before, fresh} {
			if got := offlineVerdict(t, cache, code); got != w || online.Verdict != w {
				t.Errorf("%s: online %s, offline %s, want %s", serialOf(t, code), online.Verdict, got, w)
			}
		}
		if code == codes[0] && online.Reason != "Tem bị mất "+serialOf(t, code) {
			t.Errorf("reason of a stamp revoked before the upgrade: %q", online.Reason)
		}
	}
}
