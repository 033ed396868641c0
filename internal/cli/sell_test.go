package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/cli"
)

// A shop sells through the CLI: a file of codes as intake reads it, the
// same from standard input, or one code at the till. Exit 0 only when
// every code was sold; a stamp sold before, a revoked one, a code twice
// or no code at all is exit 3 with its row, and the command line's own
// mistakes exit 2 before anything is sold.
func TestSellCommand(t *testing.T) {
	addr := startServer(t)
	dir := t.TempDir()
	codesFile := filepath.Join(dir, "codes.txt")
	if r := estamp(t, addr, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "CL-SALE", "--quantity", "6", "--out", codesFile); r.err != nil {
		t.Fatal(r.err)
	}
	data, _ := os.ReadFile(codesFile)
	codes := strings.Fields(string(data))
	if r := estamp(t, addr, "intake", "--retailer", "CH-OCOP-HAC-THANH", codesFile); r.err != nil {
		t.Fatal(r.err)
	}
	if r := estamp(t, addr, "revoke", "--serial", "6", "--reason", "Tem bị mất"); r.err != nil {
		t.Fatal(r.err)
	}
	day := filepath.Join(dir, "day.txt")
	os.WriteFile(day, []byte(strings.ToLower(codes[0])+"\r\n\r\n  "+codes[1]+"\r\n"), 0o600)
	shopToken := tokenLine.FindString(estamp(t, addr, "admin", "tokens", "create", "--role", "retailer", "--retailer", "ST-SAM-SON").out)

	for _, tt := range []struct {
		name  string
		run   func() result
		exit  int
		want  []string
		avoid []string
	}{
		{"a day's file, every code sold", func() result { return estamp(t, addr, "sell", "--retailer", "CH-OCOP-HAC-THANH", day) }, 0,
			[]string{"Đã kiểm tra 2 mã.", "Đã bán   2\n", "Mọi mã đều chính hãng và đã được ghi nhận bán."}, []string{"Mã có vấn đề"}},
		{"one code at the till", func() result { return estamp(t, addr, "sell", "--retailer", "CH-OCOP-HAC-THANH", "--code", codes[2]) }, 0,
			[]string{"ĐÃ BÁN\nTem chính hãng, đã ghi nhận bán.\nSê-ri 3 · Chè lam Phủ Quảng · lô CL-SALE\n"}, nil},
		{"the same label at another shop's till", func() result {
			return estampAs(t, addr, shopToken, "sell", "--retailer", "ST-SAM-SON", "--code", codes[2])
		}, 3,
			[]string{"NGHI TEM SAO CHÉP\nTem này đã bán tại Cửa hàng OCOP Hạc Thành lúc ", ": nghi tem sao chép.\nSê-ri 3 · Chè lam Phủ Quảng · lô CL-SALE"}, nil},
		{"in English", func() result {
			return estamp(t, addr, "--lang", "en", "sell", "--retailer", "ST-SAM-SON", "--code", codes[0])
		}, 3, []string{"SUSPECTED COPY\nThis stamp was already sold at Cửa hàng OCOP Hạc Thành on ", "not every code was recorded as sold"}, nil},
		{"standard input with problems", func() result {
			return runIn(cli.RunWithStdin(strings.NewReader(codes[3]+"\n"+codes[1]+"\nxin chào\n"+codes[5]+"\n"+codes[3]+"\n")),
				map[string]string{"ESTAMP_SERVER": addr, "ESTAMP_TOKEN": adminToken(addr)}, "sell", "--retailer", "CH-OCOP-HAC-THANH", "-")
		}, 3, []string{"Đã kiểm tra 5 mã.", "Mã có vấn đề (4):", "NGHI TEM SAO CHÉP", "Tem này đã bán tại Cửa hàng OCOP Hạc Thành lúc",
			"KHÔNG PHẢI MÃ TEM OCOP", "TEM ĐÃ BỊ THU HỒI", "Tem bị mất", "TRÙNG TRONG LẦN BÁN", "không phải mọi mã đều được ghi nhận bán"}, []string{"đã nhận lúc"}},
		{"a shop selling as another", func() result {
			return estampAs(t, addr, shopToken, "sell", "--retailer", "CH-OCOP-HAC-THANH", "--code", codes[4])
		}, 1,
			[]string{"PermissionDenied"}, nil},
		{"no retailer", func() result { return estamp(t, addr, "sell", "--code", codes[4]) }, 2, []string{"sell cần --retailer"}, nil},
		{"a file and a code", func() result {
			return estamp(t, addr, "sell", "--retailer", "CH-OCOP-HAC-THANH", "--code", codes[4], day)
		}, 2, nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.run()
			out := r.out + cli.Describe(r.err)
			if got := cli.ExitCode(r.err); got != tt.exit {
				t.Errorf("exit %d, want %d: %v\n%s", got, tt.exit, r.err, r.out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.avoid {
				if strings.Contains(out, w) {
					t.Errorf("output has %q:\n%s", w, out)
				}
			}
		})
	}
	// Nothing the refused calls named was sold.
	if r := estamp(t, addr, "--json", "sell", "--retailer", "CH-OCOP-HAC-THANH", "--code", codes[4]); r.err != nil {
		t.Errorf("codes[4] was sold by a refused call: %v\n%s", r.err, r.out)
	} else {
		var resp struct {
			AllSold bool `json:"all_sold"`
		}
		if err := json.Unmarshal([]byte(r.out), &resp); err != nil || !resp.AllSold {
			t.Errorf("--json: %v\n%s", err, r.out)
		}
	}
	r := estamp(t, addr, "history", "3")
	if !strings.Contains(r.out, "Cửa hàng bán") || !strings.Contains(r.out, "CH-OCOP-HAC-THANH") {
		t.Errorf("history lacks the sale:\n%s", r.out)
	}
	r = estamp(t, addr, "admin", "audit", "list")
	if !strings.Contains(r.out, "cửa hàng bán hàng (stamps.sell)") {
		t.Errorf("the audit list lacks the sales:\n%s", r.out)
	}
}

// GS1 keys through the CLI: a product's GTIN is kept as 14 digits and
// shown, a producer's and a shop's GLN too; a wrong check digit is the
// server's refusal, naming the field.
func TestGS1KeysCommands(t *testing.T) {
	addr := startServer(t)
	for _, tt := range []struct {
		name string
		args []string
		show []string
		want []string
		exit int
	}{
		{"a product's GTIN-13", []string{"products", "add", "--id", "TRA-GTIN", "--producer", "HKD-CHE-LAM-PHU-QUANG", "--name", "Trà GTIN", "--group", "beverage", "--stars", "4",
			"--decision", "9/QĐ-UBND", "--decision-date", "2025-08-20", "--gtin", "8934673001335"}, []string{"products", "show", "TRA-GTIN"}, []string{"Mã vạch GTIN", "08934673001335"}, 0},
		{"a wrong check digit", []string{"products", "add", "--id", "TRA-SAI", "--producer", "HKD-CHE-LAM-PHU-QUANG", "--name", "Trà sai", "--group", "beverage", "--stars", "4",
			"--decision", "9/QĐ-UBND", "--decision-date", "2025-08-20", "--gtin", "8934673001336"}, nil, []string{"product.gtin", "chữ số kiểm tra phải là 5, không phải 6", "InvalidArgument"}, 1},
		{"a producer's GLN", []string{"producers", "add", "--id", "HTX-GLN", "--name", "Hợp tác xã GLN", "--kind", "cooperative", "--province", "Thanh Hóa", "--commune", "Xã Nga Sơn",
			"--gln", "8938000001005"}, []string{"producers", "show", "HTX-GLN"}, []string{"Mã địa điểm GLN", "8938000001005"}, 0},
		{"a shop's GLN", []string{"retailers", "add", "--id", "CH-GLN", "--name", "Cửa hàng GLN", "--province", "Thanh Hóa", "--commune", "Phường Hạc Thành",
			"--gln", "8935000000014"}, []string{"retailers", "show", "CH-GLN"}, []string{"Mã địa điểm GLN", "8935000000014"}, 0},
		{"a shop's wrong GLN", []string{"retailers", "add", "--id", "CH-SAI", "--name", "Cửa hàng sai", "--province", "Thanh Hóa", "--commune", "Phường Hạc Thành",
			"--gln", "8935000000015"}, nil, []string{"retailer.gln"}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := estamp(t, addr, tt.args...)
			out := r.out + cli.Describe(r.err)
			if tt.show != nil {
				r = estamp(t, addr, tt.show...)
				out = r.out + cli.Describe(r.err)
			}
			if got := cli.ExitCode(r.err); got != tt.exit {
				t.Errorf("exit %d, want %d: %v", got, tt.exit, r.err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
