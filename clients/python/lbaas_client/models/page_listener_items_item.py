from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.protocol import Protocol
from ..types import UNSET, Unset

T = TypeVar("T", bound="PageListenerItemsItem")


@_attrs_define
class PageListenerItemsItem:
    """
    Attributes:
        cache (bool): HTTP only: the agents cache GET responses that HTTP caching rules allow.
        created_at (datetime.datetime):
        generation (int):
        id (UUID):
        load_balancer_id (UUID):
        name (str):
        port (int):
        protocol (Protocol):
        tenant_id (UUID):
        updated_at (datetime.datetime):
        default_pool_id (None | Unset | UUID):
    """

    cache: bool
    created_at: datetime.datetime
    generation: int
    id: UUID
    load_balancer_id: UUID
    name: str
    port: int
    protocol: Protocol
    tenant_id: UUID
    updated_at: datetime.datetime
    default_pool_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cache = self.cache

        created_at = self.created_at.isoformat()

        generation = self.generation

        id = str(self.id)

        load_balancer_id = str(self.load_balancer_id)

        name = self.name

        port = self.port

        protocol = self.protocol.value

        tenant_id = str(self.tenant_id)

        updated_at = self.updated_at.isoformat()

        default_pool_id: None | str | Unset
        if isinstance(self.default_pool_id, Unset):
            default_pool_id = UNSET
        elif isinstance(self.default_pool_id, UUID):
            default_pool_id = str(self.default_pool_id)
        else:
            default_pool_id = self.default_pool_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cache": cache,
                "created_at": created_at,
                "generation": generation,
                "id": id,
                "load_balancer_id": load_balancer_id,
                "name": name,
                "port": port,
                "protocol": protocol,
                "tenant_id": tenant_id,
                "updated_at": updated_at,
            }
        )
        if default_pool_id is not UNSET:
            field_dict["default_pool_id"] = default_pool_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        cache = d.pop("cache")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        generation = d.pop("generation")

        id = UUID(d.pop("id"))

        load_balancer_id = UUID(d.pop("load_balancer_id"))

        name = d.pop("name")

        port = d.pop("port")

        protocol = Protocol(d.pop("protocol"))

        tenant_id = UUID(d.pop("tenant_id"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_default_pool_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                default_pool_id_type_1 = UUID(data)

                return default_pool_id_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        default_pool_id = _parse_default_pool_id(d.pop("default_pool_id", UNSET))

        page_listener_items_item = cls(
            cache=cache,
            created_at=created_at,
            generation=generation,
            id=id,
            load_balancer_id=load_balancer_id,
            name=name,
            port=port,
            protocol=protocol,
            tenant_id=tenant_id,
            updated_at=updated_at,
            default_pool_id=default_pool_id,
        )

        page_listener_items_item.additional_properties = d
        return page_listener_items_item

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
