from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.hypervisor_state import HypervisorState
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.spare_node import SpareNode


T = TypeVar("T", bound="Hypervisor")


@_attrs_define
class Hypervisor:
    """A compute host (admin): its libvirt URI, capacity and state, how many nodes run on it, its
    warm pool.

        Attributes:
            capacity_nodes (int): Nodes (spares included) placement may put on it.
            created_at (datetime.datetime):
            id (UUID):
            name (str):
            nodes (int): Nodes placed on it (any tenant), DELETED excluded.
            reachable (bool): Its controller listed its domains recently. An unreachable hypervisor gets no new nodes
                and its nodes are replaced elsewhere, as if it were DRAINING.
            spare_nodes (list[SpareNode]): Its warm pool: VMs booted ahead of need, oldest first.
            state (HypervisorState): What placement may do with a hypervisor (ARCHITECTURE §14). ENABLED: new nodes go
                there. DISABLED: nothing new goes there, what runs stays (a cordon). DRAINING: nothing
                new, and its nodes are replaced elsewhere, then retired through SUNDOWN (out of DNS,
                drained, deleted): no request fails.
            uri (str):
            seen_at (datetime.datetime | None | Unset): When its controller last reached its libvirt (never: null).
    """

    capacity_nodes: int
    created_at: datetime.datetime
    id: UUID
    name: str
    nodes: int
    reachable: bool
    spare_nodes: list[SpareNode]
    state: HypervisorState
    uri: str
    seen_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        capacity_nodes = self.capacity_nodes

        created_at = self.created_at.isoformat()

        id = str(self.id)

        name = self.name

        nodes = self.nodes

        reachable = self.reachable

        spare_nodes = []
        for spare_nodes_item_data in self.spare_nodes:
            spare_nodes_item = spare_nodes_item_data.to_dict()
            spare_nodes.append(spare_nodes_item)

        state = self.state.value

        uri = self.uri

        seen_at: None | str | Unset
        if isinstance(self.seen_at, Unset):
            seen_at = UNSET
        elif isinstance(self.seen_at, datetime.datetime):
            seen_at = self.seen_at.isoformat()
        else:
            seen_at = self.seen_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "capacity_nodes": capacity_nodes,
                "created_at": created_at,
                "id": id,
                "name": name,
                "nodes": nodes,
                "reachable": reachable,
                "spare_nodes": spare_nodes,
                "state": state,
                "uri": uri,
            }
        )
        if seen_at is not UNSET:
            field_dict["seen_at"] = seen_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.spare_node import SpareNode  # noqa: PLC0415

        d = dict(src_dict)
        capacity_nodes = d.pop("capacity_nodes")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = UUID(d.pop("id"))

        name = d.pop("name")

        nodes = d.pop("nodes")

        reachable = d.pop("reachable")

        spare_nodes = []
        _spare_nodes = d.pop("spare_nodes")
        for spare_nodes_item_data in _spare_nodes:
            spare_nodes_item = SpareNode.from_dict(spare_nodes_item_data)

            spare_nodes.append(spare_nodes_item)

        state = HypervisorState(d.pop("state"))

        uri = d.pop("uri")

        def _parse_seen_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                seen_at_type_0 = datetime.datetime.fromisoformat(data)

                return seen_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        seen_at = _parse_seen_at(d.pop("seen_at", UNSET))

        hypervisor = cls(
            capacity_nodes=capacity_nodes,
            created_at=created_at,
            id=id,
            name=name,
            nodes=nodes,
            reachable=reachable,
            spare_nodes=spare_nodes,
            state=state,
            uri=uri,
            seen_at=seen_at,
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
