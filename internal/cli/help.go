package cli

import (
	"flag"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/ocopvn/estamp/internal/ocop"
)

// helpEntry is what `estamp CMD --help` says of a command besides its
// flags: what it does (in English; commandWhatVI says it in Vietnamese),
// its positional arguments, and one example.
type helpEntry struct{ what, args, example string }

// commandWhatVI is what each command of commands does, in Vietnamese: the
// first line of its help, and its line in its group's help
// (TestEveryCommandHasHelp).
var commandWhatVI = map[string]string{
	"producers list":         "Liệt kê các chủ thể OCOP đã đăng ký.",
	"producers show":         "Xem một chủ thể: loại hình, mã số thuế, địa chỉ, điện thoại.",
	"producers add":          "Đăng ký chủ thể (hợp tác xã, doanh nghiệp, hộ kinh doanh hoặc tổ hợp tác).",
	"products list":          "Liệt kê sản phẩm được công nhận, tất cả hoặc của một chủ thể (token của chủ thể phải ghi --producer là chính mình).",
	"products show":          "Xem một sản phẩm, giấy chứng nhận OCOP và tình trạng của nó.",
	"products add":           "Đăng ký sản phẩm được công nhận: hạng 3-5 sao, số và ngày quyết định (YYYY-MM-DD).",
	"products renew":         "Gia hạn giấy chứng nhận của sản phẩm theo quyết định mới (ngày dạng YYYY-MM-DD).",
	"products revoke":        "Thu hồi giấy chứng nhận của sản phẩm: tem của nó sẽ báo việc thu hồi cho người mua.",
	"issue":                  "Phát hành một lô tem cho một lô hàng của sản phẩm được công nhận.",
	"events export":          "Xuất sự kiện truy xuất nguồn gốc của sản phẩm (một số lô, một khoảng thời gian) dạng EPCIS 2.0 JSON-LD.",
	"activate":               "Kích hoạt nhãn in sẵn khi đóng gói: quét nhãn đầu và nhãn cuối, gắn chúng với số lô.",
	"batches list":           "Liệt kê các lô tem của một sản phẩm.",
	"batches show":           "Xem một lô tem; thêm --codes để xem mã của từng tem.",
	"batches revoke":         "Thu hồi cả lô tem, hoặc chỉ một số sê-ri của lô với --serial.",
	"verify":                 "Kiểm tra mã trên tem: có chính hãng không, và tem nói gì về sản phẩm.",
	"retailers list":         "Liệt kê các cửa hàng đã đăng ký.",
	"retailers show":         "Xem một cửa hàng.",
	"retailers add":          "Đăng ký cửa hàng.",
	"intake":                 "Nhận một lần giao hàng: mỗi dòng một mã, như máy quét cầm tay gõ; in kết quả của từng mã.",
	"sell":                   "Ghi nhận hàng đã bán: mỗi dòng một mã như intake, hoặc một mã quét tại quầy với --code; tem đã bán mà xuất hiện lại là nghi tem sao chép.",
	"revoke":                 "Thu hồi cả lô tem, hoặc từng tem theo số sê-ri.",
	"history":                "Xem lịch sử của một tem: các lần quét, các cửa hàng đã nhận và cửa hàng đã bán.",
	"sync":                   "Lưu khóa công khai và danh sách thu hồi về máy để dùng verify --offline; với --trust-anchor, cả danh sách tin cậy quốc gia và danh sách thu hồi của các tỉnh khác.",
	"keys list":              "Liệt kê khóa công khai của đơn vị cấp tem và trạng thái của chúng.",
	"labels":                 "Dựng nhãn của một lô tem để in: PDF, PNG hoặc SVG.",
	"labels layouts":         "Liệt kê các bố cục nhãn có sẵn.",
	"admin tokens create":    "Tạo token API cho một máy; bí mật của token chỉ hiện một lần.",
	"admin tokens list":      "Liệt kê các token API, không kèm bí mật.",
	"admin tokens revoke":    "Thu hồi ngay một token API.",
	"admin accounts create":  "Tạo tài khoản bảng điều khiển cho một người; mật khẩu dùng một lần chỉ hiện một lần.",
	"admin accounts list":    "Liệt kê các tài khoản bảng điều khiển.",
	"admin accounts reset":   "Cấp lại mật khẩu dùng một lần cho tài khoản và đăng xuất nó ở mọi nơi.",
	"admin accounts disable": "Khóa tài khoản, không cho đăng nhập nữa, và đăng xuất nó ở mọi nơi.",
	"admin keys rotate":      "Tạo khóa ký mới; khóa cũ vẫn xác thực các tem nó đã ký.",
	"admin keys retire":      "Ngừng dùng một khóa để ký; tem nó đã ký vẫn chính hãng.",
	"admin keys compromised": "Đánh dấu khóa bị lộ: mọi tem nó đã ký sẽ không còn được xác thực.",
	"admin audit list":       "Liệt kê nhật ký kiểm toán, cũ nhất trước.",
	"admin audit verify":     "Kiểm tra chuỗi băm của nhật ký kiểm toán và các bản ghi nó bảo vệ.",
	"admin backup":           "Ghi bản sao lưu nhất quán của cơ sở dữ liệu trong khi máy chủ vẫn chạy.",
	"admin trust-list sign":  "Ký danh sách tin cậy quốc gia từ tệp các đơn vị cấp tem bằng khóa gốc tin cậy (không cần máy chủ).",
	"admin trust-list show":  "Kiểm tra chữ ký của danh sách tin cậy rồi in các đơn vị cấp tem, khóa, phiên bản và hạn.",
}

