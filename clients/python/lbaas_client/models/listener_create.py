from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.protocol import Protocol
from ..types import UNSET, Unset

T = TypeVar("T", bound="ListenerCreate")


@_attrs_define
class ListenerCreate:
    """
    Attributes:
        name (str):
        port (int):
        protocol (Protocol):
        cache (bool | Unset): HTTP only: cache GET responses that HTTP caching rules allow (default off).
        default_pool_id (None | Unset | UUID):
    """

    name: str
    port: int
    protocol: Protocol
    cache: bool | Unset = UNSET
    default_pool_id: None | Unset | UUID = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        port = self.port

        protocol = self.protocol.value

        cache = self.cache

        default_pool_id: None | str | Unset
        if isinstance(self.default_pool_id, Unset):
            default_pool_id = UNSET
        elif isinstance(self.default_pool_id, UUID):
            default_pool_id = str(self.default_pool_id)
        else:
            default_pool_id = self.default_pool_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "port": port,
                "protocol": protocol,
            }
        )
        if cache is not UNSET:
            field_dict["cache"] = cache
        if default_pool_id is not UNSET:
            field_dict["default_pool_id"] = default_pool_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        port = d.pop("port")

        protocol = Protocol(d.pop("protocol"))

        cache = d.pop("cache", UNSET)

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

        listener_create = cls(
            name=name,
            port=port,
            protocol=protocol,
            cache=cache,
            default_pool_id=default_pool_id,
        )

        return listener_create
