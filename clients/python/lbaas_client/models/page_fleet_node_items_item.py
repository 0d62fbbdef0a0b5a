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

T = TypeVar("T", bound="PageFleetNodeItemsItem")


@_attrs_define
class PageFleetNodeItemsItem:
    """A node as an operator sees it across tenants (admin).

    Attributes:
        hypervisor (str): The hypervisor it runs on.
        id (UUID):
        load_balancer (str):
        name (str):
        project (str):
        requests_per_second (float):
        status (NodeStatus): Lifecycle of one LB VM. DOWN: was ACTIVE, observed dead; out of DNS, replaced, deleted
            after a grace period unless it recovers first.
        status_reason (str):
        tenant (str):
        utilization (Utilization):
        last_heartbeat (datetime.datetime | None | Unset):
        vip (None | str | Unset):
    """

    hypervisor: str
    id: UUID
    load_balancer: str
    name: str
    project: str
    requests_per_second: float
    status: NodeStatus
    status_reason: str
    tenant: str
    utilization: Utilization
    last_heartbeat: datetime.datetime | None | Unset = UNSET
    vip: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        hypervisor = self.hypervisor

        id = str(self.id)

        load_balancer = self.load_balancer

        name = self.name

        project = self.project

        requests_per_second = self.requests_per_second

        status = self.status.value

        status_reason = self.status_reason

        tenant = self.tenant

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
                "hypervisor": hypervisor,
                "id": id,
                "load_balancer": load_balancer,
                "name": name,
                "project": project,
                "requests_per_second": requests_per_second,
                "status": status,
                "status_reason": status_reason,
                "tenant": tenant,
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
        hypervisor = d.pop("hypervisor")

        id = UUID(d.pop("id"))

        load_balancer = d.pop("load_balancer")

        name = d.pop("name")

        project = d.pop("project")

        requests_per_second = d.pop("requests_per_second")

        status = NodeStatus(d.pop("status"))

        status_reason = d.pop("status_reason")

        tenant = d.pop("tenant")

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

        page_fleet_node_items_item = cls(
            hypervisor=hypervisor,
            id=id,
            load_balancer=load_balancer,
            name=name,
            project=project,
            requests_per_second=requests_per_second,
            status=status,
            status_reason=status_reason,
            tenant=tenant,
            utilization=utilization,
            last_heartbeat=last_heartbeat,
            vip=vip,
        )

        page_fleet_node_items_item.additional_properties = d
        return page_fleet_node_items_item

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
