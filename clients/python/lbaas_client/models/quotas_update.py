from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="QuotasUpdate")


@_attrs_define
class QuotasUpdate:
    """
    Attributes:
        load_balancers (int | None | Unset):
        nodes (int | None | Unset):
        projects (int | None | Unset):
    """

    load_balancers: int | None | Unset = UNSET
    nodes: int | None | Unset = UNSET
    projects: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        load_balancers: int | None | Unset
        if isinstance(self.load_balancers, Unset):
            load_balancers = UNSET
        else:
            load_balancers = self.load_balancers

        nodes: int | None | Unset
        if isinstance(self.nodes, Unset):
            nodes = UNSET
        else:
            nodes = self.nodes

        projects: int | None | Unset
        if isinstance(self.projects, Unset):
            projects = UNSET
        else:
            projects = self.projects

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if load_balancers is not UNSET:
            field_dict["load_balancers"] = load_balancers
        if nodes is not UNSET:
            field_dict["nodes"] = nodes
        if projects is not UNSET:
            field_dict["projects"] = projects

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_load_balancers(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        load_balancers = _parse_load_balancers(d.pop("load_balancers", UNSET))

        def _parse_nodes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        nodes = _parse_nodes(d.pop("nodes", UNSET))

        def _parse_projects(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        projects = _parse_projects(d.pop("projects", UNSET))

        quotas_update = cls(
            load_balancers=load_balancers,
            nodes=nodes,
            projects=projects,
        )

        return quotas_update
