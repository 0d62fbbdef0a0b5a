from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SubnetCreate")


@_attrs_define
class SubnetCreate:
    """
    Attributes:
        cidr (str):
        name (str):
        gateway (None | str | Unset):
    """

    cidr: str
    name: str
    gateway: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        cidr = self.cidr

        name = self.name

        gateway: None | str | Unset
        if isinstance(self.gateway, Unset):
            gateway = UNSET
        else:
            gateway = self.gateway

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "cidr": cidr,
                "name": name,
            }
        )
        if gateway is not UNSET:
            field_dict["gateway"] = gateway

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        cidr = d.pop("cidr")

        name = d.pop("name")

        def _parse_gateway(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        gateway = _parse_gateway(d.pop("gateway", UNSET))

        subnet_create = cls(
            cidr=cidr,
            name=name,
            gateway=gateway,
        )

        return subnet_create
