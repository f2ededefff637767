"""Names, titles and phone numbers of the demo's people, shared by tree.py and rosters.py.

Given names follow the generation a woman was born in (a 桂兰 born in 1955, a 婷婷 in 1988,
never a 雨萱 before 1970); every mobile number starts with a prefix that was issued and in
service in 2016.
"""

import random

SURNAMES = (
    "王" * 8 + "李" * 8 + "张" * 8 + "刘" * 7 + "陈" * 4 + "杨" * 4 + "赵" * 4 + "孙" * 4 + "于" * 3 + "徐" * 3
    + "高" * 3 + "马" * 3 + "周" * 2 + "吴" * 2 + "郭" * 2 + "朱" * 2 + "胡" * 2 + "林" * 2 + "何" * 2 + "曲" * 2
    + "姜" * 2 + "董" * 2 + "韩" * 2 + "崔" * 2 + "宋" * 2 + "丁" * 2 + "邹" + "吕" + "苏" + "郑" + "谢" + "唐"
    + "冯" + "邓" + "曹" + "许" + "程" + "沈" + "姚" + "卢" + "范" + "石" + "廖" + "贾" + "夏" + "付" + "方" + "白"
    + "孟" + "秦" + "邱" + "尹" + "薛" + "闫" + "段" + "侯" + "史" + "郝" + "顾" + "毛" + "邵" + "万" + "武" + "乔"
    + "谭" + "葛" + "鲁" + "耿" + "隋" + "庞" + "关" + "佟" + "那" + "常"
)  # fmt: skip

# Given names of women by the decade they were born in (northeastern China).
GIVEN_BY_DECADE = {
    1940: ["桂兰", "秀兰", "玉兰", "淑珍", "秀英", "桂芝", "凤英", "玉珍", "淑琴", "桂香", "素珍", "秀珍"],
    1950: ["秀兰", "桂兰", "淑琴", "玉芬", "淑华", "凤琴", "秀芝", "玉兰", "淑兰", "桂荣", "凤兰", "秀云", "玉梅",
           "淑英", "丽华", "凤芝"],
    1960: ["丽华", "红梅", "艳红", "春梅", "丽娟", "凤霞", "秀梅", "玉梅", "金凤", "亚琴", "海英", "丽萍", "冬梅",
           "秋菊", "晓红", "建华", "立新", "红霞", "卫红", "玉霞", "淑珍", "桂英", "凤云", "丽君"],
    1970: ["海燕", "晓燕", "丽丽", "艳玲", "晓梅", "雅琴", "丽娜", "春燕", "雪梅", "慧敏", "红艳", "秀丽", "艳华",
           "晓丽", "丽艳", "艳秋", "静", "敏", "丹", "颖", "艳", "娟", "玲", "红", "霞", "萍", "梅"],
    1980: ["婷婷", "晓雪", "美玲", "佳慧", "丹丹", "晶晶", "莹莹", "丽娜", "晓静", "春雨", "雪莹", "慧颖", "娜", "倩",
           "璐", "琳", "婷", "悦", "莹", "雪", "洁", "丹", "静", "佳"],
    1990: ["思雨", "欣怡", "佳琪", "梦瑶", "雨欣", "婷婷", "佳慧", "晓彤", "雪晴", "佳欣", "静怡", "悦", "琪", "璐",
           "瑶", "婷", "欣", "倩", "楠"],
}  # fmt: skip
KOREAN_SURNAMES = list("金朴崔李郑姜")
MANCHU_SURNAMES = list("关佟那赵金富")

# Mobile prefixes issued and in service in 2016 (移动 134–139/147/150–152/157–159/178/182–184/187/188,
# 联通 130–132/145/155/156/176/185/186, 电信 133/153/177/180/181/189), weighted towards the older
# ones most people in Heilongjiang had. Not 166, 198, 199 (issued 2017) and not 170/171 (resellers).
MOBILE_PREFIXES_2016 = (
    ["130", "131", "132", "133", "134", "135", "136", "137", "138", "139"] * 4
    + ["150", "151", "152", "153", "155", "156", "157", "158", "159"] * 3
    + ["180", "181", "182", "183", "184", "185", "186", "187", "188", "189"] * 2
    + ["145", "147", "176", "177", "178"]
)
MOBILE_PREFIXES_2016_SET = frozenset(MOBILE_PREFIXES_2016)


def decade_of(year):
    return max(1940, min(1990, year // 10 * 10))


def woman_name(rng: random.Random, born_year, *, surnames=SURNAMES):
    """A woman's name that fits her generation."""
    return rng.choice(surnames) + rng.choice(GIVEN_BY_DECADE[decade_of(born_year)])


def mobile(rng: random.Random):
    return rng.choice(MOBILE_PREFIXES_2016) + f"{rng.randrange(10**8):08d}"


def suffix(district_name):
    """区, 县 or 市: how a district's own offices are called (区妇联, 县委, 市委 ...)."""
    return district_name[-1] if district_name[-1] in "区县市" else "区"
