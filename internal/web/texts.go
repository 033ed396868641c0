package web

import (
	"net/http"

	"github.com/ocopvn/estamp/internal/ocop"
)

// texts are the words of the pages in one language, besides what they say
// about a code: verdicts and warnings are told in the catalogue of
// package verdict, which every transport shares.
type texts struct {
	Site, Switch, Footer, Home                                        string
	HomeTitle, HomeIntro, CodeLabel, Check, Again, NoCode             string
	Group, Producer, Origin, Legacy, Certificate, Decision, Authority string
	DecisionDate, ValidUntil, Status, Stamp, Lot, Produced, Expiry    string
	Serial, Issued, None, Phone, Recalled, ReceivedBy                 string
	Scans, ScanOnce, NoScans, FirstScan, LastScan                     string
	// GTIN names the product's barcode number. SoldAt leads the shop
	// that sold the stamp and Sold stands alone when the shop is not
	// known; SoldWhen is a format string of the time.
	GTIN, Sold, SoldAt, SoldWhen string
	// Report leads the contact for a suspected fake; Void heads the
	// details of a withdrawn stamp, which no longer vouch for the item.
	Report, Void string
	// Stars, ScanTimes, MoreShops and Since are format strings. Since
	// wraps a time without brackets: an English time ends in "(UTC+7)".
	Stars, ScanTimes, MoreShops, Since string
	// StatusAsOf is a format string of the time the issuing province's
	// revocation list was fetched: another province's stamp is judged by
	// what that list said then, not now. The sentence above it has named
	// the province.
	StatusAsOf string
	// IssuerPage is a format string of the issuing province's name: the
	// link to another province's stamp on that province's own page,
	// where its scans and details are.
	IssuerPage string
	errors     map[int]errorText
}

// errorText is an error page's title and text.
type errorText struct{ Title, Text string }

var vi = &texts{
	Site: "Tem điện tử OCOP", Switch: "English", Footer: "Mã QR được ký số; trang này kiểm tra chữ ký và hồ sơ phát hành của tem.",
	Home:      "Về trang kiểm tra tem",
	HomeTitle: "Kiểm tra tem điện tử OCOP", HomeIntro: "Quét mã QR trên tem bằng camera điện thoại, hoặc dán hay gõ mã vào ô dưới đây.",
	CodeLabel: "Mã trên tem", Check: "Kiểm tra", Again: "Kiểm tra mã khác", NoCode: "Hãy nhập mã in trên tem.",
	Group: "Nhóm sản phẩm", Producer: "Chủ thể", Origin: "Xuất xứ", Legacy: "Địa chỉ trước 2025",
	Certificate: "Giấy chứng nhận OCOP", Decision: "Quyết định", Authority: "Cơ quan công nhận",
	DecisionDate: "Ngày quyết định", ValidUntil: "Hiệu lực đến", Status: "Tình trạng", Stamp: "Thông tin lô hàng",
	Lot: "Số lô", Produced: "Ngày sản xuất", Expiry: "Hạn sử dụng", Serial: "Số sê-ri", Issued: "Tem phát hành lúc",
	None: "Không ghi", Phone: "Điện thoại", Recalled: "Lô bị thu hồi lúc", ReceivedBy: "Cửa hàng đã nhận",
	Scans: "Số lần quét", ScanOnce: "1 lần", NoScans: "Chưa có lần quét nào được ghi nhận",
	FirstScan: "Lần quét đầu", LastScan: "Lần quét gần nhất",
	GTIN: "Mã vạch GTIN", Sold: "Đã bán", SoldAt: "Đã bán tại", SoldWhen: "lúc %s",
	Report: "Nghi hàng giả? Hãy báo:", Void: "Chỉ để tham khảo: thông tin dưới đây không còn bảo đảm cho món hàng này.",
	Stars: "%d sao", ScanTimes: "%d lần", MoreShops: "và %d cửa hàng khác", Since: "Từ lúc %s",
	StatusAsOf: "Tình trạng theo danh sách thu hồi của tỉnh phát hành, tải về lúc %s.",
	IssuerPage: "Xem lịch sử quét trên trang của %s",
	errors: map[int]errorText{
		http.StatusNotFound:            {"Không tìm thấy trang", "Địa chỉ này không có trên trang kiểm tra tem. Nếu bạn vừa quét một tem, hãy quét lại, hoặc gõ mã in dưới tem ở trang kiểm tra."},
		http.StatusMethodNotAllowed:    {"Không làm được việc này", "Các trang ở đây chỉ để xem; không gửi được gì tới chúng."},
		http.StatusInternalServerError: {"Hệ thống đang gặp sự cố", "Chưa kiểm tra được tem. Vui lòng thử lại sau ít phút."},
	},
}

var en = &texts{
	Site: "OCOP e-stamp", Switch: "Tiếng Việt", Footer: "The QR code is digitally signed; this page checks the signature and the stamp's issuance record.",
	Home:      "Go to the stamp check",
	HomeTitle: "Check an OCOP e-stamp", HomeIntro: "Scan the QR code on the stamp with your phone's camera, or paste or type the code below.",
	CodeLabel: "Code on the stamp", Check: "Check", Again: "Check another code", NoCode: "Enter the code printed on the stamp.",
	Group: "Product group", Producer: "Producer", Origin: "Origin", Legacy: "Address before 2025",
	Certificate: "OCOP certificate", Decision: "Decision", Authority: "Certified by",
	DecisionDate: "Decision date", ValidUntil: "Valid until", Status: "Status", Stamp: "Lot",
	Lot: "Lot number", Produced: "Production date", Expiry: "Best before", Serial: "Serial number", Issued: "Stamp issued",
	None: "Not given", Phone: "Phone", Recalled: "Lot recalled", ReceivedBy: "Received by",
	Scans: "Scans", ScanOnce: "Once", NoScans: "No scan recorded yet",
	FirstScan: "First scan", LastScan: "Latest scan",
	GTIN: "GTIN barcode", Sold: "Sold", SoldAt: "Sold at", SoldWhen: "on %s",
	Report: "Suspect a fake? Report it to:", Void: "For reference only: what follows no longer vouches for this item.",
	Stars: "%d stars", ScanTimes: "%d times", MoreShops: "and %d more shops", Since: "Since %s",
	StatusAsOf: "Status by the issuing province's revocation list, as fetched on %s.",
	IssuerPage: "See the scan history on the page of %s",
	errors: map[int]errorText{
		http.StatusNotFound:            {"Page not found", "There is no such address on the stamp check. If you just scanned a stamp, scan it again, or type the code printed under it on the check page."},
		http.StatusMethodNotAllowed:    {"Not allowed here", "These pages can only be viewed; nothing can be sent to them."},
		http.StatusInternalServerError: {"The service has a problem", "The stamp could not be checked. Please try again in a few minutes."},
	},
}

func textsFor(lang ocop.Lang) *texts {
	if lang == ocop.EN {
		return en
	}
	return vi
}
