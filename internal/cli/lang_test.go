package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/cli"
	"github.com/ocopvn/estamp/internal/sourcetree"
)

// The languages a person can ask for, and how.
var languages = []struct {
	name string
	env  map[string]string
	args []string
	en   bool
}{
	{"no locale", nil, nil, false},
	{"LANG=vi_VN", map[string]string{"LANG": "vi_VN.UTF-8"}, nil, false},
	{"LANG=en_US", map[string]string{"LANG": "en_US.UTF-8"}, nil, true},
	{"LC_ALL before LANG", map[string]string{"LC_ALL": "vi_VN.UTF-8", "LANG": "en_US.UTF-8"}, nil, false},
	{"LC_MESSAGES before LANG", map[string]string{"LC_MESSAGES": "en_GB.UTF-8", "LANG": "vi_VN.UTF-8"}, nil, true},
	{"--lang en", nil, []string{"--lang", "en"}, true},
	{"--lang=en after the command", nil, []string{"--lang=en"}, true},
	{"--lang vi over LANG=en", map[string]string{"LANG": "en_US.UTF-8"}, []string{"--lang", "vi"}, false},
}

// runAs runs the CLI against addr with token (none when empty), in the
// environment env and with args after the command's.
func runAs(addr, token string, env map[string]string, cmd []string, more ...string) result {
	vars := map[string]string{"ESTAMP_SERVER": addr}
	if token != "" {
		vars["ESTAMP_TOKEN"] = token
	}
	for k, v := range env {
		vars[k] = v
	}
	return runIn(cli.Run, vars, append(append([]string{}, cmd...), more...)...)
}

// A refusal of the server reads in the person's language, with the same
// exit status and advice on what to do; the English is the status
// message API clients get.
func TestServerErrorsInEachLanguage(t *testing.T) {
	addr := startServer(t)
	r := estamp(t, addr, "admin", "tokens", "create", "--role", "producer", "--producer", "HKD-CHE-LAM-PHU-QUANG")
	producer := tokenLine.FindString(r.out)
	if producer == "" {
		t.Fatalf("no producer token: %v\n%s", r.err, r.out)
	}
	wrong := "estamp_0123456789abcdef_q8Zt0fWm3Xb-Yc9_LkR2vNpHs7JdA5eGuT1iOw4xE6y"
	for _, tt := range []struct {
		name   string
		token  string
		cmd    []string
		vi, en []string
	}{
		{"expired certificate", adminToken(addr), []string{"issue", "--product", "BANH-GAI-TU-TRU", "--lot", "X", "--quantity", "1"},
			[]string{"giấy chứng nhận 5445/QĐ-UBND của sản phẩm BANH-GAI-TU-TRU đã hết hạn ngày 22/12/2022 (FailedPrecondition)"},
			[]string{"FailedPrecondition: certificate 5445/QĐ-UBND of product BANH-GAI-TU-TRU expired on 2022-12-22"}},
		{"no token", "", []string{"producers", "list"},
			[]string{"lệnh này cần token API", "(Unauthenticated)", "thêm --token TOKEN, hoặc đặt biến môi trường ESTAMP_TOKEN"},
			[]string{"Unauthenticated: this call needs an API token", "add --token TOKEN, or set the environment variable ESTAMP_TOKEN"}},
		{"wrong token", wrong, []string{"producers", "list"},
			[]string{"token API không hợp lệ hoặc đã bị thu hồi (Unauthenticated)", "Hãy xin văn phòng OCOP token mới"},
			[]string{"Unauthenticated: invalid or revoked API token", "Ask the OCOP office for a new one"}},
		{"a producer's token on the office's command", producer, []string{"admin", "tokens", "list"},
			[]string{"token này không được làm việc này với đối tượng đã nêu (PermissionDenied)", "cần token của văn phòng OCOP"},
			[]string{"PermissionDenied: this token may not make this call on what it names", "need a token of the OCOP office"}},
		{"a producer's token lists every product", producer, []string{"products", "list"},
			[]string{"(PermissionDenied)", "estamp products list --producer MÃ-CHỦ-THỂ"},
			[]string{"PermissionDenied:", "estamp products list --producer PRODUCER-ID"}},
		{"not found", adminToken(addr), []string{"products", "show", "KHONG-CO"},
			[]string{`không tìm thấy sản phẩm "KHONG-CO" (NotFound)`},
			[]string{`NotFound: product "KHONG-CO" not found`}},
		{"invalid", adminToken(addr), []string{"issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "X", "--quantity", "0"},
			[]string{"quantity: 0 nằm ngoài khoảng 1..100000 (InvalidArgument)"},
			[]string{"InvalidArgument: quantity: 0 is outside 1..100000"}},
		{"already exists", adminToken(addr), []string{"retailers", "add", "--id", "st-sam-son", "--name", "X", "--province", "Thanh Hóa", "--commune", "Phường Sầm Sơn"},
			[]string{`cửa hàng "st-sam-son" đã có`, "(AlreadyExists)"},
			[]string{`AlreadyExists: retailer "st-sam-son" already exists`}},
	} {
		for _, l := range languages {
			t.Run(tt.name+"/"+l.name, func(t *testing.T) {
				r := runAs(addr, tt.token, l.env, tt.cmd, l.args...)
				said := cli.Describe(r.err)
				want, not := tt.vi, tt.en
				if l.en {
					want, not = tt.en, tt.vi
				}
				if cli.ExitCode(r.err) != 1 {
					t.Errorf("exit %d, want 1: %s", cli.ExitCode(r.err), said)
				}
				for _, w := range want {
					if !strings.Contains(said, w) {
						t.Errorf("%q does not say %q", said, w)
					}
				}
				if strings.Contains(said, not[0]) {
					t.Errorf("%q is in the other language", said)
				}
			})
		}
	}
}

// A mistake in the command line is said in the person's language, and
// points to the command's help.
func TestUsageErrorsInEachLanguage(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		vi, en string
	}{
		{[]string{"issue", "--product", "P", "--quantity", "2"}, "issue cần --lot", "issue needs --lot"},
		{[]string{"verify", ""}, "mã trống", "the code is empty"},
		{[]string{"producers", "fly"}, `producers "fly": cần list, show hoặc add`, `producers "fly": want list, show or add`},
		{[]string{"issue", "--nope"}, "không có cờ -nope", "flag provided but not defined: -nope"},
		{[]string{"history", "12a"}, `"12a" không phải số sê-ri`, `"12a" is not a serial`},
		{[]string{"revoke", "--serial", "x1", "--reason", "r"}, `giá trị "x1" của cờ -serial không dùng được: "x1" không phải số sê-ri`, `invalid value "x1" for flag -serial: "x1" is not a serial`},
		{[]string{"intake", "codes.txt"}, "intake cần --retailer MÃ-CỬA-HÀNG", "intake needs --retailer ID"},
		{[]string{"--lang", "fr", "keys", "list"}, `--lang "fr": cần vi hoặc en`, `--lang "fr": want vi or en`},
	} {
		for _, l := range languages {
			if len(l.args) > 0 && tt.args[0] == "--lang" {
				continue
			}
			r := runAs("127.0.0.1:1", "", l.env, tt.args, l.args...)
			said, want := cli.Describe(r.err), tt.vi
			if l.en {
				want = tt.en
			}
			if cli.ExitCode(r.err) != 2 || !strings.Contains(said, want) || !strings.Contains(said, "--help") {
				t.Errorf("%s %v: exit %d, %q; want 2 saying %q and where the help is", l.name, tt.args, cli.ExitCode(r.err), said, want)
			}
		}
	}
}

