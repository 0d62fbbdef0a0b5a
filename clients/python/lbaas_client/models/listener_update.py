from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ListenerUpdate")


@_attrs_define
class ListenerUpdate:
    """
    Attributes:
        cache (bool | None | Unset):
        certificates (list[str] | None | Unset): HTTPS: replaces the certificate list (ids or names; the first is the
            default). Agents
            swap certificates without dropping connections.
        default_pool_id (None | Unset | UUID):
        generation (int | None | Unset):
    """

    cache: bool | None | Unset = UNSET
    certificates: list[str] | None | Unset = UNSET
    default_pool_id: None | Unset | UUID = UNSET
    generation: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        cache: bool | None | Unset
        if isinstance(self.cache, Unset):
            cache = UNSET
        else:
            cache = self.cache

        certificates: list[str] | None | Unset
        if isinstance(self.certificates, Unset):
            certificates = UNSET
        elif isinstance(self.certificates, list):
            certificates = self.certificates

        else:
            certificates = self.certificates

        default_pool_id: None | str | Unset
        if isinstance(self.default_pool_id, Unset):
            default_pool_id = UNSET
        elif isinstance(self.default_pool_id, UUID):
            default_pool_id = str(self.default_pool_id)
        else:
            default_pool_id = self.default_pool_id

        generation: int | None | Unset
        if isinstance(self.generation, Unset):
            generation = UNSET
        else:
            generation = self.generation

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if cache is not UNSET:
            field_dict["cache"] = cache
        if certificates is not UNSET:
            field_dict["certificates"] = certificates
        if default_pool_id is not UNSET:
            field_dict["default_pool_id"] = default_pool_id
        if generation is not UNSET:
            field_dict["generation"] = generation

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_cache(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        cache = _parse_cache(d.pop("cache", UNSET))

        def _parse_certificates(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                certificates_type_0 = cast(list[str], data)

                return certificates_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        certificates = _parse_certificates(d.pop("certificates", UNSET))

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

        def _parse_generation(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        generation = _parse_generation(d.pop("generation", UNSET))

        listener_update = cls(
            cache=cache,
            certificates=certificates,
            default_pool_id=default_pool_id,
            generation=generation,
        )

        return listener_update
