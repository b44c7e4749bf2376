//! The banks a VietQR transfer can reach: NAPAS 247 members by their BIN (the six digits a
//! VietQR code names the bank by), with the short name their customers know them by.

/// `(BIN, short name, full name)`, by short name.
pub const BANKS: &[(&str, &str, &str)] = &[
    ("970425", "ABBANK", "Ngân hàng TMCP An Bình"),
    ("970416", "ACB", "Ngân hàng TMCP Á Châu"),
    (
        "970405",
        "Agribank",
        "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam",
    ),
    ("970409", "BacABank", "Ngân hàng TMCP Bắc Á"),
    ("970438", "BaoVietBank", "Ngân hàng TMCP Bảo Việt"),
    ("970418", "BIDV", "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam"),
    ("970454", "BVBank", "Ngân hàng TMCP Bản Việt"),
    ("970446", "Co-opBank", "Ngân hàng Hợp tác xã Việt Nam"),
    ("970406", "DongABank", "Ngân hàng TMCP Đông Á"),
    ("970431", "Eximbank", "Ngân hàng TMCP Xuất Nhập khẩu Việt Nam"),
    ("970408", "GPBank", "Ngân hàng Thương mại TNHH MTV Dầu Khí Toàn Cầu"),
    ("970437", "HDBank", "Ngân hàng TMCP Phát triển Thành phố Hồ Chí Minh"),
    ("970452", "KienLongBank", "Ngân hàng TMCP Kiên Long"),
    ("970449", "LPBank", "Ngân hàng TMCP Lộc Phát Việt Nam"),
    ("970422", "MBBank", "Ngân hàng TMCP Quân đội"),
    ("970426", "MSB", "Ngân hàng TMCP Hàng Hải Việt Nam"),
    ("970428", "NamABank", "Ngân hàng TMCP Nam Á"),
    ("970419", "NCB", "Ngân hàng TMCP Quốc Dân"),
    ("970448", "OCB", "Ngân hàng TMCP Phương Đông"),
    ("970414", "OceanBank", "Ngân hàng Thương mại TNHH MTV Đại Dương"),
    ("970430", "PGBank", "Ngân hàng TMCP Thịnh vượng và Phát triển"),
    ("970412", "PVcomBank", "Ngân hàng TMCP Đại Chúng Việt Nam"),
    ("970403", "Sacombank", "Ngân hàng TMCP Sài Gòn Thương Tín"),
    ("970400", "SaigonBank", "Ngân hàng TMCP Sài Gòn Công Thương"),
    ("970429", "SCB", "Ngân hàng TMCP Sài Gòn"),
    ("970440", "SeABank", "Ngân hàng TMCP Đông Nam Á"),
    ("970443", "SHB", "Ngân hàng TMCP Sài Gòn - Hà Nội"),
    ("970424", "ShinhanBank", "Ngân hàng TNHH MTV Shinhan Việt Nam"),
    ("970407", "Techcombank", "Ngân hàng TMCP Kỹ thương Việt Nam"),
    ("970423", "TPBank", "Ngân hàng TMCP Tiên Phong"),
    ("970441", "VIB", "Ngân hàng TMCP Quốc tế Việt Nam"),
    ("970427", "VietABank", "Ngân hàng TMCP Việt Á"),
    ("970433", "VietBank", "Ngân hàng TMCP Việt Nam Thương Tín"),
    ("970436", "Vietcombank", "Ngân hàng TMCP Ngoại thương Việt Nam"),
    ("970415", "VietinBank", "Ngân hàng TMCP Công thương Việt Nam"),
    ("970432", "VPBank", "Ngân hàng TMCP Việt Nam Thịnh Vượng"),
];

/// The short name of the bank with `bin`, if it is one.
pub fn name(bin: &str) -> Option<&'static str> {
    BANKS.iter().find(|(b, _, _)| *b == bin).map(|(_, short, _)| *short)
}