// Human tables read dates and times as people in Vietnam write them, or in
// English in English; --json keeps the API's ISO dates; serials are
// grouped as on the label.
func TestDatesAndSerialsAsPeopleReadThem(t *testing.T) {
	addr := startServer(t)
	for i := 0; i < 2; i++ {
		if r := estamp(t, addr, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "L1", "--quantity", "1000", "--production-date", "2026-11-20", "--expiry-date", "2027-05-01"); r.err != nil {
			t.Fatal(r.err)
		}
	}
	for _, tt := range []struct {
		args     []string
		want     []string
		wantNot  []string
		jsonWant string
	}{
		{[]string{"batches", "list", "--product", "CHE-LAM-PHU-QUANG"},
			[]string{"20/11/2026", "1 001 – 2 000"}, []string{"2026-11-20"}, `"production_date": "2026-11-20"`},
		{[]string{"--lang", "en", "batches", "list", "--product", "CHE-LAM-PHU-QUANG"},
			[]string{"20 Nov 2026", "1 001 – 2 000", "PRODUCED"}, []string{"2026-11-20", "NGÀY SX"}, `"production_date": "2026-11-20"`},
		{[]string{"batches", "show", "2"},
			[]string{"Ngày sản xuất:  20/11/2026", "Hạn sử dụng:    01/05/2027", "Số sê-ri:       1 001 – 2 000"}, []string{"2027-05-01"}, `"expiry_date": "2027-05-01"`},
		{[]string{"products", "list"},
			[]string{"09/03/2028", "HIỆU LỰC ĐẾN"}, []string{"2028-03-09"}, `"valid_until": "2028-03-09"`},
		{[]string{"products", "show", "CHE-LAM-PHU-QUANG"},
			[]string{"3012/QĐ-UBND ngày 10/03/2025 (UBND tỉnh)", "Hiệu lực đến:  09/03/2028"}, []string{"2025-03-10"}, `"decision_date": "2025-03-10"`},
		{[]string{"--lang", "en", "products", "show", "CHE-LAM-PHU-QUANG"},
			[]string{"3012/QĐ-UBND of 10 Mar 2025 (Provincial People's Committee)", "Valid until:  9 Mar 2028"}, []string{"2025-03-10", "ngày"}, `"decision_date": "2025-03-10"`},
		{[]string{"history", "1", "234"},
			[]string{"Tem 1 234 — lô tem 2"}, nil, `"serial": "1234"`},
	} {
		r := estamp(t, addr, tt.args...)
		for _, w := range tt.want {
			if !strings.Contains(r.out, w) {
				t.Errorf("%v lacks %q: %v\n%s", tt.args, w, r.err, r.out)
			}
		}
		for _, w := range tt.wantNot {
			if strings.Contains(r.out, w) {
				t.Errorf("%v shows %q:\n%s", tt.args, w, r.out)
			}
		}
		// A time in a table reads as a time in Vietnam, not as a log's.
		if regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`).MatchString(r.out) {
			t.Errorf("%v shows a log's time:\n%s", tt.args, r.out)
		}
		r = estamp(t, addr, append([]string{"--json"}, tt.args...)...)
		// protojson varies its spaces from build to build: one space here.
		if !json.Valid([]byte(r.out)) || !strings.Contains(regexp.MustCompile(`": +`).ReplaceAllString(r.out, `": `), tt.jsonWant) {
			t.Errorf("--json %v: %v, want %s:\n%s", tt.args, r.err, tt.jsonWant, r.out)
		}
	}
}

// A delivery's problems name each stamp by what its label shows — serial,
// product, lot — and the shop that had it by its name; a line that is no
// code is told by its line number.
func TestIntakeProblemRows(t *testing.T) {
	addr := startServer(t)
	dir := t.TempDir()
	codesFile := filepath.Join(dir, "codes.txt")
	if r := estamp(t, addr, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "CL-9", "--quantity", "1200", "--out", codesFile); r.err != nil {
		t.Fatal(r.err)
	}
	data, _ := os.ReadFile(codesFile)
	codes := strings.Fields(string(data))
	first := filepath.Join(dir, "first.txt")
	os.WriteFile(first, []byte(codes[1099]+"\n"), 0o600)
	if r := estamp(t, addr, "intake", "--retailer", "CH-OCOP-HAC-THANH", first); r.err != nil {
		t.Fatal(r.err)
	}
	second := filepath.Join(dir, "second.txt")
	os.WriteFile(second, []byte(codes[0]+"\n"+codes[1099]+"\nxin chào\n"), 0o600)

	problemRow := regexp.MustCompile(`(?m)^(\d+) {2,}(.+?) {2,}(—|\d{1,3}(?: \d{3})*) {2,}(.+?) {2,}(.+?) {2,}(.+)$`)
	for _, tt := range []struct {
		lang                       []string
		copied, notACode, received string
	}{
		{nil, "NGHI TEM SAO CHÉP", "KHÔNG PHẢI MÃ TEM OCOP", "Cửa hàng OCOP Hạc Thành đã nhận lúc "},
		{[]string{"--lang", "en"}, "SUSPECTED COPY", "NOT AN OCOP STAMP", "received by Cửa hàng OCOP Hạc Thành on "},
	} {
		r := estamp(t, addr, append(tt.lang, "intake", "--retailer", "ST-SAM-SON", second)...)
		if cli.ExitCode(r.err) != 3 {
			t.Fatalf("%v: exit %d\n%s", tt.lang, cli.ExitCode(r.err), r.out)
		}
		rows := map[string][]string{}
		for _, m := range problemRow.FindAllStringSubmatch(r.out, -1) {
			rows[m[1]] = m[2:]
		}
		if got := rows["2"]; got == nil || got[0] != tt.copied || got[1] != "1 100" || got[2] != "Chè lam Phủ Quảng" || got[3] != "CL-9" || !strings.Contains(got[4], tt.received) || strings.Contains(got[4], "CH-OCOP-HAC-THANH") {
			t.Errorf("%v: the copied stamp's row is %q\n%s", tt.lang, got, r.out)
		}
		if got := rows["3"]; got == nil || got[0] != tt.notACode || got[1] != "—" {
			t.Errorf("%v: the line of no code is %q\n%s", tt.lang, got, r.out)
		}
		if strings.Contains(r.out, codes[0][:30]) {
			t.Errorf("%v: the report shows codes:\n%s", tt.lang, r.out)
		}
	}
}

// auditAction finds the actions package audit declares.
var auditAction = regexp.MustCompile(`(?m)^\s+\w+\s+Action = "([a-z_.]+)"`)

// Every action the audit log can hold reads as words in the audit list,
// in both languages.
func TestEveryAuditActionHasWords(t *testing.T) {
	sources, err := sourcetree.GoFiles(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	actions := auditAction.FindAllStringSubmatch(sources["internal/audit/actions.go"], -1)
	if len(actions) < 20 {
		t.Fatalf("found %d actions", len(actions))
	}
	for _, m := range actions {
		vi, en := cli.ActionWords(m[1])
		if !hasVietnamese(vi) || en == "" || en == m[1] {
			t.Errorf("%s reads %q / %q", m[1], vi, en)
		}
	}
}
