"""The demo district: units and accounts of CONTRACT.md (created by ``seed_demo`` only)."""

from django.db import transaction

from .models import OrgUnit, Role, UnitKind, User

DEMO_PASSWORD = "qinhuai2017"

# (code, name, English name, kind, head of unit)
UNITS = [
    (
        "district_office",
        "区委组织部(人才办)",
        "District Organisation Dept. (Talent Office)",
        UnitKind.DISTRICT_OFFICE,
        "王建国",
    ),
    ("finance_bureau", "财政", "Finance Bureau", UnitKind.FINANCE, "李财"),
    ("fuzimiao", "夫子庙街道", "Fuzimiao Street", UnitKind.STREET, "陈立"),
    ("shuangtang", "双塘街道", "Shuangtang Street", UnitKind.STREET, "赵敏"),
    ("zhonghuamen", "中华门街道", "Zhonghuamen Street", UnitKind.STREET, "孙伟"),
    ("wulaocun", "五老村街道", "Wulaocun Street", UnitKind.STREET, "周红"),
    ("hongwulu", "洪武路街道", "Hongwu Road Street", UnitKind.STREET, "吴刚"),
    ("daguanglu", "大光路街道", "Daguang Road Street", UnitKind.STREET, "郑洁"),
    ("ruijinlu", "瑞金路街道", "Ruijin Road Street", UnitKind.STREET, "冯涛"),
    ("yueyahu", "月牙湖街道", "Yueya Lake Street", UnitKind.STREET, "褚静"),
    ("guanghualu", "光华路街道", "Guanghua Road Street", UnitKind.STREET, "卫东"),
    ("chaotiangong", "朝天宫街道", "Chaotiangong Street", UnitKind.STREET, "蒋平"),
    ("honghua", "红花街道", "Honghua Street", UnitKind.STREET, "沈阳"),
    ("qinhong", "秦虹街道", "Qinhong Street", UnitKind.STREET, "韩梅"),
    ("gaoxin_park", "高新园区", "High-tech Park", UnitKind.PARK, "杨帆"),
    ("guochuang_park", "国创园", "National Leading-Talent Park", UnitKind.PARK, "朱明"),
    ("creative_1865", "1865创意产业园", "1865 Creative Industry Park", UnitKind.PARK, "秦岚"),
    ("kechuang_group", "区科创集团", "District Science and Innovation Group", UnitKind.INNOVATION_GROUP, "许诺"),
]

# (username, role, unit code, family name, given name)
ACCOUNTS = [
    ("office", Role.OFFICE, "district_office", "王", "静"),
    ("street", Role.STREET, "fuzimiao", "陈", "晓"),
    ("park", Role.PARK, "gaoxin_park", "杨", "洋"),
    ("expert", Role.EXPERT, None, "李", "教授"),
    ("finance", Role.FINANCE, "finance_bureau", "刘", "会计"),
    ("leader", Role.LEADER, None, "张", "主任"),
    # Extra accounts so that the workflows have a second expert and other units have officers.
    ("expert2", Role.EXPERT, None, "钱", "研究员"),
    # A third expert, with one review waiting, who works for 高新园区: the assignment picker flags their
    # conflict with the park's applicants (issue 17 item 3).
    ("expert3", Role.EXPERT, None, "周", "工程师"),
    ("street2", Role.STREET, "shuangtang", "赵", "敏"),
    ("park2", Role.PARK, "guochuang_park", "朱", "峰"),
    # Self-service accounts (issue 16): an applicant of 夫子庙街道 and a 高新园区 enterprise, linked
    # to their records by the talents and funding demos.
    ("talent", Role.TALENT, None, "陆", "明远"),
    ("enterprise", Role.ENTERPRISE, None, "", ""),
]


@transaction.atomic
def seed_units_and_users() -> dict[str, OrgUnit]:
    units = {}
    for code, name, name_en, kind, head in UNITS:
        unit, _ = OrgUnit.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "kind": kind, "head": head}
        )
        units[code] = unit
    for username, role, unit_code, last, first in ACCOUNTS:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.role = role
        user.org_unit = units.get(unit_code)
        user.last_name, user.first_name = last, first
        user.is_staff = role == Role.OFFICE
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
    return units
