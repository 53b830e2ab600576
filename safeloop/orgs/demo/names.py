"""Synthetic but believable Chinese names, phones and 统一社会信用代码 for the demo city. Pure functions
of a `random.Random`, so the same seed gives the same names."""

import random
from collections.abc import Callable

from safeloop.orgs.validators import uscc_check_char


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


URBAN_ROOTS = _words(
    "滨江 站前 胜利 光明 新华 建设 幸福 和平 人民 解放 东风 红旗 前进 朝阳 湖滨 信江 白鹭 梅园 桂花 紫荆 "
    "翠园 锦江 文化 育才 交通 铁路 工人 五一 长征 红星 金桥 东湖 西湖 南湖 北门 东门 西门 南门 花园 城南 "
    "城北 城东 城西 江北 江南 环城 体育 沿江 站东 滨湖 望湖 新城 丽景 锦绣 阳光 怡园 兴园 安居 华府 天洁 "
    "三川 童家 月桂 龙岗 雄石 象山 迎宾 聚福 康乐 振兴"
)
VILLAGE_PREFIXES = tuple("上下前后大小东西南北新老石高黄沙杨柏竹荷")
VILLAGE_SUFFIXES = tuple("坊桥塘湾岭山源溪坑港洲埠畈垄岗田湖口圳")
SURNAMES = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任姚卢"
    "姜钟汪范金廖夏付方邹熊邱江桂饶艾危舒童揭"
)
GIVEN_NAMES = _words(
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 建华 建国 国平 志强 文 华 红 "
    "英 斌 鹏 辉 玲 婷 宇 浩 凯 俊 帆 晨 欣 琳 海燕 春生 水根 金华 小龙 雪梅 卫东 立新 永红"
)
TRADE_CHARS = tuple(
    "鑫华盛源泰恒达隆信瑞兴祥金宏昌丰通顺发新天万利和安福富康嘉宇博创远腾永佳诚德晟锦明辉旺正凯益铭亿润睿"
    "众邦星海丽峰东银广中立宝成茂胜悦荣旭汇鸿科"
)
ROADS = _words(
    "胜利路 林荫路 站江路 沿江路 交通路 梅园大道 湖西路 白露大道 天洁路 信江路 建设路 雄石路 花园路 "
    "东门路 环城路 工业大道 龙岗大道 锦江大道 滨江大道 人民路 解放路 五一路 应天路 正义路 青年路 站前路 "
    "光明路 月湖大道 四青路 公园路"
)
PLACE_FIRST = tuple("云青石丰安永清临宁乐兴泰崇金德万龙白")
PLACE_SECOND = tuple("阳川平江源都城州山溪湖岗田水林峰")
PHONE_PREFIXES = _words(
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 177 180 181 182 183 185 186 "
    "187 188 189 199"
)

SCHOOL_WORDS = _words("实验 育才 希望 光明 新华 阳光 启明 崇文 明德 致远 博雅 育英 培英 正德")
WATER_WORDS = _words("东坑 西坑 大塘 石门 龙潭 白沙 黄泥 青山 马鞍 凤凰 狮子 鲤鱼 仙人 茶山")
ORDINALS = _words("一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五")

# GB 11714 organisation code: 8 characters and a check character (weights of the standard).
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def pick_unique(rng: random.Random, taken: set[str], make: Callable[[random.Random], str]) -> str:
    """Draw names until one is new; after many collisions add a branch number, as registries do."""
    name = make(rng)
    for _attempt in range(30):
        if name not in taken:
            break
        name = make(rng)
    base, n = name, 2
    while name in taken:
        name, n = f"{base}（{n}）", n + 1
    taken.add(name)
    return name


def community_name(rng: random.Random, taken: set[str]) -> str:
    return pick_unique(rng, taken, lambda r: r.choice(URBAN_ROOTS) + "社区")


def village_name(rng: random.Random, taken: set[str], suffix: str = "村") -> str:
    def make(r: random.Random) -> str:
        if r.random() < 0.35:
            return f"{r.choice(SURNAMES)}家{r.choice(VILLAGE_SUFFIXES)}{suffix}"
        return f"{r.choice(VILLAGE_PREFIXES)}{r.choice(VILLAGE_SUFFIXES)}{suffix}"

    return pick_unique(rng, taken, make)


def place_root(rng: random.Random, taken: set[str]) -> str:
    """Two characters for a synthetic city, county or township name."""
    return pick_unique(rng, taken, lambda r: r.choice(PLACE_FIRST) + r.choice(PLACE_SECOND))


def trade_name(rng: random.Random) -> str:
    first = second = rng.choice(TRADE_CHARS)
    while second == first:
        second = rng.choice(TRADE_CHARS)
    return first + second


def ordinal(rng: random.Random) -> str:
    return rng.choice(ORDINALS)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def mobile_phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def street_address(rng: random.Random) -> str:
    return f"{rng.choice(ROADS)}{rng.randint(1, 299)}号"


def org_code(serial: int) -> str:
    """A GB 11714 organisation code (8 digits + check character) for a serial number."""
    body = f"{serial % 10**8:08d}"
    remainder = 11 - sum(int(c) * w for c, w in zip(body, ORG_CODE_WEIGHTS, strict=True)) % 11
    check = {10: "X", 11: "0"}.get(remainder, str(remainder))
    return body + check


def uscc(registration_type: str, county_code: str, serial: int) -> str:
    """GB 32100: registration authority and type (91 enterprise, 92 sole trader, 12 public institution,
    52 private non-enterprise unit), the county code, the organisation code and the check character."""
    body = f"{registration_type}{county_code}{org_code(serial)}"
    return body + uscc_check_char(body)
