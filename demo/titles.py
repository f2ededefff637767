"""工作单位及职务 for demo people: offices that exist at each kind of unit, rarely repeated.

A title names a real kind of office for the level (a township has a 人民政府 and a 卫生院, a
street an 办事处 and a 社区卫生服务中心, a village its 村委会 and 合作社) and a post in it. A head
post (院长, 校长, 所长 ...) is given once per district; the other posts may repeat, as 教师 do.
"""

import random

COMPANIES = ["鑫源", "华信", "龙江", "天鹅", "冰城", "松江", "北方", "金谷", "绿源", "丰禾", "宏达", "恒泰", "瑞丰",
             "东升", "盛世", "祥和", "兴业", "福瑞", "金秋", "润通"]  # fmt: skip
INDUSTRIES = ["商贸", "食品", "建筑工程", "物业管理", "医药连锁", "米业", "乳业", "家政服务", "农业科技", "物流"]
KINDERGARTENS = ["阳光", "小太阳", "金色童年", "蓝天", "童心", "七色花", "启明星", "小天使"]

# (office, head posts given once per district, common posts)
DISTRICT = [
    ("{d}教育局", ["副局长", "基础教育科科长", "督导室主任"], ["科员", "教研员"]),
    ("{d}卫生和计划生育局", ["副局长", "妇幼健康科科长"], ["科员"]),
    ("{d}民政局", ["副局长", "社会救助科科长", "基层政权科科长"], ["科员"]),
    ("{d}人力资源和社会保障局", ["副局长", "就业服务中心主任"], ["科员"]),
    ("{d}司法局", ["副局长", "人民调解科科长", "法律援助中心主任"], ["科员"]),
    ("{d}人民法院", ["副院长", "少年家事审判庭庭长"], ["审判员", "书记员"]),
    ("{d}人民检察院", ["未成年人检察科科长"], ["检察员"]),
    ("{k}妇幼保健院", ["院长", "副院长", "保健部主任"], ["主治医师", "护士", "护士长"]),
    ("{k}人民医院", ["副院长", "妇产科主任", "儿科主任"], ["主治医师", "护士"]),
    ("{d}第{n}中学", ["校长", "副校长", "教导主任"], ["教师", "班主任"]),
    ("{d}第{n}小学", ["校长", "副校长"], ["教师", "班主任"]),
    ("{d}文化馆", ["馆长", "副馆长"], ["馆员"]),
    ("{d}总工会", ["女职工部部长", "副主席"], ["干事"]),
    ("共青团{d}委员会", ["副书记"], ["干事"]),
    ("{d}工商业联合会", ["副主席"], ["干事"]),
    ("哈尔滨{co}{ind}有限公司", ["总经理", "董事长", "副总经理"], ["财务主管", "人力资源部经理", "会计"]),
    ("黑龙江{co}律师事务所", ["主任"], ["律师"]),
    ("{d}社会福利院", ["院长"], ["护理员"]),
]
STREET = [
    ("{u}办事处", ["副主任", "社会事务科科长", "综治办主任"], ["科员", "社区工作者"]),
    ("{u}党工委", ["组织委员", "宣传委员"], ["干事"]),
    ("{u}社区卫生服务中心", ["主任"], ["医生", "护士"]),
    ("{u}综合文化站", ["站长"], ["干部"]),
    ("{u}司法所", ["所长"], ["人民调解员"]),
    ("{u}劳动保障事务所", ["所长"], ["协管员"]),
    ("{d}第{n}小学", ["副校长"], ["教师"]),
    ("哈尔滨{co}{ind}有限公司", ["总经理", "副总经理"], ["办公室主任", "会计"]),
    ("{u}{kg}幼儿园", ["园长"], ["教师"]),
]
TOWNSHIP = [
    ("{u}人民政府", ["副{z}长", "党政办主任"], ["农业办干部", "民政助理", "计生助理", "包村干部"]),
    ("{u}党委", ["组织委员", "宣传委员"], ["干事"]),
    ("{u}卫生院", ["院长", "副院长"], ["医生", "护士"]),
    ("{u}中心学校", ["校长", "副校长"], ["教师"]),
    ("{u}农业技术推广站", ["站长"], ["技术员"]),
    ("{u}财政所", ["所长"], ["会计"]),
    ("{u}司法所", ["所长"], ["人民调解员"]),
    ("{u}文化站", ["站长"], ["干部"]),
    ("{d}{co}{ind}有限公司", ["总经理"], ["会计"]),
]
COMMUNITY = [
    ("{u}居委会", ["副主任"], ["委员", "社区工作者"]),
    ("{u}党委", ["副书记"], ["委员"]),
    ("{u}第{n}网格", [], ["网格员", "网格长"]),
    ("{u}{n}号楼", [], ["楼栋长", "单元长"]),
    ("{u}巾帼志愿服务队", ["队长"], ["队员"]),
    ("{d}第{n}中学", [], ["退休教师", "教师"]),
    ("{u}{kg}幼儿园", ["园长"], ["教师"]),
    ("{co}超市{u}店", ["店长"], ["收银员"]),
    ("{u}", [], ["居民", "个体经营者", "退休职工"]),
]
VILLAGE = [
    ("{u}村委会", ["副主任", "会计"], ["委员"]),
    ("{u}第{n}村民小组", ["组长"], []),
    ("{u}{co}种植专业合作社", ["理事长"], ["社员"]),
    ("{u}卫生室", ["乡村医生"], []),
    ("{u}", [], ["村民", "养殖户", "种植户", "农家乐经营者", "手工编织户"]),
    ("{t}中心学校", [], ["教师"]),
]
LEVELS = {"district": DISTRICT, "street": STREET, "township": TOWNSHIP, "community": COMMUNITY, "village": VILLAGE}


class Titles:
    """Draws titles for one demo run; head posts are unique within a district."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used = set()

    def draw(self, level, *, district, unit=None, parent=None):
        """A 工作单位及职务 for a person of `level` ("district", "street", "township", "community", "village")."""
        rng = self.rng
        offices = LEVELS[level]
        for _ in range(12):
            office, heads, commons = rng.choice(offices)
            use_head = heads and (not commons or rng.random() < 0.35)
            post = rng.choice(heads if use_head else commons)
            name = office.format(
                d=district.name,
                k=district.name,
                u=unit.name if unit else "",
                t=parent.name if parent else "",
                n=rng.randint(1, 40 if level in ("district", "street") else 12),
                co=rng.choice(COMPANIES),
                ind=rng.choice(INDUSTRIES),
                kg=rng.choice(KINDERGARTENS),
            )
            post = post.replace("{z}", "镇" if unit and unit.name.endswith("镇") else "乡")
            title = name + post
            if not use_head:
                return title
            if (district.pk, title) not in self.used:
                self.used.add((district.pk, title))
                return title
        return title
