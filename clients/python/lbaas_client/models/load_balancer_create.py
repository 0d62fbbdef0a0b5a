from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="LoadBalancerCreate")


@_attrs_define
class LoadBalancerCreate:
    """
    Attributes:
        name (str):
        subnet (str): Name or id of the project subnet that holds the backends.
        auto_scaling (bool | None | Unset):
        description (None | str | Unset):
        max_nodes (int | None | Unset):
        min_nodes (int | None | Unset):
    """

    name: str
    subnet: str
    auto_scaling: bool | None | Unset = UNSET
    description: None | str | Unset = UNSET
    max_nodes: int | None | Unset = UNSET
    min_nodes: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        subnet = self.subnet

        auto_scaling: bool | None | Unset
        if isinstance(self.auto_scaling, Unset):
            auto_scaling = UNSET
        else:
            auto_scaling = self.auto_scaling

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        max_nodes: int | None | Unset
        if isinstance(self.max_nodes, Unset):
            max_nodes = UNSET
        else:
            max_nodes = self.max_nodes

        min_nodes: int | None | Unset
        if isinstance(self.min_nodes, Unset):
            min_nodes = UNSET
        else:
            min_nodes = self.min_nodes

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "subnet": subnet,
            }
        )
        if auto_scaling is not UNSET:
            field_dict["auto_scaling"] = auto_scaling
        if description is not UNSET:
            field_dict["description"] = description
        if max_nodes is not UNSET:
            field_dict["max_nodes"] = max_nodes
        if min_nodes is not UNSET:
            field_dict["min_nodes"] = min_nodes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        subnet = d.pop("subnet")

        def _parse_auto_scaling(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        auto_scaling = _parse_auto_scaling(d.pop("auto_scaling", UNSET))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_max_nodes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_nodes = _parse_max_nodes(d.pop("max_nodes", UNSET))

        def _parse_min_nodes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        min_nodes = _parse_min_nodes(d.pop("min_nodes", UNSET))

        load_balancer_create = cls(
            name=name,
            subnet=subnet,
            auto_scaling=auto_scaling,
            description=description,
            max_nodes=max_nodes,
            min_nodes=min_nodes,
        )

        return load_balancer_create
