package cli

import (
	"errors"
	"flag"
	"fmt"
	"regexp"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/client"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/verdict"
)

// This file is the CLI's catalogue of what a person reads, Vietnamese
// first and English second: messages, table headings, field names and the
// advice after an error. What the commands do and their flags are said in
// help.go; what a verdict is called comes from package verdict, and names
// of kinds, groups and statuses from package ocop.

// words are one thing the CLI says, in Vietnamese and in English; a
// format when it takes arguments.
type words struct{ vi, en string }

func (w words) in(lang ocop.Lang) string {
	if lang == ocop.EN {
		return w.en
	}
	return w.vi
}

// say is w in the run's language, formatted with args.
func (a *app) say(w words, args ...any) string { return fmt.Sprintf(w.in(a.lang), args...) }

// envLang is the language the environment asks for, by the locale's usual
// precedence (LC_ALL, then LC_MESSAGES, then LANG): English for a locale
// of English, Vietnamese for any other or none.
func envLang(getenv env) ocop.Lang {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			if strings.HasPrefix(strings.ToLower(v), "en") {
				return ocop.EN
			}
			return ocop.VI
		}
	}
	return ocop.VI
}

// parseLang reads --lang: vi or en, or a locale of either (en_US).
func parseLang(v string) (ocop.Lang, error) {
	switch l := strings.ToLower(v); {
	case strings.HasPrefix(l, "vi"):
		return ocop.VI, nil
	case strings.HasPrefix(l, "en"):
		return ocop.EN, nil
	}
	return "", usage(sayBadLang, v)
}

// langFlag is --lang.
type langFlag struct{ a *app }

func (l langFlag) String() string { return "" }

func (l langFlag) Set(v string) error {
	lang, err := parseLang(v)
	if err == nil {
		l.a.lang = lang
	}
	return err
}

// langFromArgs finds --lang before the flags are parsed, wherever it is
// among args, so that everything the run says is in its language.
func (a *app) langFromArgs(args []string) error {
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(args[i], "=")
		switch {
		case args[i] == "--":
			return nil
		case name != "-lang" && name != "--lang":
			continue
		case !hasValue && i+1 < len(args):
			value, hasValue = args[i+1], true
		}
		if hasValue {
			if err := (langFlag{a}).Set(value); err != nil {
				return err
			}
		}
	}
	return nil
}

// sayingError is an error the CLI says in both languages; Describe says
// it in the run's.
type sayingError struct {
	w    words
	args []any
	// usage marks a mistake in the command line (ErrUsage, exit 2).
	usage bool
	// err is what it stands for, for errors.Is, or its cause.
	err error
	// cause shows err after the words.
	cause bool
}

func (e *sayingError) text(lang ocop.Lang) string { return fmt.Sprintf(e.w.in(lang), e.args...) }

func (e *sayingError) Error() string {
	switch {
	case e.usage:
		return "usage: " + e.text(ocop.EN)
	case e.cause:
		return e.text(ocop.EN) + ": " + e.err.Error()
	}
	return e.text(ocop.EN)
}

func (e *sayingError) Unwrap() error { return e.err }

func (e *sayingError) Is(target error) bool { return e.usage && target == ErrUsage }

// usage is a mistake in the command line, found before the server is
// called: exit status 2.
func usage(w words, args ...any) error { return &sayingError{w: w, args: args, usage: true} }

// failed is an error of the command.
func failed(w words, args ...any) error { return &sayingError{w: w, args: args} }

// wrapped says what failed, then why: err.
func wrapped(err error, w words, args ...any) error {
	return &sayingError{w: w, args: args, err: err, cause: true}
}

// standsFor says err in words of its own; errors.Is still finds it.
func standsFor(err error, w words, args ...any) error {
	return &sayingError{w: w, args: args, err: err}
}

// flagMistakes are the flag package's errors, and how to say them in
// Vietnamese.
var flagMistakes = []struct {
	en *regexp.Regexp
	vi string
}{
	{regexp.MustCompile(`^flag provided but not defined: (.*)$`), "không có cờ $1"},
	{regexp.MustCompile(`^flag needs an argument: (.*)$`), "cờ $1 cần một giá trị"},
	{regexp.MustCompile(`^invalid value (".*") for flag (\S+): (.*)$`), "giá trị $1 của cờ $2 không dùng được: $3"},
	{regexp.MustCompile(`^invalid boolean value (".*") for (\S+): (.*)$`), "giá trị $1 của cờ $2 không phải true hay false: $3"},
	{regexp.MustCompile(`^invalid boolean flag (\S+): (.*)$`), "cờ $1 không dùng được: $2"},
	{regexp.MustCompile(`^bad flag syntax: (.*)$`), "sai cú pháp cờ: $1"},
}

// flagMistake is an error of flag.FlagSet.Parse, a usage error; --help
// stays flag.ErrHelp, which the commands answer.
func flagMistake(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	// A value a flag refused (a serial) says why in the run's language
	// already, after the flag package's words.
	en := err.Error()
	vi := en
	for _, m := range flagMistakes {
		if m.en.MatchString(en) {
			vi = m.en.ReplaceAllString(en, m.vi)
			break
		}
	}
	return &sayingError{w: words{"%[1]s", "%[2]s"}, args: []any{vi, en}, usage: true, err: err}
}

// shownError is an error of Run, with what the person reads of it.
type shownError struct {
	text string
	err  error
}

func (e *shownError) Error() string { return e.text }
func (e *shownError) Unwrap() error { return e.err }

// finish is the error a run returns: err, said in the run's language,
// with advice on what to do about it.
func (a *app) finish(err error) error {
	if err == nil {
		return nil
	}
	text := a.describe(err)
	if advice := a.advice(err); advice != "" {
		text += "\n" + advice
	}
	return &shownError{text: text, err: err}
}

