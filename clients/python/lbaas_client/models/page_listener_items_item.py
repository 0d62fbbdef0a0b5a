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
        cache (bool): HTTP/HTTPS: the agents cache GET responses that HTTP caching rules allow.
        certificate_ids (list[UUID]): HTTPS: the certificates served, chosen by the client's SNI; the first is the
            default.
        created_at (datetime.datetime):
        generation (int):
        id (UUID):
        load_balancer_id (UUID):
        name (str):
        port (int):
        protocol (Protocol): A listener's protocol (HTTPS: TLS terminated by the nodes), a pool's protocol (HTTP or
            TCP: what its members speak) or a health monitor's (HTTPS: the probe speaks TLS, without
            verifying the member's certificate, as Octavia's HTTPS monitor does).
        tenant_id (UUID):
        updated_at (datetime.datetime):
        default_pool_id (None | Unset | UUID):
        redirect_https_port (int | None | Unset): HTTP: every request is redirected to HTTPS on this port.
    """

    cache: bool
    certificate_ids: list[UUID]
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
    redirect_https_port: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cache = self.cache

        certificate_ids = []
        for certificate_ids_item_data in self.certificate_ids:
            certificate_ids_item = str(certificate_ids_item_data)
            certificate_ids.append(certificate_ids_item)

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

        redirect_https_port: int | None | Unset
        if isinstance(self.redirect_https_port, Unset):
            redirect_https_port = UNSET
        else:
            redirect_https_port = self.redirect_https_port

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cache": cache,
                "certificate_ids": certificate_ids,
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
        if redirect_https_port is not UNSET:
            field_dict["redirect_https_port"] = redirect_https_port

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        cache = d.pop("cache")

        certificate_ids = []
        _certificate_ids = d.pop("certificate_ids")
        for certificate_ids_item_data in _certificate_ids:
            certificate_ids_item = UUID(certificate_ids_item_data)

            certificate_ids.append(certificate_ids_item)

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

        def _parse_redirect_https_port(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        redirect_https_port = _parse_redirect_https_port(d.pop("redirect_https_port", UNSET))

        page_listener_items_item = cls(
            cache=cache,
            certificate_ids=certificate_ids,
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
            redirect_https_port=redirect_https_port,
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
