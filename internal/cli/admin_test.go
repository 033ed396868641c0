package cli_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/cli"
	"github.com/ocopvn/estamp/internal/server"
)

// estampAs runs the CLI with a given token (ESTAMP_TOKEN), not the admin's.
func estampAs(t *testing.T, addr, token string, args ...string) result {
	t.Helper()
	return runIn(cli.Run, map[string]string{"ESTAMP_SERVER": addr, "ESTAMP_TOKEN": token}, args...)
}

var tokenLine = regexp.MustCompile(`(?m)^estamp_[0-9a-f]{16}_\S+$`)

func TestAdminTokensThroughTheCLI(t *testing.T) {
	addr := startServer(t)
	r := estamp(t, addr, "admin", "tokens", "create", "--role", "producer", "--producer", "HKD-CHE-LAM-PHU-QUANG", "--description", "Anh Hùng, kế toán")
	if r.err != nil {
		t.Fatal(r.err, r.errOut)
	}
	producerToken := tokenLine.FindString(r.out)
	if producerToken == "" {
		t.Fatalf("no token shown:\n%s", r.out)
	}
	// The producer issues for its own product, not for another's.
	if r := estampAs(t, addr, producerToken, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L1", "--quantity", "2"); r.err != nil {
		t.Errorf("own product: %v", r.err)
	}
	r = estampAs(t, addr, producerToken, "issue", "--product", "NEM-CHUA-TH-5S", "--lot", "L1", "--quantity", "2")
	if r.err == nil || !strings.Contains(cli.Describe(r.err), "PermissionDenied") {
		t.Errorf("another's product: %v", r.err)
	}
	if r := estampAs(t, addr, "", "producers", "list"); r.err == nil || !strings.Contains(cli.Describe(r.err), "Unauthenticated") {
		t.Errorf("no token: %v", r.err)
	}
	if r := estampAs(t, addr, "not-a-token", "producers", "list"); cli.ExitCode(r.err) != 2 {
		t.Errorf("malformed token: exit %d, %v", cli.ExitCode(r.err), r.err)
	}
	// Verification needs no token.
	if r := estampAs(t, addr, "", "keys", "list"); r.err != nil {
		t.Errorf("keys list without a token: %v", r.err)
	}

	r = estamp(t, addr, "admin", "tokens", "list")
	id := producerToken[len("estamp_") : len("estamp_")+16]
	if r.err != nil || !strings.Contains(r.out, id) || !strings.Contains(r.out, "Anh Hùng") || strings.Contains(r.out, producerToken[24:]) {
		t.Fatalf("tokens list: %v\n%s", r.err, r.out)
	}
	if r := estamp(t, addr, "admin", "tokens", "revoke", id); r.err != nil {
		t.Fatal(r.err)
	}
	r = estampAs(t, addr, producerToken, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L1", "--quantity", "2")
	if r.err == nil || !strings.Contains(cli.Describe(r.err), "Unauthenticated") {
		t.Errorf("revoked token: %v", r.err)
	}
	if r := estamp(t, addr, "admin", "tokens", "create", "--role", "producer"); r.err == nil || !strings.Contains(cli.Describe(r.err), "producer_id") {
		t.Errorf("producer token without producer: %v", r.err)
	}
	if r := estamp(t, addr, "admin", "tokens", "create", "--role", "king"); cli.ExitCode(r.err) != 2 {
		t.Errorf("unknown role: %v", r.err)
	}

	r = estamp(t, addr, "admin", "keys", "rotate")
	if r.err != nil || !strings.Contains(r.out, "đang ký tem") {
		t.Fatalf("keys rotate: %v\n%s", r.err, r.out)
	}
	if r := estamp(t, addr, "keys", "list"); !strings.Contains(r.out, "ngừng ký, vẫn xác thực") {
		t.Errorf("keys list after rotation:\n%s", r.out)
	}
}

// Changing one byte of a stored audit entry in the bbolt file makes
// `estamp admin audit verify` report that entry, with exit status 3.
func TestAuditVerifyReportsATamperedEntry(t *testing.T) {
	dir := t.TempDir()
	addr, stop := startServerAt(t, dir)
	for _, args := range [][]string{
		{"issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L1", "--quantity", "3"},
		{"producers", "add", "--id", "HTX-MOI", "--name", "HTX Mới", "--kind", "cooperative", "--province", "Thanh Hóa", "--commune", "Xã Nga Sơn"},
		{"batches", "revoke", "1", "--reason", "in lỗi"},
	} {
		if r := estamp(t, addr, args...); r.err != nil {
			t.Fatalf("%v: %v", args, r.err)
		}
	}
	r := estamp(t, addr, "admin", "audit", "verify")
	if r.err != nil || !strings.Contains(r.out, "nguyên vẹn") {
		t.Fatalf("intact log: %v\n%s", r.err, r.out)
	}
	r = estamp(t, addr, "admin", "audit", "list")
	if r.err != nil || !strings.Contains(r.out, "stamps.issue") || !strings.Contains(r.out, "batch.revoke") || !strings.Contains(r.out, "producer.create") {
		t.Fatalf("audit list: %v\n%s", r.err, r.out)
	}
	entries := strings.Count(r.out, "\n") - 1
	stop()

	// Flip one byte in the middle of an entry, as a tamperer with the file
	// would.
	target := uint64(entries - 1)
	db, err := bolt.Open(filepath.Join(dir, "estamp.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		k := binary.BigEndian.AppendUint64(nil, target)
		v := append([]byte(nil), b.Get(k)...)
		v[len(v)/2] ^= 0x20
		return b.Put(k, v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	addr, _ = startServerAt(t, dir)
	r = estamp(t, addr, "admin", "audit", "verify")
	if cli.ExitCode(r.err) != 3 || !strings.Contains(r.out, "BỊ HỎNG tại mục "+itoa(target)) {
		t.Fatalf("tampered entry %d: exit %d %v\n%s", target, cli.ExitCode(r.err), r.err, r.out)
	}
	if _, err := os.Stat(server.AdminTokenPath(dir)); err != nil {
		t.Error(err)
	}
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

func TestBackupCommand(t *testing.T) {
	addr := startServer(t)
	if r := estamp(t, addr, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L1", "--quantity", "3"); r.err != nil {
		t.Fatal(r.err)
	}
	out := filepath.Join(t.TempDir(), "estamp-backup.db")
	r := estamp(t, addr, "admin", "backup", "--out", out)
	if r.err != nil || !strings.Contains(r.out, "Đã sao lưu") {
		t.Fatalf("backup: %v\n%s", r.err, r.out)
	}
	db, err := bolt.Open(out, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("batches")).Stats().KeyN != 1 {
			t.Error("the backup lacks the batch")
		}
		for err := range tx.Check() {
			t.Error(err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := estampAs(t, addr, "", "admin", "backup", "--out", out+"2"); r.err == nil {
		t.Error("backup without a token")
	}
	if _, err := os.Stat(out + "2"); err == nil {
		t.Error("a refused backup left a file")
	}
}

// Someone who can write the database file turns a revoked 3★ product into
// an active 5★ one: the hash chain is untouched, but `audit verify` names
// the product and exits 3.
func TestAuditVerifyNamesAnEditedRecord(t *testing.T) {
	dir := t.TempDir()
	addr, stop := startServerAt(t, dir)
	if r := estamp(t, addr, "admin", "audit", "verify"); r.err != nil {
		t.Fatalf("intact log: %v\n%s", r.err, r.out)
	}
	stop()
	db, err := bolt.Open(filepath.Join(dir, "estamp.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("products"))
		p := new(storagev1.ProductRecord)
		if err := proto.Unmarshal(b.Get([]byte("NEM-CHUA-CU-TH")), p); err != nil {
			return err
		}
		if p.Certificate.RevokeUnixNano == 0 || p.StarGrade != 3 {
			t.Fatalf("demo product is not a revoked 3★: %v", p)
		}
		p.StarGrade, p.Certificate.RevokeUnixNano, p.Certificate.RevocationReason = 5, 0, ""
		p.Certificate.Authority = int32(estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_CENTRAL)
		v, err := proto.Marshal(p)
		if err != nil {
			return err
		}
		return b.Put([]byte("NEM-CHUA-CU-TH"), v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	addr, _ = startServerAt(t, dir)
	r := estamp(t, addr, "admin", "audit", "verify")
	if cli.ExitCode(r.err) != 3 || !strings.Contains(r.out, "product NEM-CHUA-CU-TH: differs from what audit entry") || !strings.Contains(r.out, "KHÔNG KHỚP") {
		t.Fatalf("edited product: exit %d %v\n%s", cli.ExitCode(r.err), r.err, r.out)
	}
}

var oneTimeLine = regexp.MustCompile(`(?m)^[a-z2-9]{5}-[a-z2-9]{5}-[a-z2-9]{5}$`)

func TestAdminAccountsThroughTheCLI(t *testing.T) {
	addr := startServer(t)
	r := estamp(t, addr, "admin", "accounts", "create", "--username", "lan.nguyen", "--name", "Nguyễn Thị Lan", "--role", "producer", "--producer", "HKD-CHE-LAM-PHU-QUANG")
	if r.err != nil {
		t.Fatal(r.err, r.errOut)
	}
	first := oneTimeLine.FindString(r.out)
	if first == "" || !strings.Contains(r.out, "lan.nguyen") || !strings.Contains(r.out, "/console/") {
		t.Fatalf("create:\n%s", r.out)
	}
	r = estamp(t, addr, "admin", "accounts", "list")
	if r.err != nil || !strings.Contains(r.out, "Nguyễn Thị Lan") || !strings.Contains(r.out, "chờ đổi mật khẩu") || strings.Contains(r.out, first) {
		t.Fatalf("list: %v\n%s", r.err, r.out)
	}
	r = estamp(t, addr, "admin", "accounts", "reset", "lan.nguyen")
	if second := oneTimeLine.FindString(r.out); r.err != nil || second == "" || second == first {
		t.Fatalf("reset: %v\n%s", r.err, r.out)
	}
	if r := estamp(t, addr, "admin", "accounts", "disable", "lan.nguyen"); r.err != nil || !strings.Contains(r.out, "Đã khóa") {
		t.Fatalf("disable: %v\n%s", r.err, r.out)
	}
	if r := estamp(t, addr, "admin", "accounts", "list"); !strings.Contains(r.out, "đã khóa") {
		t.Fatalf("list after disable:\n%s", r.out)
	}
	// A disabled account's password cannot be reset: a new account is
	// the way back.
	if r := estamp(t, addr, "admin", "accounts", "reset", "lan.nguyen"); r.err == nil || !strings.Contains(cli.Describe(r.err), "FailedPrecondition") {
		t.Errorf("reset of a disabled account: %v", r.err)
	}
	for _, c := range []struct {
		args []string
		exit int
		says string
	}{
		{[]string{"--username", "x", "--name", "X", "--role", "admin"}, 1, "username"},
		{[]string{"--username", "Lan Nguyen", "--name", "X", "--role", "admin"}, 1, "username"},
		{[]string{"--username", "lan2", "--name", "X", "--role", "producer"}, 1, "producer_id"},
		{[]string{"--username", "lan2", "--name", "X", "--role", "retailer", "--retailer", "KHONG-CO"}, 1, "NotFound"},
		{[]string{"--username", "lan3", "--name", "", "--role", "admin"}, 1, "display_name"},
		{[]string{"--username", "lan4", "--name", "X", "--role", "king"}, 2, "--role"},
		{[]string{"--username", "lan.nguyen", "--name", "X", "--role", "admin"}, 1, "AlreadyExists"},
	} {
		r := estamp(t, addr, append([]string{"admin", "accounts", "create"}, c.args...)...)
		if cli.ExitCode(r.err) != c.exit || r.err == nil || !strings.Contains(cli.Describe(r.err), c.says) {
			t.Errorf("%v: exit %d, %v; want exit %d mentioning %q", c.args, cli.ExitCode(r.err), r.err, c.exit, c.says)
		}
	}
}