// grpcError is an error that carries a gRPC status.
type grpcError interface {
	error
	GRPCStatus() *status.Status
}

// describe says err in one line, in the run's language.
func (a *app) describe(err error) string {
	var (
		v      *VerdictError
		said   *sayingError
		remote grpcError
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &v):
		return verdict.Tell(v.Verdict, nil).Label.In(a.lang) + " (" + strings.TrimPrefix(v.Verdict.String(), "VERDICT_") + ")"
	case errors.Is(err, ErrNotAllGenuine):
		return a.say(sayNotAllGenuine)
	case errors.Is(err, ErrNotAllSold):
		return a.say(sayNotAllSold)
	case errors.As(err, &said) && said.usage:
		return a.say(sayUsage, said.text(a.lang))
	case errors.As(err, &said) && said.cause:
		return said.text(a.lang) + ": " + a.describe(said.err)
	case errors.As(err, &said):
		return said.text(a.lang)
	case errors.As(err, &remote):
		// A status wrapped in words of the CLI ("--out: …") keeps them.
		return strings.Replace(err.Error(), remote.Error(), a.serverSaid(remote.GRPCStatus()), 1)
	case errors.Is(err, ErrUsage):
		return a.say(sayUsage, strings.TrimPrefix(strings.TrimPrefix(err.Error(), ErrUsage.Error()), ": "))
	}
	// A rule of package ocop broken on this machine (labels rendered
	// locally): its own Vietnamese, as the server would have sent it.
	var local interface{ Vietnamese() string }
	if a.lang == ocop.VI && errors.As(err, &local) {
		return strings.Replace(err.Error(), local.(error).Error(), local.Vietnamese(), 1)
	}
	return err.Error()
}

// serverSaid says a status of the server: in English as it has always read
// ("FailedPrecondition: certificate … expired"), in Vietnamese in the
// server's Vietnamese, with the code for whoever looks it up.
func (a *app) serverSaid(st *status.Status) string {
	if a.lang == ocop.EN {
		return fmt.Sprintf("%s: %s", st.Code(), st.Message())
	}
	return fmt.Sprintf("%s (%s)", client.Message(st, a.lang), st.Code())
}

// advice says what to do about err, when there is something to say.
func (a *app) advice(err error) string {
	var remote grpcError
	switch {
	case errors.Is(err, ErrUsage) && !errors.Is(err, flag.ErrHelp):
		return a.say(sayUsageAdvice, strings.Join(strings.Fields("estamp "+a.command+" --help"), " "))
	case !errors.As(err, &remote):
		return ""
	}
	switch remote.GRPCStatus().Code() {
	case codes.Unauthenticated:
		if !a.hasToken {
			return a.say(sayNeedToken)
		}
		return a.say(sayBadToken)
	case codes.PermissionDenied:
		if a.denied != nil {
			return a.say(*a.denied)
		}
		return a.say(sayDenied)
	case codes.Unavailable:
		return a.say(sayUnavailable, a.server)
	}
	return ""
}

// usageText is `estamp help`: every command, in the run's language.
func (a *app) usageText() string {
	notes := []string{}
	for k, w := range usageNotes {
		notes = append(notes, "{"+k+"}", w.in(a.lang))
	}
	return a.say(sayUsageHead) + "\n" + strings.NewReplacer(notes...).Replace(synopsis) + "\n" + a.say(sayUsageFoot)
}

// usageNotes are the notes of synopsis.
var usageNotes = map[string]words{
	"intake":   {"mỗi dòng một mã, như máy quét gõ", "codes one per line, as a scanner types them"},
	"events":   {"sự kiện truy xuất nguồn gốc EPCIS 2.0 (JSON-LD)", "traceability events as EPCIS 2.0 (JSON-LD)"},
	"inactive": {"cuộn nhãn in sẵn, chưa có số lô: kích hoạt khi đóng gói", "a roll printed ahead, without a lot: activate it at packing"},
	"sell":     {"ghi nhận đã bán; một tệp, hoặc một mã quét tại quầy", "record a sale; a file, or one code scanned at the till"},
	"sync":     {"lưu khóa và danh sách thu hồi cho verify --offline; với --trust-anchor, của mọi tỉnh", "cache keys and revocations for verify --offline; with --trust-anchor, every province's"},
	"accounts": {"tài khoản bảng điều khiển của từng người", "people's console accounts"},
	"backup":   {"bản sao lưu nhất quán khi máy chủ vẫn chạy", "consistent snapshot of the database while serving"},
}

