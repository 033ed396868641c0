package web

import "github.com/ocopvn/estamp/internal/ocop"

// texts are the words of the pages in one language, besides what they say
// about a code: verdicts and warnings are told in the catalogue of
// package verdict, which every transport shares.
type texts struct {
	Site, Switch, Footer                                              string
	HomeTitle, HomeIntro, CodeLabel, Check, Again, NoCode             string
	Group, Producer, Origin, Legacy, Certificate, Decision, Authority string
	DecisionDate, ValidUntil, Status, Stamp, Lot, Produced, Expiry    string
	Serial, Issued, Scans, None, ServerError, Phone, Recalled         string
	NoScans                                                           string
	// Stars and ScanCount are format strings.
	Stars, ScanCount, ScanCountFirst string
}

var vi = &texts{
	Site: "Tem điện tử OCOP", Switch: "English", Footer: "Mã QR được ký số; trang này kiểm tra chữ ký và hồ sơ phát hành của tem.",
	HomeTitle: "Kiểm tra tem điện tử OCOP", HomeIntro: "Quét mã QR trên tem bằng camera điện thoại, hoặc dán hay gõ mã vào ô dưới đây.",
	CodeLabel: "Mã trên tem", Check: "Kiểm tra", Again: "Kiểm tra mã khác", NoCode: "Hãy nhập mã in trên tem.",
	Group: "Nhóm sản phẩm", Producer: "Chủ thể", Origin: "Xuất xứ", Legacy: "Địa chỉ trước 2025",
	Certificate: "Giấy chứng nhận OCOP", Decision: "Quyết định", Authority: "Cơ quan công nhận",
	DecisionDate: "Ngày quyết định", ValidUntil: "Hiệu lực đến", Status: "Tình trạng", Stamp: "Thông tin lô hàng",
	Lot: "Số lô", Produced: "Ngày sản xuất", Expiry: "Hạn sử dụng", Serial: "Số sê-ri", Issued: "Tem phát hành lúc",
	Scans: "Lịch sử quét", None: "Không ghi", ServerError: "Hệ thống đang gặp sự cố, vui lòng thử lại sau.",
	Phone: "Điện thoại", Recalled: "Lô bị thu hồi lúc",
	Stars: "%d sao", ScanCount: "Đã quét %d lần, lần đầu lúc %s", ScanCountFirst: "Lần quét đầu tiên (%s)",
	NoScans: "Chưa có lần quét nào được ghi nhận",
}

var en = &texts{
	Site: "OCOP e-stamp", Switch: "Tiếng Việt", Footer: "The QR code is digitally signed; this page checks the signature and the stamp's issuance record.",
	HomeTitle: "Check an OCOP e-stamp", HomeIntro: "Scan the QR code on the stamp with your phone's camera, or paste or type the code below.",
	CodeLabel: "Code on the stamp", Check: "Check", Again: "Check another code", NoCode: "Enter the code printed on the stamp.",
	Group: "Product group", Producer: "Producer", Origin: "Origin", Legacy: "Address before 2025",
	Certificate: "OCOP certificate", Decision: "Decision", Authority: "Certified by",
	DecisionDate: "Decision date", ValidUntil: "Valid until", Status: "Status", Stamp: "Lot",
	Lot: "Lot number", Produced: "Production date", Expiry: "Best before", Serial: "Serial number", Issued: "Stamp issued",
	Scans: "Scan history", None: "Not given", ServerError: "The service has a problem; please try again later.",
	Phone: "Phone", Recalled: "Lot recalled",
	Stars: "%d stars", ScanCount: "Scanned %d times, first on %s", ScanCountFirst: "First scan (%s)",
	NoScans: "No scan recorded yet",
}

func textsFor(lang ocop.Lang) *texts {
	if lang == ocop.EN {
		return en
	}
	return vi
}
