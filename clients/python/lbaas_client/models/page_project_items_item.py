from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PageProjectItemsItem")


@_attrs_define
class PageProjectItemsItem:
    """
    Attributes:
        created_at (datetime.datetime):
        description (str):
        display_name (str): The name as a person wrote it (`john's project`); `name` when none was given.
        generation (int):
        id (UUID):
        name (str): The DNS label (in load balancers' names); looks the project up, as does `display_name`.
        tenant_id (UUID):
        updated_at (datetime.datetime):
    """

    created_at: datetime.datetime
    description: str
    display_name: str
    generation: int
    id: UUID
    name: str
    tenant_id: UUID
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        description = self.description

        display_name = self.display_name

        generation = self.generation

        id = str(self.id)

        name = self.name

        tenant_id = str(self.tenant_id)

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "description": description,
                "display_name": display_name,
                "generation": generation,
                "id": id,
                "name": name,
                "tenant_id": tenant_id,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        description = d.pop("description")

        display_name = d.pop("display_name")

        generation = d.pop("generation")

        id = UUID(d.pop("id"))

        name = d.pop("name")

        tenant_id = UUID(d.pop("tenant_id"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        page_project_items_item = cls(
            created_at=created_at,
            description=description,
            display_name=display_name,
            generation=generation,
            id=id,
            name=name,
            tenant_id=tenant_id,
            updated_at=updated_at,
        )

        page_project_items_item.additional_properties = d
        return page_project_items_item

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