var (
	sayUsageHead = words{
		"estamp: dòng lệnh của máy chủ tem điện tử OCOP (estampd)\n\n" +
			"Cách dùng: estamp [--server ĐỊA-CHỈ] [--token TOKEN] [--tls | --tls-ca TỆP] [--json] [--lang vi|en] LỆNH ...\n",
		"estamp: command-line client of the OCOP e-stamp server (estampd)\n\n" +
			"Usage: estamp [--server ADDR] [--token TOKEN] [--tls | --tls-ca FILE] [--json] [--lang vi|en] COMMAND ...\n"}
	sayUsageFoot = words{
		"--server mặc định lấy từ $ESTAMP_SERVER, không có thì localhost:50051; --token lấy từ $ESTAMP_TOKEN\n" +
			"(lệnh của chủ thể, cửa hàng và văn phòng cần token; verify, keys và sync thì không);\n" +
			"--tls-ca lấy từ $ESTAMP_TLS_CA. Ngày viết dạng YYYY-MM-DD; sê-ri viết liền hoặc theo nhóm như trên nhãn (1 234 567).\n" +
			"Tệp ghi bằng --out được ghi trọn vẹn hoặc không ghi gì; tệp đã có chỉ bị ghi đè khi có --force.\n" +
			"Lời nhắn bằng tiếng Việt; tiếng Anh với --lang en, hoặc khi LANG (LC_ALL, LC_MESSAGES) là en_….\n" +
			"Mã thoát: 0 thành công, 1 lỗi, 2 lệnh chưa đúng, 3 mã được kiểm tra hoặc lần giao hàng không hoàn toàn\n" +
			"chính hãng, lần bán có mã không bán được, hoặc nhật ký kiểm toán bị hỏng.\n" +
			"Hướng dẫn từng lệnh: estamp LỆNH --help\n",
		"--server defaults to $ESTAMP_SERVER, else localhost:50051; --token to $ESTAMP_TOKEN\n" +
			"(producer, retailer and admin commands need one; verify, keys and sync do not);\n" +
			"--tls-ca to $ESTAMP_TLS_CA. Dates are YYYY-MM-DD; serials plain or grouped as on the label (1 234 567).\n" +
			"A file named by --out is written whole or not at all, and an existing one is replaced only with --force.\n" +
			"Messages are in Vietnamese; in English with --lang en, or when LANG (LC_ALL, LC_MESSAGES) is en_….\n" +
			"Exit status: 0 ok, 1 error, 2 usage, 3 a verified code or a delivery is not all genuine,\n" +
			"a sale has a code not sold, or the audit log is broken.\n" +
			"Help on a command: estamp COMMAND --help\n"}
	sayEveryCommandsFlags = words{"\nCờ dùng được với mọi lệnh:\n", "\nFlags of every command:\n"}

	// Help (help.go).
	sayGroupHelp   = words{"estamp %s: các lệnh (estamp LỆNH --help để xem từng lệnh):\n\n", "estamp %s: its commands (estamp COMMAND --help for one):\n\n"}
	sayCommandHelp = words{"estamp %s — %s\n\nCách dùng: estamp %s [cờ]\n\nCờ:\n", "estamp %s — %s\n\nUsage: estamp %s [flags]\n\nFlags:\n"}
	sayExample     = words{"\nVí dụ:\n  %s\n", "\nExample:\n  %s\n"}
	sayDefault     = words{" (mặc định %s)", " (default %s)"}

	// Mistakes in the command line.
	sayUsage          = words{"lệnh chưa đúng: %s", "usage: %s"}
	sayUsageAdvice    = words{"Xem hướng dẫn: %s", "See: %s"}
	sayNoCommand      = words{"thiếu LỆNH", "no COMMAND"}
	sayUnknownCommand = words{"không có lệnh %q", "unknown command %q"}
	// estamp producers fly: the words that may follow, in each language.
	sayWantWord     = words{"%[1]s %[2]q: cần %[3]s", "%[1]s %[2]q: want %[4]s"}
	sayWantNextWord = words{"%[1]s: cần %[2]s", "%[1]s: want %[3]s"}
	sayOr           = words{" hoặc ", " or "}
	sayWantSub      = words{"%s: cần %s", "%s: want %s"}
	sayWantArgs     = words{"cần: estamp %s", "want: estamp %s"}
	sayWantOneOf    = words{"--%s %q: cần một trong %s", "--%s %q: want one of %s"}
	sayBadLang      = words{"--lang %q: cần vi hoặc en", "--lang %q: want vi or en"}
	sayNotABatchID  = words{"mã lô tem %q không phải một số", "batch id %q is not a number"}
	sayNotASerial   = words{"%q không phải số sê-ri (chữ số, liền hoặc theo nhóm như 1 234 567)", "%q is not a serial (digits, plain or grouped as 1 234 567)"}
	sayNotAToken    = words{
		"--token hoặc ESTAMP_TOKEN không phải token estamp (dạng estamp_…): chép lại nguyên token văn phòng OCOP đã cấp",
		"--token or ESTAMP_TOKEN is not an estamp token (estamp_…): copy the whole token the OCOP office gave you"}
	sayBadServer           = words{"--server %q: %v", "--server %q: %v"}
	sayActivateNeeds       = words{"activate cần --%s (estamp activate --from MÃ --to MÃ --lot SỐ-LÔ)", "activate needs --%s (estamp activate --from CODE --to CODE --lot LOT)"}
	sayActivateRange       = words{"--from và --to đi cùng nhau: mã của nhãn đầu và nhãn cuối", "--from and --to go together: the codes of the first and the last label"}
	sayActivateEither      = words{"dùng --from/--to, hoặc --batch (với --first/--last), không dùng cả hai", "give --from/--to, or --batch (with --first/--last), not both"}
	sayActivateTwoBatches  = words{"nhãn đầu thuộc lô tem %d, nhãn cuối thuộc lô tem %d: mỗi lần kích hoạt một lô", "the first label is of batch %d, the last of batch %d: activate one batch at a time"}
	sayActivateNotACode    = words{"--%s không phải mã tem OCOP", "--%s is not an OCOP stamp code"}
	sayActivated           = words{"Đã kích hoạt %d tem của lô tem %d (sê-ri %s – %s) cho số lô %s.", "Activated %d stamps of batch %d (serials %s – %s) for lot %s."}
	sayIssueInactive       = words{"--inactive phát hành cuộn nhãn chưa có số lô: không dùng cùng --%s", "--inactive issues a roll without a lot: not with --%s"}
	sayBadMoment           = words{"--%s %q: cần thời điểm RFC 3339 (2026-11-20T00:00:00+07:00) hoặc ngày YYYY-MM-DD", "--%s %q: want an RFC 3339 time (2026-11-20T00:00:00+07:00) or a day YYYY-MM-DD"}
	sayEventsWritten       = words{"Đã ghi sự kiện EPCIS 2.0 vào %s (%d byte).", "Wrote the EPCIS 2.0 events to %s (%d bytes)."}
	sayIssueNeeds          = words{"issue cần --%s (estamp issue --product MÃ --lot SỐ-LÔ --quantity N)", "issue needs --%s (estamp issue --product ID --lot LOT --quantity N)"}
	sayQuantityTooLarge    = words{"--quantity %d quá lớn", "--quantity %d is too large"}
	sayBatchesNeedProduct  = words{"batches list cần --product MÃ-SẢN-PHẨM", "batches list needs --product ID"}
	sayEmptyCode           = words{"verify CODE: mã trống", "verify CODE: the code is empty"}
	sayIntakeNeedsRetailer = words{
		"intake cần --retailer MÃ-CỬA-HÀNG: mã của cửa hàng nhận hàng, là cửa hàng mà token của bạn thay mặt (văn phòng OCOP ghi mã này khi cấp token)",
		"intake needs --retailer ID: the shop receiving the delivery, the one your token acts for (the OCOP office named it when it issued the token)"}
	saySellNeedsRetailer = words{
		"sell cần --retailer MÃ-CỬA-HÀNG: mã của cửa hàng bán hàng, là cửa hàng mà token của bạn thay mặt",
		"sell needs --retailer ID: the shop selling the goods, the one your token acts for"}
	sayRevokeTarget = words{
		"revoke --batch MÃ --reason LÝ-DO, hoặc revoke --serial S [--serial S...] --reason LÝ-DO",
		"revoke --batch ID --reason TEXT, or revoke --serial S [--serial S...] --reason TEXT"}
	sayNegativeLimit = words{"--limit %d là số âm", "--limit %d is negative"}

	// Advice after the server refused.
	sayNeedToken = words{
		"Lệnh này cần token: thêm --token TOKEN, hoặc đặt biến môi trường ESTAMP_TOKEN (export ESTAMP_TOKEN=…). Văn phòng OCOP cấp token (estamp admin tokens create).",
		"This command needs a token: add --token TOKEN, or set the environment variable ESTAMP_TOKEN (export ESTAMP_TOKEN=…). The OCOP office issues tokens (estamp admin tokens create)."}
	sayBadToken = words{
		"Máy chủ không nhận token trong --token hoặc ESTAMP_TOKEN: token sai, của máy chủ khác, hoặc đã bị thu hồi. Hãy xin văn phòng OCOP token mới.",
		"The server does not accept the token of --token or ESTAMP_TOKEN: it is wrong, another server's, or revoked. Ask the OCOP office for a new one."}
	sayDenied = words{
		"Token này không được làm việc này: lệnh producers, retailers, products add/renew/revoke và admin cần token của văn phòng OCOP; token của chủ thể chỉ dùng cho sản phẩm, lô tem của chủ thể đó, token của cửa hàng cho cửa hàng đó.",
		"This token may not do this: producers, retailers, products add/renew/revoke and admin need a token of the OCOP office; a producer's token works on that producer's products and batches only, a shop's on that shop."}
	sayProductsOfProducer = words{
		"Token của chủ thể chỉ xem được sản phẩm của chính mình: estamp products list --producer MÃ-CHỦ-THỂ",
		"A producer's token lists its own products only: estamp products list --producer PRODUCER-ID"}
	sayUnavailable = words{
		"Không kết nối được estampd ở %s: kiểm tra --server hoặc ESTAMP_SERVER, và máy chủ có đang chạy không.",
		"Cannot reach estampd at %s: check --server or ESTAMP_SERVER, and that the server is running."}

	sayNotAllGenuine = words{"không phải mọi mã của lần giao đều chính hãng", "not every code of the delivery is genuine"}
	sayNotAllSold    = words{"không phải mọi mã đều được ghi nhận bán", "not every code was recorded as sold"}
	sayLineTooLong   = words{"dòng %d dài hơn %d byte: đây không phải tệp mã quét được", "line %d is longer than %d bytes: not a file of scanned codes"}
	sayOldCache      = words{"dữ liệu ngoại tuyến %s do phiên bản cũ hơn ghi: hãy chạy `estamp sync` khi có mạng", "the offline cache %s predates this version: run `estamp sync` while online"}
	sayNoCache       = words{"chưa có dữ liệu ngoại tuyến (%v): hãy chạy `estamp sync` khi có mạng", "no offline cache (%v): run `estamp sync` while online"}

	// Records: the names of their fields.
	fieldID                    = words{"Mã", "ID"}
	fieldName                  = words{"Tên", "Name"}
	fieldKind                  = words{"Loại hình", "Kind"}
	fieldTaxCode               = words{"Mã số thuế", "Tax code"}
	fieldGLN                   = words{"Mã địa điểm GLN", "GLN"}
	fieldGTIN                  = words{"Mã vạch GTIN", "GTIN"}
	fieldAddress               = words{"Địa chỉ", "Address"}
	fieldPhone                 = words{"Điện thoại", "Phone"}
	fieldRegistered            = words{"Đăng ký lúc", "Registered"}
	fieldNumber                = words{"Số hiệu", "Number"}
	fieldProducer              = words{"Chủ thể", "Producer"}
	fieldGroup                 = words{"Nhóm", "Group"}
	fieldGrade                 = words{"Hạng", "Grade"}
	fieldOCOPGrade             = words{"Hạng OCOP", "OCOP grade"}
	fieldDecision              = words{"Quyết định", "Decision"}
	fieldCertificate           = words{"Chứng nhận", "Certificate"}
	fieldValidUntil            = words{"Hiệu lực đến", "Valid until"}
	fieldStatus                = words{"Trạng thái", "Status"}
	fieldRevocationReason      = words{"Lý do thu hồi", "Revocation reason"}
	fieldBatch                 = words{"Lô tem", "Batch"}
	fieldProduct               = words{"Sản phẩm", "Product"}
	fieldLot                   = words{"Số lô", "Lot"}
	fieldProductionDate        = words{"Ngày sản xuất", "Production date"}
	fieldExpiryDate            = words{"Hạn sử dụng", "Expiry date"}
	fieldQuantity              = words{"Số lượng", "Quantity"}
	fieldSerials               = words{"Số sê-ri", "Serials"}
	fieldSerial                = words{"Sê-ri", "Serial"}
	fieldKey                   = words{"Khóa ký", "Signing key"}
	fieldIssued                = words{"Phát hành lúc", "Issued"}
	fieldRevoked               = words{"Thu hồi", "Revoked"}
	fieldRevokedSerials        = words{"Sê-ri đã thu hồi", "Revoked serials"}
	fieldActivated             = words{"Đã kích hoạt", "Activated"}
	sayActivation              = words{"%s: số lô %s, sản xuất %s, hạn %s", "%s: lot %s, produced %s, best before %s"}
	sayPrintedAheadShort       = words{"(in sẵn)", "(printed ahead)"}
	sayPrintedAhead            = words{"— (nhãn in sẵn, kích hoạt khi đóng gói)", "— (printed ahead, activated at packing)"}
	sayMoreRanges              = words{" và %d khoảng khác", " and %d more ranges"}
	fieldOrigin                = words{"Xuất xứ", "Origin"}
	fieldScans                 = words{"Số lần quét", "Scans"}
	fieldFirstScan             = words{"Quét lần đầu", "First scan"}
	fieldCertRevocationReason  = words{"Lý do thu hồi chứng nhận", "Certificate revocation reason"}
	fieldBatchRevokedAt        = words{"Lô hàng bị thu hồi lúc", "Lot recalled"}
	fieldBatchRevocationReason = words{"Lý do thu hồi lô", "Recall reason"}
	fieldStampRevocationReason = words{"Lý do thu hồi tem", "Stamp revocation reason"}

	sayLegacyDistrict = words{" (trước 2025: %s)", " (before 2025: %s)"}
	sayDecision       = words{"%s ngày %s (%s)", "%s of %s (%s)"}
	sayYes            = words{"có", "yes"}

	// Tables: their headings, tab-separated.
	headProducers      = words{"MÃ\tTÊN CHỦ THỂ\tLOẠI HÌNH\tXÃ/PHƯỜNG\tTỈNH", "ID\tPRODUCER\tKIND\tCOMMUNE/WARD\tPROVINCE"}
	headProducts       = words{"MÃ\tTÊN SẢN PHẨM\tHẠNG\tNHÓM\tQUYẾT ĐỊNH\tHIỆU LỰC ĐẾN\tTRẠNG THÁI", "ID\tPRODUCT\tGRADE\tGROUP\tDECISION\tVALID UNTIL\tSTATUS"}
	headBatches        = words{"LÔ TEM\tSỐ LÔ\tNGÀY SX\tSỐ LƯỢNG\tSÊ-RI\tPHÁT HÀNH LÚC\tTHU HỒI", "BATCH\tLOT\tPRODUCED\tQUANTITY\tSERIALS\tISSUED\tREVOKED"}
	headKeys           = words{"KHÓA\tTHUẬT TOÁN\tHIỆU LỰC TỪ\tĐẾN\tTRẠNG THÁI", "KEY\tALGORITHM\tVALID FROM\tUNTIL\tSTATE"}
	headRetailers      = words{"MÃ\tTÊN CỬA HÀNG\tĐỊA CHỈ", "ID\tSHOP\tADDRESS"}
	headIntakeVerdicts = words{"KẾT QUẢ\tSỐ MÃ", "OUTCOME\tCODES"}
	headIntakeLots     = words{"SẢN PHẨM\tSỐ LÔ\tĐÃ QUÉT\tCHẤP NHẬN", "PRODUCT\tLOT\tSCANNED\tACCEPTED"}
	headIntakeProblems = words{"DÒNG\tKẾT QUẢ\tSÊ-RI\tSẢN PHẨM\tSỐ LÔ\tCHI TIẾT", "LINE\tOUTCOME\tSERIAL\tPRODUCT\tLOT\tDETAIL"}
	headHistory        = words{"THỜI GIAN\tSỰ KIỆN\tCHI TIẾT", "TIME\tEVENT\tDETAIL"}
	headTokens         = words{"TOKEN\tVAI TRÒ\tCHO\tTẠO LÚC\tTẠO BỞI\tTHU HỒI\tGHI CHÚ", "TOKEN\tROLE\tFOR\tCREATED\tCREATED BY\tREVOKED\tDESCRIPTION"}
	headAccounts       = words{"TÀI KHOẢN\tTÊN\tVAI TRÒ\tCHO\tTẠO LÚC\tTÌNH TRẠNG", "ACCOUNT\tNAME\tROLE\tFOR\tCREATED\tSTATE"}
	headAudit          = words{"SỐ\tTHỜI GIAN\tAI\tVIỆC\tĐỐI TƯỢNG\tCHI TIẾT", "NO.\tTIME\tWHO\tACTION\tTARGET\tDETAIL"}
	sayCodesSerial     = words{"SÊ-RI", "SERIAL"}
	sayCodesCode       = words{"MÃ QR", "QR CODE"}

	// Issuing, verifying, revoking.
	sayIssuedTo = words{
		"Đã phát hành lô tem %d: %d tem, sê-ri %s, sản phẩm %s, số lô %s.\nĐã ghi mã vào %s.\nBước tiếp theo, in nhãn:  estamp labels --batch %d --out tem.pdf\n",
		"Issued batch %d: %d stamps, serials %s, product %s, lot %s.\nWrote the codes to %s.\nNext, print the labels:  estamp labels --batch %d --out tem.pdf\n"}
	sayIssuedNext = words{
		"\nLấy mã:   estamp batches show %d --codes  (hoặc phát hành với --out TỆP)\nIn nhãn:  estamp labels --batch %d --out tem.pdf\n",
		"\nCodes:   estamp batches show %d --codes  (or issue with --out FILE)\nLabels:  estamp labels --batch %d --out tem.pdf\n"}
	sayUnwritten = words{
		"Lô tem %[1]d ĐÃ ĐƯỢC PHÁT HÀNH (%[2]d tem, mã yêu cầu %[3]s), nhưng chưa ghi được mã vào %[4]s: %[5]s\n" +
			"Lấy lại mã, không phát hành thêm:\n  estamp batches show %[1]d --codes\n" +
			"hoặc chạy lại đúng lệnh issue với  --request-id %[3]s --production-date %[6]s  (cùng sản phẩm, số lô, số lượng): máy chủ trả lại chính lô %[1]d, không tạo lô mới.\n",
		"Batch %[1]d WAS ISSUED (%[2]d stamps, request id %[3]s), but its codes could not be written to %[4]s: %[5]s\n" +
			"Get the codes without issuing again:\n  estamp batches show %[1]d --codes\n" +
			"or run the same issue command again with  --request-id %[3]s --production-date %[6]s  (same product, lot and quantity): the server returns batch %[1]d again, not a new one.\n"}
	sayUnwrittenError = words{"--out: lô tem %d đã phát hành nhưng chưa ghi được mã vào %s", "--out: batch %d was issued, but its codes were not written to %s"}
	sayBatchRevoked   = words{"Đã thu hồi %d tem của lô %d.\n", "Revoked %d stamps of batch %d.\n"}
	sayRevoked        = words{"Đã thu hồi thêm %d tem (danh sách thu hồi phiên bản %d).\n", "Revoked %d more stamps (revocation list version %d).\n"}
	sayWarning        = words{"CẢNH BÁO: %s\n", "WARNING: %s\n"}
	sayCodeSerialKey  = words{"Sê-ri trong mã: %s, khóa: %s\n", "Serial in the code: %s, key: %s\n"}
	sayOfflineClaims  = words{"Sê-ri %s, lô tem %d, sản phẩm số %d, %s.\n", "Serial %s, batch %d, product number %d, %s.\n"}
	sayOffline        = words{
		"Kiểm tra NGOẠI TUYẾN theo dữ liệu đồng bộ lúc %s (%s); tình trạng mới hơn chưa được biết.\n",
		"Checked OFFLINE against the data synced at %s (%s); anything newer is not known.\n"}
	saySynced = words{
		"Đã đồng bộ %d khóa, %d mục thu hồi tem và %d thay đổi chứng nhận mới (phiên bản %d) vào %s.\n",
		"Synced %d keys, %d new stamp revocations and %d certificate changes (version %d) into %s.\n"}
	// The other provinces (sync --trust-anchor, verify --offline).
	saySyncOwnOnly = words{
		"Chỉ lưu tem của tỉnh mình; để kiểm tra ngoại tuyến cả tem của các tỉnh khác, thêm --trust-anchor TỆP (khóa công khai của khóa gốc tin cậy quốc gia) hoặc đặt ESTAMP_TRUST_ANCHOR.\n",
		"Only this province's stamps are cached; to verify other provinces' stamps offline too, add --trust-anchor FILE (the national trust anchor's public key) or set ESTAMP_TRUST_ANCHOR.\n"}
	saySyncNoTrustList = words{"Máy chủ %s không giữ danh sách tin cậy quốc gia nào.\n", "The server %s holds no national trust list.\n"}
	saySyncNoProvinces = words{
		"Không có danh sách tin cậy còn hiệu lực: chỉ lưu tem của tỉnh mình.\n",
		"No valid trust list: only this province's stamps are cached.\n"}
	saySyncedProvinces = words{
		"Danh sách tin cậy phiên bản %d (hiệu lực đến %s): %d tỉnh khác, đã lưu danh sách thu hồi của %d tỉnh, tổng %d mục.\n",
		"Trust list version %d (valid until %s): %d other provinces, revocation lists of %d of them cached, %d entries in all.\n"}
	saySyncProvinceKept = words{
		"Chưa tải được danh sách thu hồi của %s (mã %s): %v; vẫn dùng bản tải lúc %s.\n",
		"Could not fetch the revocation list of %s (%s): %v; keeping the one fetched at %s.\n"}
	saySyncProvinceMissing = words{
		"Chưa tải được danh sách thu hồi của %s (mã %s): %v; tem của tỉnh này chỉ được kiểm tra theo chữ ký và hạn in trong mã.\n",
		"Could not fetch the revocation list of %s (%s): %v; that province's stamps are checked by their signature and the dates they carry only.\n"}
	sayOfflineIssuerAsOf = words{
		"Tem của %s, trạng thái theo danh sách thu hồi của tỉnh lúc %s (%s).\n",
		"A stamp of %s; its status is that province's revocation list's as fetched at %s (%s).\n"}
	sayOfflineIssuer    = words{"Tem của %s.\n", "A stamp of %s.\n"}
	sayTrustListExpired = words{
		"danh sách tin cậy trong %s đã hết hạn lúc %s: hãy chạy `estamp sync` khi có mạng để kiểm tra tem của tỉnh khác",
		"the trust list in %s expired at %s: run `estamp sync` while online to verify other provinces' stamps"}

	// Intake and history.
	sayIntakeChecked    = words{"Đã kiểm tra %d mã.\n\n", "Checked %d codes.\n\n"}
	sayIntakeAllGenuine = words{"\nMọi mã đều chính hãng.\n", "\nEvery code is genuine.\n"}
	sayIntakeProblems   = words{"\nMã có vấn đề (%d):\n", "\nCodes with a problem (%d):\n"}
	sayReceivedBy       = words{" — %s đã nhận lúc %s", " — received by %s on %s"}
	sayIssuedBy         = words{"Tem của %s", "A stamp of %s"}
	saySaleAllSold      = words{"\nMọi mã đều chính hãng và đã được ghi nhận bán.\n", "\nEvery code is genuine and recorded as sold.\n"}
	saySoldItem         = words{"Sê-ri %s · %s · lô %s\n", "Serial %s · %s · lot %s\n"}
	sayHistory          = words{"Tem %s — lô tem %d, sản phẩm %s, quét %d lần\n\n", "Stamp %s — batch %d, product %s, scanned %d times\n\n"}
	sayTimes            = words{" %d lần", " %d times"}

	// The office's commands.
	sayTokenCreated = words{
		"Đã tạo token %s (%s %s).\nToken chỉ hiện MỘT LẦN; hãy lưu vào nơi an toàn:\n\n%s\n\nDùng: export ESTAMP_TOKEN=<token>  hoặc  estamp --token <token> ...\n",
		"Created token %s (%s %s).\nThe token is shown ONCE; keep it somewhere safe:\n\n%s\n\nUse: export ESTAMP_TOKEN=<token>  or  estamp --token <token> ...\n"}
	sayTokenRevoked    = words{"Đã thu hồi token %s.\n", "Revoked token %s.\n"}
	sayOneTimePassword = words{
		"Mật khẩu dùng một lần của %s (%s) — chỉ hiện MỘT LẦN; hãy trao tận tay:\n\n%s\n\nĐăng nhập tại <địa chỉ máy chủ>/console/ ; lần đăng nhập đầu tiên sẽ phải đổi mật khẩu.\n",
		"One-time password of %s (%s) — shown ONCE; hand it over in person:\n\n%s\n\nSign in at <server address>/console/ ; the first sign-in must change it.\n"}
	sayAccountCreated    = words{"Đã tạo tài khoản %s (%s %s).\n", "Created account %s (%s %s).\n"}
	sayAccountInUse      = words{"đang dùng", "in use"}
	sayAccountDisabled   = words{"đã khóa %s", "disabled %s"}
	sayAccountMustChange = words{"chờ đổi mật khẩu", "must change password"}
	sayAccountReset      = words{"Đã cấp lại mật khẩu; các phiên đăng nhập của %s đã kết thúc.\n", "Password reset; every session of %s is signed out.\n"}
	sayAccountDisable    = words{"Đã khóa tài khoản %s: không đăng nhập được nữa, mọi phiên đã kết thúc.\n", "Disabled account %s: it can no longer sign in, and every session is signed out.\n"}
	sayAuditBroken       = words{"NHẬT KÝ KIỂM TOÁN BỊ HỎNG tại mục %d: %s (%d mục trước đó khớp).\n", "THE AUDIT LOG IS BROKEN at entry %d: %s (%d entries before it match).\n"}
	sayAuditIntact       = words{"Nhật ký kiểm toán nguyên vẹn: %d mục, chuỗi băm khớp, mọi bản ghi khớp với nhật ký.\n", "The audit log is intact: %d entries, the hash chain matches, every record matches the log.\n"}
	sayAuditMismatch     = words{
		"Chuỗi băm khớp (%d mục), nhưng có bản ghi KHÔNG KHỚP với nhật ký kiểm toán (bị sửa ngoài hệ thống):\n",
		"The hash chain matches (%d entries), but records DIFFER from the audit log (changed outside the system):\n"}
	sayAuditBrokenError   = words{"nhật ký kiểm toán bị hỏng tại mục %d: %s", "audit log is broken at entry %d: %s"}
	sayAuditMismatchError = words{"nhật ký kiểm toán bị hỏng: %d bản ghi khác với nhật ký", "audit log is broken: %d records differ from it"}
	sayBackedUp           = words{
		"Đã sao lưu cơ sở dữ liệu (%d byte) vào %s. Khóa ký (thư mục keys/) cần sao lưu riêng.\n",
		"Backed up the database (%d bytes) to %s. The signing keys (directory keys/) need a backup of their own.\n"}
)

