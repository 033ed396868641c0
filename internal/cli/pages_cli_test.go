package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// estampPaged runs the CLI as the admin, reading lists in pages of size.
func estampPaged(t *testing.T, addr string, size int32, args ...string) result {
	t.Helper()
	return runIn(paged(size), map[string]string{"ESTAMP_SERVER": addr, "ESTAMP_TOKEN": adminToken(addr)}, args...)
}

// Every list command reads its list to the end, page by page: in pages of
// 2 it shows what it shows in one page.
func TestListCommandsReadEveryPage(t *testing.T) {
	addr := startServer(t)
	if r := estamp(t, addr, "retailers", "add", "--id", "CH-NGA-SON", "--name", "Cửa hàng cói Nga Sơn", "--province", "Thanh Hóa", "--commune", "Xã Nga Sơn"); r.err != nil {
		t.Fatal(r.err, r.errOut)
	}
	for range 3 {
		if r := estamp(t, addr, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L1", "--quantity", "1"); r.err != nil {
			t.Fatal(r.err)
		}
		if r := estamp(t, addr, "admin", "tokens", "create", "--role", "admin"); r.err != nil {
			t.Fatal(r.err)
		}
	}
	tests := []struct {
		args []string
		// field holds the list in the --json output.
		field string
	}{
		{[]string{"producers", "list"}, "producers"},
		{[]string{"products", "list"}, "products"},
		{[]string{"retailers", "list"}, "retailers"},
		{[]string{"batches", "list", "--product", "CHE-LAM-PHU-QUANG"}, "batches"},
		{[]string{"admin", "tokens", "list"}, "tokens"},
		{[]string{"admin", "audit", "list"}, "entries"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			args := append([]string{"--json"}, tt.args...)
			whole, paged := estampPaged(t, addr, 1000, args...), estampPaged(t, addr, 2, args...)
			if whole.err != nil || paged.err != nil {
				t.Fatalf("errors: %v, %v", whole.err, paged.err)
			}
			var list map[string][]json.RawMessage
			if err := json.Unmarshal([]byte(whole.out), &list); err != nil || len(list[tt.field]) < 3 {
				t.Fatalf("%d items in one page (%v); want 3 or more, to need pages of 2\n%s", len(list[tt.field]), err, whole.out)
			}
			if paged.out != whole.out {
				t.Errorf("in pages of 2:\n%s\nin one page:\n%s", paged.out, whole.out)
			}
		})
	}

	// --after and --limit pick entries by sequence number, across pages.
	r := estampPaged(t, addr, 2, "--json", "admin", "audit", "list", "--after", "3", "--limit", "5")
	var audit struct {
		Entries []struct {
			Sequence string `json:"sequence"`
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(r.out), &audit); err != nil || r.err != nil {
		t.Fatalf("audit list --after 3 --limit 5: %v %v\n%s", err, r.err, r.out)
	}
	var got []string
	for _, e := range audit.Entries {
		got = append(got, e.Sequence)
	}
	if strings.Join(got, " ") != "4 5 6 7 8" {
		t.Errorf("audit list --after 3 --limit 5 = %v, want 4 to 8", got)
	}
	if r := estamp(t, addr, "admin", "audit", "list", "--after", "18446744073709551615"); r.err != nil || strings.Count(r.out, "\n") != 1 {
		t.Errorf("audit list after the largest sequence number: %v\n%s", r.err, r.out)
	}
}
