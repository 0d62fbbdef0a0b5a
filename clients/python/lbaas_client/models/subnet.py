from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Subnet")


@_attrs_define
class Subnet:
    """
    Attributes:
        cidr (str): e.g. `10.10.0.0/24`
        created_at (datetime.datetime):
        gateway (str): The address the project bridge holds; the first host address by default.
        generation (int):
        id (UUID):
        name (str):
        project_id (UUID):
        tenant_id (UUID):
        updated_at (datetime.datetime):
    """

    cidr: str
    created_at: datetime.datetime
    gateway: str
    generation: int
    id: UUID
    name: str
    project_id: UUID
    tenant_id: UUID
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cidr = self.cidr

        created_at = self.created_at.isoformat()

        gateway = self.gateway

        generation = self.generation

        id = str(self.id)

        name = self.name

        project_id = str(self.project_id)

        tenant_id = str(self.tenant_id)

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cidr": cidr,
                "created_at": created_at,
                "gateway": gateway,
                "generation": generation,
                "id": id,
                "name": name,
                "project_id": project_id,
                "tenant_id": tenant_id,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        cidr = d.pop("cidr")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        gateway = d.pop("gateway")

        generation = d.pop("generation")

        id = UUID(d.pop("id"))

        name = d.pop("name")

        project_id = UUID(d.pop("project_id"))

        tenant_id = UUID(d.pop("tenant_id"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        subnet = cls(
            cidr=cidr,
            created_at=created_at,
            gateway=gateway,
            generation=generation,
            id=id,
            name=name,
            project_id=project_id,
            tenant_id=tenant_id,
            updated_at=updated_at,
        )

        subnet.additional_properties = d
        return subnet

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