// events are the events of a stamp's history.
var events = map[estampv1.StampEventKind]words{
	estampv1.StampEventKind_STAMP_EVENT_KIND_ISSUED:         {"Phát hành", "Issued"},
	estampv1.StampEventKind_STAMP_EVENT_KIND_RECEIVED:       {"Cửa hàng nhận", "Received by a shop"},
	estampv1.StampEventKind_STAMP_EVENT_KIND_SCANNED:        {"Quét", "Scanned"},
	estampv1.StampEventKind_STAMP_EVENT_KIND_SCANNED_ON_DAY: {"Quét trong ngày", "Scanned that day"},
	estampv1.StampEventKind_STAMP_EVENT_KIND_REVOKED:        {"Thu hồi tem", "Stamp revoked"},
	estampv1.StampEventKind_STAMP_EVENT_KIND_BATCH_REVOKED:  {"Thu hồi cả lô", "Lot recalled"},
	estampv1.StampEventKind_STAMP_EVENT_KIND_SOLD:           {"Cửa hàng bán", "Sold by a shop"},
}

// keyStates are the states of an issuer's key.
var keyStates = map[estampv1.KeyStatus]words{
	estampv1.KeyStatus_KEY_STATUS_ACTIVE:      {"đang ký tem", "signing"},
	estampv1.KeyStatus_KEY_STATUS_RETIRED:     {"ngừng ký, vẫn xác thực", "retired, still verifies"},
	estampv1.KeyStatus_KEY_STATUS_COMPROMISED: {"BỊ LỘ — tem không còn hợp lệ", "COMPROMISED — its stamps no longer verify"},
}

