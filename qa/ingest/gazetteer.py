"""China's places at every level: the provinces (and municipalities and autonomous regions), the prefecture-level
cities and the county-level divisions of ``districts.json`` (the national statistics bureau's list), with the short
forms people write (山东 for 山东省, 广西 for 广西壮族自治区, 内蒙古 for 内蒙古自治区)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

NATIONAL = "全国"
LEVELS = ("national", "province", "city", "county")
# a province's name without what says its kind: 广西壮族自治区 → 广西, 北京市 → 北京
_PROVINCE_KIND = re.compile(r"(?:壮族|回族|维吾尔)?自治区$|省$|市$")
# a city's own name without 市/地区/盟 (济南市 → 济南; an autonomous prefecture keeps its full name: where its
# place name ends and its peoples' names begin is not in the list); entries that group counties are not cities
_CITY_KIND = re.compile(r"(?:市|地区|盟)$")
_NOT_A_CITY = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


@dataclass(frozen=True)
class Gazetteer:
    provinces: dict[str, str]  # full name -> short name
    cities: dict[str, str]  # full name -> its province
    counties: dict[str, tuple[str, ...]]  # full name -> the provinces it is found in (some names repeat)

    def level(self, place: str | None) -> str | None:
        """national, province, city or county; None for a name this does not know."""
        if place is None:
            return None
        if place in (NATIONAL, "中华人民共和国", "中国"):
            return "national"
        if place in self.provinces:
            return "province"
        if place in self.cities:
            return "city"
        if place in self.counties:
            return "county"
        return None

    def province(self, text: str) -> str | None:
        """The full name of the province ``text`` is, in full or short form (山东, 山东省 → 山东省), or None."""
        if text in self.provinces:
            return text
        return next((full for full, short in self.provinces.items() if text == short), None)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    data = json.loads((Path(__file__).parent / "districts.json").read_text(encoding="utf-8"))["divisions"]
    provinces = {full: _PROVINCE_KIND.sub("", full) for full in data}
    cities = {city: province for province, by_city in data.items() for city in by_city if city not in _NOT_A_CITY}
    counties: dict[str, tuple[str, ...]] = {}
    for province, by_city in data.items():
        for names in by_city.values():
            for name in names:
                counties[name] = tuple(dict.fromkeys((*counties.get(name, ()), province)))
    return Gazetteer(provinces, cities, counties)


def city_short(name: str) -> str:
    """A city's name without its kind: 济南市 → 济南, 阿里地区 → 阿里."""
    return _CITY_KIND.sub("", name) or name
