from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.operating_status import OperatingStatus
from ..models.provisioning_status import ProvisioningStatus

T = TypeVar("T", bound="PageLoadBalancerItemsItem")


@_attrs_define
class PageLoadBalancerItemsItem:
    """
    Attributes:
        auto_scaling (bool):
        created_at (datetime.datetime):
        description (str):
        desired_nodes (int): Nodes the load balancer should run now: `min_nodes` unless autoscale decided more.
        dns_name (str): `<lb>.<project>.<tenant>.<zone>`
        generation (int):
        id (UUID):
        max_nodes (int):
        min_nodes (int):
        name (str):
        operating_status (OperatingStatus): What the health checks observe (Octavia's `operating_status`).
        project_id (UUID):
        provisioning_status (ProvisioningStatus): Where the control plane is with a resource (Octavia's
            `provisioning_status`).
        status_reason (str):
        subnet_id (UUID):
        tenant_id (UUID):
        updated_at (datetime.datetime):
        url (str): Where clients reach it, e.g. `http://web.demo.acme.lbaas.test/`.
        vips (list[str]): VIPs of the ACTIVE nodes.
    """

    auto_scaling: bool
    created_at: datetime.datetime
    description: str
    desired_nodes: int
    dns_name: str
    generation: int
    id: UUID
    max_nodes: int
    min_nodes: int
    name: str
    operating_status: OperatingStatus
    project_id: UUID
    provisioning_status: ProvisioningStatus
    status_reason: str
    subnet_id: UUID
    tenant_id: UUID
    updated_at: datetime.datetime
    url: str
    vips: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        auto_scaling = self.auto_scaling

        created_at = self.created_at.isoformat()

        description = self.description

        desired_nodes = self.desired_nodes

        dns_name = self.dns_name

        generation = self.generation

        id = str(self.id)

        max_nodes = self.max_nodes

        min_nodes = self.min_nodes

        name = self.name

        operating_status = self.operating_status.value

        project_id = str(self.project_id)

        provisioning_status = self.provisioning_status.value

        status_reason = self.status_reason

        subnet_id = str(self.subnet_id)

        tenant_id = str(self.tenant_id)

        updated_at = self.updated_at.isoformat()

        url = self.url

        vips = self.vips

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "auto_scaling": auto_scaling,
                "created_at": created_at,
                "description": description,
                "desired_nodes": desired_nodes,
                "dns_name": dns_name,
                "generation": generation,
                "id": id,
                "max_nodes": max_nodes,
                "min_nodes": min_nodes,
                "name": name,
                "operating_status": operating_status,
                "project_id": project_id,
                "provisioning_status": provisioning_status,
                "status_reason": status_reason,
                "subnet_id": subnet_id,
                "tenant_id": tenant_id,
                "updated_at": updated_at,
                "url": url,
                "vips": vips,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        auto_scaling = d.pop("auto_scaling")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        description = d.pop("description")

        desired_nodes = d.pop("desired_nodes")

        dns_name = d.pop("dns_name")

        generation = d.pop("generation")

        id = UUID(d.pop("id"))

        max_nodes = d.pop("max_nodes")

        min_nodes = d.pop("min_nodes")

        name = d.pop("name")

        operating_status = OperatingStatus(d.pop("operating_status"))

        project_id = UUID(d.pop("project_id"))

        provisioning_status = ProvisioningStatus(d.pop("provisioning_status"))

        status_reason = d.pop("status_reason")

        subnet_id = UUID(d.pop("subnet_id"))

        tenant_id = UUID(d.pop("tenant_id"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        url = d.pop("url")

        vips = cast(list[str], d.pop("vips"))

        page_load_balancer_items_item = cls(
            auto_scaling=auto_scaling,
            created_at=created_at,
            description=description,
            desired_nodes=desired_nodes,
            dns_name=dns_name,
            generation=generation,
            id=id,
            max_nodes=max_nodes,
            min_nodes=min_nodes,
            name=name,
            operating_status=operating_status,
            project_id=project_id,
            provisioning_status=provisioning_status,
            status_reason=status_reason,
            subnet_id=subnet_id,
            tenant_id=tenant_id,
            updated_at=updated_at,
            url=url,
            vips=vips,
        )

        page_load_balancer_items_item.additional_properties = d
        return page_load_balancer_items_item

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