// roleWords are who a token or an account acts as.
var roleWords = map[estampv1.Role]words{
	estampv1.Role_ROLE_ADMIN:    {"văn phòng", "admin"},
	estampv1.Role_ROLE_PRODUCER: {"chủ thể", "producer"},
	estampv1.Role_ROLE_RETAILER: {"cửa hàng", "retailer"},
}

func (a *app) role(r estampv1.Role) string {
	if w, ok := roleWords[r]; ok {
		return w.in(a.lang)
	}
	return r.String()
}

// actionWords are the audit log's actions (package audit), as a person
// reads them; TestEveryAuditActionHasWords keeps it to audit's list.
var actionWords = map[audit.Action]words{
	audit.ProducerCreate:        {"thêm chủ thể", "producer added"},
	audit.ProductCreate:         {"thêm sản phẩm", "product added"},
	audit.CertificateRenew:      {"gia hạn chứng nhận", "certificate renewed"},
	audit.CertificateRevoke:     {"thu hồi chứng nhận", "certificate revoked"},
	audit.RetailerCreate:        {"thêm cửa hàng", "shop added"},
	audit.ProductPhoto:          {"đổi ảnh sản phẩm", "product photo changed"},
	audit.ProductDescription:    {"đổi mô tả sản phẩm", "product description changed"},
	audit.StampsIssue:           {"phát hành tem", "stamps issued"},
	audit.BatchRevoke:           {"thu hồi cả lô", "batch recalled"},
	audit.StampsRevoke:          {"thu hồi tem", "stamps revoked"},
	audit.StampsActivate:        {"kích hoạt tem", "stamps activated"},
	audit.DeliveryReceive:       {"cửa hàng nhận hàng", "delivery received"},
	audit.StampsSell:            {"cửa hàng bán hàng", "stamps sold"},
	audit.ReceiptsReport:        {"tỉnh khác báo cửa hàng của họ đã nhận tem", "receipts reported by another province"},
	audit.FlagReview:            {"xem cảnh báo sao chép", "copy flag reviewed"},
	audit.TokenCreate:           {"tạo token", "token created"},
	audit.TokenRevoke:           {"thu hồi token", "token revoked"},
	audit.KeyRotate:             {"tạo khóa ký mới", "key rotated"},
	audit.KeyRetire:             {"ngừng dùng khóa", "key retired"},
	audit.KeyCompromise:         {"đánh dấu khóa bị lộ", "key marked compromised"},
	audit.AccountCreate:         {"tạo tài khoản", "account created"},
	audit.AccountPasswordReset:  {"cấp lại mật khẩu", "password reset"},
	audit.AccountDisable:        {"khóa tài khoản", "account disabled"},
	audit.AccountPasswordChange: {"đổi mật khẩu", "password changed"},
	audit.AccountSignInFail:     {"đăng nhập không thành công", "sign-in refused"},
	audit.SchemaUpgrade:         {"nâng cấp cơ sở dữ liệu", "database upgraded"},
}

