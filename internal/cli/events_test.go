package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/cli"
	"github.com/ocopvn/estamp/internal/epcis/epcistest"
)

// estamp events export writes a lot's EPCIS 2.0 document to a file, valid
// under GS1's schema, and refuses a missing product, an unreadable time
// and a file already there without --force.
func TestEventsExport(t *testing.T) {
	addr := startServer(t)
	if r := estamp(t, addr, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L-XUAT", "--quantity", "3"); r.err != nil {
		t.Fatal(r.err)
	}
	out := filepath.Join(t.TempDir(), "events.jsonld")
	r := estamp(t, addr, "events", "export", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L-XUAT", "--since", "2026-01-01", "--out", out)
	if r.err != nil || !strings.Contains(r.out, "Đã ghi sự kiện EPCIS 2.0 vào "+out) {
		t.Fatalf("events export: %v\n%s%s", r.err, r.out, r.errOut)
	}
	doc, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	sch, err := epcistest.Compile(false)
	if err != nil {
		t.Fatal(err)
	}
	if err := epcistest.Validate(sch, doc); err != nil || !strings.Contains(string(doc), `"bizStep": "commissioning"`) {
		t.Errorf("the file is not the lot's EPCIS document: %v\n%s", err, doc)
	}
	for _, tt := range []struct {
		args []string
		exit int
		want string
	}{
		{[]string{"events", "export", "--lot", "L-XUAT", "--out", out + "2"}, 2, "events export --product"},
		{[]string{"events", "export", "--product", "CHE-LAM-PHU-QUANG", "--since", "hôm qua", "--out", out + "2"}, 2, "--since"},
		{[]string{"events", "export", "--product", "CHE-LAM-PHU-QUANG", "--out", out}, 1, "--out"},
		{[]string{"events", "export", "--product", "KHONG-CO", "--out", out + "3"}, 1, "NotFound"},
	} {
		r := estamp(t, addr, tt.args...)
		if got := cli.Describe(r.err); cli.ExitCode(r.err) != tt.exit || !strings.Contains(got, tt.want) {
			t.Errorf("%v: exit %d, want %d with %q: %s", tt.args, cli.ExitCode(r.err), tt.exit, tt.want, got)
		}
	}
}