// commandHelp has an entry for every command of commands
// (TestEveryCommandHasHelp).
var commandHelp = map[string]helpEntry{
	"producers list": {"List the registered producers (chủ thể).", "", "estamp producers list"},
	"producers show": {"Show one producer: kind, tax code, address, phone.", "ID", "estamp producers show HTX-COI-NGA-SON"},
	"producers add": {"Register a producer (cooperative, enterprise, household business or cooperative group).", "",
		`estamp producers add --id HTX-MAY-TRE --name "Hợp tác xã Mây tre" --kind cooperative --province "Thanh Hóa" --commune "Xã Nga Sơn"`},
	"products list":   {"List certified products, all or one producer's (a producer's token must name itself).", "", "estamp products list --producer HKD-CHE-LAM-PHU-QUANG"},
	"products show":   {"Show one product with its OCOP certificate and its status.", "ID", "estamp products show CHE-LAM-PHU-QUANG"},
	"products add":    {"Register a certified product: grade 3-5 stars, decision number and date (YYYY-MM-DD).", "", `estamp products add --id CHE-LAM --producer HKD-CHE-LAM-PHU-QUANG --name "Chè lam" --group food --stars 4 --decision 3012/QĐ-UBND --decision-date 2025-03-10`},
	"products renew":  {"Renew a product's certificate with a new decision (YYYY-MM-DD dates).", "ID", "estamp products renew CHE-LAM-PHU-QUANG --stars 4 --decision 88/QĐ-UBND --decision-date 2028-03-01"},
	"products revoke": {"Revoke a product's certificate: its stamps then show the revocation to buyers.", "ID", `estamp products revoke CHE-LAM-PHU-QUANG --reason "Không đạt khi tái đánh giá"`},
	"issue":           {"Issue a batch of stamps for a lot of a certified product.", "", "estamp issue --product CHE-LAM-PHU-QUANG --lot L2026-11 --quantity 100 --out codes.txt"},
	"events export":   {"Export a product's traceability events (of a lot, in a time range) as one EPCIS 2.0 JSON-LD document.", "", "estamp events export --product CHE-LAM-PHU-QUANG --lot L2026-11 --out events.jsonld"},
	"activate":        {"Activate labels printed ahead at packing: scan the first and the last label and bind them to a lot (YYYY-MM-DD dates).", "", "estamp activate --from \"$FIRST\" --to \"$LAST\" --lot L2026-12 --expiry-date 2027-06-01"},
	"batches list":    {"List a product's batches.", "", "estamp batches list --product CHE-LAM-PHU-QUANG"},
	"batches show":    {"Show a batch, and with --codes its codes.", "ID", "estamp batches show 1"},
	"batches revoke":  {"Recall a whole batch, or single serials of it with --serial.", "ID", `estamp batches revoke 1 --reason "Nhãn in hỏng"`},
	"verify":          {"Check a stamp's code: genuine or not, and what it says of the product.", "CODE", `estamp verify "HTTPS://TEM.EXAMPLE/V/AGEW..."`},
	"retailers list":  {"List the registered shops.", "", "estamp retailers list"},
	"retailers show":  {"Show one shop.", "ID", "estamp retailers show CH-OCOP-HAC-THANH"},
	"retailers add":   {"Register a shop (retailer).", "", `estamp retailers add --id CH-OCOP --name "Cửa hàng OCOP" --province "Thanh Hóa" --commune "Phường Hạc Thành"`},
	"intake":          {"Take in a delivery: codes one per line, as a handheld scanner types them; prints a verdict per code.", "[FILE|-]", "estamp intake --retailer CH-OCOP-HAC-THANH codes.txt"},
	"sell":            {"Record a sale: codes one per line as for intake, or one code scanned at the till with --code; a sold stamp that turns up again is a suspected copy.", "[FILE|-]", "estamp sell --retailer CH-OCOP-HAC-THANH --code HTTPS://TEM.EXAMPLE/V/AGEW..."},
	"revoke":          {"Revoke a whole batch or single stamps by serial.", "", `estamp revoke --serial 1234 --reason "Tem bị mất"`},
	"history":         {"Show a stamp's scans, the shops that received it and the shop that sold it.", "SERIAL", "estamp history 1234"},
	"sync":            {"Cache the issuer's keys and revocations for verify --offline; with --trust-anchor, the national trust list and the other provinces' revocations too.", "", "estamp sync --trust-anchor anchor-pub.pem"},
	"keys list":       {"List the issuer's public keys and their states.", "", "estamp keys list"},
	"labels":          {"Render a batch's labels to print: PDF, PNG or SVG, for the printer's dpi; revoked stamps are left out.", "", "estamp labels --batch 1 --out tem.pdf --printer-dpi 203"},
	"labels layouts":  {"List the built-in label layouts.", "", "estamp labels layouts"},
	"admin tokens create": {"Create an API token for a machine; its secret is printed once.", "",
		`estamp admin tokens create --role producer --producer HKD-CHE-LAM-PHU-QUANG --description "Máy in nhãn"`},
	"admin tokens list":      {"List API tokens, without their secrets.", "", "estamp admin tokens list"},
	"admin tokens revoke":    {"Revoke an API token at once.", "ID", "estamp admin tokens revoke 0123456789abcdef"},
	"admin accounts create":  {"Create a person's console account; its one-time password is printed once.", "", `estamp admin accounts create --username chelam --name "Chè lam Phủ Quảng" --role producer --producer HKD-CHE-LAM-PHU-QUANG`},
	"admin accounts list":    {"List console accounts.", "", "estamp admin accounts list"},
	"admin accounts reset":   {"Give an account a new one-time password and sign it out everywhere.", "USERNAME", "estamp admin accounts reset chelam"},
	"admin accounts disable": {"Stop an account from signing in, and sign it out everywhere.", "USERNAME", "estamp admin accounts disable chelam"},
	"admin keys rotate":      {"Create a new signing key; the old one keeps verifying its stamps.", "", "estamp admin keys rotate"},
	"admin keys retire":      {"Stop a key from signing; its stamps stay genuine.", "KEY", "estamp admin keys retire 0a0b0c0d"},
	"admin keys compromised": {"Mark a key compromised: every stamp it signed verifies as not genuine.", "KEY", `estamp admin keys compromised 0a0b0c0d --reason "Khóa bị lộ"`},
	"admin audit list":       {"List the audit log, oldest first.", "", "estamp admin audit list --after 100"},
	"admin audit verify":     {"Check the audit log's hash chain and the records it covers.", "", "estamp admin audit verify"},
	"admin backup":           {"Write a consistent snapshot of the database while the server serves.", "", "estamp admin backup --out estamp-backup.db"},
	"admin trust-list sign": {"Sign the national trust list from a file of issuer entries with the trust anchor's key (offline, no server).", "",
		"estamp admin trust-list sign --issuers issuers.json --anchor-key anchor.pem --version 8 --expires 2027-01-31 --out trust-list.json"},
	"admin trust-list show": {"Verify a trust list's signature, then print its issuers, keys, version and expiry.", "FILE", "estamp admin trust-list show trust-list.json --anchor anchor-pub.pem"},
}

