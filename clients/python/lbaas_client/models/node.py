from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.node_status import NodeStatus
from ..models.utilization import Utilization
from ..types import UNSET, Unset

T = TypeVar("T", bound="Node")


@_attrs_define
class Node:
    """
    Attributes:
        active_connections (int): Client connections open on the agent, from its last heartbeat.
        cpu (float): Agent CPU (0..1 per core), from its last heartbeat: what autoscale reads.
        created_at (datetime.datetime):
        generation (int):
        id (UUID):
        load_balancer_id (UUID):
        name (str):
        requests_per_second (float): Requests per second the agent served, from its last heartbeat.
        status (NodeStatus): Lifecycle of one LB VM. DOWN: was ACTIVE, observed dead; out of DNS, replaced, deleted
            after a grace period unless it recovers first.
        status_reason (str):
        tenant_id (UUID):
        updated_at (datetime.datetime):
        utilization (Utilization):
        last_heartbeat (datetime.datetime | None | Unset):
        vip (None | str | Unset):
    """

    active_connections: int
    cpu: float
    created_at: datetime.datetime
    generation: int
    id: UUID
    load_balancer_id: UUID
    name: str
    requests_per_second: float
    status: NodeStatus
    status_reason: str
    tenant_id: UUID
    updated_at: datetime.datetime
    utilization: Utilization
    last_heartbeat: datetime.datetime | None | Unset = UNSET
    vip: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active_connections = self.active_connections

        cpu = self.cpu

        created_at = self.created_at.isoformat()

        generation = self.generation

        id = str(self.id)

        load_balancer_id = str(self.load_balancer_id)

        name = self.name

        requests_per_second = self.requests_per_second

        status = self.status.value

        status_reason = self.status_reason

        tenant_id = str(self.tenant_id)

        updated_at = self.updated_at.isoformat()

        utilization = self.utilization.value

        last_heartbeat: None | str | Unset
        if isinstance(self.last_heartbeat, Unset):
            last_heartbeat = UNSET
        elif isinstance(self.last_heartbeat, datetime.datetime):
            last_heartbeat = self.last_heartbeat.isoformat()
        else:
            last_heartbeat = self.last_heartbeat

        vip: None | str | Unset
        if isinstance(self.vip, Unset):
            vip = UNSET
        else:
            vip = self.vip

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active_connections": active_connections,
                "cpu": cpu,
                "created_at": created_at,
                "generation": generation,
                "id": id,
                "load_balancer_id": load_balancer_id,
                "name": name,
                "requests_per_second": requests_per_second,
                "status": status,
                "status_reason": status_reason,
                "tenant_id": tenant_id,
                "updated_at": updated_at,
                "utilization": utilization,
            }
        )
        if last_heartbeat is not UNSET:
            field_dict["last_heartbeat"] = last_heartbeat
        if vip is not UNSET:
            field_dict["vip"] = vip

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        active_connections = d.pop("active_connections")

        cpu = d.pop("cpu")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        generation = d.pop("generation")

        id = UUID(d.pop("id"))

        load_balancer_id = UUID(d.pop("load_balancer_id"))

        name = d.pop("name")

        requests_per_second = d.pop("requests_per_second")

        status = NodeStatus(d.pop("status"))

        status_reason = d.pop("status_reason")

        tenant_id = UUID(d.pop("tenant_id"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        utilization = Utilization(d.pop("utilization"))

        def _parse_last_heartbeat(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_heartbeat_type_0 = datetime.datetime.fromisoformat(data)

                return last_heartbeat_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_heartbeat = _parse_last_heartbeat(d.pop("last_heartbeat", UNSET))

        def _parse_vip(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        vip = _parse_vip(d.pop("vip", UNSET))

        node = cls(
            active_connections=active_connections,
            cpu=cpu,
            created_at=created_at,
            generation=generation,
            id=id,
            load_balancer_id=load_balancer_id,
            name=name,
            requests_per_second=requests_per_second,
            status=status,
            status_reason=status_reason,
            tenant_id=tenant_id,
            updated_at=updated_at,
            utilization=utilization,
            last_heartbeat=last_heartbeat,
            vip=vip,
        )

        node.additional_properties = d
        return node

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
