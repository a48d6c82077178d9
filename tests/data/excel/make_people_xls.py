"""Writes people.xls, the `.xls` (BIFF8) fixture of tests/excel.rs, with xlwt (`pip install xlwt`).

Run from this directory: `python3 make_people_xls.py`. xlwt writes no timestamp, so the bytes
are the same on every run.
"""

import datetime

import xlwt

book = xlwt.Workbook(encoding="utf-8")
date = xlwt.easyxf(num_format_str="dd/mm/yyyy")

people = book.add_sheet("Danh sách")
header = ["Mã hồ sơ", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Số điện thoại", "Địa chỉ"]
for c, h in enumerate(header):
    people.write(0, c, h)
rows = [
    # id (number), name, dob (date cell), sex, CCCD (number: leading zero lost), phone (number), address
    (1001, "Nguyễn Văn An", datetime.date(1985, 3, 12), "Nam", 79085001234, 912345678,
     "12 Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh"),
    (1002, "Trần Thị Bình", datetime.date(2003, 5, 20), "Nữ", 1303004567, 983456789,
     "Số 5 ngõ 12 Láng Hạ, Đống Đa, Hà Nội"),
    # dob as the raw serial number in a General cell (25783 = 1970-08-03)
    (1003, "Lê Hoàng Cường", 25783, "Nam", "036070001234", "0901 234 567", "Nam Định"),
]
for r, row in enumerate(rows, start=1):
    for c, v in enumerate(row):
        if isinstance(v, datetime.date):
            people.write(r, c, v, date)
        else:
            people.write(r, c, v)

extra = book.add_sheet("Bổ sung")
extra.write(0, 0, "Họ và tên")
extra.write(0, 1, "Ngày sinh")
extra.write(2, 0, "Phạm Thu Dung")
extra.write(2, 1, datetime.date(1990, 12, 31), date)

book.save("people.xls")