// flagWordsVI is each flag's help in Vietnamese, by command and flag
// ("issue lot"), or by the flag alone where it means the same in every
// command ("json"); its English is where the flag is defined. Every flag
// of every command has one (TestEveryFlagHasVietnameseHelp). A word in
// backquotes names the flag's value, as in the English.
var flagWordsVI = map[string]string{
	// Every command's.
	"server": "địa chỉ gRPC của estampd (biến môi trường ESTAMP_SERVER)",
	"token":  "`TOKEN` của API (mặc định: $ESTAMP_TOKEN)",
	"tls-ca": "kết nối TLS, tin chứng chỉ CA trong tệp này (biến môi trường ESTAMP_TLS_CA)",
	"tls":    "kết nối TLS, tin các CA của hệ thống",
	"json":   "in JSON thay cho bảng",
	"lang":   "ngôn ngữ của lời nhắn: `vi|en` (mặc định theo LC_ALL, LC_MESSAGES, LANG; nếu không có: tiếng Việt)",

	"producers add id":                   "mã chủ thể (A-Z a-z 0-9 . _ -)",
	"producers add name":                 "tên, ví dụ \"Hợp tác xã Nem chua Thanh Hóa\"",
	"producers add kind":                 "cooperative (hợp tác xã) | enterprise (doanh nghiệp) | household (hộ kinh doanh) | group (tổ hợp tác)",
	"producers add tax-code":             "mã số thuế (không bắt buộc)",
	"producers add province":             "tỉnh, ví dụ \"Thanh Hóa\"",
	"producers add commune":              "xã hoặc phường",
	"producers add street":               "số nhà, đường hoặc thôn (không bắt buộc)",
	"producers add legacy-district":      "huyện trước năm 2025 (không bắt buộc)",
	"producers add phone":                "điện thoại (không bắt buộc)",
	"producers add allow-duplicate-name": "vẫn đăng ký khi đã có chủ thể khác cùng tên",
	"producers add gln":                  "mã địa điểm GS1 (GLN) của cơ sở, 13 chữ số (không bắt buộc)",

	"products list producer": "chỉ sản phẩm của chủ thể này",
	"products renew force":   "vẫn gia hạn khi giấy chứng nhận đã hết hạn hoặc kết thúc trước hạn in trên tem đã cấp",
	"products add id":        "mã sản phẩm (A-Z a-z 0-9 . _ -)",
	"products add producer":  "mã chủ thể",
	"products add name":      "tên, ví dụ \"Chè lam Phủ Quảng\"",
	"products add group":     "food (thực phẩm) | beverage (đồ uống) | herbal (dược liệu) | handicraft (thủ công mỹ nghệ) | ornamental (sinh vật cảnh) | tourism (dịch vụ du lịch)",
	"products add stars":     "hạng sao 1-5",
	"products add gtin":      "mã vạch của sản phẩm: GTIN-8, -12, -13 hoặc -14 (không bắt buộc)",
	"products renew stars":   "hạng sao mới 1-5",
	"decision":               "số quyết định, ví dụ 5445/QĐ-UBND",
	"decision-date":          "ngày quyết định: YYYY-MM-DD",
	"valid-until":            "ngày hiệu lực cuối cùng: YYYY-MM-DD (mặc định: ngày trước tròn 36 tháng kể từ ngày quyết định)",
	"authority":              "provincial (tỉnh) | central (trung ương) | district (huyện) (mặc định theo hạng sao)",
	"products revoke reason": "lý do thu hồi giấy chứng nhận",

	"issue product":            "mã sản phẩm",
	"issue inactive":           "cuộn nhãn in sẵn, chưa có số lô và ngày: tem chưa có hiệu lực cho đến khi estamp activate",
	"events export product":    "mã sản phẩm",
	"events export lot":        "chỉ tem của số lô này",
	"events export since":      "chỉ sự kiện từ thời điểm này: RFC 3339 (2026-11-20T00:00:00+07:00) hoặc ngày YYYY-MM-DD theo giờ Việt Nam",
	"events export until":      "chỉ sự kiện trước thời điểm này: RFC 3339 hoặc ngày YYYY-MM-DD (không gồm ngày đó)",
	"events export out":        "tệp ghi tài liệu EPCIS (JSON-LD)",
	"events export force":      "ghi đè --out nếu tệp đã có",
	"activate from":            "mã của nhãn đầu tiên trong cuộn (quét)",
	"activate to":              "mã của nhãn cuối cùng trong cuộn (quét)",
	"activate batch":           "mã lô tem, thay cho --from và --to: cùng --first và --last, hoặc một mình để kích hoạt cả lô",
	"activate first":           "sê-ri đầu, cùng --batch",
	"activate last":            "sê-ri cuối, cùng --batch",
	"activate lot":             "số lô của hàng đã dán nhãn",
	"activate production-date": "ngày sản xuất: YYYY-MM-DD, theo giờ Việt Nam (UTC+7)",
	"activate expiry-date":     "hạn sử dụng: YYYY-MM-DD (không bắt buộc)",
	"issue lot":                "số lô",
	"issue production-date":    "ngày sản xuất: YYYY-MM-DD, theo giờ Việt Nam (UTC+7)",
	"issue expiry-date":        "hạn sử dụng: YYYY-MM-DD (không bắt buộc)",
	"issue quantity":           "số tem, 1-100000",
	"issue request-id":         "khóa chống trùng; dùng lại để thử lại an toàn (mặc định: ngẫu nhiên)",
	"issue out":                "ghi mã vào tệp này, mỗi dòng một mã (không có thì chỉ in lô tem)",
	"issue force":              "ghi đè --out nếu tệp đã có",

	"batches list product":  "mã sản phẩm",
	"batches show codes":    "liệt kê mã của từng tem, nhận dần từ máy chủ",
	"reason":                "lý do; người quét tem sẽ thấy",
	"by":                    "ai thu hồi, ghi cùng việc thu hồi",
	"batches revoke serial": "chỉ thu hồi sê-ri này của lô (lặp lại được); mặc định cả lô",

	"verify offline": "kiểm tra theo khóa và danh sách thu hồi mà estamp sync đã lưu, không cần máy chủ",

	"sync trust-anchor": "tệp PEM khóa công khai của khóa gốc tin cậy quốc gia: lưu cả danh sách tin cậy và danh sách thu hồi của các tỉnh khác (biến môi trường ESTAMP_TRUST_ANCHOR)",

	"retailers add id":       "mã cửa hàng",
	"retailers add name":     "tên cửa hàng",
	"retailers add tax-code": "mã số thuế (không bắt buộc)",
	"retailers add province": "tỉnh",
	"retailers add commune":  "xã hoặc phường",
	"retailers add street":   "số nhà, đường (không bắt buộc)",
	"retailers add gln":      "mã địa điểm GS1 (GLN) của cửa hàng, 13 chữ số (không bắt buộc)",

	"intake retailer": "cửa hàng nhận hàng: mã cửa hàng mà token của bạn thay mặt",
	"sell retailer":   "cửa hàng bán hàng: mã cửa hàng mà token của bạn thay mặt",
	"sell code":       "một mã quét tại quầy, thay cho tệp",
	"sell request-id": "khóa chống trùng; dùng lại để thử lại an toàn mà không bị báo tem sao chép (mặc định: ngẫu nhiên)",
	"revoke batch":    "thu hồi cả lô tem này",
	"revoke serial":   "thu hồi tem có sê-ri này (lặp lại được; nhận cả dạng 1 234 567)",

	"labels batch":           "mã lô tem",
	"labels out":             "tệp ra: tệp .pdf; với png/svg là tệp .zip hoặc một thư mục",
	"labels layout":          "bố cục PDF: a4-3x8, a4-5x13, roll-40x30, custom:PAGE,GRID,LABEL[,MARGINS[,GAPS]]; 'list' để liệt kê",
	"labels format":          "pdf | png | svg (mặc định: pdf nếu --out là .pdf, còn lại png)",
	"labels size":            "cạnh ảnh PNG tính bằng điểm ảnh (mặc định: --mm theo --dpi)",
	"labels dpi":             "độ phân giải PNG (mặc định 300)",
	"labels mm":              "cạnh in của mỗi ảnh QR, tính bằng mm (mặc định 25)",
	"labels remote":          "dựng trên máy chủ rồi tải tệp về",
	"labels printer-dpi":     "độ phân giải của máy in: 203 (máy in nhiệt), 300 hoặc 600; mỗi ô mã QR là một số nguyên điểm in",
	"labels include-revoked": "in cả tem đã bị thu hồi (mặc định bỏ qua và báo số tem bỏ qua)",
	"labels quiet":           "không hiện tiến độ trên màn hình",
	"labels force":           "ghi đè --out, hoặc các tệp ảnh trong thư mục --out, nếu đã có",

	"admin tokens create role":        "admin, producer hoặc retailer",
	"admin tokens create producer":    "chủ thể mà token thay mặt (vai trò producer)",
	"admin tokens create retailer":    "cửa hàng mà token thay mặt (vai trò retailer)",
	"admin tokens create description": "token dành cho ai, cho máy nào",

	"admin accounts create username": "tên đăng nhập: 3-64 chữ thường, chữ số, '.', '_' hoặc '-'",
	"admin accounts create name":     "họ tên đầy đủ của người dùng",
	"admin accounts create role":     "admin, producer hoặc retailer",
	"admin accounts create producer": "chủ thể mà tài khoản thay mặt (vai trò producer)",
	"admin accounts create retailer": "cửa hàng mà tài khoản thay mặt (vai trò retailer)",

	"admin keys compromised reason": "vì sao khóa không còn tin được (người quét tem sẽ thấy)",
	"admin audit list after":        "các mục sau số thứ tự này",
	"admin audit list limit":        "nhiều nhất bấy nhiêu mục (mặc định: tất cả)",
	"admin backup out":              "tệp để ghi bản sao lưu cơ sở dữ liệu",
	"admin backup force":            "ghi đè --out nếu tệp đã có",

	"admin trust-list sign issuers":    "tệp JSON các đơn vị cấp tem (docs/trust-list.md §6)",
	"admin trust-list sign anchor-key": "khóa bí mật Ed25519 của khóa gốc tin cậy (PEM, PKCS #8)",
	"admin trust-list sign version":    "phiên bản của danh sách: lớn hơn mọi danh sách đã ký trước",
	"admin trust-list sign expires":    "ngày cuối cùng danh sách còn hiệu lực: YYYY-MM-DD, giờ Việt Nam",
	"admin trust-list sign out":        "tệp ghi danh sách đã ký",
	"admin trust-list sign force":      "ghi đè --out nếu tệp đã có",
	"admin trust-list show anchor":     "khóa công khai của khóa gốc tin cậy (PEM PUBLIC KEY) để kiểm tra danh sách",
}

