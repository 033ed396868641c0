package console

import (
	"fmt"
	"maps"

	"github.com/ocopvn/estamp/internal/ocop"
)

// msg is one thing the console says, in Vietnamese and in English.
type msg struct{ vi, en string }

// catalogue is every word the console shows, by key: the pages' own
// catalogue. What a code's verdict is called comes from package verdict,
// shared by every transport, and names of kinds, groups and authorities
// from package ocop.
type catalogue map[string]msg

// newCatalogue joins the words of each part of the console; a key twice,
// or a message missing a language, is a mistake caught at start.
func newCatalogue() (catalogue, error) {
	c := catalogue{}
	for _, part := range []catalogue{commonWords, officeWords, producerWords, shopWords} {
		for k, m := range part {
			if _, dup := c[k]; dup {
				return nil, fmt.Errorf("console: word %q defined twice", k)
			}
			if m.vi == "" || m.en == "" {
				return nil, fmt.Errorf("console: word %q lacks a language", k)
			}
		}
		maps.Copy(c, part)
	}
	return c, nil
}

// say is key in lang; a missing key shows itself, which the tests catch.
func (c catalogue) say(lang ocop.Lang, key string) string {
	m, ok := c[key]
	if !ok {
		return "¿" + key + "?"
	}
	if lang == ocop.EN {
		return m.en
	}
	return m.vi
}

// commonWords are the layout's, the sign-in's and the errors'.
var commonWords = catalogue{
	"site":             {"Tem điện tử OCOP", "OCOP e-stamp"},
	"console":          {"Bảng điều khiển", "Console"},
	"lang.switch":      {"English", "Tiếng Việt"},
	"nav.menu":         {"Mục lục", "Menu"},
	"signout":          {"Đăng xuất", "Sign out"},
	"signed.in.as":     {"Đang đăng nhập", "Signed in as"},
	"role.admin":       {"Văn phòng OCOP", "OCOP office"},
	"role.producer":    {"Chủ thể sản xuất", "Producer"},
	"role.retailer":    {"Cửa hàng", "Shop"},
	"signin.title":     {"Đăng nhập", "Sign in"},
	"signin.intro":     {"Dành cho văn phòng OCOP, chủ thể sản xuất và cửa hàng. Người mua kiểm tra tem không cần tài khoản: chỉ cần quét mã QR.", "For the OCOP office, producers and shops. Buyers checking a stamp need no account: just scan the QR code."},
	"username":         {"Tên đăng nhập", "Username"},
	"password":         {"Mật khẩu", "Password"},
	"signin.submit":    {"Đăng nhập", "Sign in"},
	"signin.bad":       {"Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."},
	"signin.limited":   {"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %s.", "Too many sign-in attempts. Please try again in %s."},
	"signin.expired":   {"Phiên làm việc đã kết thúc. Vui lòng đăng nhập lại.", "Your session has ended. Please sign in again."},
	"signedout":        {"Bạn đã đăng xuất.", "You have signed out."},
	"password.title":   {"Đổi mật khẩu", "Change password"},
	"password.first":   {"Đây là lần đăng nhập đầu tiên với mật khẩu do văn phòng cấp. Hãy đặt mật khẩu của riêng bạn trước khi tiếp tục.", "This is your first sign-in with the password the office gave you. Set your own password before you go on."},
	"password.rules":   {"Ít nhất 10 ký tự. Một câu dễ nhớ là mật khẩu tốt.", "At least 10 characters. A sentence you remember makes a good password."},
	"password.current": {"Mật khẩu hiện tại", "Current password"},
	"password.new":     {"Mật khẩu mới", "New password"},
	"password.again":   {"Nhập lại mật khẩu mới", "New password again"},
	"password.submit":  {"Đổi mật khẩu", "Change password"},
	"password.wrong":   {"Mật khẩu hiện tại không đúng.", "The current password is wrong."},
	"password.differ":  {"Hai lần nhập mật khẩu mới không giống nhau.", "The two new passwords differ."},
	"password.done":    {"Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc.", "Password changed. Other sessions have been signed out."},
	"password.link":    {"Đổi mật khẩu", "Change password"},
	"csrf.refused":     {"Biểu mẫu đã cũ hoặc không đến từ trang này. Hãy tải lại trang rồi thử lại.", "This form is out of date or did not come from this site. Reload the page and try again."},
	"denied.role":      {"Trang này không dành cho tài khoản của bạn.", "This page is not for your account."},
	"denied":           {"Tài khoản của bạn không được làm việc này với mục đã chọn.", "Your account may not do this with what you chose."},
	"notfound":         {"Không tìm thấy trang hoặc mục này.", "This page or item was not found."},
	"invalid":          {"Thông tin chưa hợp lệ", "Please check what you entered"},
	"conflict":         {"Đã có mục trùng", "Something with this name already exists"},
	"precondition":     {"Chưa thể làm việc này", "This cannot be done now"},
	"exhausted":        {"Quá nhiều yêu cầu. Vui lòng thử lại sau.", "Too many requests. Please try again later."},
	"servererror":      {"Hệ thống đang gặp sự cố, vui lòng thử lại sau.", "The service has a problem; please try again later."},
	"back.home":        {"Về trang chính", "Back to the start"},
	"required":         {"Bắt buộc", "Required"},
	"not.number":       {"Phải là một số nguyên dương", "Must be a whole number above zero"},
	"not.date":         {"Ngày dạng dd/mm/yyyy", "A date as dd/mm/yyyy"},
	"save":             {"Lưu", "Save"},
	"cancel":           {"Hủy", "Cancel"},
	"none":             {"Không có", "None"},
	"more":             {"Xem thêm", "More"},
	"yes":              {"Có", "Yes"},
	"no":               {"Không", "No"},
}
