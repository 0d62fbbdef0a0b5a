from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.l7_compare_type import L7CompareType
from ..models.l7_rule_type import L7RuleType
from ..types import UNSET, Unset

T = TypeVar("T", bound="L7Rule")


@_attrs_define
class L7Rule:
    """One condition of an L7 policy.

    Attributes:
        compare_type (L7CompareType):
        type_ (L7RuleType): What an L7 rule looks at: the host (without port, case-insensitive), the path (without
            query), a header (`key` names it) or a cookie (`key` names it).
        value (str):
        invert (bool | Unset): Match when the comparison fails (a missing header or cookie fails it).
        key (None | str | Unset): HEADER and COOKIE: the header or cookie name.
    """

    compare_type: L7CompareType
    type_: L7RuleType
    value: str
    invert: bool | Unset = UNSET
    key: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        compare_type = self.compare_type.value

        type_ = self.type_.value

        value = self.value

        invert = self.invert

        key: None | str | Unset
        if isinstance(self.key, Unset):
            key = UNSET
        else:
            key = self.key

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "compare_type": compare_type,
                "type": type_,
                "value": value,
            }
        )
        if invert is not UNSET:
            field_dict["invert"] = invert
        if key is not UNSET:
            field_dict["key"] = key

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        compare_type = L7CompareType(d.pop("compare_type"))

        type_ = L7RuleType(d.pop("type"))

        value = d.pop("value")

        invert = d.pop("invert", UNSET)

        def _parse_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        key = _parse_key(d.pop("key", UNSET))

        l7_rule = cls(
            compare_type=compare_type,
            type_=type_,
            value=value,
            invert=invert,
            key=key,
        )

        return l7_rule