// flagHelpVI is a flag's help in Vietnamese for the command name, "" if
// there is none.
func flagHelpVI(name, flagName string) string {
	if s, ok := flagWordsVI[name+" "+flagName]; ok {
		return s
	}
	return flagWordsVI[flagName]
}

// isHelpFlag is a word that asks for help.
func isHelpFlag(w string) bool { return w == "-h" || w == "--help" || w == "-help" }

// groupHelp answers `estamp GROUP --help` (e.g. producers, admin tokens):
// the group's commands, one line each. ok is false when words name no
// group, or name a command, whose own help answers.
func (a *app) groupHelp(words []string) (ok bool) {
	prefix := strings.Join(words, " ")
	if prefix == "" || slices.Contains(commands, prefix) {
		return false
	}
	var in []string
	for _, c := range commands {
		if strings.HasPrefix(c, prefix+" ") {
			in = append(in, c)
		}
	}
	if len(in) == 0 {
		return false
	}
	fmt.Fprint(a.out, a.say(sayGroupHelp, prefix))
	for _, c := range in {
		e := commandHelp[c]
		fmt.Fprintf(a.out, "  estamp %-26s %s\n", strings.TrimSpace(c+" "+e.args), a.what(c))
	}
	return true
}

// what is what a command does, in the run's language.
func (a *app) what(name string) string {
	if a.lang == ocop.EN {
		return commandHelp[name].what
	}
	return commandWhatVI[name]
}