// action is an audit action as a person reads it, with its name in the
// log after it: the name is what a search of the log or of the JSON
// finds.
func (a *app) action(name string) string {
	if w, ok := actionWords[audit.Action(name)]; ok {
		return w.in(a.lang) + " (" + name + ")"
	}
	return name
}

// The trust list (trust.go).
var (
	sayTrustSignNeeds       = words{"admin trust-list sign cần --%s", "admin trust-list sign needs --%s"}
	sayTrustShowNeedsAnchor = words{"admin trust-list show cần --anchor TỆP: khóa công khai của khóa gốc tin cậy", "admin trust-list show needs --anchor FILE: the trust anchor's public key"}
	sayTrustBadExpires      = words{"--expires %q: cần một ngày YYYY-MM-DD chưa qua", "--expires %q: want a day YYYY-MM-DD not yet past"}
	sayTrustFile            = words{"%s %s", "%s %s"}
	sayTrustRefused         = words{"danh sách tin cậy %s bị từ chối", "trust list %s refused"}
	sayTrustSigned          = words{
		"Đã ký danh sách tin cậy phiên bản %d: %d đơn vị cấp tem, %d khóa, hiệu lực đến %s, khóa gốc %s. Đã ghi vào %s.\n",
		"Signed trust list version %d: %d issuers, %d keys, valid until %s, anchor %s. Wrote it to %s.\n"}
	sayTrustHead = words{
		"Danh sách tin cậy phiên bản %d, chữ ký hợp lệ của khóa gốc %s.\nKý lúc %s, hiệu lực đến %s. %d đơn vị cấp tem, %d khóa.\n\n",
		"Trust list version %d, validly signed by anchor %s.\nSigned %s, valid until %s. %d issuers, %d keys.\n\n"}
	headTrustIssuers = words{"MÃ TỈNH\tĐƠN VỊ CẤP TEM\tĐỊA CHỈ TEM", "ID\tISSUER\tBASE URLS"}
	headTrustKeys    = words{"MÃ TỈNH\tKHÓA\tTRẠNG THÁI\tTIN ĐẾN", "ID\tKEY\tSTATE\tTRUSTED UNTIL"}
	headTrustSources = words{"MÃ TỈNH\tKHÓA CÔNG KHAI (JWK)\tDANH SÁCH THU HỒI", "ID\tKEYS (JWK SET)\tREVOCATIONS"}
	trustStatuses    = map[string]words{ // by trust.Status
		"active":      {"đang ký tem", "signing"},
		"retired":     {"ngừng ký, vẫn xác thực", "retired, still verifies"},
		"compromised": {"BỊ LỘ — tem không còn hợp lệ", "COMPROMISED — its stamps no longer verify"},
	}
)
