from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.spare_node import SpareNode


T = TypeVar("T", bound="Hypervisor")


@_attrs_define
class Hypervisor:
    """A compute host (admin): its libvirt URI, how many nodes run on it, its warm pool.

    Attributes:
        created_at (datetime.datetime):
        id (UUID):
        name (str):
        nodes (int): Nodes placed on it (any tenant), DELETED excluded.
        spare_nodes (list[SpareNode]): Its warm pool: VMs booted ahead of need, oldest first.
        uri (str):
    """

    created_at: datetime.datetime
    id: UUID
    name: str
    nodes: int
    spare_nodes: list[SpareNode]
    uri: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        id = str(self.id)

        name = self.name

        nodes = self.nodes

        spare_nodes = []
        for spare_nodes_item_data in self.spare_nodes:
            spare_nodes_item = spare_nodes_item_data.to_dict()
            spare_nodes.append(spare_nodes_item)

        uri = self.uri

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "id": id,
                "name": name,
                "nodes": nodes,
                "spare_nodes": spare_nodes,
                "uri": uri,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.spare_node import SpareNode  # noqa: PLC0415

        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = UUID(d.pop("id"))

        name = d.pop("name")

        nodes = d.pop("nodes")

        spare_nodes = []
        _spare_nodes = d.pop("spare_nodes")
        for spare_nodes_item_data in _spare_nodes:
            spare_nodes_item = SpareNode.from_dict(spare_nodes_item_data)

            spare_nodes.append(spare_nodes_item)

        uri = d.pop("uri")

        hypervisor = cls(
            created_at=created_at,
            id=id,
            name=name,
            nodes=nodes,
            spare_nodes=spare_nodes,
            uri=uri,
        )

        hypervisor.additional_properties = d
        return hypervisor

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