// commandHelpFor writes `estamp CMD --help`: what the command does, its
// arguments, its flags with their formats, and an example.
func (a *app) commandHelpFor(fs *flag.FlagSet) {
	name := fs.Name()
	e := commandHelp[name]
	fmt.Fprint(a.out, a.say(sayCommandHelp, name, a.what(name), strings.TrimSpace(name+" "+e.args)))
	a.printFlags(fs)
	fmt.Fprint(a.out, a.say(sayExample, e.example))
}

// printFlags lists the flags of fs as flag.PrintDefaults does, each with
// its help in the run's language and its default.
func (a *app) printFlags(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		if a.lang != ocop.EN {
			if vi := flagHelpVI(fs.Name(), f.Name); vi != "" {
				// UnquoteUsage reads the value's name from the help.
				f = &flag.Flag{Name: f.Name, Usage: vi, Value: f.Value, DefValue: f.DefValue}
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "  -%s", f.Name)
		value, usage := flag.UnquoteUsage(f)
		if value != "" {
			b.WriteString(" " + value)
		}
		// A short name fits before the help, as flag.PrintDefaults does.
		if b.Len() <= 4 {
			b.WriteString("\t")
		} else {
			b.WriteString("\n    \t")
		}
		b.WriteString(strings.ReplaceAll(usage, "\n", "\n    \t"))
		if !zeroDefault(f) {
			def := f.DefValue
			if g, ok := f.Value.(flag.Getter); ok {
				if _, isString := g.Get().(string); isString {
					def = fmt.Sprintf("%q", def)
				}
			}
			b.WriteString(a.say(sayDefault, def))
		}
		fmt.Fprintln(a.out, b.String())
	})
}

// zeroDefault reports whether a flag's default is its type's zero value,
// which, as flag.PrintDefaults, the help leaves unsaid.
func zeroDefault(f *flag.Flag) bool {
	switch f.DefValue {
	case "", "false", "0", "[]":
		return true
	}
	// A value of a type of our own is zero when it prints as a new one.
	t := reflect.TypeOf(f.Value)
	if t.Kind() == reflect.Pointer {
		if v, ok := reflect.New(t.Elem()).Interface().(flag.Value); ok {
			return f.DefValue == v.String()
		}
	}
	return false
}
