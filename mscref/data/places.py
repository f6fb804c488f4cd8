"""Countries and regions of trials and approvals in English and Chinese, with the other names a
user may type for them (``--country 中国`` is ``--country china``)."""

from __future__ import annotations

from mscref.data.dataset import fold

#: The name the data uses, its Chinese name (simplified), and other names for it.
PLACES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("US", "美国", ("USA", "United States", "United States of America", "美國")),
    ("China", "中国", ("PRC", "中國", "Mainland China")),
    ("Korea", "韩国", ("South Korea", "Republic of Korea", "Korea, Republic of", "韓國")),
    ("Japan", "日本", ()),
    ("EU", "欧盟", ("European Union", "歐盟")),
    ("Canada", "加拿大", ()),
    ("New Zealand", "新西兰", ("新西蘭",)),
    ("India", "印度", ()),
    ("France", "法国", ("法國",)),
    ("Germany", "德国", ("德國",)),
    ("Italy", "意大利", ()),
    ("Spain", "西班牙", ()),
    ("Israel", "以色列", ()),
    ("Indonesia", "印度尼西亚", ("印尼", "印度尼西亞")),
    ("Colombia", "哥伦比亚", ("哥倫比亞",)),
    ("Australia", "澳大利亚", ("澳大利亞", "澳洲")),
    ("United Kingdom", "英国", ("UK", "Great Britain", "英國")),
    ("Taiwan", "台湾", ("台灣",)),
    ("Hong Kong", "香港", ()),
    ("Iran", "伊朗", ("Iran, Islamic Republic of",)),
    ("Brazil", "巴西", ()),
    ("Netherlands", "荷兰", ("荷蘭",)),
    ("Belgium", "比利时", ("比利時",)),
    ("Switzerland", "瑞士", ()),
    ("Sweden", "瑞典", ()),
    ("Denmark", "丹麦", ("丹麥",)),
    ("Poland", "波兰", ("波蘭",)),
    ("Turkey", "土耳其", ("Türkiye",)),
    ("Egypt", "埃及", ()),
    ("Russia", "俄罗斯", ("Russian Federation", "俄羅斯")),
    ("Vietnam", "越南", ("Viet Nam",)),
    ("Malaysia", "马来西亚", ("馬來西亞",)),
    ("Singapore", "新加坡", ()),
    ("Thailand", "泰国", ("泰國",)),
    ("Pakistan", "巴基斯坦", ()),
    ("Mexico", "墨西哥", ()),
    ("Argentina", "阿根廷", ()),
    ("Jordan", "约旦", ("約旦",)),
    ("Kazakhstan", "哈萨克斯坦", ("哈薩克斯坦",)),
)

_BY_NAME: dict[str, int] = {}
for _i, (_en, _zh, _other) in enumerate(PLACES):
    for _name in (_en, _zh, *_other):
        _BY_NAME.setdefault(fold(_name), _i)


def place_key(name: str) -> str:
    """One key for every name of a place (``中国``, ``china`` and ``PRC`` give the same); a place
    not in the table is its own folded name."""
    i = _BY_NAME.get(fold(name))
    return fold(PLACES[i][0]) if i is not None else fold(name)


def place_zh(name: str) -> str | None:
    """The Chinese name of a place, or None when the table does not have it."""
    i = _BY_NAME.get(fold(name))
    return PLACES[i][1] if i is not None else None
